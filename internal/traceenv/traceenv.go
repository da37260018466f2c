// Package traceenv reads the environment variables that configure tracing
// (see package tracing for what each one means). Every invalid value is
// reported once per process, per variable and value, as a warning naming
// the variable, the value and the accepted values; the caller then gets the
// default. Its functions read the environment on every call and are safe
// for concurrent use.
package traceenv

import (
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The variables read by package tracing.
const (
	EnvTracingEnabled   = "CREWAI_TRACING_ENABLED"
	EnvSDKDisabled      = "OTEL_SDK_DISABLED"
	EnvCaptureContent   = "CREWAI_TRACING_CAPTURE_CONTENT"
	EnvOTelCapture      = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
	EnvTracesExporter   = "OTEL_TRACES_EXPORTER"
	EnvTracesDir        = "CREWAI_TRACES_DIR"
	EnvFlushTimeout     = "CREWAI_TRACING_FLUSH_TIMEOUT"
	EnvOTLPEndpoint     = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvOTLPTracesEP     = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvOTLPProtocol     = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvOTLPTracesProto  = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	EnvOTelServiceName  = "OTEL_SERVICE_NAME"
	EnvOTelResourceAttr = "OTEL_RESOURCE_ATTRIBUTES"
)

// Backend names, as OTEL_TRACES_EXPORTER accepts them.
const (
	BackendOTLP    = "otlp"
	BackendConsole = "console"
	BackendFile    = "file"
	BackendNone    = "none"
	BackendCrewAI  = "crewai"
)

// DefaultFlushTimeout is FlushTimeout's answer when the variable is unset or
// invalid.
const DefaultFlushTimeout = 5 * time.Second

// warned records the variable=value pairs already warned about, so that an
// invalid value is reported once per process however many runs read it.
var warned sync.Map

func warnOnce(l *slog.Logger, name, value, accepted, consequence string) {
	if _, loaded := warned.LoadOrStore(name+"="+value, struct{}{}); loaded {
		return
	}
	if l == nil {
		l = slog.Default()
	}
	l.Warn("tracing: invalid value of "+name+"; "+consequence,
		"variable", name, "value", value, "accepted", accepted)
}

const boolAccepted = "true, 1, yes, on, false, 0, no, off (any case), or empty"

// ParseBool reads a boolean environment value: true/1/yes/on and
// false/0/no/off in any case, "" meaning unset. ok is false for anything
// else.
func ParseBool(v string) (val, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off", "":
		return false, true
	}
	return false, false
}

// Enabled reports whether a run is traced: OTEL_SDK_DISABLED turns tracing
// off; else requested (a Crew's or Flow's Tracing field) or
// CREWAI_TRACING_ENABLED turns it on. Invalid values are warned about
// through l (nil means slog.Default()).
func Enabled(requested bool, l *slog.Logger) bool {
	if v := os.Getenv(EnvSDKDisabled); v != "" {
		off, ok := ParseBool(v)
		if !ok {
			warnOnce(l, EnvSDKDisabled, v, boolAccepted, "tracing is off")
			return false
		}
		if off {
			return false
		}
	}
	v := os.Getenv(EnvTracingEnabled)
	on, ok := ParseBool(v)
	if !ok {
		// Warned also when requested is true: the variable is meant for
		// every run of the process, and a typo in it should not go unseen.
		warnOnce(l, EnvTracingEnabled, v, boolAccepted,
			"it is ignored: tracing is off unless a Crew or Flow sets Tracing: true")
	}
	return requested || (ok && on)
}

// Capture decides content capture: CREWAI_TRACING_CAPTURE_CONTENT when set
// and valid, else OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT when
// set and valid, else on.
func Capture(l *slog.Logger) bool {
	if v := os.Getenv(EnvCaptureContent); strings.TrimSpace(v) != "" {
		on, ok := ParseBool(v)
		if ok {
			return on
		}
		warnOnce(l, EnvCaptureContent, v, boolAccepted, "content capture stays on unless another variable turns it off")
	}
	if v := os.Getenv(EnvOTelCapture); strings.TrimSpace(v) != "" {
		switch strings.ToUpper(strings.TrimSpace(v)) {
		case "SPAN_ONLY", "SPAN_AND_EVENT":
			return true
		case "NO_CONTENT", "EVENT_ONLY":
			// EVENT_ONLY asks for content on log events only; tracing
			// records no log events, so spans carry no content.
			return false
		}
		if on, ok := ParseBool(v); ok {
			return on
		}
		warnOnce(l, EnvOTelCapture, v,
			"true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT (any case)", "content capture stays on")
	}
	return true
}

// Backend reads OTEL_TRACES_EXPORTER; unset, it is otlp when an OTLP
// endpoint variable is set, else file. A comma-separated list uses its
// first entry.
func Backend(l *slog.Logger) string {
	raw := os.Getenv(EnvTracesExporter)
	v := strings.ToLower(strings.TrimSpace(raw))
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	switch v {
	case BackendOTLP, BackendConsole, BackendFile, BackendNone, BackendCrewAI:
		return v
	case "":
	default:
		warnOnce(l, EnvTracesExporter, raw, "otlp, console, file, none, crewai", "using the default backend")
	}
	if os.Getenv(EnvOTLPEndpoint) != "" || os.Getenv(EnvOTLPTracesEP) != "" {
		return BackendOTLP
	}
	return BackendFile
}

// Protocol reads OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, then
// OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf (default), http/json or grpc.
func Protocol(l *slog.Logger) string {
	for _, name := range []string{EnvOTLPTracesProto, EnvOTLPProtocol} {
		raw := os.Getenv(name)
		switch v := strings.ToLower(strings.TrimSpace(raw)); v {
		case "":
			continue
		case "http/protobuf", "http/json", "grpc":
			return v
		default:
			warnOnce(l, name, raw, "http/protobuf, http/json, grpc", "using http/protobuf")
			return "http/protobuf"
		}
	}
	return "http/protobuf"
}

// Endpoint is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else
// OTEL_EXPORTER_OTLP_ENDPOINT, else "".
func Endpoint() string {
	if ep := os.Getenv(EnvOTLPTracesEP); ep != "" {
		return ep
	}
	return os.Getenv(EnvOTLPEndpoint)
}

// FlushTimeout reads CREWAI_TRACING_FLUSH_TIMEOUT: a Go duration ("300ms",
// "2s") or a number of seconds ("2", "0.5").
func FlushTimeout(l *slog.Logger) time.Duration {
	raw := os.Getenv(EnvFlushTimeout)
	v := strings.TrimSpace(raw)
	if v == "" {
		return DefaultFlushTimeout
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 1e6 {
		return time.Duration(f * float64(time.Second))
	}
	warnOnce(l, EnvFlushTimeout, raw, "a positive Go duration such as 300ms or 2s, or a number of seconds",
		"using the default of 5s")
	return DefaultFlushTimeout
}

package tracing

import (
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// envWarned records the variable=value pairs already warned about, so that an
// invalid value is reported once per process however many runs read it.
var envWarned sync.Map

func warnEnvOnce(l *slog.Logger, name, value, accepted, consequence string) {
	if _, loaded := envWarned.LoadOrStore(name+"="+value, struct{}{}); loaded {
		return
	}
	if l == nil {
		l = slog.Default()
	}
	l.Warn("tracing: invalid value of "+name+"; "+consequence,
		"variable", name, "value", value, "accepted", accepted)
}

const boolAccepted = "true, 1, yes, on, false, 0, no, off (any case), or empty"

// parseBool reads a boolean environment value: true/1/yes/on and
// false/0/no/off in any case, "" meaning unset. ok is false for anything
// else.
func parseBool(v string) (val, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off", "":
		return false, true
	}
	return false, false
}

// Enabled reports whether a run is traced: see the package doc for the
// precedence of explicit (a Crew's or Flow's Tracing field),
// CREWAI_TRACING_ENABLED and OTEL_SDK_DISABLED. Invalid values are warned
// about once per process, through l (nil means slog.Default()). It reads the
// environment on every call and is safe for concurrent use.
func Enabled(explicit bool, l *slog.Logger) bool {
	if v := os.Getenv(EnvSDKDisabled); v != "" {
		off, ok := parseBool(v)
		if !ok {
			warnEnvOnce(l, EnvSDKDisabled, v, boolAccepted, "tracing is off")
			return false
		}
		if off {
			return false
		}
	}
	v := os.Getenv(EnvTracingEnabled)
	on, ok := parseBool(v)
	if !ok {
		// Warned also when explicit is true: the variable is meant for
		// every run of the process, and a typo in it should not go unseen.
		warnEnvOnce(l, EnvTracingEnabled, v, boolAccepted,
			"it is ignored: tracing is off unless a Crew or Flow sets Tracing: true")
	}
	return explicit || (ok && on)
}

// captureFromEnv decides content capture from the environment:
// CREWAI_TRACING_CAPTURE_CONTENT when set and valid, else
// OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT when set and valid,
// else on.
func captureFromEnv(l *slog.Logger) bool {
	if v := os.Getenv(EnvCaptureContent); strings.TrimSpace(v) != "" {
		on, ok := parseBool(v)
		if ok {
			return on
		}
		warnEnvOnce(l, EnvCaptureContent, v, boolAccepted, "content capture stays on unless another variable turns it off")
	}
	if v := os.Getenv(EnvOTelCapture); strings.TrimSpace(v) != "" {
		switch strings.ToUpper(strings.TrimSpace(v)) {
		case "SPAN_ONLY", "SPAN_AND_EVENT":
			return true
		case "NO_CONTENT", "EVENT_ONLY":
			// EVENT_ONLY asks for content on log events only; this package
			// records no log events, so spans carry no content.
			return false
		}
		if on, ok := parseBool(v); ok {
			return on
		}
		warnEnvOnce(l, EnvOTelCapture, v,
			"true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT (any case)", "content capture stays on")
	}
	return true
}

// backendFromEnv reads OTEL_TRACES_EXPORTER; unset, it is otlp when an OTLP
// endpoint variable is set, else file. A comma-separated list uses its first
// entry.
func backendFromEnv(l *slog.Logger) string {
	raw := os.Getenv(EnvTracesExporter)
	v := strings.ToLower(strings.TrimSpace(raw))
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	switch v {
	case BackendOTLP, BackendConsole, BackendFile, BackendNone:
		return v
	case "":
	default:
		warnEnvOnce(l, EnvTracesExporter, raw, "otlp, console, file, none", "using the default backend")
	}
	if os.Getenv(EnvOTLPEndpoint) != "" || os.Getenv(EnvOTLPTracesEP) != "" {
		return BackendOTLP
	}
	return BackendFile
}

// protocolFromEnv reads OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, then
// OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf (default), http/json or grpc.
func protocolFromEnv(l *slog.Logger) string {
	for _, name := range []string{EnvOTLPTracesProto, EnvOTLPProtocol} {
		raw := os.Getenv(name)
		switch v := strings.ToLower(strings.TrimSpace(raw)); v {
		case "":
			continue
		case "http/protobuf", "http/json", "grpc":
			return v
		default:
			warnEnvOnce(l, name, raw, "http/protobuf, http/json, grpc", "using http/protobuf")
			return "http/protobuf"
		}
	}
	return "http/protobuf"
}

// flushTimeoutFromEnv reads CREWAI_TRACING_FLUSH_TIMEOUT: a Go duration
// ("300ms", "2s") or a number of seconds ("2", "0.5").
func flushTimeoutFromEnv(l *slog.Logger) time.Duration {
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
	warnEnvOnce(l, EnvFlushTimeout, raw, "a positive Go duration such as 300ms or 2s, or a number of seconds",
		"using the default of 5s")
	return DefaultFlushTimeout
}

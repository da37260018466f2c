package traceenv

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBuf is a concurrency-safe log sink that counts warnings.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuf) warnings() int { return strings.Count(l.String(), "level=WARN") }

func (l *logBuf) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

func clearOTLPEnv(t *testing.T) {
	for _, k := range []string{EnvTracesExporter, EnvOTLPEndpoint, EnvOTLPTracesEP, EnvOTLPProtocol, EnvOTLPTracesProto,
		EnvTracesDir, EnvFlushTimeout, EnvTracingEnabled, EnvSDKDisabled, "OTEL_EXPORTER_OTLP_TIMEOUT"} {
		t.Setenv(k, "")
	}
}

// Every choice of backend by the environment (issue: OTEL_TRACES_EXPORTER =
// otlp | console | file | none; unset: otlp if an OTLP endpoint variable is
// set, else file; anything else: one warning and the unset behaviour).
func TestBackendChoice(t *testing.T) {
	for _, c := range []struct {
		name, exporter, endpoint, tracesEndpoint string
		want                                     string
		warn                                     bool
	}{
		{"unset", "", "", "", BackendFile, false},
		{"unset with endpoint", "", "http://127.0.0.1:4318", "", BackendOTLP, false},
		{"unset with traces endpoint", "", "", "http://127.0.0.1:4318/v1/traces", BackendOTLP, false},
		{"otlp", "otlp", "", "", BackendOTLP, false},
		{"console", "console", "http://127.0.0.1:4318", "", BackendConsole, false},
		{"file", "file", "http://127.0.0.1:4318", "", BackendFile, false},
		{"none", "none", "", "", BackendNone, false},
		{"any case and spaces", " Console ", "", "", BackendConsole, false},
		{"a list uses its first entry", "none,otlp", "", "", BackendNone, false},
		{"unknown", "zipkin", "", "", BackendFile, true},
		{"unknown with endpoint", "jaeger", "http://127.0.0.1:4318", "", BackendOTLP, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			warned.Clear()
			clearOTLPEnv(t)
			t.Setenv(EnvTracesExporter, c.exporter)
			t.Setenv(EnvOTLPEndpoint, c.endpoint)
			t.Setenv(EnvOTLPTracesEP, c.tracesEndpoint)
			logs := &logBuf{}
			for range 2 { // warned once
				if got := Backend(logs.logger()); got != c.want {
					t.Fatalf("backend %q, want %q", got, c.want)
				}
			}
			if n := logs.warnings(); n != map[bool]int{false: 0, true: 1}[c.warn] {
				t.Fatalf("%d warnings:\n%s", n, logs)
			}
			if c.warn {
				for _, want := range []string{EnvTracesExporter, c.exporter, "otlp, console, file, none"} {
					if !strings.Contains(logs.String(), want) {
						t.Errorf("warning lacks %q:\n%s", want, logs)
					}
				}
			}
		})
	}
}

// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL wins over OTEL_EXPORTER_OTLP_PROTOCOL;
// http/protobuf is the default; an unknown value warns and uses it.
func TestProtocolChoice(t *testing.T) {
	for _, c := range []struct {
		name, traces, general, want string
		warn                        bool
	}{
		{"default", "", "", "http/protobuf", false},
		{"general", "", "grpc", "grpc", false},
		{"traces wins", "http/json", "grpc", "http/json", false},
		{"any case", "", "GRPC", "grpc", false},
		{"unknown", "", "thrift", "http/protobuf", true},
		{"unknown traces", "smoke-signals", "grpc", "http/protobuf", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			warned.Clear()
			clearOTLPEnv(t)
			t.Setenv(EnvOTLPTracesProto, c.traces)
			t.Setenv(EnvOTLPProtocol, c.general)
			logs := &logBuf{}
			if got := Protocol(logs.logger()); got != c.want {
				t.Fatalf("protocol %q, want %q", got, c.want)
			}
			if n := logs.warnings(); n != map[bool]int{false: 0, true: 1}[c.warn] {
				t.Fatalf("%d warnings:\n%s", n, logs)
			}
		})
	}
}

func TestEnabled(t *testing.T) {
	cases := []struct {
		name      string
		explicit  bool
		enabled   string
		disabled  string
		want      bool
		warnCount int
	}{
		{"nothing", false, "", "", false, 0},
		{"explicit", true, "", "", true, 0},
		{"env true", false, "true", "", true, 0},
		{"env TRUE", false, "TRUE", "", true, 0},
		{"env 1", false, "1", "", true, 0},
		{"env yes", false, "Yes", "", true, 0},
		{"env on", false, "on", "", true, 0},
		{"env false", false, "false", "", false, 0},
		{"env 0", false, "0", "", false, 0},
		{"env no", false, "no", "", false, 0},
		{"env off", false, "OFF", "", false, 0},
		{"env false explicit", true, "false", "", true, 0},
		{"env invalid", false, "maybe", "", false, 1},
		{"env invalid explicit", true, "perhaps", "", true, 1},
		{"sdk disabled", true, "true", "true", false, 0},
		{"sdk disabled 1", true, "", "1", false, 0},
		{"sdk not disabled", true, "", "false", true, 0},
		{"sdk not disabled env", false, "on", "no", true, 0},
		{"sdk invalid", true, "true", "kinda", false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			warned.Clear()
			t.Setenv(EnvTracingEnabled, c.enabled)
			t.Setenv(EnvSDKDisabled, c.disabled)
			logs := &logBuf{}
			for i := 0; i < 3; i++ { // warned once however many runs
				if got := Enabled(c.explicit, logs.logger()); got != c.want {
					t.Fatalf("Enabled = %v, want %v", got, c.want)
				}
			}
			if n := logs.warnings(); n != c.warnCount {
				t.Errorf("%d warnings, want %d: %s", n, c.warnCount, logs)
			}
			if c.warnCount > 0 {
				out := logs.String()
				for _, want := range []string{"variable=", "value=", "accepted="} {
					if !strings.Contains(out, want) {
						t.Errorf("warning lacks %s: %s", want, out)
					}
				}
			}
		})
	}
}

func TestEnvConfig(t *testing.T) {
	t.Run("flush timeout", func(t *testing.T) {
		for _, c := range []struct {
			v    string
			want time.Duration
			warn int
		}{
			{"", DefaultFlushTimeout, 0}, {"300ms", 300 * time.Millisecond, 0}, {"2", 2 * time.Second, 0},
			{"0.5", 500 * time.Millisecond, 0}, {"soon", DefaultFlushTimeout, 1}, {"-1s", DefaultFlushTimeout, 1},
		} {
			warned.Clear()
			t.Setenv(EnvFlushTimeout, c.v)
			logs := &logBuf{}
			if got := FlushTimeout(logs.logger()); got != c.want || logs.warnings() != c.warn {
				t.Errorf("%q: %v with %d warnings", c.v, got, logs.warnings())
			}
		}
	})
	t.Run("backend", func(t *testing.T) {
		for _, c := range []struct {
			exporter, endpoint, tracesEndpoint, want string
			warn                                     int
		}{
			{"", "", "", BackendFile, 0},
			{"", "http://127.0.0.1:4318", "", BackendOTLP, 0},
			{"", "", "http://127.0.0.1:4318/v1/traces", BackendOTLP, 0},
			{"console", "", "", BackendConsole, 0},
			{"NONE", "", "", BackendNone, 0},
			{"file", "http://x", "", BackendFile, 0},
			{"otlp,console", "", "", BackendOTLP, 0},
			{"zipkin", "", "", BackendFile, 1},
		} {
			warned.Clear()
			t.Setenv(EnvTracesExporter, c.exporter)
			t.Setenv(EnvOTLPEndpoint, c.endpoint)
			t.Setenv(EnvOTLPTracesEP, c.tracesEndpoint)
			logs := &logBuf{}
			if got := Backend(logs.logger()); got != c.want || logs.warnings() != c.warn {
				t.Errorf("%+v: %s with %d warnings", c, got, logs.warnings())
			}
		}
	})
	t.Run("protocol", func(t *testing.T) {
		for _, c := range []struct {
			proto, tracesProto, want string
			warn                     int
		}{
			{"", "", "http/protobuf", 0}, {"grpc", "", "grpc", 0}, {"HTTP/JSON", "", "http/json", 0},
			{"grpc", "http/json", "http/json", 0}, {"thrift", "", "http/protobuf", 1},
		} {
			warned.Clear()
			t.Setenv(EnvOTLPProtocol, c.proto)
			t.Setenv(EnvOTLPTracesProto, c.tracesProto)
			logs := &logBuf{}
			if got := Protocol(logs.logger()); got != c.want || logs.warnings() != c.warn {
				t.Errorf("%+v: %s with %d warnings", c, got, logs.warnings())
			}
		}
	})
}

// TestCaptureFailsClosed (issue 24 point 5): an invalid capture variable
// turns content capture off, with one warning however often it is read.
func TestCaptureFailsClosed(t *testing.T) {
	tests := []struct {
		crewai, otel string
		want         bool
		warnings     int
	}{
		{"", "", true, 0},
		{"false", "", false, 0},
		{"true", "", true, 0},
		{"flase", "", false, 1},
		{"", "SPAN_ONLY", true, 0},
		{"", "span-only-please", false, 1},
		{"maybe", "SPAN_ONLY", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.crewai+"|"+tt.otel, func(t *testing.T) {
			warned.Clear()
			t.Setenv(EnvCaptureContent, tt.crewai)
			t.Setenv(EnvOTelCapture, tt.otel)
			logs := &logBuf{}
			for range 3 {
				if got := Capture(logs.logger()); got != tt.want {
					t.Fatalf("Capture = %v, want %v", got, tt.want)
				}
			}
			if n := logs.warnings(); n != tt.warnings {
				t.Fatalf("%d warnings, want %d:\n%s", n, tt.warnings, logs)
			}
		})
	}
}

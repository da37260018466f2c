package tracing

import (
	"strings"
	"testing"
)

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
			envWarned.Clear()
			clearOTLPEnv(t)
			t.Setenv(EnvTracesExporter, c.exporter)
			t.Setenv(EnvOTLPEndpoint, c.endpoint)
			t.Setenv(EnvOTLPTracesEP, c.tracesEndpoint)
			logs := &logBuf{}
			for range 2 { // warned once
				if got := backendFromEnv(logs.logger()); got != c.want {
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
			envWarned.Clear()
			clearOTLPEnv(t)
			t.Setenv(EnvOTLPTracesProto, c.traces)
			t.Setenv(EnvOTLPProtocol, c.general)
			logs := &logBuf{}
			if got := protocolFromEnv(logs.logger()); got != c.want {
				t.Fatalf("protocol %q, want %q", got, c.want)
			}
			if n := logs.warnings(); n != map[bool]int{false: 0, true: 1}[c.warn] {
				t.Fatalf("%d warnings:\n%s", n, logs)
			}
		})
	}
}

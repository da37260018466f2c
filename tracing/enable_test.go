package tracing

import (
	"context"
	"strings"
	"testing"
	"time"
)

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
			envWarned.Clear()
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

func TestAttachDisabledIsNoop(t *testing.T) {
	t.Setenv(EnvTracingEnabled, "")
	t.Setenv(EnvSDKDisabled, "true")
	tr, exp, _ := newMemTracer(t)
	if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
		t.Fatal(err)
	}
	if n := len(exp.GetSpans()); n != 0 {
		t.Errorf("%d spans with OTEL_SDK_DISABLED=true", n)
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
			envWarned.Clear()
			t.Setenv(EnvFlushTimeout, c.v)
			logs := &logBuf{}
			if got := flushTimeoutFromEnv(logs.logger()); got != c.want || logs.warnings() != c.warn {
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
			envWarned.Clear()
			t.Setenv(EnvTracesExporter, c.exporter)
			t.Setenv(EnvOTLPEndpoint, c.endpoint)
			t.Setenv(EnvOTLPTracesEP, c.tracesEndpoint)
			logs := &logBuf{}
			if got := backendFromEnv(logs.logger()); got != c.want || logs.warnings() != c.warn {
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
			envWarned.Clear()
			t.Setenv(EnvOTLPProtocol, c.proto)
			t.Setenv(EnvOTLPTracesProto, c.tracesProto)
			logs := &logBuf{}
			if got := protocolFromEnv(logs.logger()); got != c.want || logs.warnings() != c.warn {
				t.Errorf("%+v: %s with %d warnings", c, got, logs.warnings())
			}
		}
	})
}

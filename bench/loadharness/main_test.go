package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the harness small in every mode and checks its report: every
// kickoff done, the span counts add up, the goroutines come back.
func TestRun(t *testing.T) {
	tests := []struct {
		name string
		cfg  config
		// check receives the numbers of the spans line: started, exported,
		// failed, dropped, expected
		check func(t *testing.T, started, exported, failed, dropped, expected int)
	}{
		{"otlp", config{n: 20, c: 5, latency: time.Millisecond, tasks: 1, tools: 1, model: "http", backend: "otlp"},
			func(t *testing.T, started, exported, failed, dropped, expected int) {
				if started != expected || exported != expected || failed != 0 || dropped != 0 {
					t.Errorf("spans started %d, exported %d, failed %d, dropped %d; want %d exported", started, exported, failed, dropped, expected)
				}
			}},
		{"otlp, warm-up and control", config{n: 12, c: 4, latency: time.Millisecond, tasks: 2, tools: 1, model: "http", backend: "otlp",
			warmup: -1, control: true},
			func(t *testing.T, started, exported, failed, dropped, expected int) {
				if expected != (12+4)*11 || started != expected || exported != expected {
					t.Errorf("spans started %d, exported %d, expected %d; want %d with the warm-up", started, exported, expected, (12+4)*11)
				}
			}},
		{"file, 2 tasks, 3 tools", config{n: 6, c: 3, tasks: 2, tools: 3, model: "inproc", backend: "file"},
			func(t *testing.T, started, exported, failed, dropped, expected int) {
				if expected != 6*11 || exported != expected {
					t.Errorf("spans exported %d, expected %d; want %d", exported, expected, 6*11)
				}
			}},
		{"refused", config{n: 10, c: 5, tasks: 1, tools: 1, model: "inproc", outage: "refused", flushTimeout: 50 * time.Millisecond},
			func(t *testing.T, started, exported, failed, dropped, expected int) {
				if exported != 0 || failed+dropped == 0 || started != expected {
					t.Errorf("spans started %d, exported %d, failed %d, dropped %d with the receiver down", started, exported, failed, dropped)
				}
			}},
		{"hang", config{n: 10, c: 5, tasks: 1, tools: 1, model: "inproc", outage: "hang", flushTimeout: 50 * time.Millisecond},
			func(t *testing.T, started, exported, failed, dropped, expected int) {
				if exported != 0 || started != expected {
					t.Errorf("spans started %d, exported %d with a hanging receiver", started, exported)
				}
			}},
	}
	spansRE := regexp.MustCompile(`started (\d+), exported (\d+), failed (\d+), dropped (\d+) \(expected (\d+)\)`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.timeout = time.Minute
			if err := cfg.check(); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			ok, err := run(cfg, &out)
			if err != nil {
				t.Fatal(err)
			}
			report := out.String()
			if !ok {
				t.Fatalf("run not ok:\n%s", report)
			}
			if !strings.Contains(report, "kickoffs        "+strconv.Itoa(cfg.n)+" done, 0 failed") {
				t.Errorf("report does not say every kickoff succeeded:\n%s", report)
			}
			for _, want := range []string{"wall time", "CPU time", "allocations     ", "latency         p50", "peak RSS", "peak goroutines", "heap at end", "goroutines      before"} {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
			m := spansRE.FindStringSubmatch(report)
			if m == nil {
				t.Fatalf("no spans line:\n%s", report)
			}
			n := make([]int, 5)
			for i := range n {
				n[i], _ = strconv.Atoi(m[i+1])
			}
			if want := (cfg.n + cfg.warmup) * (1 + 5*cfg.tasks); n[4] != want {
				t.Errorf("expected spans %d, want %d", n[4], want)
			}
			if cfg.warmup > 0 && !regexp.MustCompile(`warm-up +`+strconv.Itoa(cfg.warmup)+` kickoffs first, not counted below: .*, 0 failed`).MatchString(report) {
				t.Errorf("no warm-up line:\n%s", report)
			}
			if cfg.control && !regexp.MustCompile(`control +plain net/http, the same requests, no library: efficiency [0-9.]+, .*, 0 failed`).MatchString(report) {
				t.Errorf("no control line:\n%s", report)
			}
			tt.check(t, n[0], n[1], n[2], n[3], n[4])
		})
	}
}

func TestCheckRejectsBadFlags(t *testing.T) {
	for _, cfg := range []config{
		{n: 0, c: 1, tasks: 1, tools: 1, model: "http", backend: "otlp", timeout: time.Second},
		{n: 1, c: 0, tasks: 1, tools: 1, model: "http", backend: "otlp", timeout: time.Second},
		{n: 1, c: 1, tasks: 1, tools: 1, model: "grpc", backend: "otlp", timeout: time.Second},
		{n: 1, c: 1, tasks: 1, tools: 1, model: "http", backend: "jaeger", timeout: time.Second},
		{n: 1, c: 1, tasks: 1, tools: 1, model: "http", backend: "otlp", outage: "slow", timeout: time.Second},
		{n: 1, c: 1, tasks: 0, tools: 1, model: "http", backend: "otlp", timeout: time.Second},
		{n: 1, c: 1, tasks: 1, tools: 1, model: "http", backend: "otlp", latency: -time.Second, timeout: time.Second},
		{n: 1, c: 1, tasks: 1, tools: 1, model: "http", backend: "otlp", warmup: -2, timeout: time.Second},
	} {
		if err := cfg.check(); err == nil {
			t.Errorf("check accepted %+v", cfg)
		}
	}
}

func TestCountSpans(t *testing.T) {
	req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{
		{ScopeSpans: []*tracepb.ScopeSpans{{Spans: make([]*tracepb.Span, 3)}, {Spans: make([]*tracepb.Span, 2)}}},
		{ScopeSpans: []*tracepb.ScopeSpans{{Spans: make([]*tracepb.Span, 4)}}},
	}}
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for i := range ss.Spans {
				ss.Spans[i] = &tracepb.Span{Name: "s", TraceId: make([]byte, 16), SpanId: make([]byte, 8),
					Attributes: []*commonpb.KeyValue{{Key: "k"}}}
			}
			ss.Scope = &commonpb.InstrumentationScope{Name: "x"}
		}
	}
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := countSpans(b); err != nil || n != 9 {
		t.Fatalf("countSpans = %d, %v; want 9", n, err)
	}
	if _, err := countSpans(b[:len(b)-3]); err == nil {
		t.Fatal("countSpans accepted a truncated message")
	}
}

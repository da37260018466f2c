package jaegertest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Run as a fake Jaeger when the tests ask for one (see fakeJaeger).
	switch os.Getenv("JAEGERTEST_FAKE") {
	case "exit":
		os.Exit(3)
	case "hang":
		time.Sleep(time.Hour)
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// A trace in the v1 API's shape: a root, two children, one of them failed
// with an exception log, one grandchild, and one span whose parent is
// missing.
const sampleTrace = `{"data":[{"traceID":"00aa","spans":[
 {"traceID":"00aa","spanID":"c2","operationName":"execute_tool search","references":[{"refType":"CHILD_OF","traceID":"00aa","spanID":"r"}],
  "startTime":30,"duration":5,"tags":[{"key":"gen_ai.tool.name","type":"string","value":"search"},{"key":"otel.status_code","type":"string","value":"ERROR"},{"key":"error","type":"bool","value":true}],
  "logs":[{"timestamp":31,"fields":[{"key":"event","type":"string","value":"exception"},{"key":"exception.message","type":"string","value":"boom"}]}],"processID":"p1"},
 {"traceID":"00aa","spanID":"r","operationName":"invoke_agent planner","references":[],"startTime":10,"duration":100,"tags":[],"logs":[],"processID":"p1"},
 {"traceID":"00aa","spanID":"c1","operationName":"chat gpt","references":[{"refType":"CHILD_OF","traceID":"00aa","spanID":"r"}],
  "startTime":20,"duration":5,"tags":[{"key":"span.kind","type":"string","value":"client"},{"key":"gen_ai.usage.input_tokens","type":"int64","value":100},{"key":"ratio","type":"float64","value":0.5}],"logs":[],"processID":"p1"},
 {"traceID":"00aa","spanID":"g","operationName":"chat gpt","references":[{"refType":"CHILD_OF","traceID":"00aa","spanID":"c2"}],"startTime":32,"duration":1,"tags":[{"key":"span.kind","type":"string","value":"client"}],"logs":[],"processID":"p2"},
 {"traceID":"00aa","spanID":"o","operationName":"lost","references":[{"refType":"CHILD_OF","traceID":"00aa","spanID":"nowhere"}],"startTime":40,"duration":1,"tags":[],"logs":[],"processID":"p1"}],
 "processes":{"p1":{"serviceName":"svc-a","tags":[]},"p2":{"serviceName":"svc-b","tags":[]}},"warnings":null}],
 "total":0,"limit":0,"offset":0,"errors":null}`

func TestModel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(sampleTrace))
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL}
	tr, err := c.Trace(t.Context(), "00aa")
	if err != nil {
		t.Fatal(err)
	}
	const wantTree = "invoke_agent planner [internal]\n" +
		"  chat gpt [client]\n" +
		"  execute_tool search [internal] ERROR\n" +
		"    chat gpt [client]\n" +
		"(orphan) lost [internal]\n"
	if got := tr.Tree(); got != wantTree {
		t.Errorf("Tree:\n%s\nwant:\n%s", got, wantTree)
	}
	if got := tr.Services(); strings.Join(got, ",") != "svc-a,svc-b" {
		t.Errorf("Services = %q", got)
	}
	chat := tr.Span("c1")
	if n, ok := chat.TagInt("gen_ai.usage.input_tokens"); !ok || n != 100 {
		t.Errorf("TagInt(input_tokens) = %d, %v; want 100, true", n, ok)
	}
	if _, ok := chat.TagInt("ratio"); ok {
		t.Error("TagInt(ratio) accepted a float")
	}
	if _, ok := chat.TagInt("absent"); ok {
		t.Error("TagInt(absent) reported ok")
	}
	if chat.TagString("absent") != "" {
		t.Error("TagString(absent) is not empty")
	}
	if p := tr.Parent(chat); p == nil || p.SpanID != "r" {
		t.Errorf("Parent(c1) = %v, want r", p)
	}
	if tr.Parent(tr.Span("r")) != nil || tr.Parent(tr.Span("o")) != nil {
		t.Error("a root or an orphan has a parent")
	}
	if tr.Span("missing") != nil {
		t.Error("Span(missing) is not nil")
	}
	if got := tr.Named("chat *"); len(got) != 2 || got[0].SpanID != "c1" || got[1].SpanID != "g" {
		t.Errorf("Named(chat *) = %v", got)
	}
	if got := tr.Named("chat"); len(got) != 0 {
		t.Errorf("Named(chat) = %v, want none", got)
	}
	tool := tr.Span("c2")
	if !tool.IsError() || chat.IsError() {
		t.Errorf("IsError: tool %v, chat %v; want true, false", tool.IsError(), chat.IsError())
	}
	ex := tool.LogsNamed("exception")
	if len(ex) != 1 {
		t.Fatalf("LogsNamed(exception) = %d logs", len(ex))
	}
	if v, _ := ex[0].Field("exception.message"); v != "boom" {
		t.Errorf("exception.message = %v", v)
	}
	if tr.Service(tr.Span("g")) != "svc-b" {
		t.Error("Service(g) is not svc-b")
	}
}

func TestTreeDuplicateIDsDoNotLoop(t *testing.T) {
	tr := &Trace{Spans: []Span{
		{SpanID: "x", OperationName: "a"},
		{SpanID: "x", OperationName: "b", References: []Reference{{RefType: "CHILD_OF", SpanID: "x"}}},
	}}
	if got, want := tr.Tree(), "a [internal]\n  b [internal]\n"; got != want {
		t.Errorf("Tree:\n%s\nwant:\n%s", got, want)
	}
}

func TestClientErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/traces/dead"):
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"data":null,"errors":[{"code":404,"msg":"trace not found"}]}`))
		case r.URL.Path == "/api/traces/beef":
			w.Write([]byte(`{"data":[]}`))
		case r.URL.Path == "/api/traces/bad":
			w.Write([]byte(`{"data":[`))
		case r.URL.Path == "/api/traces":
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("storage down"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL}
	ctx := t.Context()
	for _, id := range []string{"dead", "beef"} {
		if _, err := c.Trace(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Trace(%s) error = %v, want ErrNotFound", id, err)
		}
	}
	for _, id := range []string{"", "xyz", "../services"} {
		if _, err := c.Trace(ctx, id); err == nil || !strings.Contains(err.Error(), "hex") {
			t.Errorf("Trace(%q) error = %v, want a bad-ID error", id, err)
		}
	}
	if _, err := c.FindTraces(ctx, "svc", 0); err == nil || !strings.Contains(err.Error(), "storage down") {
		t.Errorf("FindTraces error = %v, want the server's message", err)
	}
	if _, err := c.FindTraces(ctx, "", 0); err == nil || !strings.Contains(err.Error(), "service") {
		t.Errorf("FindTraces(\"\") error = %v", err)
	}
	if _, err := (&Client{}).Services(ctx); err == nil || !strings.Contains(err.Error(), "BaseURL") {
		t.Errorf("zero Client error = %v", err)
	}
}

func TestWaitTracesPollsUntilDone(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("service") != "svc" || r.URL.Query().Get("lookback") == "" {
			http.Error(w, "bad query "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		// The trace shows up on the third query.
		if calls.Add(1) < 3 {
			w.Write([]byte(`{"data":[]}`))
			return
		}
		w.Write([]byte(sampleTrace))
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, PollInterval: time.Millisecond}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	ts, err := c.WaitTraces(ctx, "svc", func(ts []Trace) bool { return len(ts) == 1 })
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || len(ts[0].Spans) != 5 || calls.Load() != 3 {
		t.Errorf("got %d traces after %d queries", len(ts), calls.Load())
	}

	// A condition that never holds ends with the context, saying what was seen.
	ctx2, cancel2 := context.WithCancel(t.Context())
	n := 0
	_, err = c.WaitTraces(ctx2, "svc", func(ts []Trace) bool {
		if n++; n == 2 {
			cancel2()
		}
		return false
	})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "1 traces, 5 spans") {
		t.Errorf("WaitTraces error = %v", err)
	}
}

func TestWaitTrace(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 2 {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(sampleTrace))
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, PollInterval: time.Millisecond}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	tr, err := c.WaitTrace(ctx, "00aa", func(tr *Trace) bool { return len(tr.Spans) == 5 })
	if err != nil || tr.TraceID != "00aa" || calls.Load() != 2 {
		t.Fatalf("WaitTrace = %v, %v after %d queries", tr, err, calls.Load())
	}
}

func TestConfigBindsLoopbackOnly(t *testing.T) {
	ports, err := freePorts(5)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range ports {
		if !strings.HasPrefix(p, "127.0.0.1:") || seen[p] {
			t.Errorf("port %q is not a distinct loopback address", p)
		}
		seen[p] = true
	}
	cfg := config(ports, 7)
	n := 0
	for _, line := range strings.Split(cfg, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && k == "endpoint" {
			n++
			if !strings.HasPrefix(strings.TrimSpace(v), "127.0.0.1:") {
				t.Errorf("listener %q is not on 127.0.0.1", line)
			}
		}
	}
	if n != 5 {
		t.Errorf("config has %d endpoints, want 5:\n%s", n, cfg)
	}
	for _, want := range []string{"max_traces: 7", "enable_tracing: false", "level: none", "processors: []"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q", want)
		}
	}
}

func TestOTLPEnv(t *testing.T) {
	inst := &Instance{OTLPGRPC: "127.0.0.1:1", OTLPHTTP: "127.0.0.1:2"}
	for proto, want := range map[string]string{
		"http/protobuf": "http://127.0.0.1:2",
		"http/json":     "http://127.0.0.1:2",
		"grpc":          "http://127.0.0.1:1",
	} {
		env, err := inst.OTLPEnv(proto)
		if err != nil {
			t.Fatal(err)
		}
		if env[0] != "OTEL_EXPORTER_OTLP_ENDPOINT="+want || env[1] != "OTEL_EXPORTER_OTLP_PROTOCOL="+proto {
			t.Errorf("OTLPEnv(%s) = %q", proto, env)
		}
	}
	if _, err := inst.OTLPEnv("thrift"); err == nil || !strings.Contains(err.Error(), `"thrift"`) {
		t.Errorf("OTLPEnv(thrift) error = %v", err)
	}
}

func TestBinaryFromEnv(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "jaeger")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvBinary, exe)
	if got, err := Binary(t.Context(), BuildOptions{}); err != nil || got != exe {
		t.Errorf("Binary = %q, %v; want %q", got, err, exe)
	}
	for _, bad := range []string{plain, dir, filepath.Join(dir, "missing")} {
		t.Setenv(EnvBinary, bad)
		if _, err := Binary(t.Context(), BuildOptions{}); err == nil || !strings.Contains(err.Error(), EnvBinary) {
			t.Errorf("Binary with %s=%s: error %v, want one naming the variable", EnvBinary, bad, err)
		}
	}
}

// fakeJaeger returns options that start this test binary as a "Jaeger" that
// behaves as JAEGERTEST_FAKE says (see TestMain).
func fakeJaeger(t *testing.T, mode string) Options {
	t.Setenv("JAEGERTEST_FAKE", mode)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Options{Binary: exe, StopTimeout: time.Second}
}

func TestStartFailsWhenJaegerExits(t *testing.T) {
	opts := fakeJaeger(t, "exit")
	inst, err := Start(t.Context(), opts)
	if err == nil {
		inst.Stop()
		t.Fatal("Start succeeded with a binary that exits")
	}
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("Start error = %v, want ErrExited with the exit status", err)
	}
}

func TestStartFailsWhenNeverHealthy(t *testing.T) {
	opts := fakeJaeger(t, "hang")
	opts.StartTimeout = 300 * time.Millisecond
	opts.Dir = t.TempDir()
	inst, err := Start(t.Context(), opts)
	if err == nil {
		inst.Stop()
		t.Fatal("Start succeeded with a binary that never answers")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Start error = %v, want the deadline", err)
	}
	// The configuration was written where asked, and left there.
	b, rerr := os.ReadFile(filepath.Join(opts.Dir, "jaeger.yaml"))
	if rerr != nil || !strings.Contains(string(b), "127.0.0.1:") {
		t.Errorf("config in Options.Dir: %v", rerr)
	}
}

func TestStopEndsTheProcess(t *testing.T) {
	// A fake that never becomes healthy, launched without the health wait.
	opts := fakeJaeger(t, "hang")
	d, err := os.MkdirTemp("", "jaegertest-")
	if err != nil {
		t.Fatal(err)
	}
	inst := &Instance{Dir: d, removeDir: true, exited: make(chan struct{}), stopWait: time.Second}
	inst.LogPath = filepath.Join(d, "jaeger.log")
	if inst.logFile, err = os.Create(inst.LogPath); err != nil {
		t.Fatal(err)
	}
	if err := inst.launch(opts.Binary, filepath.Join(d, "jaeger.yaml")); err != nil {
		t.Fatal(err)
	}
	if !inst.Running() || inst.PID() <= 0 {
		t.Fatal("fake not running")
	}
	if err := inst.Stop(); err != nil {
		t.Fatal(err)
	}
	if inst.Running() {
		t.Error("still running after Stop")
	}
	if _, err := os.Stat(d); !os.IsNotExist(err) {
		t.Errorf("temporary dir %s not removed: %v", d, err)
	}
	if err := inst.Stop(); err != nil {
		t.Errorf("second Stop = %v", err)
	}
}

func TestZeroInstance(t *testing.T) {
	var inst Instance
	if inst.Running() || inst.PID() != 0 || inst.Stop() != nil {
		t.Error("the zero Instance is not inert")
	}
}

func TestBadOptions(t *testing.T) {
	_, err := Start(t.Context(), Options{Binary: "unused", MaxTraces: -1})
	if err == nil || !strings.Contains(err.Error(), "MaxTraces") {
		t.Errorf("error = %v", err)
	}
	_, err = Start(t.Context(), Options{Binary: filepath.Join(t.TempDir(), "missing")})
	if err == nil || errors.Is(err, ErrExited) {
		t.Errorf("error = %v, want a start error", err)
	}
}

// The sample decodes with json.Number values, as the client decodes.
func TestSampleDecodes(t *testing.T) {
	var env envelope[[]Trace]
	if err := json.Unmarshal([]byte(sampleTrace), &env); err != nil || len(env.Data) != 1 {
		t.Fatal(err)
	}
}

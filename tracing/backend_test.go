package tracing

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/otlpjson"
	"github.com/crewai-go/crewai/internal/traceenv"
)

// receiver collects the spans an OTLP receiver was sent.
type receiver struct {
	mu    sync.Mutex
	names []string
	ctype []string
}

func (r *receiver) add(req *coltracepb.ExportTraceServiceRequest, ctype string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctype = append(r.ctype, ctype)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				if len(s.TraceId) != 16 || len(s.SpanId) != 8 {
					r.names = append(r.names, "BAD IDS "+s.Name)
					continue
				}
				r.names = append(r.names, s.Name)
			}
		}
	}
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.names)
}

func httpReceiver(t *testing.T, rec *receiver) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		var err error
		ct := r.Header.Get("Content-Type")
		switch ct {
		case "application/json":
			// the official exporter's JSON must decode with ours
			err = otlpjson.Unmarshal(body, &req)
		default:
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.add(&req, ct)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type grpcTraceService struct {
	coltracepb.UnimplementedTraceServiceServer
	rec *receiver
}

func (g *grpcTraceService) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	g.rec.add(req, "grpc")
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func clearOTLPEnv(t *testing.T) {
	for _, k := range []string{traceenv.EnvTracesExporter, traceenv.EnvOTLPEndpoint, traceenv.EnvOTLPTracesEP, traceenv.EnvOTLPProtocol, traceenv.EnvOTLPTracesProto,
		traceenv.EnvTracesDir, traceenv.EnvFlushTimeout, traceenv.EnvTracingEnabled, traceenv.EnvSDKDisabled, "OTEL_EXPORTER_OTLP_TIMEOUT"} {
		t.Setenv(k, "")
	}
}

func shutdown(t *testing.T, tr *Tracer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tr.Shutdown(ctx)
}

func TestOTLPBackends(t *testing.T) {
	for _, proto := range []string{"http/protobuf", "http/json", "grpc"} {
		t.Run(proto, func(t *testing.T) {
			clearOTLPEnv(t)
			rec := &receiver{}
			var endpoint string
			if proto == "grpc" {
				lis, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				gs := grpc.NewServer()
				coltracepb.RegisterTraceServiceServer(gs, &grpcTraceService{rec: rec})
				go func() { _ = gs.Serve(lis) }()
				t.Cleanup(gs.Stop)
				endpoint = "http://" + lis.Addr().String()
			} else {
				endpoint = httpReceiver(t, rec).URL
			}
			t.Setenv(traceenv.EnvOTLPEndpoint, endpoint)
			t.Setenv(traceenv.EnvOTLPProtocol, proto)
			notice := &logBuf{}
			logs := &logBuf{}
			tr, err := New(WithNotice(notice), WithLogger(logs.logger()))
			if err != nil {
				t.Fatal(err)
			}
			defer shutdown(t, tr)
			if tr.Backend() != BackendOTLP {
				t.Fatalf("backend %s", tr.Backend())
			}
			if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
				t.Fatal(err)
			}
			if n := rec.count(); n != 11 {
				t.Fatalf("receiver got %d spans after finish, want 11", n)
			}
			want := map[string]string{"http/protobuf": "application/x-protobuf", "http/json": "application/json", "grpc": "grpc"}[proto]
			if rec.ctype[0] != want {
				t.Errorf("sent as %s, want %s", rec.ctype[0], want)
			}
			if !strings.Contains(notice.String(), "sent over OTLP") || logs.warnings() != 0 {
				t.Errorf("notice %q, logs %q", notice, logs)
			}
		})
	}
}

func TestFileBackend(t *testing.T) {
	clearOTLPEnv(t)
	dir := filepath.Join(t.TempDir(), "traces")
	t.Setenv(traceenv.EnvTracesDir, dir)
	notice := &logBuf{}
	logs := &logBuf{}
	tr, err := New(WithNotice(notice), WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, tr)
	if tr.Backend() != BackendFile || tr.Dir() != dir {
		t.Fatalf("backend %s dir %s", tr.Backend(), tr.Dir())
	}
	if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries %v %v", entries, err)
	}
	name := entries[0].Name()
	id := strings.TrimSuffix(name, ".jsonl")
	if len(id) != 32 || !strings.HasSuffix(name, ".jsonl") {
		t.Fatalf("file name %s", name)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Join(dir, name)); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v", fi.Mode().Perm())
	}
	if !strings.Contains(notice.String(), filepath.Join(dir, name)) || !strings.Contains(notice.String(), "crewai traces view "+id) {
		t.Errorf("notice %q", notice)
	}
	// Round trip: every line is an ExportTraceServiceRequest in protojson.
	spans := readTraceFile(t, filepath.Join(dir, name))
	if len(spans) != 11 {
		t.Fatalf("%d spans in file", len(spans))
	}
	byID := map[string]*tracepb.Span{}
	for _, s := range spans {
		byID[string(s.SpanId)] = s
	}
	var roots int
	for _, s := range spans {
		if hex.EncodeToString(s.TraceId) != id {
			t.Errorf("span %s has trace %x", s.Name, s.TraceId)
		}
		if len(s.ParentSpanId) == 0 {
			roots++
			if s.Name != "invoke_workflow Research Crew" {
				t.Errorf("root %s", s.Name)
			}
		} else if byID[string(s.ParentSpanId)] == nil {
			t.Errorf("span %s has a parent not in the file", s.Name)
		}
	}
	if roots != 1 {
		t.Errorf("%d roots", roots)
	}
	// the raw JSON uses hex IDs and lowerCamelCase keys
	raw, _ := os.ReadFile(filepath.Join(dir, name))
	for _, want := range []string{`"traceId":"` + id, `"resourceSpans"`, `"startTimeUnixNano"`, `"intValue"`, `"crewai-go"`, `"kind":3`} {
		if !bytes.Contains(bytes.ReplaceAll(raw, []byte(" "), nil), []byte(want)) {
			t.Errorf("file lacks %s", want)
		}
	}
	if logs.warnings() != 0 {
		t.Errorf("warnings: %s", logs)
	}
	// A removed folder is created again.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("after removal: %d files", len(entries))
	}
}

func readTraceFile(t *testing.T, path string) []*tracepb.Span {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var spans []*tracepb.Span
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var req coltracepb.ExportTraceServiceRequest
		if err := otlpjson.Unmarshal(sc.Bytes(), &req); err != nil {
			t.Fatalf("line does not decode: %v", err)
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				if ss.Scope.GetName() != "github.com/crewai-go/crewai" {
					t.Errorf("scope %q", ss.Scope.GetName())
				}
				spans = append(spans, ss.Spans...)
			}
		}
	}
	return spans
}

func TestConsoleAndNoneBackends(t *testing.T) {
	clearOTLPEnv(t)
	var buf logBuf
	tr, err := New(WithConsole(&buf), WithNotice(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, tr)
	if _, err := runCrew(context.Background(), tr, scenario{toolErr: errBoom}); err == nil {
		t.Fatal("no error")
	}
	out := buf.String()
	for _, want := range []string{"invoke_workflow Research Crew (", "chat gpt-4o-mini (", "gen_ai.usage.input_tokens=10",
		"execute_tool search (", "ERROR: boom", "parent="} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "You are Researcher") {
		t.Error("console shows content")
	}

	for _, c := range []struct{ env, want string }{{"console", BackendConsole}, {"none", BackendNone}, {"file", BackendFile}} {
		t.Setenv(traceenv.EnvTracesExporter, c.env)
		t.Setenv(traceenv.EnvTracesDir, t.TempDir())
		tr, err := New(WithNotice(nil))
		if err != nil {
			t.Fatal(err)
		}
		if tr.Backend() != c.want {
			t.Errorf("%s: backend %s", c.env, tr.Backend())
		}
		if c.want == BackendNone {
			if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
				t.Fatal(err)
			}
			if st := tr.Stats(); st.Started != 11 || st.Exported != 11 {
				t.Errorf("none stats %+v", st)
			}
		}
		shutdown(t, tr)
	}
}

func TestDefaultTracer(t *testing.T) {
	clearOTLPEnv(t)
	dir := t.TempDir()
	t.Setenv(traceenv.EnvTracesDir, dir)
	t.Setenv(traceenv.EnvTracingEnabled, "true")
	defer func() { _ = Shutdown(context.Background()) }()
	bus := &event.Bus{}
	ctx := event.StartRun(context.Background(), bus)
	ctx, finish := Attach(ctx, nil)
	_, st := event.Begin(ctx, event.CrewStarted{Crew: "C"})
	event.End(st, event.CrewCompleted{Crew: "C"})
	tid := TraceID(ctx)
	finish()
	if first, second := Default(), Default(); first != second {
		t.Error("Default not shared")
	}
	if _, err := os.Stat(filepath.Join(dir, tid.String()+".jsonl")); err != nil {
		t.Errorf("trace file: %v", err)
	}
}

// The resource names the service (OTEL_SERVICE_NAME, else "crewai-go") and
// takes OTEL_RESOURCE_ATTRIBUTES; the library's version is on it and its
// name and version on the instrumentation scope.
func TestResource(t *testing.T) {
	for _, c := range []struct {
		name, service, attrs string
		want                 map[string]string
	}{
		{"default", "", "", map[string]string{"service.name": "crewai-go"}},
		{"service name", "billing-agents", "", map[string]string{"service.name": "billing-agents"}},
		{"resource attributes", "", "deployment.environment=test,service.name=from-attrs",
			map[string]string{"service.name": "from-attrs", "deployment.environment": "test"}},
		{"service name wins", "billing-agents", "service.name=from-attrs,team=ml",
			map[string]string{"service.name": "billing-agents", "team": "ml"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("OTEL_SERVICE_NAME", c.service)
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", c.attrs)
			tr, exp, _ := newMemTracer(t)
			if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
				t.Fatal(err)
			}
			spans := exp.GetSpans()
			if len(spans) == 0 {
				t.Fatal("no spans")
			}
			s := spans[0]
			got := map[string]string{}
			for _, kv := range s.Resource.Attributes() {
				got[string(kv.Key)] = kv.Value.String()
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("resource %s = %q, want %q (resource %v)", k, got[k], v, got)
				}
			}
			if got["crewai.version"] == "" || got["crewai.version"] != Version() {
				t.Errorf("resource crewai.version = %q, want %q", got["crewai.version"], Version())
			}
			if s.InstrumentationScope.Name != "github.com/crewai-go/crewai" || s.InstrumentationScope.Version != Version() {
				t.Errorf("scope %+v", s.InstrumentationScope)
			}
		})
	}
}

// A user's TracerProvider is used as is: spans go to it, the Tracer's
// Shutdown leaves it running, and no OpenTelemetry global changes.
func TestUserProviderUsedAsIs(t *testing.T) {
	clearOTLPEnv(t)
	globalBefore := otel.GetTracerProvider()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	tr, err := New(WithTracerProvider(tp), WithNotice(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
		t.Fatal(err)
	}
	if n := len(exp.GetSpans()); n != 11 {
		t.Fatalf("user provider got %d spans, want 11", n)
	}
	shutdown(t, tr)
	_, sp := tp.Tracer("user").Start(context.Background(), "after")
	sp.End()
	if n := len(exp.GetSpans()); n != 12 {
		t.Errorf("user provider was shut down by the Tracer: %d spans", n)
	}
	if otel.GetTracerProvider() != globalBefore {
		t.Error("the global TracerProvider changed")
	}
}

package tracing

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"

	"github.com/crewai-go/crewai/internal/fileexport"
	"github.com/crewai-go/crewai/internal/otlpjson"
)

func testTraceID(n int) trace.TraceID {
	var id trace.TraceID
	id[0], id[14], id[15] = 0xab, byte(n>>8), byte(n)
	return id
}

// fileLines decodes every line of the trace file of tid and returns the
// names of its spans, line by line.
func fileLines(t *testing.T, dir string, tid trace.TraceID) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, tid.String()+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var req coltracepb.ExportTraceServiceRequest
		if err := otlpjson.Unmarshal(sc.Bytes(), &req); err != nil {
			t.Fatalf("line %d does not decode: %v", len(lines)+1, err)
		}
		var names []string
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					if traceHexOf(s.TraceId) != tid.String() {
						t.Errorf("span %s of trace %x in the file of %s", s.Name, s.TraceId, tid)
					}
					names = append(names, s.Name)
				}
			}
		}
		lines = append(lines, names)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// TestFileBackendIdleSignal: through a Tracer, the batcher's idle signal
// reaches the file backend, which closes its files; spans after that land
// in the same file.
func TestFileBackendIdleSignal(t *testing.T) {
	clearOTLPEnv(t)
	dir := t.TempDir()
	tr, err := New(WithBackend(BackendFile), WithFileDir(dir), WithNotice(nil), WithBatchDelay(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	fe := tr.exp.next.(*fileexport.Exporter)
	tid := testTraceID(9)
	parent := trace.ContextWithRemoteSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled, Remote: true}))
	span := func(name string) {
		_, s := tr.tracer.Start(parent, name)
		s.End()
		if err := tr.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	span("before")
	if fe.Opened() != 1 {
		t.Fatalf("%d files opened for the first span", fe.Opened())
	}
	deadline := time.Now().Add(20 * time.Second) // a bound on waiting, not a timing claim
	for fe.OpenNow() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the idle signal never closed the file")
		}
		time.Sleep(5 * time.Millisecond)
	}
	span("after")
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fe.OpenNow() != 0 {
		t.Errorf("%d files open after Shutdown", fe.OpenNow())
	}
	lines := fileLines(t, dir, tid)
	if len(lines) != 2 || lines[0][0] != "before" || lines[1][0] != "after" {
		t.Errorf("lines %v", lines)
	}
	if fe.Opened() != 2 {
		t.Errorf("%d opens, want 2", fe.Opened())
	}
}

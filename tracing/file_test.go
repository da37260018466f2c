package tracing

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/internal/fileexport"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

func testTraceID(n int) trace.TraceID {
	var id trace.TraceID
	id[0], id[14], id[15] = 0xab, byte(n>>8), byte(n)
	return id
}

// fileLines returns the span names of the trace file of tid, line by line.
func fileLines(t *testing.T, dir string, tid trace.TraceID) [][]string {
	return tracefiletest.SpanNamesByLine(t, dir, tid.String())
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

// TestTracesFolderTightened: a traces folder of ours that others may write
// is made 0700 before a trace goes in, with one warning.
func TestTracesFolderTightened(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes are checked on unix systems")
	}
	clearOTLPEnv(t)
	dir := filepath.Join(t.TempDir(), "traces")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	logs := &logBuf{}
	tr, err := New(WithFileDir(dir), WithNotice(nil), WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, tr)
	for range 2 {
		if out, _ := runWithDeadline(t, tr); out != "answer write" {
			t.Fatalf("result %q", out)
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	if n := logs.warnings(); n != 1 || !strings.Contains(logs.String(), "now 0700") {
		t.Errorf("%d warnings, want one saying the folder was tightened:\n%s", n, logs)
	}
	if st := tr.Stats(); st.Exported != 22 {
		t.Errorf("stats %+v: every span written", st)
	}
}

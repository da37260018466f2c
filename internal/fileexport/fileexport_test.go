package fileexport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func testTraceID(n int) trace.TraceID {
	var id trace.TraceID
	id[0], id[14], id[15] = 0xab, byte(n>>8), byte(n)
	return id
}

// testSpan is a span of trace tid; a child of a span of the same trace
// unless root. Its name is unique to seq, and text is an attribute.
func testSpan(tid trace.TraceID, seq int, root bool, text string) sdktrace.ReadOnlySpan {
	var sid trace.SpanID
	sid[0], sid[6], sid[7] = 1, byte(seq>>8), byte(seq)
	stub := tracetest.SpanStub{
		Name:        fmt.Sprint("span ", seq),
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}),
		StartTime:   time.Unix(1, 0),
		EndTime:     time.Unix(2, 0),
		Attributes:  []attribute.KeyValue{attribute.String("text", text)},
	}
	if !root {
		stub.Parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{9}, TraceFlags: trace.FlagsSampled})
	}
	return stub.Snapshot()
}

// fileLines returns the span names of the trace file of tid, line by line.
func fileLines(t *testing.T, dir string, tid trace.TraceID) [][]string {
	return tracefiletest.SpanNamesByLine(t, dir, tid.String())
}

func countSpans(lines [][]string) int {
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	return n
}

func export(t *testing.T, f *Exporter, spans ...sdktrace.ReadOnlySpan) {
	t.Helper()
	if err := f.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
}

// TestFileExporterKeepsFilesOpen: the file of a running trace is opened once
// for many exports, closed on the idle signal and opened again after it,
// closed after its root span and at Shutdown; nothing is lost.
func TestFileExporterKeepsFilesOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "traces")
	f := New(dir)
	a, b := testTraceID(1), testTraceID(2)
	for i := range 10 {
		export(t, f, testSpan(a, i, false, "x"), testSpan(b, 100+i, false, "y"))
	}
	if got := f.opened.Load(); got != 2 {
		t.Errorf("10 exports of 2 traces opened %d files, want 2", got)
	}
	if got := f.openNow.Load(); got != 2 {
		t.Errorf("%d files open, want 2", got)
	}
	f.CloseIdle()
	if got := f.openNow.Load(); got != 0 {
		t.Errorf("after closeIdle: %d files open", got)
	}
	export(t, f, testSpan(a, 10, false, "x"))
	if got, open := f.opened.Load(), f.openNow.Load(); got != 3 || open != 1 {
		t.Errorf("after idle: %d opened, %d open; want 3, 1", got, open)
	}
	export(t, f, testSpan(a, 11, true, "root"))
	if got := f.openNow.Load(); got != 0 {
		t.Errorf("after the root span: %d files open", got)
	}
	export(t, f, testSpan(b, 110, false, "y"))
	if err := f.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.openNow.Load(); got != 0 {
		t.Errorf("after Shutdown: %d files open", got)
	}
	if err := f.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{testSpan(b, 111, false, "y")}); err == nil {
		t.Error("export after Shutdown: no error")
	}
	if got := countSpans(fileLines(t, dir, a)); got != 12 {
		t.Errorf("trace a: %d spans in its file, want 12", got)
	}
	if got := countSpans(fileLines(t, dir, b)); got != 11 {
		t.Errorf("trace b: %d spans in its file, want 11", got)
	}
	for _, p := range []string{dir, filepath.Join(dir, a.String()+".jsonl")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(p), fi.Mode().Perm(), want)
		}
	}
}

// TestFileExporterBound: no more than maxOpenFiles files stay open; an
// evicted trace's file is opened again and appended to.
func TestFileExporterBound(t *testing.T) {
	dir := t.TempDir()
	f := New(dir)
	defer f.Shutdown(context.Background())
	const traces = maxOpenFiles + 36
	for i := range traces {
		export(t, f, testSpan(testTraceID(i), 1, false, "x"))
		if n := f.openNow.Load(); n > maxOpenFiles {
			t.Fatalf("%d files open", n)
		}
	}
	export(t, f, testSpan(testTraceID(0), 2, false, "x")) // evicted long ago
	for i := range traces {
		want := 1
		if i == 0 {
			want = 2
		}
		if got := countSpans(fileLines(t, dir, testTraceID(i))); got != want {
			t.Errorf("trace %d: %d spans, want %d", i, got, want)
		}
	}
}

// TestFileExporterReopensRemovedFile: a trace file removed while open (the
// folder cleaned up under a running trace) is created again for the next
// spans, which are not written to the removed file.
func TestFileExporterReopensRemovedFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "traces")
	f := New(dir)
	defer f.Shutdown(context.Background())
	tid := testTraceID(7)
	export(t, f, testSpan(tid, 1, false, "x"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	export(t, f, testSpan(tid, 2, false, "x"))
	if lines := fileLines(t, dir, tid); len(lines) != 1 || lines[0][0] != "span 2" {
		t.Errorf("lines %v, want [[span 2]]", lines)
	}
}

// TestFileExporterConcurrentSameTrace: concurrent exports of one trace, with
// lines far larger than a pipe buffer, leave whole lines and every span.
func TestFileExporterConcurrentSameTrace(t *testing.T) {
	dir := t.TempDir()
	f := New(dir)
	tid := testTraceID(3)
	big := strings.Repeat("0123456789", 20_000) // 200 KB per span
	const writers, exports = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*exports)
	for w := range writers {
		wg.Go(func() {
			for i := range exports {
				seq := w*exports + i
				spans := []sdktrace.ReadOnlySpan{testSpan(tid, 2*seq, false, big), testSpan(tid, 2*seq+1, false, "s")}
				if err := f.ExportSpans(context.Background(), spans); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := f.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := fileLines(t, dir, tid)
	if len(lines) != writers*exports {
		t.Fatalf("%d lines, want %d", len(lines), writers*exports)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		if len(l) != 2 {
			t.Fatalf("a line holds %d spans, want 2", len(l))
		}
		for _, n := range l {
			seen[n] = true
		}
	}
	if len(seen) != 2*writers*exports {
		t.Errorf("%d distinct spans, want %d", len(seen), 2*writers*exports)
	}
	if got := f.opened.Load(); got != 1 {
		t.Errorf("%d opens for one trace", got)
	}
}

// TestFileExporterErrors: failures are *Error with a cause; a trace
// whose file cannot be opened does not stop the others.
func TestFileExporterErrors(t *testing.T) {
	root := t.TempDir()
	notDir := filepath.Join(root, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := New(filepath.Join(notDir, "traces"))
	err := f.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{testSpan(testTraceID(1), 1, false, "x")})
	var fe *Error
	if !errors.As(err, &fe) || fe.Cause != "not a folder" || !strings.HasPrefix(err.Error(), "tracing: file backend: ") {
		t.Errorf("error %v (%T), want a *Error, cause not a folder", err, err)
	}

	dir := t.TempDir()
	bad, good := testTraceID(1), testTraceID(2)
	if err := os.Mkdir(filepath.Join(dir, bad.String()+".jsonl"), 0o700); err != nil {
		t.Fatal(err)
	}
	f = New(dir)
	defer f.Shutdown(context.Background())
	err = f.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{testSpan(bad, 1, false, "x"), testSpan(good, 2, false, "x")})
	if !errors.As(err, &fe) || fe.Cause != "not a regular file of this user" {
		t.Errorf("error %v, want a *Error, cause not a regular file of this user", err)
	}
	if got := countSpans(fileLines(t, dir, good)); got != 1 {
		t.Errorf("the good trace has %d spans", got)
	}
	if got := f.openNow.Load(); got != 1 {
		t.Errorf("%d files open, want 1 (the failed one is not kept)", got)
	}
}

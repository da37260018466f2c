package tracing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
)

// gatedExporter counts its exports and the spans of each trace it took; its
// exports wait until the gate is open.
type gatedExporter struct {
	gate    chan struct{}
	calls   atomic.Int64
	mu      sync.Mutex
	byTrace map[trace.TraceID]int
}

func (g *gatedExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	g.calls.Add(1)
	select {
	case <-g.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range spans {
		g.byTrace[s.SpanContext().TraceID()]++
	}
	return nil
}

func (g *gatedExporter) Shutdown(context.Context) error { return nil }

func (g *gatedExporter) spansOf(id trace.TraceID) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byTrace[id]
}

// TestConcurrentFlushesShareExports: 50 kickoffs finishing together are
// served by a few exports, not 50, and each finish returns only once its own
// spans are exported.
func TestConcurrentFlushesShareExports(t *testing.T) {
	const runs, spansPerRun = 50, 3
	for _, inflight := range []int{1, 4} {
		t.Run(fmt.Sprintf("exports=%d", inflight), func(t *testing.T) {
			exp := &gatedExporter{gate: make(chan struct{}), byTrace: map[trace.TraceID]int{}}
			tr, err := New(WithExporter(exp), WithNotice(nil), WithBatchDelay(time.Hour), withExportConcurrency(inflight))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tr.Shutdown(context.Background()) }()
			var returned atomic.Int64
			errs := make(chan error, runs)
			var wg sync.WaitGroup
			for i := range runs {
				wg.Go(func() {
					ctx, finish := Attach(event.StartRun(context.Background(), &event.Bus{}), tr, Requested(true))
					cctx, cst := event.Begin(ctx, event.CrewStarted{Crew: "c"})
					tctx, tst := event.Begin(cctx, event.TaskStarted{Task: fmt.Sprint("t", i)})
					_, lst := event.Begin(tctx, event.LLMCallStarted{Model: "m"})
					event.End(lst, event.LLMCallCompleted{Model: "m", Content: "ok"})
					event.End(tst, event.TaskCompleted{Task: "t", Output: "ok"})
					event.End(cst, event.CrewCompleted{Crew: "c", Output: "ok"})
					id := TraceID(ctx)
					finish()
					returned.Add(1)
					if got := exp.spansOf(id); got != spansPerRun {
						errs <- fmt.Errorf("run %d: finish returned with %d of its %d spans exported", i, got, spansPerRun)
					}
				})
			}
			// Every kickoff ends up waiting for its flush while the
			// exports are held at the gate.
			for {
				n := tr.batch.Waiting()
				if n == runs {
					break
				}
				time.Sleep(time.Millisecond)
			}
			if n := returned.Load(); n != 0 {
				t.Fatalf("%d finishes returned before their spans were exported", n)
			}
			close(exp.gate)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			// The exports under way when the gate opened, plus one batch
			// for everything that queued behind them.
			if n := exp.calls.Load(); n > int64(inflight)+1 {
				t.Errorf("%d exports for %d concurrent flushes, want at most %d", n, runs, inflight+1)
			}
			if st := tr.Stats(); st.Exported != runs*spansPerRun || st.Dropped != 0 {
				t.Errorf("stats %+v, want %d exported", st, runs*spansPerRun)
			}
		})
	}
}

// TestFlushWaitsForItsOwnSpans: a flush with nothing ended returns at once;
// one whose span is held gives up at its deadline and leaves nothing behind.
func TestFlushWaitsForItsOwnSpans(t *testing.T) {
	exp := &gatedExporter{gate: make(chan struct{}), byTrace: map[trace.TraceID]int{}}
	tr, err := New(WithExporter(exp), WithNotice(nil), WithBatchDelay(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tr.Shutdown(context.Background()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	// Nothing ended: nothing to wait for.
	if err := tr.ForceFlush(ctx); err != nil {
		t.Fatalf("empty flush: %v", err)
	}
	_, sp := tr.tracer.Start(context.Background(), "one")
	sp.End()
	// Its export is held at the gate: the flush gives up at its deadline
	// and says so.
	if err := tr.ForceFlush(ctx); err == nil {
		t.Fatal("flush returned before its span was exported")
	}
	left := tr.batch.Waiting()
	if left != 0 {
		t.Errorf("%d waiters left behind by a flush that gave up", left)
	}
	close(exp.gate)
	if err := tr.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := tr.Stats(); st.Exported != 1 {
		t.Errorf("stats %+v", st)
	}
}

// goroutineID is the current goroutine's number, from its stack header.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// recordingExporter notes the goroutine of each export; with a gate, its
// exports wait for it or for their ctx.
type recordingExporter struct {
	gate chan struct{}
	mu   sync.Mutex
	gids []string
	errs []error
}

func (r *recordingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	var err error
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	r.mu.Lock()
	r.gids = append(r.gids, goroutineID())
	r.errs = append(r.errs, err)
	r.mu.Unlock()
	return err
}

func (r *recordingExporter) Shutdown(context.Context) error { return nil }

// TestOwnBackendExportsInTheFlush: with the library's own exporters, once
// an export has shown the backend fast, a flush that finds a free slot
// exports in its own goroutine (nothing to wake). An export that then
// outlasts the flush's deadline ends with it, as a timeout, so that a
// hanging backend holds a kickoff no longer than its flush timeout; after
// that the exports go back to the batcher's goroutines, where a slow backend
// still gets its spans once the flush gave up waiting. A user's exporter is
// always called from the batcher's own goroutines.
func TestOwnBackendExportsInTheFlush(t *testing.T) {
	for _, own := range []bool{true, false} {
		t.Run(fmt.Sprintf("own=%v", own), func(t *testing.T) {
			rec := &recordingExporter{}
			opts := []Option{WithNotice(nil), WithBatchDelay(time.Hour), WithLogger(slog.New(slog.DiscardHandler))}
			if own {
				opts = append(opts, WithBackend(BackendNone))
			} else {
				opts = append(opts, WithExporter(rec))
			}
			tr, err := New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tr.Shutdown(context.Background()) }()
			if own {
				tr.exp.next = rec // before any span: the batcher reads it only to export
			}
			// flush ends one span and flushes it with ctx; it returns the
			// goroutine of the export and whether it was the flush's own.
			flush := func(ctx context.Context, name string) (inFlush bool, err error) {
				_, sp := tr.tracer.Start(context.Background(), name)
				sp.End()
				ferr := tr.ForceFlush(ctx)
				rec.mu.Lock()
				defer rec.mu.Unlock()
				if len(rec.gids) == 0 {
					t.Fatalf("%s: no export", name)
				}
				return rec.gids[len(rec.gids)-1] == goroutineID(), ferr
			}
			// No export yet: nothing says the backend is fast.
			if in, err := flush(context.Background(), "first"); err != nil || in {
				t.Fatalf("first flush: in the flush %v, error %v; want the batcher's goroutine", in, err)
			}
			in, err := flush(context.Background(), "second")
			if err != nil {
				t.Fatal(err)
			}
			if in != own {
				t.Fatalf("second flush: export in the flushing goroutine %v, want %v", in, own)
			}
			if !own {
				return
			}
			// The backend turns slow: the flush's own export ends at its
			// deadline, as a timeout.
			rec.gate = make(chan struct{})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			start := time.Now()
			_ = tr.ForceFlush(ctx) // nothing new: returns at once
			_, sp := tr.tracer.Start(context.Background(), "third")
			sp.End()
			_ = tr.ForceFlush(ctx)
			if took := time.Since(start); took > 5*time.Second {
				t.Fatalf("flush took %v with a 30ms deadline", took)
			}
			rec.mu.Lock()
			errs := append([]error(nil), rec.errs...)
			rec.mu.Unlock()
			if len(errs) != 3 || !errors.Is(errs[2], context.DeadlineExceeded) {
				t.Fatalf("export errors %v, want the third to be a deadline", errs)
			}
			// Now slow: the next flush leaves its export to the batcher,
			// which delivers it once the backend answers.
			ctx2, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel2()
			_, sp = tr.tracer.Start(context.Background(), "fourth")
			sp.End()
			if err := tr.ForceFlush(ctx2); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("flush against a slow backend: %v, want its deadline", err)
			}
			close(rec.gate)
			if err := tr.ForceFlush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if st := tr.Stats(); st.Exported != 3 || st.Failed != 1 {
				t.Errorf("stats %+v, want 3 exported (the fourth late) and 1 failed", st)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if last := rec.gids[len(rec.gids)-1]; last == goroutineID() {
				t.Error("the export after the slow one ran in the flushing goroutine")
			}
		})
	}
}

// TestUserExporterIgnoringCtxDoesNotHoldTheFlush: a user's exporter that
// blocks without looking at its ctx holds the spans, not the kickoff.
func TestUserExporterIgnoringCtxDoesNotHoldTheFlush(t *testing.T) {
	gate := make(chan struct{})
	blocked := exporterFunc(func(context.Context, []sdktrace.ReadOnlySpan) error { <-gate; return nil })
	tr, err := New(WithExporter(blocked), WithNotice(nil), WithBatchDelay(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	_, sp := tr.tracer.Start(context.Background(), "one")
	sp.End()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := tr.ForceFlush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("flush: %v, want the deadline", err)
	}
	close(gate)
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := tr.Stats(); st.Exported != 1 {
		t.Errorf("stats %+v, want the span exported once the exporter returned", st)
	}
}

type exporterFunc func(context.Context, []sdktrace.ReadOnlySpan) error

func (f exporterFunc) ExportSpans(ctx context.Context, s []sdktrace.ReadOnlySpan) error {
	return f(ctx, s)
}
func (exporterFunc) Shutdown(context.Context) error { return nil }

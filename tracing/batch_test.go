package tracing

import (
	"context"
	"fmt"
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
					ctx, finish := Attach(event.StartRun(context.Background(), &event.Bus{}), tr, true)
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
				tr.batch.mu.Lock()
				n := len(tr.batch.waiters)
				tr.batch.mu.Unlock()
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
	tr.batch.mu.Lock()
	left := len(tr.batch.waiters)
	tr.batch.mu.Unlock()
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

package reliability

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/tracing"
)

// soakKickoffs is the number of traced kickoffs of TestSoakTracedKickoffs;
// the heap is compared at soakCheckpoint and at the end.
const (
	soakKickoffs   = 1000
	soakCheckpoint = 200
	soakWorkers    = 4
)

// TestSoakTracedKickoffs runs a thousand traced kickoffs of the two-task
// crew (four at a time) against the fake server with the file backend, and
// checks that goroutines come back to their baseline, that the heap in use
// after a GC at the end is not much larger than at kickoff 200, that every
// trace was written, and that no event was dropped.
func TestSoakTracedKickoffs(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	dir := filepath.Join(t.TempDir(), "traces")
	tr, logs := fileTracer(t, dir, tracing.WithNotice(io.Discard))
	rg := newRig(t, rigConfig{})
	c := rg.newCrew(nil)
	bus := &event.Bus{}
	rec := &countingHandler{}
	defer bus.Subscribe(rec)()
	c.Bus, c.Tracing, c.Tracer = bus, true, tr

	run := func(n int) {
		t.Helper()
		g, ctx := errgroup.WithContext(context.Background())
		g.SetLimit(soakWorkers)
		for i := 0; i < n; i++ {
			g.Go(func() error {
				out, err := c.Kickoff(ctx, map[string]any{"topic": "AI"})
				if err != nil {
					return err
				}
				if out.Raw != article {
					return fmt.Errorf("output %q", out.Raw)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	settle := func() {
		rg.research.CloseIdleConnections()
		rg.writer.CloseIdleConnections()
		runtime.GC()
		runtime.GC()
	}
	heap := func() (inuse, objects uint64) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse, ms.HeapObjects
	}

	run(10) // warm up: connections, the tracer's exporter, caches
	settle()
	base := runtime.NumGoroutine()

	start := time.Now()
	run(soakCheckpoint - 10)
	settle()
	h200, o200 := heap()
	run(soakKickoffs - soakCheckpoint)
	took := time.Since(start)
	settle()
	h1000, o1000 := heap()

	// Goroutines of closed connections and finished kickoffs may take a
	// moment to exit: wait (generously) for the count to come back.
	deadline := time.Now().Add(30 * time.Second)
	g := runtime.NumGoroutine()
	for g > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		settle()
		g = runtime.NumGoroutine()
	}
	if g > base {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d after %d kickoffs, baseline %d\n%s", g, soakKickoffs, base, buf[:runtime.Stack(buf, true)])
	}
	// Generous bounds: after 1000 kickoffs, the heap in use and the live
	// objects may be 1.25 times what they were after 200, plus 1 MiB and
	// 1000 objects of allocator noise. A leak of a few objects per
	// kickoff (such as a request kept per kickoff: 8 objects, 850 bytes)
	// breaks the object bound.
	if limit := h200*5/4 + 1<<20; h1000 > limit {
		t.Errorf("heap in use grew from %d KiB at kickoff %d to %d KiB at kickoff %d (limit %d KiB)",
			h200>>10, soakCheckpoint, h1000>>10, soakKickoffs, limit>>10)
	}
	if limit := o200*5/4 + 1000; o1000 > limit {
		t.Errorf("live heap objects grew from %d at kickoff %d to %d at kickoff %d (limit %d)",
			o200, soakCheckpoint, o1000, soakKickoffs, limit)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) != soakKickoffs {
		t.Errorf("%d trace files for %d kickoffs (%v)", len(files), soakKickoffs, err)
	}
	st := tr.Stats()
	if st.Started != st.Exported || st.Failed != 0 || st.Dropped != 0 {
		t.Errorf("tracer stats %+v", st)
	}
	if d := bus.Dropped(); d != 0 {
		t.Errorf("%d events dropped", d)
	}
	if n := rec.n.Load(); n == 0 {
		t.Error("no events seen")
	}
	var size int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	t.Logf("%d traced kickoffs in %v (%.0f/s, %d workers, -race=%v); heap in use %d KiB (%d objects) at %d, %d KiB (%d objects) at %d; goroutines %d (baseline %d); %d events; traces %d KiB; stats %+v; warnings: %q",
		soakKickoffs-10, took, float64(soakKickoffs-10)/took.Seconds(), soakWorkers, raceEnabled,
		h200>>10, o200, soakCheckpoint, h1000>>10, o1000, soakKickoffs, g, base, rec.n.Load(), size>>10, st, logs.String()[:min(200, len(logs.String()))])
}

// countingHandler counts events; it keeps nothing else.
type countingHandler struct{ n atomic.Int64 }

func (h *countingHandler) Handle(event.Event) { h.n.Add(1) }

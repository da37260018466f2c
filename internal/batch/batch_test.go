package batch

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	errDown = errors.New("connection refused")
	errBad  = errors.New("HTTP 400")
)

// scriptExporter fails, succeeds or blocks as told, and counts its calls.
type scriptExporter struct {
	mu    sync.Mutex
	err   error         // returned by the next exports
	block chan struct{} // when set, exports wait for it (or their ctx)
	calls atomic.Int64
	spans atomic.Int64
}

func (e *scriptExporter) set(err error, block chan struct{}) {
	e.mu.Lock()
	e.err, e.block = err, block
	e.mu.Unlock()
}

func (e *scriptExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.calls.Add(1)
	e.mu.Lock()
	err, block := e.err, e.block
	e.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err == nil {
		e.spans.Add(int64(len(spans)))
	}
	return err
}

func (e *scriptExporter) Shutdown(context.Context) error { return nil }

// clock is a test clock for the back-off.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

type rig struct {
	t   *testing.T
	b   *Processor
	exp *scriptExporter
	clk *clock
	tp  *sdktrace.TracerProvider
}

func newRig(t *testing.T, outage func(error) bool) *rig {
	t.Helper()
	r := &rig{t: t, exp: &scriptExporter{}, clk: &clock{}}
	r.clk.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	r.b = New(Config{
		Exporter: r.exp, QueueSize: 100, MaxBatch: 10, MaxInflight: 4, Delay: time.Hour,
		ExportTimeout: 10 * time.Second, Inline: true, Outage: outage,
		Backoff: time.Second, MaxBackoff: 4 * time.Second, Now: r.clk.now,
	})
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.b))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.tp.Shutdown(ctx)
	})
	return r
}

// spans ends n spans.
func (r *rig) spans(n int) {
	tr := r.tp.Tracer("t")
	for range n {
		_, s := tr.Start(context.Background(), "s")
		s.End()
	}
}

// flush flushes with a generous bound (a hang detector).
func (r *rig) flush() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := r.b.ForceFlush(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		r.t.Fatal("flush hung")
	}
	return err
}

// settled reports whether no span waits and no export is under way.
func (r *rig) settled() bool { return r.b.Idle() }

// until waits for cond (a hang detector, not a timing assertion).
func (r *rig) until(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("never happened: %s (calls %d, skipped %d, dropped %d)", what, r.exp.calls.Load(),
				r.b.Skipped(), r.b.Dropped())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBackoffDownProbeRecover(t *testing.T) {
	r := newRig(t, func(err error) bool { return errors.Is(err, errDown) })
	r.exp.set(errDown, nil)

	// The first export is sent and fails: the backend is down.
	r.spans(3)
	if err := r.flush(); err != nil {
		t.Fatalf("first flush: %v (it waits for the failed export)", err)
	}
	if c := r.exp.calls.Load(); c != 1 {
		t.Fatalf("%d exports, want 1", c)
	}
	if !r.b.Unavailable() {
		t.Fatal("not taken for down after an outage error")
	}

	// While down, flushes do not wait and exports are skipped, their spans
	// dropped.
	for i := 1; i <= 3; i++ {
		r.spans(3)
		if err := r.flush(); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("flush while down: %v, want ErrUnavailable", err)
		}
		r.until("skipped export", func() bool { return r.b.Skipped() == uint64(i) })
	}
	if c, d := r.exp.calls.Load(), r.b.Dropped(); c != 1 || d != 9 {
		t.Fatalf("while down: %d exports, %d dropped; want 1 and 9", c, d)
	}

	// After the back-off (1s), one probe; it fails: the back-off doubles.
	r.clk.advance(1100 * time.Millisecond)
	r.spans(2)
	_ = r.flush()
	r.until("probe", func() bool { return r.exp.calls.Load() == 2 })
	r.until("probe done", r.settled)
	r.clk.advance(1500 * time.Millisecond) // < 2s: still backing off
	r.spans(1)
	_ = r.flush()
	r.until("skipped export", func() bool { return r.b.Skipped() == 4 })
	if c := r.exp.calls.Load(); c != 2 {
		t.Fatalf("%d exports within the doubled back-off, want 2", c)
	}

	// The backend is back: the next probe succeeds and the outage ends.
	r.exp.set(nil, nil)
	r.clk.advance(time.Second)
	r.spans(1)
	_ = r.flush()
	r.until("successful probe", func() bool { return r.exp.spans.Load() == 1 })
	r.until("back", func() bool { return !r.b.Unavailable() })
	r.spans(4)
	if err := r.flush(); err != nil {
		t.Fatalf("flush after recovery: %v", err)
	}
	if got := r.exp.spans.Load(); got != 5 {
		t.Fatalf("%d spans exported after recovery, want 5", got)
	}
	if d := r.b.Dropped(); d != 10 {
		t.Fatalf("%d spans dropped, want 10 (9 while down, 1 within the doubled back-off)", d)
	}
}

func TestBackoffCap(t *testing.T) {
	r := newRig(t, func(error) bool { return true })
	r.exp.set(errDown, nil)
	r.spans(1)
	_ = r.flush()
	// Probes at 1s, then 2s, 4s, 4s (MaxBackoff) apart.
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		r.clk.advance(wait - time.Millisecond)
		r.spans(1)
		_ = r.flush()
		r.until("skip", func() bool { return r.b.Skipped() == uint64(i+1) })
		r.clk.advance(time.Millisecond)
		r.spans(1)
		_ = r.flush()
		r.until("probe", func() bool { return r.exp.calls.Load() == int64(i+2) })
		r.until("probe done", r.settled)
	}
}

func TestNoBackoffForBatchErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		outage func(error) bool
	}{
		{"no Outage function", nil},
		{"error not an outage", func(err error) bool { return errors.Is(err, errDown) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, c.outage)
			r.exp.set(errBad, nil)
			for i := 1; i <= 3; i++ {
				r.spans(2)
				if err := r.flush(); err != nil {
					t.Fatalf("flush %d: %v", i, err)
				}
				if n := r.exp.calls.Load(); n != int64(i) {
					t.Fatalf("%d exports after %d flushes: an export was skipped", n, i)
				}
			}
			if r.b.Unavailable() || r.b.Dropped() != 0 {
				t.Fatalf("unavailable %v, dropped %d", r.b.Unavailable(), r.b.Dropped())
			}
		})
	}
}

func TestSlowBackendFlushesStopWaiting(t *testing.T) {
	r := newRig(t, func(error) bool { return true })
	block := make(chan struct{})
	r.exp.set(nil, block)
	r.spans(2)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err := r.b.ForceFlush(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("flush on a hanging backend: %v, want its deadline", err)
	}
	if !r.b.Unavailable() {
		t.Fatal("not taken for slow after a flush timed out")
	}
	// Later flushes do not wait; at most one export is under way.
	for range 3 {
		r.spans(2)
		if err := r.flush(); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("flush while slow: %v, want ErrUnavailable", err)
		}
	}
	if c := r.exp.calls.Load(); c != 1 {
		t.Fatalf("%d exports under way on a slow backend, want 1", c)
	}
	// The backend answers again, quickly: the spans all go (slow spans are
	// not dropped) and flushes wait again.
	r.exp.set(nil, nil)
	close(block)
	r.until("all sent", func() bool { return r.exp.spans.Load() == 8 })
	r.until("fast again", func() bool { return !r.b.Unavailable() })
	r.spans(1)
	if err := r.flush(); err != nil {
		t.Fatalf("flush after the backend sped up: %v", err)
	}
	if d := r.b.Dropped(); d != 0 {
		t.Fatalf("%d spans dropped on a slow backend", d)
	}
}

// recordOnly records every span without sampling it.
type recordOnly struct{}

func (recordOnly) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	return sdktrace.SamplingResult{Decision: sdktrace.RecordOnly}
}
func (recordOnly) Description() string { return "recordOnly" }

// TestUnsampledNotExported: spans recorded but not sampled (RecordOnly)
// are neither queued, exported nor counted as dropped.
func TestUnsampledNotExported(t *testing.T) {
	r := newRig(t, nil)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.b), sdktrace.WithSampler(recordOnly{}))
	defer tp.Shutdown(context.Background())
	ctx, root := tp.Tracer("t").Start(context.Background(), "root")
	for range 4 {
		_, s := tp.Tracer("t").Start(ctx, "child")
		s.End()
	}
	root.End()
	if err := r.flush(); err != nil {
		t.Fatal(err)
	}
	if n := r.exp.spans.Load(); n != 0 || r.b.Dropped() != 0 {
		t.Errorf("exported %d, dropped %d unsampled spans; want none", n, r.b.Dropped())
	}
}

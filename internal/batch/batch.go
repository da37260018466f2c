// Package batch is the span processor of a Tracer's own provider: a bounded
// queue of ended spans, handed to an exporter in batches, with flushes that
// wait only for the spans ended before them. A Processor is safe for
// concurrent use.
package batch

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Processor is the span processor of a Tracer's own provider.
//
// Ended spans wait in a bounded queue (a full queue drops and counts, so that
// the Tracer can report it). Every accepted span gets a sequence number.
// A dispatcher goroutine hands the queue to exports in batches of at most
// maxBatch spans, up to maxInflight exports at a time; each export covers a
// contiguous range of sequence numbers. ForceFlush does not force an export
// of its own: it notes the sequence number of the last span accepted before
// the call and waits until every span up to it has been exported (or failed).
// So N kickoffs that finish together are served by the exports already under
// way plus at most one new batch per free export slot, not by N exports, and
// a flush never waits for spans ended after it.
//
// With inline set (the library's own exporters, which give up when their
// ctx ends), a flush that finds a free slot exports the next batch itself,
// in its own goroutine, which would otherwise only wait: no goroutine to
// wake, no hand-over. It does so only while the backend is fast: the last
// export succeeded and took less than a quarter of the time the flush has
// left. That export is bounded by the flush's ctx, so that a flush never
// outlasts its timeout; should the backend turn slow during it, that batch
// counts as failed and the next exports run on the batcher's goroutines
// again, bounded by the export timeout only, so that a slow backend still
// gets its spans after the kickoffs' flushes gave up waiting. A user's
// exporter may ignore ctx: its exports always run on the batcher's
// goroutines, and a flush only waits for them.
//
// With Config.Outage set (the network backends), a backend that is down or
// slow stops costing each kickoff a flush timeout (see [ErrUnavailable]):
//   - an export failing with an outage error marks the backend down for a
//     back-off (Config.Backoff, doubled at each failed probe up to
//     Config.MaxBackoff). While it is down, exports are skipped at once and
//     their spans dropped and counted; once the back-off has passed, one
//     export is sent as a probe (the others are still skipped while it is
//     under way); its success ends the outage, its failure doubles the
//     back-off.
//   - a flush that times out marks the backend slow: exports go on, one at
//     a time, so that a slow backend still gets the spans, but no flush
//     waits for them until an export succeeds within the time that flush
//     had.
//
// While the backend is down or slow, ForceFlush returns [ErrUnavailable] at
// once instead of waiting.
type Processor struct {
	exp           sdktrace.SpanExporter
	inline        bool // a flush may export in its own goroutine (exp honours ctx)
	onFirstDrop   func()
	lastOK        bool          // the last export ended without error (b.mu)
	lastTook      time.Duration // how long it took (b.mu)
	maxQueue      int
	maxBatch      int
	maxInflight   int
	delay         time.Duration
	exportTimeout time.Duration
	outage        func(error) bool // nil: no back-off
	minBackoff    time.Duration
	maxBackoff    time.Duration
	now           func() time.Time

	exportCtx context.Context // canceled when Shutdown gives up waiting
	cancel    context.CancelFunc
	wake      chan struct{} // cap 1: something for the dispatcher to do
	stop      chan struct{}
	done      chan struct{} // closed when the dispatcher and every export are over
	exports   sync.WaitGroup

	mu       sync.Mutex
	pending  []sdktrace.ReadOnlySpan // accepted, not yet handed to an export: sequence [taken, accepted)
	accepted uint64                  // spans accepted so far
	taken    uint64                  // spans handed to exports so far
	inflight []*flight               // exports under way, in sequence order
	waiters  []*waiter               // flushes waiting, in target order
	flushTo  uint64                  // the highest target of a waiting flush
	stopped  bool

	// back-off (Outage set only)
	down       bool          // an export failed with an outage error
	downUntil  time.Time     // no export is sent before then (a probe at or after)
	backoff    time.Duration // the current back-off
	probing    bool          // a probe export is under way
	slow       bool          // a flush timed out waiting for exports
	slowWithin time.Duration // how long that flush waited

	dropped  atomic.Uint64
	skipped  atomic.Uint64 // exports skipped, the backend being down
	nExports atomic.Uint64 // exports started (for tests)
	stopOnce sync.Once
	stopErr  error
}

// flight is one export under way: the spans of sequence [lo, hi).
type flight struct {
	lo, hi uint64
	done   bool
	skip   bool // the backend is down: the spans are dropped, not sent
	probe  bool // the backend is down and this export probes it
}

// waiter is a flush waiting until every span of sequence < target is out.
type waiter struct {
	target uint64
	ch     chan struct{}
}

// Config configures a Processor.
type Config struct {
	Exporter      sdktrace.SpanExporter
	QueueSize     int           // ended spans held at most; more are dropped
	MaxBatch      int           // spans per export at most
	MaxInflight   int           // exports under way at once at most (at least 1)
	Delay         time.Duration // how long a span may wait without a flush
	ExportTimeout time.Duration // bound of one export
	// Inline lets a flush export in its own goroutine: set it only for an
	// exporter that gives up when its ctx ends.
	Inline bool
	// OnFirstDrop, when set, is called once, when the first span is
	// dropped because the queue is full.
	OnFirstDrop func()
	// Outage, when set, turns the back-off on (see [Processor]): it
	// reports whether an export error means the backend is unavailable
	// (refused, unreachable, timed out, overloaded) rather than refusing
	// one batch.
	Outage func(error) bool
	// Backoff is the first back-off after an outage (default 1s);
	// MaxBackoff bounds its doubling (default 1 min).
	Backoff, MaxBackoff time.Duration
	// Now is the clock of the back-off (default time.Now; tests).
	Now func() time.Time
}

// ErrUnavailable is what ForceFlush returns, without waiting, while the
// backend is taken for down (an export failed: its spans are dropped and
// counted until a probe export succeeds) or slow (a flush timed out: the
// spans are still sent, but no flush waits for them). It is never returned
// when Config.Outage is nil.
var ErrUnavailable = errors.New("batch: the trace backend is down or slower than the flush timeout; not waiting for it")

// Default back-off bounds.
const (
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = time.Minute
)

// New starts a Processor; its Shutdown stops it.
func New(c Config) *Processor {
	ctx, cancel := context.WithCancel(context.Background())
	b := &Processor{
		exp: c.Exporter, inline: c.Inline, onFirstDrop: c.OnFirstDrop,
		maxQueue: c.QueueSize, maxBatch: c.MaxBatch, maxInflight: max(c.MaxInflight, 1),
		delay: c.Delay, exportTimeout: c.ExportTimeout,
		outage: c.Outage, minBackoff: c.Backoff, maxBackoff: c.MaxBackoff, now: c.Now,
		exportCtx: ctx, cancel: cancel,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		pending: make([]sdktrace.ReadOnlySpan, 0, min(c.QueueSize, c.MaxBatch)),
	}
	if b.minBackoff <= 0 {
		b.minBackoff = DefaultBackoff
	}
	if b.maxBackoff < b.minBackoff {
		b.maxBackoff = max(DefaultMaxBackoff, b.minBackoff)
	}
	if b.now == nil {
		b.now = time.Now
	}
	go b.loop()
	return b
}

// Dropped counts the spans dropped because the queue was full or the
// Processor was shut down.
func (b *Processor) Dropped() uint64 { return b.dropped.Load() }

// ShutDown reports whether Shutdown canceled the exports under way (an
// export failing then needs no report).
func (b *Processor) ShutDown() bool { return b.exportCtx.Err() != nil }

// Waiting returns the number of flushes waiting for their spans.
func (b *Processor) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.waiters)
}

func (b *Processor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (b *Processor) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		b.dropped.Add(1)
		return
	}
	if len(b.pending) >= b.maxQueue {
		b.mu.Unlock()
		if b.dropped.Add(1) == 1 && b.onFirstDrop != nil {
			b.onFirstDrop()
		}
		return
	}
	b.pending = append(b.pending, s)
	b.accepted++
	full := len(b.pending) >= b.maxBatch
	b.mu.Unlock()
	if full {
		b.signal()
	}
}

// signal wakes the dispatcher.
func (b *Processor) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// completed is the sequence number below which every span is out. b.mu is
// held.
func (b *Processor) completed() uint64 {
	if len(b.inflight) > 0 {
		return b.inflight[0].lo
	}
	return b.taken
}

func (b *Processor) loop() {
	timer := time.NewTimer(b.delay)
	defer timer.Stop()
	lastTick := b.nExports.Load()
	stopping := false
	for {
		timedOut := false
		select {
		case <-b.wake:
		case <-timer.C:
			timedOut = true
			timer.Reset(b.delay)
		case <-b.stop:
			stopping = true
		}
		b.mu.Lock()
		b.dispatch(timedOut || stopping)
		over := stopping && len(b.pending) == 0 && len(b.inflight) == 0
		b.mu.Unlock()
		if timedOut {
			// Nothing exported for a whole delay: let the exporter
			// release what it holds open.
			if n := b.nExports.Load(); n == lastTick {
				if c, ok := b.exp.(IdleCloser); ok {
					c.CloseIdle()
				}
			} else {
				lastTick = n
			}
		}
		if over {
			b.exports.Wait()
			b.mu.Lock()
			for _, w := range b.waiters {
				close(w.ch)
			}
			b.waiters = nil
			b.mu.Unlock()
			close(b.done)
			return
		}
		if stopping {
			// Wait for an export to end (it signals) before dispatching
			// the rest.
			<-b.wake
		}
	}
}

// dispatch starts exports while there are free slots and spans that should
// go: a full batch, spans a flush waits for, or all of them when all is
// true. b.mu is held.
func (b *Processor) dispatch(all bool) {
	for len(b.pending) > 0 && len(b.inflight) < b.slots() &&
		(all || len(b.pending) >= b.maxBatch || b.flushTo > b.taken) {
		f, batch := b.take()
		go b.export(context.Background(), f, batch)
	}
}

// slots is how many exports may be under way: one while the backend is
// slow (and not down: then exports are skipped at once), so that requests
// do not pile up on it. b.mu is held.
func (b *Processor) slots() int {
	if b.slow && !b.down {
		return 1
	}
	return b.maxInflight
}

// take moves the next batch (at most maxBatch pending spans) into a new
// flight. b.mu is held, and there are pending spans and a free slot.
func (b *Processor) take() (*flight, []sdktrace.ReadOnlySpan) {
	n := min(len(b.pending), b.maxBatch)
	batch := make([]sdktrace.ReadOnlySpan, n)
	copy(batch, b.pending)
	rest := copy(b.pending, b.pending[n:])
	clear(b.pending[rest:])
	b.pending = b.pending[:rest]
	f := &flight{lo: b.taken, hi: b.taken + uint64(n)}
	if b.down {
		if b.probing || b.now().Before(b.downUntil) {
			f.skip = true
			b.dropped.Add(uint64(n))
			b.skipped.Add(1)
		} else {
			b.probing, f.probe = true, true
		}
	}
	b.taken = f.hi
	b.inflight = append(b.inflight, f)
	b.nExports.Add(1)
	b.exports.Add(1)
	return f, batch
}

// export sends one batch, then releases the flushes it completes. It is
// bounded by the export timeout and by Shutdown, and also by flushCtx when
// a flush runs it in its own goroutine (flushCtx is nil otherwise).
func (b *Processor) export(flushCtx context.Context, f *flight, batch []sdktrace.ReadOnlySpan) {
	defer b.exports.Done()
	deadline := time.Now().Add(b.exportTimeout)
	if flushCtx != nil {
		if d, ok := flushCtx.Deadline(); ok && d.Before(deadline) {
			deadline = d // ends as a timeout, which is how it is reported
		}
	}
	ctx, cancel := context.WithDeadline(b.exportCtx, deadline)
	if flushCtx != nil && flushCtx.Done() != nil {
		stop := context.AfterFunc(flushCtx, func() {
			if !errors.Is(flushCtx.Err(), context.DeadlineExceeded) {
				cancel() // the flush was canceled before its deadline
			}
		})
		defer stop()
	}
	skip, probe := f.skip, f.probe
	var (
		err  error
		took time.Duration
	)
	if !skip {
		began := time.Now()
		err = b.exp.ExportSpans(ctx, batch) // errors are counted and reported by the exporter
		took = time.Since(began)
	}
	cancel()
	b.mu.Lock()
	if !skip {
		b.lastOK, b.lastTook = err == nil, took
		b.health(err, took, probe)
	}
	f.done = true
	i := 0
	for i < len(b.inflight) && b.inflight[i].done {
		i++
	}
	if i > 0 {
		rest := copy(b.inflight, b.inflight[i:])
		clear(b.inflight[rest:])
		b.inflight = b.inflight[:rest]
	}
	c := b.completed()
	j := 0
	for j < len(b.waiters) && b.waiters[j].target <= c {
		close(b.waiters[j].ch)
		j++
	}
	if j > 0 {
		rest := copy(b.waiters, b.waiters[j:])
		clear(b.waiters[rest:])
		b.waiters = b.waiters[:rest]
	}
	// A slot is free: wake the dispatcher if it has something to start
	// (waking it for nothing costs a thread wake-up on an idle core).
	wake := b.stopped || len(b.pending) > 0 && (len(b.pending) >= b.maxBatch || b.flushTo > b.taken)
	b.mu.Unlock()
	if wake {
		b.signal()
	}
}

// health updates the back-off state after an export that was sent. b.mu
// is held.
func (b *Processor) health(err error, took time.Duration, probe bool) {
	if probe {
		b.probing = false
	}
	if b.outage == nil {
		return
	}
	if err == nil {
		if b.down {
			b.down, b.backoff = false, 0
		}
		if b.slow && took < b.slowWithin {
			b.slow = false
		}
		return
	}
	if b.exportCtx.Err() != nil || !b.outage(err) {
		return // canceled by Shutdown, or one batch refused
	}
	switch {
	case !b.down:
		b.down, b.backoff = true, b.minBackoff
	case probe:
		b.backoff = min(2*b.backoff, b.maxBackoff)
	default:
		return // an export sent before the outage was seen
	}
	b.downUntil = b.now().Add(b.backoff)
}

// Unavailable reports whether the backend is taken for down or slow (see
// [ErrUnavailable]).
func (b *Processor) Unavailable() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.down || b.slow
}

// Skipped counts the exports skipped because the backend was down.
func (b *Processor) Skipped() uint64 { return b.skipped.Load() }

// Idle reports whether no span waits for export and no export is under
// way.
func (b *Processor) Idle() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending) == 0 && len(b.inflight) == 0
}

// Sent counts the exports handed to the exporter (not skipped).
func (b *Processor) Sent() uint64 { return b.nExports.Load() - b.skipped.Load() }

// fast reports whether the backend answered the last export well within
// the time a flush with ctx has left, so that the flush may export itself.
// b.mu is held.
func (b *Processor) fast(ctx context.Context) bool {
	if !b.lastOK {
		return false
	}
	d, ok := ctx.Deadline()
	return !ok || time.Until(d) > 4*b.lastTook
}

// ForceFlush returns once every span ended before the call has been
// exported (or its export failed), or returns ctx's error when ctx ends
// first (the export goes on in the background, bounded by the export
// timeout). Concurrent calls share exports.
func (b *Processor) ForceFlush(ctx context.Context) error {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return nil
	}
	target := b.accepted
	if b.completed() >= target {
		b.mu.Unlock()
		return nil
	}
	if b.outage != nil && (b.down || b.slow) {
		// Do not wait: have the spans go (or be dropped) soon.
		kick := target > b.taken && target > b.flushTo
		b.flushTo = max(b.flushTo, target)
		b.mu.Unlock()
		if kick {
			b.signal()
		}
		return ErrUnavailable
	}
	began := time.Now()
	w := &waiter{target: target, ch: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	var (
		f     *flight
		batch []sdktrace.ReadOnlySpan
	)
	if b.inline && target > b.taken && len(b.inflight) < b.maxInflight && b.fast(ctx) {
		f, batch = b.take()
	}
	kick := target > b.taken && target > b.flushTo
	b.flushTo = max(b.flushTo, target)
	b.mu.Unlock()
	if kick {
		b.signal()
	}
	if f != nil {
		b.export(ctx, f, batch)
	}
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ch: // released meanwhile (waiters are released under b.mu)
			return nil
		default:
		}
		for i, x := range b.waiters {
			if x == w {
				b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
				break
			}
		}
		if b.outage != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !b.slow {
			b.slow, b.slowWithin = true, time.Since(began)
		}
		return ctx.Err()
	}
}

// Shutdown exports what is queued, waits for the exports under way and shuts
// the exporter down, bounded by ctx; when ctx ends first the exports in
// progress are canceled.
func (b *Processor) Shutdown(ctx context.Context) error {
	b.stopOnce.Do(func() {
		b.mu.Lock()
		b.stopped = true
		b.mu.Unlock()
		close(b.stop)
		select {
		case <-b.done:
		case <-ctx.Done():
			b.stopErr = ctx.Err()
			b.cancel()
			<-b.done
		}
		b.cancel()
		sctx := ctx
		if ctx.Err() != nil {
			var cancel context.CancelFunc
			sctx, cancel = context.WithTimeout(context.Background(), time.Second)
			defer cancel()
		}
		if err := b.exp.Shutdown(sctx); err != nil && b.stopErr == nil {
			b.stopErr = err
		}
	})
	return b.stopErr
}

// IdleCloser is an exporter holding resources (open files) that it can
// release when no span has been exported for a while: the Processor calls
// CloseIdle after a whole Delay without an export.
type IdleCloser interface{ CloseIdle() }

package tracing

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// batcher is the span processor of a Tracer's own provider: ended spans wait
// in a bounded queue (a full queue drops and counts), one goroutine exports
// them in batches, and ForceFlush requests that arrive together are served by
// one export. Unlike the SDK's batch processor it counts its drops, so that
// [Tracer.Stats] can report them.
type batcher struct {
	exp           sdktrace.SpanExporter
	queue         chan sdktrace.ReadOnlySpan
	flushReq      chan chan struct{}
	stop          chan struct{}
	done          chan struct{}
	exportCtx     context.Context // canceled when Shutdown gives up waiting
	cancel        context.CancelFunc
	maxBatch      int
	delay         time.Duration
	exportTimeout time.Duration
	t             *Tracer

	stopped  atomic.Bool
	dropped  atomic.Uint64
	stopOnce sync.Once
	stopErr  error
}

func newBatcher(exp sdktrace.SpanExporter, queue, maxBatch int, delay, exportTimeout time.Duration, t *Tracer) *batcher {
	ctx, cancel := context.WithCancel(context.Background())
	b := &batcher{
		exp: exp, queue: make(chan sdktrace.ReadOnlySpan, queue), flushReq: make(chan chan struct{}, 64),
		stop: make(chan struct{}), done: make(chan struct{}), exportCtx: ctx, cancel: cancel,
		maxBatch: maxBatch, delay: delay, exportTimeout: exportTimeout, t: t,
	}
	go b.loop()
	return b
}

func (b *batcher) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (b *batcher) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	if b.stopped.Load() {
		b.dropped.Add(1)
		return
	}
	select {
	case b.queue <- s:
	default:
		if b.dropped.Add(1) == 1 && b.t != nil {
			b.t.warnOnce("queue full", "tracing: the span export queue is full (the backend is slow or down); "+
				"spans are dropped and counted in Tracer.Stats (reported once)", "queue", cap(b.queue))
		}
	}
}

func (b *batcher) loop() {
	defer close(b.done)
	batch := make([]sdktrace.ReadOnlySpan, 0, b.maxBatch)
	timer := time.NewTimer(b.delay)
	defer timer.Stop()
	export := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(b.exportCtx, b.exportTimeout)
		_ = b.exp.ExportSpans(ctx, batch) // errors are counted and reported by countingExporter
		cancel()
		clear(batch)
		batch = batch[:0]
	}
	drain := func() {
		for {
			select {
			case s := <-b.queue:
				batch = append(batch, s)
				if len(batch) >= b.maxBatch {
					export()
				}
			default:
				export()
				return
			}
		}
	}
	for {
		select {
		case s := <-b.queue:
			batch = append(batch, s)
			if len(batch) >= b.maxBatch {
				export()
			}
		case <-timer.C:
			export()
			timer.Reset(b.delay)
		case req := <-b.flushReq:
			// Every request already waiting asked for spans that are in
			// the queue by now: one drain serves them all.
			reqs := []chan struct{}{req}
			for more := true; more; {
				select {
				case r := <-b.flushReq:
					reqs = append(reqs, r)
				default:
					more = false
				}
			}
			drain()
			for _, r := range reqs {
				close(r)
			}
		case <-b.stop:
			drain()
			for {
				select {
				case r := <-b.flushReq:
					close(r)
				default:
					return
				}
			}
		}
	}
}

// ForceFlush exports every span ended before the call, or returns ctx's
// error when ctx ends first (the export goes on in the background, bounded
// by the export timeout).
func (b *batcher) ForceFlush(ctx context.Context) error {
	if b.stopped.Load() {
		return nil
	}
	req := make(chan struct{})
	select {
	case b.flushReq <- req:
	case <-b.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-req:
		return nil
	case <-b.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown exports what is queued and shuts the exporter down, bounded by
// ctx; when ctx ends first the export in progress is canceled.
func (b *batcher) Shutdown(ctx context.Context) error {
	b.stopOnce.Do(func() {
		b.stopped.Store(true)
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

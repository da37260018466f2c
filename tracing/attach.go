package tracing

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/aop"
	"github.com/crewai-go/crewai/internal/traceenv"
)

type tracedKey struct{}

func noop() {}

// Attach decides whether the run in ctx is traced and, if so, attaches the
// span builder to ctx. t is the Crew's or Flow's Tracer field (nil means
// [Default], built only when the run is traced). The run is traced when the
// environment says so (see the package doc) or when opts include
// [Requested](true), as a Crew's or Flow's Tracing field does;
// OTEL_SDK_DISABLED=true wins over both.
//
// If ctx is already traced by an enclosing kickoff (a crew inside a traced
// flow), Attach returns ctx unchanged and a no-op finish: the inner run is
// part of the outer trace.
//
// The OpenTelemetry span already in ctx, if any (a user's own span, or a
// context propagated from another process), becomes the parent of the run's
// root span. Steps whose parent step was not seen by this run (an untraced
// flow running a traced crew) become roots under that span.
//
// finish must be called once, after the kickoff's end event: it ends any step
// left open, flushes the spans (bounded by the Tracer's flush timeout),
// reports a failing backend once, and prints one line saying where the trace
// is and how to view it. It never fails and never blocks beyond the flush
// timeout. Calling it more than once is harmless.
func Attach(ctx context.Context, t *Tracer, opts ...AttachOption) (context.Context, func()) {
	if ctx.Value(tracedKey{}) != nil {
		return ctx, noop
	}
	var c attachConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if !traceenv.Enabled(c.requested, t.loggerOrNil()) {
		return ctx, noop
	}
	if t == nil {
		t = Default()
	}
	preset, d := t.preSample(ctx)
	if d == skipRun {
		return ctx, noop // dropped by the sampler, with no keep rule: not traced
	}
	r := &runTracer{t: t, parent: trace.SpanContextFromContext(ctx), reuse: t.owned != nil, preset: preset,
		whole: t.sampler != nil}
	if d == recordRun {
		r.hold = &heldRun{}
		r.traceID = preset
		if !preset.IsValid() {
			r.traceID = r.parent.TraceID()
		}
	} else {
		r.spans = make(map[uint64]*openSpan, 8)
	}
	if !r.reuse {
		_, r.reuse = t.provider.(*sdktrace.TracerProvider)
	}
	ctx = context.WithValue(ctx, tracedKey{}, r)
	ctx = event.WithHandler(ctx, r)
	if t.aop != nil {
		// The crewai backend: every span of the run carries its execution,
		// the one its grant is asked for.
		r.execID = aop.ExecutionID(event.RunOf(ctx))
		r.exec = attribute.String(aop.AttrExecutionUUID, r.execID)
	}
	return ctx, r.finishRun
}

// AttachOption changes how [Attach] decides whether a run is traced.
type AttachOption func(*attachConfig)

type attachConfig struct{ requested bool }

// Requested says whether the run's Crew or Flow asked for tracing (its
// Tracing field): true traces the run even when CREWAI_TRACING_ENABLED does
// not, unless OTEL_SDK_DISABLED=true.
func Requested(on bool) AttachOption {
	return func(c *attachConfig) { c.requested = on }
}

// Traced reports whether ctx belongs to a run that [Attach] decided to
// trace.
func Traced(ctx context.Context) bool { return ctx.Value(tracedKey{}) != nil }

// TraceID returns the trace ID of the traced run in ctx (the trace of its
// first root span), or an invalid ID when ctx is not traced or no span has
// started yet.
func TraceID(ctx context.Context) trace.TraceID {
	r, _ := ctx.Value(tracedKey{}).(*runTracer)
	if r == nil {
		return trace.TraceID{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.traceID
}

func (t *Tracer) loggerOrNil() *slog.Logger {
	if t == nil {
		return nil
	}
	return t.logger
}

package tracing

import (
	"context"

	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
)

// SpanContextOf returns the span context of the step ctx is inside (the
// span its children get as parent), in a traced run; an invalid one
// otherwise. A flow saves it to carry a paused run's trace into the
// process that resumes it.
func SpanContextOf(ctx context.Context) trace.SpanContext {
	r, _ := ctx.Value(tracedKey{}).(*runTracer)
	if r == nil {
		return trace.SpanContext{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return trace.SpanContext{}
	}
	op := r.spans[event.ParentOf(ctx)]
	if op == nil {
		return trace.SpanContext{}
	}
	r.materialize(op)
	return op.span.SpanContext()
}

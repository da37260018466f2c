package tracing

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The waits of a step: a retry and a rate-limit wait are span events on the
// span of the step that waits (point in run.go calls them).

// retry: the span event "crewai.retry" with the operation, the attempt, the wait
// in milliseconds and the error that caused it (scrubbed).
func (r *runTracer) retry(sp trace.Span, v *event.Retry, h *event.Header) {
	attrs := []attribute.KeyValue{
		attribute.String(semconv.CrewAIRetryOperation, v.Operation),
		attribute.Int(semconv.CrewAIRetryAttempt, v.Attempt),
		attribute.Int64(semconv.CrewAIRetryWait, v.Wait.Milliseconds()),
	}
	if v.Err != nil {
		attrs = append(attrs, attribute.String(semconv.CrewAIRetryError, r.t.text(v.Err.Error())))
	}
	sp.AddEvent(semconv.EventRetry, trace.WithTimestamp(h.Time), trace.WithAttributes(attrs...))
}

// rateLimitWait: the span event "crewai.rate_limit_wait", with the
// limiter's name and the wait in milliseconds.
func (r *runTracer) rateLimitWait(sp trace.Span, v *event.RateLimitWait, h *event.Header) {
	sp.AddEvent(semconv.EventRateLimitWait, trace.WithTimestamp(h.Time), trace.WithAttributes(
		attribute.String(semconv.CrewAIRateLimiter, v.Limiter),
		attribute.Int64(semconv.CrewAIRateLimitWait, v.Wait.Milliseconds())))
}

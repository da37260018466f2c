package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The guardrail step. Each function maps one event of the step to span
// attributes; start and end in run.go call them.

// guardrailStarted: a guardrail check is the span "guardrail {task}"
// (GUARDRAIL).
func (r *runTracer) guardrailStarted(s *spanStart, v *event.GuardrailStarted) {
	s.name = spanName(semconv.OpGuardrail, v.Task)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpGuardrail),
		attribute.String(semconv.OISpanKind, semconv.OIKindGuardrail),
		attribute.String(semconv.CrewAIGuardrailTask, v.Task),
		attribute.Int(semconv.CrewAIGuardrailAttempt, v.Attempt),
	)
}

// guardrailCompleted adds the verdict and the feedback.
func (r *runTracer) guardrailCompleted(attrs []attribute.KeyValue, v *event.GuardrailCompleted) []attribute.KeyValue {
	t := r.t
	attrs = append(attrs, attribute.Bool(semconv.CrewAIGuardrailSuccess, v.Success))
	if t.capture && v.Feedback != "" {
		attrs = append(attrs, attribute.String(semconv.CrewAIGuardrailFeedback, t.text(v.Feedback)))
	}
	return attrs
}

package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The guardrail step. Each function maps one event of the step to span
// attributes; start and end in run.go call them.

// guardrailStarted: a guardrail check is the span "guardrail {task}", or
// "guardrail {role}" for a standalone agent's answer (GUARDRAIL).
func (r *runTracer) guardrailStarted(s *spanStart, v *event.GuardrailStarted) {
	if v.Task == "" && v.Agent != "" {
		s.name = spanName(semconv.OpGuardrail, v.Agent)
		s.attrs = append(s.attrs, attribute.String(semconv.GenAIAgentName, v.Agent))
	} else {
		s.name = spanName(semconv.OpGuardrail, v.Task)
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAIGuardrailTask, v.Task))
	}
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpGuardrail),
		attribute.String(semconv.OISpanKind, semconv.OIKindGuardrail),
		attribute.Int(semconv.CrewAIGuardrailAttempt, v.Attempt),
	)
	if v.Guardrail != "" {
		s.attrs = append(s.attrs,
			attribute.String(semconv.CrewAIGuardrailName, v.Guardrail),
			attribute.Int(semconv.CrewAIGuardrailIndex, v.Index))
	}
	if v.Rule != "" && r.t.capture {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAIGuardrailRule, r.t.text(v.Rule)))
	}
}

// guardrailCompleted adds the verdict and the feedback.
func (r *runTracer) guardrailCompleted(attrs []attribute.KeyValue, v *event.GuardrailCompleted) []attribute.KeyValue {
	t := r.t
	attrs = append(attrs, attribute.Bool(semconv.CrewAIGuardrailSuccess, v.Success))
	if v.Transformed {
		attrs = append(attrs, attribute.Bool(semconv.CrewAIGuardrailTransformed, true))
	}
	if t.capture && v.Feedback != "" {
		attrs = append(attrs, attribute.String(semconv.CrewAIGuardrailFeedback, t.text(v.Feedback)))
	}
	return attrs
}

package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The delegation step. Each function maps one event of the step to span
// attributes; start and end in run.go call them.

// delegationStarted: a delegation is the span "delegate {coworker role}"
// (CHAIN); the coworker's own execution is the invoke_agent span inside it.
func (r *runTracer) delegationStarted(s *spanStart, v *event.DelegationStarted) {
	t := r.t
	s.name = spanName(semconv.OpDelegate, v.To)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpDelegate),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
		attribute.String(semconv.CrewAIDelegationFrom, v.From),
		attribute.String(semconv.CrewAIDelegationTo, v.To),
		attribute.Bool(semconv.CrewAIDelegationAsk, v.Question),
	)
	if t.capture {
		in := v.Task
		if v.Context != "" {
			in += "\n\n" + v.Context
		}
		s.attrs = append(s.attrs,
			attribute.String(semconv.OIInputValue, t.text(in)),
			attribute.String(semconv.OIInputMimeType, semconv.MimeText))
	}
}

// delegationCompleted adds the coworker's answer.
func (r *runTracer) delegationCompleted(attrs []attribute.KeyValue, v *event.DelegationCompleted) []attribute.KeyValue {
	t := r.t
	if t.capture {
		attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Result)
	}
	return attrs
}

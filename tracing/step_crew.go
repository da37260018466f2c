package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The crew kickoff step. Each function maps one event of the step to span
// attributes; start and end in run.go call them.

// crewStarted: a crew kickoff is the span "invoke_workflow {crew}" (CHAIN).
func (r *runTracer) crewStarted(s *spanStart, v *event.CrewStarted, h *event.Header) {
	t := r.t
	s.name = spanName(semconv.OpInvokeWorkflow, v.Crew)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpInvokeWorkflow),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
		attribute.String(semconv.GenAIWorkflowName, v.Crew),
		attribute.String(semconv.CrewAIRunID, h.Run.String()),
	)
	if v.Process != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAICrewProcess, v.Process))
	}
	if t.capture && len(v.Inputs) > 0 {
		s.attrs = t.appendValue(s.attrs, semconv.OIInputValue, semconv.OIInputMimeType, v.Inputs)
	}
}

// crewCompleted adds the crew's total usage and output.
func (r *runTracer) crewCompleted(attrs []attribute.KeyValue, v *event.CrewCompleted) []attribute.KeyValue {
	t := r.t
	attrs = appendUsage(attrs, v.Usage, false)
	if t.capture {
		attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Output)
	}
	return attrs
}

// crewFailed adds the usage spent before the failure.
func (r *runTracer) crewFailed(attrs []attribute.KeyValue, v *event.CrewFailed) []attribute.KeyValue {
	attrs = appendUsage(attrs, v.Usage, false)
	return attrs
}

package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The human-input step. Each function maps one event of the step to span
// attributes; start and end in run.go call them.

// humanInputStarted: a question to a person is the span
// "human_input {where}" (CHAIN), a sibling of the agent's steps: its wait
// is never inside a model call's span.
func (r *runTracer) humanInputStarted(s *spanStart, v *event.HumanInputStarted) {
	t := r.t
	s.name = spanName(semconv.OpHumanInput, v.Where)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpHumanInput),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
	)
	if v.Where != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAIHumanWhere, v.Where))
	}
	if v.Round > 0 {
		s.attrs = append(s.attrs, attribute.Int(semconv.CrewAIHumanRound, v.Round))
	}
	if len(v.Outcomes) > 0 {
		s.attrs = append(s.attrs, attribute.StringSlice(semconv.CrewAIHumanOutcomes, v.Outcomes))
	}
	if t.capture {
		if v.Message != "" {
			s.attrs = append(s.attrs, attribute.String(semconv.CrewAIHumanQuestion, t.text(v.Message)))
		}
		if v.Output != "" {
			s.attrs = t.appendText(s.attrs, semconv.OIInputValue, semconv.OIInputMimeType, v.Output)
		}
	}
}

// humanInputCompleted adds the answer, the outcome and the wait.
func (r *runTracer) humanInputCompleted(attrs []attribute.KeyValue, v *event.HumanInputCompleted) []attribute.KeyValue {
	t := r.t
	attrs = append(attrs, attribute.Int64(semconv.CrewAIHumanWaitMS, v.Wait.Milliseconds()))
	if v.Outcome != "" {
		attrs = append(attrs, attribute.String(semconv.CrewAIHumanOutcome, v.Outcome))
	}
	if t.capture {
		attrs = append(attrs, attribute.String(semconv.CrewAIHumanAnswer, t.text(v.Answer)))
		attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Answer)
	}
	return attrs
}

// humanInputFailed adds the wait, and whether the answer is to come later.
func (r *runTracer) humanInputFailed(attrs []attribute.KeyValue, v *event.HumanInputFailed) []attribute.KeyValue {
	attrs = append(attrs, attribute.Int64(semconv.CrewAIHumanWaitMS, v.Wait.Milliseconds()))
	if v.Pending {
		attrs = append(attrs, attribute.Bool(semconv.CrewAIHumanPending, true))
	}
	return attrs
}

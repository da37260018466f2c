package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The agent execution step. Each function maps one event of the step to span
// attributes; start and end in run.go call them.

// agentStarted: an agent execution is the span "invoke_agent {role}"
// (AGENT).
func (r *runTracer) agentStarted(s *spanStart, v *event.AgentStarted) {
	t := r.t
	s.name = spanName(semconv.OpInvokeAgent, v.Role)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpInvokeAgent),
		attribute.String(semconv.OISpanKind, semconv.OIKindAgent),
		attribute.String(semconv.GenAIAgentName, v.Role),
		attribute.String(semconv.OIAgentName, v.Role),
	)
	if v.AgentID != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.GenAIAgentID, v.AgentID))
	}
	if v.Provider != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.GenAIProviderName, v.Provider))
	}
	if v.Model != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.GenAIRequestModel, v.Model))
	}
	if len(v.Tools) > 0 {
		s.attrs = append(s.attrs, attribute.StringSlice(semconv.CrewAIAgentTools, v.Tools))
	}
	if v.Attempt > 1 {
		s.attrs = append(s.attrs, attribute.Int(semconv.CrewAIAgentAttempt, v.Attempt))
	}
	if t.capture {
		if v.Goal != "" {
			s.attrs = append(s.attrs, attribute.String(semconv.CrewAIAgentGoal, t.text(v.Goal)))
		}
		if v.Prompt != "" {
			s.attrs = append(s.attrs,
				attribute.String(semconv.OIInputValue, t.text(v.Prompt)),
				attribute.String(semconv.OIInputMimeType, semconv.MimeText))
		}
	}
}

// agentCompleted adds the agent's usage, iterations and answer.
func (r *runTracer) agentCompleted(attrs []attribute.KeyValue, v *event.AgentCompleted) []attribute.KeyValue {
	t := r.t
	attrs = appendUsage(attrs, v.Usage, false)
	attrs = append(attrs, attribute.Int(semconv.CrewAIAgentIterations, v.Iterations))
	if t.capture {
		attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Output)
	}
	return attrs
}

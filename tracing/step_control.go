package tracing

import (
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The control steps: a skipped conditional task, a crew's planning, an
// agent's reasoning, and what hooks blocked. Each function maps one event to
// span attributes; start, end and point in run.go call them.

// taskSkipped records a skipped conditional task as its own span
// "execute_task {task}" (CHAIN), of no duration, under the crew's span, with
// crewai.task.skipped=true: a skipped task is never silently absent.
func (r *runTracer) taskSkipped(parent *openSpan, v *event.TaskSkipped, at time.Time) {
	t := r.t
	attrs := []attribute.KeyValue{
		attribute.String(semconv.GenAIOperationName, semconv.OpExecuteTask),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
		attribute.String(semconv.CrewAITaskName, v.Task),
		attribute.String(semconv.CrewAITaskAgent, v.Agent),
		attribute.Int(semconv.CrewAITaskIndex, v.Index),
		attribute.Bool(semconv.CrewAITaskSkipped, true),
	}
	scrubIdentity(t, attrs)
	ctx := r.materialize(parent)
	_, sp := t.tracer.Start(ctx, t.scrub.Scrub(spanName(semconv.OpExecuteTask, v.Task)),
		kindInternal, trace.WithTimestamp(at), trace.WithAttributes(attrs...))
	r.started++
	t.started.Add(1)
	sp.End(trace.WithTimestamp(at))
}

// planningStarted: a crew's planning is the span "plan {crew}" (CHAIN).
func (r *runTracer) planningStarted(s *spanStart, v *event.PlanningStarted) {
	s.name = spanName(semconv.OpPlan, v.Crew)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpPlan),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
		attribute.Int(semconv.CrewAIPlanningTasks, v.Tasks),
	)
	if v.Model != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAIPlanningModel, v.Model))
	}
}

// planningCompleted adds the usage and the plans.
func (r *runTracer) planningCompleted(attrs []attribute.KeyValue, v *event.PlanningCompleted) []attribute.KeyValue {
	t := r.t
	attrs = appendUsage(attrs, v.Usage, false)
	if t.capture && len(v.Plans) > 0 {
		attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, strings.Join(v.Plans, "\n\n"))
	}
	return attrs
}

// reasoningStarted: an agent's reasoning is the span "reason {role}" (CHAIN).
func (r *runTracer) reasoningStarted(s *spanStart, v *event.ReasoningStarted) {
	s.name = spanName(semconv.OpReason, v.Role)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpReason),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
		attribute.String(semconv.GenAIAgentName, v.Role),
		attribute.Int(semconv.CrewAIReasoningMaxAttempts, v.MaxAttempts),
	)
	if v.AgentID != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.GenAIAgentID, v.AgentID))
	}
}

// reasoningCompleted adds the attempts, the readiness, the usage and the
// plan.
func (r *runTracer) reasoningCompleted(attrs []attribute.KeyValue, v *event.ReasoningCompleted) []attribute.KeyValue {
	t := r.t
	attrs = append(attrs,
		attribute.Int(semconv.CrewAIReasoningAttempts, v.Attempts),
		attribute.Bool(semconv.CrewAIReasoningReady, v.Ready))
	attrs = appendUsage(attrs, v.Usage, false)
	if t.capture {
		attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Plan)
	}
	return attrs
}

// blocked adds what a hook said when it blocked a model or tool call.
func (r *runTracer) blocked(attrs []attribute.KeyValue, reason string) []attribute.KeyValue {
	return append(attrs,
		attribute.Bool(semconv.CrewAIHookBlocked, true),
		attribute.String(semconv.CrewAIHookReason, r.t.text(reason)))
}

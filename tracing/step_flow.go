package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The flow kickoff and flow method steps. Each function maps one event of the step to span
// attributes; start and end in run.go call them.

// flowStarted: a flow kickoff is the span "invoke_workflow {flow}" (CHAIN).
func (r *runTracer) flowStarted(s *spanStart, v *event.FlowStarted, h *event.Header) {
	t := r.t
	s.name = spanName(semconv.OpInvokeWorkflow, v.Flow)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpInvokeWorkflow),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
		attribute.String(semconv.GenAIWorkflowName, v.Flow),
		attribute.String(semconv.CrewAIFlowName, v.Flow),
		attribute.String(semconv.CrewAIRunID, h.Run.String()),
	)
	if v.StateID != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAIFlowStateID, v.StateID))
	}
	if v.Restored {
		s.attrs = append(s.attrs, attribute.Bool(semconv.CrewAIFlowRestored, true),
			attribute.Int(semconv.CrewAIFlowRunsCarried, v.RunsCarried))
	}
	if t.capture && len(v.Inputs) > 0 {
		s.attrs = t.appendValue(s.attrs, semconv.OIInputValue, semconv.OIInputMimeType, v.Inputs)
	}
}

// flowFinished adds the flow's total usage, result and final state.
func (r *runTracer) flowFinished(attrs []attribute.KeyValue, v *event.FlowFinished) []attribute.KeyValue {
	t := r.t
	attrs = appendUsage(attrs, v.Usage, false)
	if t.capture && v.Result != nil {
		attrs = t.appendValue(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Result)
	}
	if t.capture && v.State != nil {
		attrs = t.appendState(attrs, v.State)
	}
	return attrs
}

// methodStarted: a flow method is the span "invoke_node {method}" (CHAIN),
// with the state it starts from as its input.
func (r *runTracer) methodStarted(s *spanStart, v *event.MethodStarted) {
	t := r.t
	s.name = spanName(semconv.OpInvokeNode, v.Method)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpInvokeNode),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
		attribute.String(semconv.CrewAIFlowName, v.Flow),
		attribute.String(semconv.CrewAIFlowMethod, v.Method),
	)
	if v.Trigger != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAIFlowTrigger, v.Trigger))
	}
	if t.capture && v.State != nil {
		s.attrs = t.appendValue(s.attrs, semconv.OIInputValue, semconv.OIInputMimeType, v.State)
	}
}

// methodFinished adds the router label, the result and the state the
// method left.
func (r *runTracer) methodFinished(attrs []attribute.KeyValue, v *event.MethodFinished) []attribute.KeyValue {
	t := r.t
	if v.RouterLabel != "" {
		attrs = append(attrs, attribute.String(semconv.CrewAIFlowRouterLabel, v.RouterLabel))
	}
	if t.capture && v.Result != nil {
		attrs = t.appendValue(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Result)
	}
	if t.capture && v.State != nil {
		attrs = t.appendState(attrs, v.State)
	}
	return attrs
}

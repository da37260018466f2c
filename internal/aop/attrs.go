package aop

import (
	"strconv"
	"strings"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/crewai-go/crewai/internal/semconv"
)

// Attributes CrewAI's own span handlers set, which AOP's dashboard reads.
const (
	AttrExecutionUUID = "crewai.execution_uuid"
	AttrEventName     = "crewai.event_name"
	AttrSubject       = "crewai.subject"

	AttrCrewName       = "crewai.crew.name"
	AttrCrewInputs     = "crewai.crew.inputs"
	AttrCrewOutput     = "crewai.crew.output"
	AttrCrewUsage      = "crewai.crew.usage_metrics"
	AttrCrewDurationMS = "crewai.crew.execution_duration_ms"

	AttrTaskOutput = "crewai.task.output"

	AttrAgentRole       = "crewai.agent.role"
	AttrAgentDurationMS = "crewai.agent.execution_duration_ms"

	AttrFlowID         = "crewai.flow.id"
	AttrFlowInputs     = "crewai.flow.inputs"
	AttrFlowResult     = "crewai.flow.result"
	AttrFlowDurationMS = "crewai.flow.execution_duration_ms"

	AttrMethodName       = "crewai.method.name"
	AttrMethodState      = "crewai.method.state"
	AttrMethodResult     = "crewai.method.result"
	AttrMethodDurationMS = "crewai.method.duration_ms"

	AttrLLMCallType      = "crewai.llm.call_type"
	AttrGuardrailRetries = "crewai.guardrail.retry_count"
)

// Annotate stamps span with the execution UUID and adds, next to the GenAI
// and OpenInference attributes already there, the crewai.* attributes that
// CrewAI's own handlers set under other names. An attribute the span
// already has is left as it is. What is filled, and from what:
//
//	every span   crewai.execution_uuid; crewai.event_name (the type of
//	             CrewAI's end event for the step, the failed/error one when
//	             the span's status is Error); crewai.subject (crew, flow,
//	             method or task name, agent role, model, tool)
//	crew         crewai.crew.name (gen_ai.workflow.name), .inputs
//	             (input.value), .output (output.value), .usage_metrics (JSON
//	             of the span's token counts), .execution_duration_ms;
//	             crewai.crew.process is already crewai-go's own name
//	task         crewai.task.output (output.value); crewai.task.name,
//	             .description and .expected_output are crewai-go's own names
//	agent        crewai.agent.role (gen_ai.agent.name),
//	             .execution_duration_ms
//	flow         crewai.flow.id (crewai.flow.state_id), .inputs, .result,
//	             .execution_duration_ms; crewai.flow.name is crewai-go's own
//	flow method  crewai.method.name, .state (crewai.flow.state), .result,
//	             .duration_ms
//	model call   crewai.llm.call_type (tool_call when the model asked for
//	             tools, else llm_call)
//	guardrail    crewai.guardrail.retry_count (attempt - 1);
//	             crewai.guardrail.success is crewai-go's own name
//	delegation   named as CrewAI names it, a tool use (tool_usage_finished)
//
// Not filled, because crewai-go has no such value: crewai.crew.id, .key,
// .num_tasks, .num_agents; crewai.task.id, .key; crewai.agent.key,
// .llm_calls_count; crewai.flow.method_names; crewai.method.params; the
// memory, knowledge, MCP, A2A, reasoning, skill and human-feedback families
// (crewai-go emits no such steps yet); event_id and parent_event_id.
func Annotate(span *tracepb.Span, executionID string) {
	a := annotator{span: span, have: make(map[string]*commonpb.AnyValue, len(span.Attributes))}
	for _, kv := range span.Attributes {
		a.have[kv.Key] = kv.Value
	}
	a.str(AttrExecutionUUID, executionID)
	failed := span.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR
	event := func(ok, bad string) string {
		if failed {
			return bad
		}
		return ok
	}
	durMS := float64(int64(span.EndTimeUnixNano-span.StartTimeUnixNano)) / 1e6
	if span.EndTimeUnixNano < span.StartTimeUnixNano {
		durMS = 0
	}
	switch a.get(semconv.GenAIOperationName) {
	case semconv.OpInvokeWorkflow:
		if flow := a.get(semconv.CrewAIFlowName); flow != "" {
			a.str(AttrEventName, event("flow_finished", "flow_failed"))
			a.str(AttrSubject, flow)
			a.copy(AttrFlowID, semconv.CrewAIFlowStateID)
			a.copy(AttrFlowInputs, semconv.OIInputValue)
			a.copy(AttrFlowResult, semconv.OIOutputValue)
			a.float(AttrFlowDurationMS, durMS)
			return
		}
		name := a.get(semconv.GenAIWorkflowName)
		a.str(AttrEventName, event("crew_kickoff_completed", "crew_kickoff_failed"))
		a.str(AttrSubject, name)
		a.str(AttrCrewName, name)
		a.copy(AttrCrewInputs, semconv.OIInputValue)
		a.copy(AttrCrewOutput, semconv.OIOutputValue)
		a.str(AttrCrewUsage, a.usageJSON())
		a.float(AttrCrewDurationMS, durMS)
	case semconv.OpInvokeNode:
		method := a.get(semconv.CrewAIFlowMethod)
		a.str(AttrEventName, event("method_execution_finished", "method_execution_failed"))
		a.str(AttrSubject, method)
		a.str(AttrMethodName, method)
		a.copy(AttrMethodState, semconv.CrewAIFlowState)
		a.copy(AttrMethodResult, semconv.OIOutputValue)
		a.float(AttrMethodDurationMS, durMS)
	case semconv.OpExecuteTask:
		a.str(AttrEventName, event("task_completed", "task_failed"))
		a.str(AttrSubject, a.get(semconv.CrewAITaskName))
		a.copy(AttrTaskOutput, semconv.OIOutputValue)
	case semconv.OpInvokeAgent:
		role := a.get(semconv.GenAIAgentName)
		a.str(AttrEventName, event("agent_execution_completed", "agent_execution_error"))
		a.str(AttrSubject, role)
		a.str(AttrAgentRole, role)
		a.float(AttrAgentDurationMS, durMS)
	case semconv.OpChat:
		a.str(AttrEventName, event("llm_call_completed", "llm_call_failed"))
		a.str(AttrSubject, a.get(semconv.GenAIRequestModel))
		callType := "llm_call"
		if fr := a.have[semconv.GenAIResponseFinishReasons]; fr != nil {
			for _, v := range fr.GetArrayValue().GetValues() {
				if v.GetStringValue() == "tool_calls" {
					callType = "tool_call"
				}
			}
		}
		a.str(AttrLLMCallType, callType)
	case semconv.OpExecuteTool:
		a.str(AttrEventName, event("tool_usage_finished", "tool_usage_error"))
		a.str(AttrSubject, a.get(semconv.GenAIToolName))
		a.copy(AttrAgentRole, semconv.CrewAIToolAgent)
	case semconv.OpDelegate:
		a.str(AttrEventName, event("tool_usage_finished", "tool_usage_error"))
		a.str(AttrSubject, span.Name)
		a.copy(AttrAgentRole, semconv.CrewAIDelegationFrom)
	case semconv.OpGuardrail:
		a.str(AttrEventName, "llm_guardrail_completed")
		a.str(AttrSubject, a.get(semconv.CrewAIGuardrailTask))
		if v := a.have[semconv.CrewAIGuardrailAttempt]; v != nil && v.GetIntValue() > 0 {
			a.int(AttrGuardrailRetries, v.GetIntValue()-1)
		}
	}
}

type annotator struct {
	span *tracepb.Span
	have map[string]*commonpb.AnyValue
}

func (a *annotator) get(key string) string { return a.have[key].GetStringValue() }

func (a *annotator) add(key string, v *commonpb.AnyValue) {
	if _, ok := a.have[key]; ok {
		return
	}
	a.have[key] = v
	a.span.Attributes = append(a.span.Attributes, &commonpb.KeyValue{Key: key, Value: v})
}

func (a *annotator) str(key, v string) {
	if v != "" {
		a.add(key, &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}})
	}
}

func (a *annotator) float(key string, v float64) {
	a.add(key, &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: v}})
}

func (a *annotator) int(key string, v int64) {
	a.add(key, &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}})
}

// copy adds key with the value of from, when the span has from.
func (a *annotator) copy(key, from string) {
	if v := a.have[from]; v != nil {
		a.add(key, v)
	}
}

// usageJSON renders the span's token counts in the shape of CrewAI's
// usage metrics, or "" when it has none.
func (a *annotator) usageJSON() string {
	fields := []struct{ name, from string }{
		{"prompt_tokens", semconv.GenAIUsageInputTokens},
		{"completion_tokens", semconv.GenAIUsageOutputTokens},
		{"total_tokens", semconv.CrewAIUsageTotalTokens},
		{"cached_prompt_tokens", semconv.GenAIUsageCacheReadTokens},
		{"reasoning_tokens", semconv.GenAIUsageReasoningTokens},
		{"successful_requests", semconv.CrewAIUsageRequests},
	}
	var b strings.Builder
	for _, f := range fields {
		v := a.have[f.from]
		if v == nil {
			continue
		}
		if b.Len() == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(`"` + f.name + `":` + strconv.FormatInt(v.GetIntValue(), 10))
	}
	if b.Len() == 0 {
		return ""
	}
	b.WriteByte('}')
	return b.String()
}

package aop_test

import (
	"testing"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/crewai-go/crewai/internal/aop"
	"github.com/crewai-go/crewai/internal/aop/aoptest"
)

func intAttr(k string, v int64) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: v}}}
}

func TestAnnotate(t *testing.T) {
	const ms = int64(1e6)
	tests := []struct {
		name   string
		attrs  []*commonpb.KeyValue
		failed bool
		want   map[string]string // "" value: must be absent
	}{
		{
			name: "crew",
			attrs: []*commonpb.KeyValue{strAttr("gen_ai.operation.name", "invoke_workflow"),
				strAttr("gen_ai.workflow.name", "Research Crew"), strAttr("input.value", `{"topic":"AI"}`),
				strAttr("output.value", "report"), intAttr("gen_ai.usage.input_tokens", 10),
				intAttr("gen_ai.usage.output_tokens", 5), intAttr("crewai.usage.total_tokens", 15)},
			want: map[string]string{"crewai.event_name": "crew_kickoff_completed", "crewai.subject": "Research Crew",
				"crewai.crew.name": "Research Crew", "crewai.crew.inputs": `{"topic":"AI"}`, "crewai.crew.output": "report",
				"crewai.crew.usage_metrics":                 `{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}`,
				"crewai.crew.execution_duration_ms":         "250",
				"crewai.execution_uuid":                     execID,
				"crewai.flow.execution_duration_ms":         "",
				"crewai.agent.execution_duration_ms":        "",
				"crewai.method.duration_ms":                 "",
				"crewai.flow.id":                            "",
				"crewai.task.output":                        "",
				"crewai.llm.call_type":                      "",
				"crewai.guardrail.retry_count":              "",
				"crewai.agent.role":                         "",
				"crewai.method.name":                        "",
				"crewai.flow.result":                        "",
				"crewai.crew.id":                            "",
				"crewai.crew.num_tasks":                     "",
				"crewai.agent.llm_calls_count":              "",
				"crewai.method.params":                      "",
				"crewai.flow.method_names":                  "",
				"crewai.task.id":                            "",
				"crewai.crew.key":                           "",
				"crewai.agent.key":                          "",
				"crewai.crew.num_agents":                    "",
				"crewai.flow.inputs":                        "",
				"crewai.method.state":                       "",
				"crewai.method.result":                      "",
				"crewai.crew.process":                       "",
				"crewai.task.key":                           "",
				"crewai.knowledge.query":                    "",
				"crewai.memory.query":                       "",
				"crewai.flow.aggregated_crew_usage_metrics": "",
			},
		},
		{
			name: "failed flow",
			attrs: []*commonpb.KeyValue{strAttr("gen_ai.operation.name", "invoke_workflow"),
				strAttr("crewai.flow.name", "ExampleFlow"), strAttr("crewai.flow.state_id", "state-1"),
				strAttr("output.value", "done")},
			failed: true,
			want: map[string]string{"crewai.event_name": "flow_failed", "crewai.subject": "ExampleFlow",
				"crewai.flow.id": "state-1", "crewai.flow.result": "done", "crewai.flow.execution_duration_ms": "250",
				"crewai.crew.name": ""},
		},
		{
			name: "method",
			attrs: []*commonpb.KeyValue{strAttr("gen_ai.operation.name", "invoke_node"),
				strAttr("crewai.flow.method", "first"), strAttr("crewai.flow.state", `{"n":1}`)},
			want: map[string]string{"crewai.event_name": "method_execution_finished", "crewai.method.name": "first",
				"crewai.method.state": `{"n":1}`, "crewai.method.duration_ms": "250"},
		},
		{
			name: "task",
			attrs: []*commonpb.KeyValue{strAttr("gen_ai.operation.name", "execute_task"),
				strAttr("crewai.task.name", "research"), strAttr("output.value", "notes")},
			want: map[string]string{"crewai.event_name": "task_completed", "crewai.subject": "research",
				"crewai.task.output": "notes"},
		},
		{
			name: "failed agent",
			attrs: []*commonpb.KeyValue{strAttr("gen_ai.operation.name", "invoke_agent"),
				strAttr("gen_ai.agent.name", "Analyst")},
			failed: true,
			want: map[string]string{"crewai.event_name": "agent_execution_error", "crewai.agent.role": "Analyst",
				"crewai.agent.execution_duration_ms": "250"},
		},
		{
			name: "model call asking for tools",
			attrs: []*commonpb.KeyValue{strAttr("gen_ai.operation.name", "chat"), strAttr("gen_ai.request.model", "gpt-4o"),
				{Key: "gen_ai.response.finish_reasons", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{
					ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{{Value: &commonpb.AnyValue_StringValue{StringValue: "tool_calls"}}}}}}}},
			want: map[string]string{"crewai.event_name": "llm_call_completed", "crewai.subject": "gpt-4o",
				"crewai.llm.call_type": "tool_call"},
		},
		{
			name: "failed tool",
			attrs: []*commonpb.KeyValue{strAttr("gen_ai.operation.name", "execute_tool"), strAttr("gen_ai.tool.name", "search"),
				strAttr("crewai.tool.agent", "Analyst")},
			failed: true,
			want: map[string]string{"crewai.event_name": "tool_usage_error", "crewai.subject": "search",
				"crewai.agent.role": "Analyst"},
		},
		{
			name: "guardrail",
			attrs: []*commonpb.KeyValue{strAttr("gen_ai.operation.name", "guardrail"), strAttr("crewai.guardrail.task", "t"),
				intAttr("crewai.guardrail.attempt", 2)},
			want: map[string]string{"crewai.event_name": "llm_guardrail_completed", "crewai.guardrail.retry_count": "1"},
		},
		{
			name: "own value kept",
			attrs: []*commonpb.KeyValue{strAttr("gen_ai.operation.name", "execute_task"),
				strAttr("crewai.subject", "mine"), strAttr(aop.AttrExecutionUUID, "theirs")},
			want: map[string]string{"crewai.subject": "mine", "crewai.execution_uuid": "theirs"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := &tracepb.Span{Name: tt.name, Attributes: tt.attrs, StartTimeUnixNano: uint64(1000 * ms),
				EndTimeUnixNano: uint64(1250 * ms)}
			if tt.failed {
				sp.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR}
			}
			before := len(sp.Attributes)
			aop.Annotate(sp, execID)
			for k, want := range tt.want {
				got, ok := aoptest.Attr(sp, k)
				if want == "" {
					if ok {
						t.Errorf("%s = %q, want absent", k, got)
					}
					continue
				}
				if got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			seen := map[string]bool{}
			for _, kv := range sp.Attributes {
				if seen[kv.Key] {
					t.Errorf("%s twice", kv.Key)
				}
				seen[kv.Key] = true
			}
			if len(sp.Attributes) <= before && tt.name != "own value kept" {
				t.Error("nothing added")
			}
		})
	}
}

package tracing

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
)

func TestTwoTaskCrewTree(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	out, err := runCrew(context.Background(), tr, scenario{})
	if err != nil || out != "answer write" {
		t.Fatalf("run: %q, %v", out, err)
	}
	spans := exp.GetSpans()
	got := render(spanTree(spans), "gen_ai.operation.name", "openinference.span.kind", "gen_ai.usage.input_tokens", "crewai.tool.cache_hit")
	want := `invoke_workflow Research Crew [internal] gen_ai.operation.name=invoke_workflow openinference.span.kind=CHAIN gen_ai.usage.input_tokens=40
  execute_task research [internal] gen_ai.operation.name=execute_task openinference.span.kind=CHAIN gen_ai.usage.input_tokens=0
    invoke_agent Researcher [internal] gen_ai.operation.name=invoke_agent openinference.span.kind=AGENT gen_ai.usage.input_tokens=0
      chat gpt-4o-mini [client] gen_ai.operation.name=chat openinference.span.kind=LLM gen_ai.usage.input_tokens=10
      execute_tool search [internal] gen_ai.operation.name=execute_tool openinference.span.kind=TOOL crewai.tool.cache_hit=false
      chat gpt-4o-mini [client] gen_ai.operation.name=chat openinference.span.kind=LLM gen_ai.usage.input_tokens=10
  execute_task write [internal] gen_ai.operation.name=execute_task openinference.span.kind=CHAIN gen_ai.usage.input_tokens=0
    invoke_agent Writer [internal] gen_ai.operation.name=invoke_agent openinference.span.kind=AGENT gen_ai.usage.input_tokens=0
      chat gpt-4o-mini [client] gen_ai.operation.name=chat openinference.span.kind=LLM gen_ai.usage.input_tokens=10
      execute_tool search [internal] gen_ai.operation.name=execute_tool openinference.span.kind=TOOL crewai.tool.cache_hit=true
      chat gpt-4o-mini [client] gen_ai.operation.name=chat openinference.span.kind=LLM gen_ai.usage.input_tokens=10
`
	if got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	// one trace
	tid := spans[0].SpanContext.TraceID()
	for _, s := range spans {
		if s.SpanContext.TraceID() != tid {
			t.Errorf("span %s in another trace", s.Name)
		}
	}
	// times equal the events' order: children inside parents
	for _, s := range spans {
		if s.EndTime.Before(s.StartTime) {
			t.Errorf("%s ends before it starts", s.Name)
		}
	}
	st := tr.Stats()
	if st.Started != uint64(len(spans)) || st.Exported != st.Started || st.Dropped != 0 || st.Failed != 0 {
		t.Errorf("stats %+v with %d spans", st, len(spans))
	}
}

func TestChatSpanAttributes(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
		t.Fatal(err)
	}
	var chats []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == "chat gpt-4o-mini" {
			chats = append(chats, s)
		}
	}
	first := chats[0]
	for key, want := range map[string]string{
		"gen_ai.provider.name":           "openai",
		"gen_ai.request.model":           "gpt-4o-mini",
		"gen_ai.response.model":          "gpt-4o-mini-2024",
		"gen_ai.response.id":             "r1",
		"gen_ai.response.finish_reasons": `["tool_calls"]`,
		"gen_ai.request.max_tokens":      "100",
		"server.address":                 "api.openai.com",
		"llm.token_count.total":          "15",
		"llm.model_name":                 "gpt-4o-mini",
		"input.mime_type":                "application/json",
	} {
		v, ok := attrOf(first, key)
		if !ok || v.String() != want {
			t.Errorf("%s = %q (%v), want %q", key, v.String(), ok, want)
		}
	}
	in, _ := attrOf(first, "gen_ai.input.messages")
	if want := `[{"role":"system","parts":[{"type":"text","content":"You are Researcher"}]},{"role":"user","parts":[{"type":"text","content":"do research "}]}]`; in.AsString() != want {
		t.Errorf("input messages %s\nwant %s", in.AsString(), want)
	}
	out, _ := attrOf(first, "gen_ai.output.messages")
	if want := `[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"search","arguments":{"q":"ai"}}],"finish_reason":"tool_calls"}]`; out.AsString() != want {
		t.Errorf("output messages %s\nwant %s", out.AsString(), want)
	}
	second := chats[1]
	in2, _ := attrOf(second, "gen_ai.input.messages")
	if !strings.Contains(in2.AsString(), `"type":"tool_call_response","id":"c1","response":"results"`) {
		t.Errorf("tool response part missing: %s", in2.AsString())
	}
	if v, ok := attrOf(second, "llm.cost.total"); !ok || v.AsFloat64() != 0.0001 {
		t.Errorf("cost %v %v", v.String(), ok)
	}
	if v, ok := attrOf(second, "gen_ai.usage.cache_read.input_tokens"); !ok || v.AsInt64() != 2 {
		t.Errorf("cache read %v %v", v.String(), ok)
	}
}

func TestFailingToolRecordedOnce(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	toolErr := &net404{}
	_, err := runCrew(context.Background(), tr, scenario{toolErr: toolErr})
	if !errors.Is(err, toolErr) {
		t.Fatalf("run error %v", err)
	}
	spans := exp.GetSpans()
	got := render(spanTree(spans), "error.type")
	want := `invoke_workflow Research Crew [internal] ERROR error.type=upstream_404
  execute_task research [internal] ERROR error.type=upstream_404
    invoke_agent Researcher [internal] ERROR error.type=upstream_404
      chat gpt-4o-mini [client]
      execute_tool search [internal] ERROR error.type=upstream_404 events=exception
`
	if got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	tool := findSpan(t, spans, "execute_tool search")
	if tool.Status.Code != codes.Error || tool.Status.Description != "not found upstream" {
		t.Errorf("tool status %+v", tool.Status)
	}
}

// net404 is an error with an ErrorType method.
type net404 struct{}

func (*net404) Error() string     { return "not found upstream" }
func (*net404) ErrorType() string { return "upstream_404" }

func TestFailingLLMCall(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	llmErr := errors.New("context window exceeded")
	if _, err := runCrew(context.Background(), tr, scenario{llmErr: llmErr}); !errors.Is(err, llmErr) {
		t.Fatalf("run error %v", err)
	}
	spans := exp.GetSpans()
	roots := spanTree(spans)
	write := roots[0].children[1]
	got := render([]*node{write}, "error.type")
	want := `execute_task write [internal] ERROR error.type=_OTHER
  invoke_agent Writer [internal] ERROR error.type=_OTHER
    chat gpt-4o-mini [client] ERROR error.type=_OTHER events=exception
`
	if got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
}

func TestPanicStack(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	if _, err := runCrew(context.Background(), tr, scenario{panicTool: true}); err == nil {
		t.Fatal("no error")
	}
	tool := findSpan(t, exp.GetSpans(), "execute_tool search")
	if len(tool.Events) != 1 || tool.Events[0].Name != "exception" {
		t.Fatalf("events %+v", tool.Events)
	}
	var stack string
	for _, kv := range tool.Events[0].Attributes {
		if kv.Key == "exception.stacktrace" {
			stack = kv.Value.AsString()
		}
	}
	if !strings.Contains(stack, "main.search()") {
		t.Errorf("stack %q", stack)
	}
}

func TestCallCost(t *testing.T) {
	u := chat.Usage{PromptTokens: 1000, CompletionTokens: 1000, TotalTokens: 2000}
	if c, ok := callCost(&event.LLMCallCompleted{Model: "gpt-4o-mini", Usage: u, Cost: 0.5}); !ok || c != 0.5 {
		t.Errorf("emitter cost: %v %v", c, ok)
	}
	if c, ok := callCost(&event.LLMCallCompleted{Model: "gpt-4o-mini", Usage: u}); !ok || c <= 0 {
		t.Errorf("table cost: %v %v", c, ok)
	}
	if _, ok := callCost(&event.LLMCallCompleted{Model: "my-local-llama", Usage: u}); ok {
		t.Error("cost for an unknown model")
	}
}

// Span start and end times are the times of the step's start and end
// events, not the time the subscriber saw them.
func TestSpanTimesAreEventTimes(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	bus := &event.Bus{}
	var mu sync.Mutex
	var starts, ends []time.Time
	bus.Subscribe(event.HandlerFunc(func(e event.Event) {
		h := e.EventHeader()
		mu.Lock()
		defer mu.Unlock()
		switch h.Phase {
		case event.Start:
			starts = append(starts, h.Time)
		case event.Finish:
			ends = append(ends, h.Time)
		}
	}))
	if _, err := runCrew(context.Background(), tr, scenario{bus: bus}); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	var spanStarts, spanEnds []time.Time
	for _, s := range spans {
		spanStarts = append(spanStarts, s.StartTime)
		spanEnds = append(spanEnds, s.EndTime)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range []struct {
		what        string
		spans, evts []time.Time
	}{{"start", spanStarts, starts}, {"end", spanEnds, ends}} {
		if len(c.spans) != len(c.evts) {
			t.Fatalf("%d spans, %d %s events", len(c.spans), len(c.evts), c.what)
		}
		slices.SortFunc(c.spans, time.Time.Compare)
		slices.SortFunc(c.evts, time.Time.Compare)
		for i := range c.spans {
			if !c.spans[i].Equal(c.evts[i]) {
				t.Errorf("%s time %d: span %v, event %v", c.what, i, c.spans[i], c.evts[i])
			}
		}
	}
}

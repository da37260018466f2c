package flow_test

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

// memTracer returns a Tracer that keeps its spans in memory.
func memTracer(t *testing.T) (*tracing.Tracer, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tr.Shutdown(context.Background())) })
	return tr, exp
}

func writerCrew() *crew.Crew {
	model := &llmtest.Scripted{Model: "scripted-writer", Respond: func(req *llm.Request) llmtest.Reply {
		return llmtest.Reply{Content: "a short poem", Usage: llm.Usage{PromptTokens: 20, CompletionTokens: 5, TotalTokens: 25}}
	}}
	writer := &agent.Agent{Role: "Poet", Goal: "Write poems", Backstory: "You write.", LLM: model}
	return &crew.Crew{Name: "poem crew", Agents: []*agent.Agent{writer},
		Tasks: []*task.Task{{Name: "write", Description: "Write a poem about {topic}", ExpectedOutput: "A poem", Agent: writer}}}
}

// A traced flow whose router picks a method that kicks off a crew: the crew
// and everything below it are children of the method's span.
func TestSpanTreeOfFlowWithCrew(t *testing.T) {
	tr, exp := memTracer(t)
	c := writerCrew()
	f := &flow.Flow[exampleState]{Name: "PoemFlow", Tracing: true, Tracer: tr}
	f.Router(flow.Start("choose").Emits("poem"), func(ctxT, *flow.State[exampleState]) (string, error) { return "poem", nil })
	f.Step(flow.Listen("write_poem", flow.On("poem")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		out, err := c.Kickoff(ctx, map[string]any{"topic": "Go"})
		if err != nil {
			return nil, err
		}
		s.Update(func(st *exampleState) { st.Message = out.Raw })
		return out.Raw, nil
	})
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "a short poem", res.Output)
	assert.Equal(t, llm.Usage{PromptTokens: 20, CompletionTokens: 5, TotalTokens: 25, Requests: 1}, res.Usage,
		"the crew's usage, counted once")

	spans := exp.GetSpans()
	byID := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID().String()] = s
	}
	parentName := func(s tracetest.SpanStub) string {
		if p, ok := byID[s.Parent.SpanID().String()]; ok {
			return p.Name
		}
		return ""
	}
	got := map[string]string{}
	traces := map[string]bool{}
	for _, s := range spans {
		got[s.Name] = parentName(s)
		traces[s.SpanContext.TraceID().String()] = true
	}
	assert.Len(t, traces, 1, "one trace")
	assert.Equal(t, map[string]string{
		"invoke_workflow PoemFlow":  "",
		"invoke_node choose":        "invoke_workflow PoemFlow",
		"invoke_node write_poem":    "invoke_workflow PoemFlow",
		"invoke_workflow poem crew": "invoke_node write_poem",
		"execute_task write":        "invoke_workflow poem crew",
		"invoke_agent Poet":         "execute_task write",
		"chat scripted-writer":      "invoke_agent Poet",
	}, got)
	for _, s := range spans {
		if s.Name == "invoke_node choose" {
			found := false
			for _, a := range s.Attributes {
				if string(a.Key) == "crewai.flow.router_label" {
					assert.Equal(t, "poem", a.Value.AsString())
					found = true
				}
			}
			assert.True(t, found, "router label attribute")
		}
	}
}

// The flow's and each method's span carry the state (crewai.flow.state)
// when content is captured, and only the structure when it is not.
func TestStateOnSpans(t *testing.T) {
	for _, capture := range []bool{true, false} {
		t.Run(map[bool]string{true: "captured", false: "not captured"}[capture], func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard), tracing.WithContentCapture(capture))
			require.NoError(t, err)
			defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
			f := loopFlow(2)
			f.Tracing, f.Tracer = true, tr
			_, err = f.Kickoff(context.Background(), nil)
			require.NoError(t, err)

			states := map[string]string{}
			routerLabels := map[string][]string{}
			for _, s := range exp.GetSpans() {
				for _, a := range s.Attributes {
					switch string(a.Key) {
					case "crewai.flow.state":
						states[s.Name] = a.Value.AsString()
					case "crewai.flow.router_label":
						routerLabels[s.Name] = append(routerLabels[s.Name], a.Value.AsString())
					}
				}
			}
			assert.ElementsMatch(t, []string{"continue", "finish"}, routerLabels["invoke_node second_method"])
			assert.Equal(t, []string{"continue"}, routerLabels["invoke_node first_method"])
			if !capture {
				assert.Empty(t, states)
				return
			}
			assert.Contains(t, states["invoke_workflow ExampleFlow"], `"Counter":2`)
			assert.Contains(t, states["invoke_workflow ExampleFlow"], `Flow completed`)
			assert.Contains(t, states["invoke_node first_method"], `"message":"Hello from first_method"`,
				"the state the method left")
		})
	}
}

// A crew kicked off inside a flow method is, at the level of events, a
// child of that method's start event and part of the flow's run; every step
// it starts ends.
func TestCrewEventsAreChildrenOfMethod(t *testing.T) {
	bus, rec := newBus(t)
	c := writerCrew()
	f := &flow.Flow[exampleState]{Name: "PoemFlow", Bus: bus}
	f.Step(flow.Start("write_poem"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		out, err := c.Kickoff(ctx, map[string]any{"topic": "Go"})
		if err != nil {
			return nil, err
		}
		return out.Raw, nil
	})
	_, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)

	evs := rec.all()
	var method *event.MethodStarted
	var crewStarted *event.CrewStarted
	for _, e := range evs {
		switch v := e.(type) {
		case *event.MethodStarted:
			method = v
		case *event.CrewStarted:
			crewStarted = v
		}
	}
	require.NotNil(t, method, "a method started event")
	require.NotNil(t, crewStarted, "the crew's events reach the flow's bus")
	assert.Equal(t, method.ID, crewStarted.ParentID, "the crew is the method's child")
	assert.Equal(t, method.Run, crewStarted.Run, "one run")
	var task, chat int
	for _, e := range evs {
		switch e.(type) {
		case *event.TaskStarted:
			task++
		case *event.LLMCallStarted:
			chat++
		}
	}
	assert.Equal(t, 1, task, "the crew's task")
	assert.Equal(t, 1, chat, "the crew's model call")
	assertBalanced(t, evs)
}

// A traced flow's method spans link to the span of the method (or router)
// whose completion made them run; for an And, the one that completed last.
func TestMethodSpansLinkToTheirCause(t *testing.T) {
	tr, exp := memTracer(t)
	f := &flow.Flow[orState]{Name: "Links", Tracing: true, Tracer: tr}
	f.Step(flow.Start("a"), nop)
	f.Step(flow.Listen("b", flow.On("a")), nop)
	f.Step(flow.Listen("both", flow.And(flow.On("a"), flow.On("b"))), nop)
	f.Router(flow.Listen("r", flow.On("both")).Emits("go"), func(ctxT, *flow.State[orState]) (string, error) { return "go", nil })
	f.Step(flow.Listen("g", flow.On("go")), nop)
	_, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	require.NoError(t, tr.ForceFlush(context.Background()))
	byName := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		byName[s.Name] = s
	}
	cause := map[string]string{"b": "a", "both": "b", "r": "both", "g": "r"}
	for m, from := range cause {
		s, ok := byName["invoke_node "+m]
		require.True(t, ok, "span of %s", m)
		require.Len(t, s.Links, 1, "span of %s", m)
		assert.Equal(t, byName["invoke_node "+from].SpanContext.SpanID(), s.Links[0].SpanContext.SpanID(),
			"%s links to %s", m, from)
	}
	assert.Empty(t, byName["invoke_node a"].Links, "a start method has no cause")
}

package crew_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/console"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

const twoPlans = `{"plans": [{"task_number": 1, "plan": "1. search the news\n2. list the facts"},` +
	` {"task_number": 2, "plan": "1. read the facts\n2. write three paragraphs"}]}`

func TestPlanning(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	planner := &llmtest.Scripted{Model: "planner-model", Replies: []llmtest.Reply{{Content: twoPlans, Usage: fixedUsage}}}
	researcher, writer := echo("research"), echo("writing")
	var verbose bytes.Buffer
	bus := &event.Bus{}
	defer bus.Subscribe(console.NewPlain(&verbose))()
	c := &crew.Crew{Name: "p", Bus: bus, Tracing: true, Tracer: tr, Planning: true, PlanningLLM: planner,
		Tasks: []*task.Task{
			{Name: "research", Description: "Research {topic}.", ExpectedOutput: "Facts.",
				Agent: newAgent("Researcher", researcher, searchTool())},
			{Name: "write", Description: "Write about {topic}.", Agent: newAgent("Writer", writer)},
		}}
	out, err := c.Kickoff(context.Background(), map[string]any{"topic": "Go"})
	require.NoError(t, err)

	require.Len(t, planner.Requests(), 1, "one planning call per kickoff")
	prompt := userText(&planner.Requests()[0])
	for _, want := range []string{"Task 1: Research Go.", "Expected output: Facts.", "Agent: Researcher", "search (Search the web.)",
		"Task 2: Write about Go.", "Tools: none"} {
		assert.Contains(t, prompt, want)
	}
	assert.NotNil(t, planner.Requests()[0].ResponseFormat, "the plans are asked for as structured output")
	assert.Equal(t, []string{"1. search the news\n2. list the facts", "1. read the facts\n2. write three paragraphs"}, out.Plans)
	assert.Contains(t, userText(&researcher.Requests()[0]), "1. search the news\n2. list the facts")
	assert.Contains(t, userText(&writer.Requests()[0]), "2. write three paragraphs")
	assert.NotContains(t, userText(&writer.Requests()[0]), "search the news", "each task gets its own plan")
	assert.Equal(t, 3*fixedUsage.TotalTokens, out.Usage.TotalTokens, "the planning counts in the usage, once")

	tree := spanTree(t, exp.GetSpans(), func(tracetest.SpanStub) string { return "" })
	assert.Equal(t, `invoke_workflow p
  plan p
    execute_task plan the crew's tasks
      invoke_agent Task Execution Planner
        chat planner-model
  execute_task research
    invoke_agent Researcher
      chat research-model
  execute_task write
    invoke_agent Writer
      chat writing-model
`, tree)
	assert.Contains(t, verbose.String(), "Planning the 2 tasks of crew \"p\"")
	assert.Contains(t, verbose.String(), "Task 2: 1. read the facts 2. write three paragraphs")
}

func TestPlanningFailure(t *testing.T) {
	planner := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "no plan today", Usage: fixedUsage},
		{Content: "still no plan", Usage: fixedUsage}}}
	worker := echo("w")
	c := &crew.Crew{Name: "p", Bus: &event.Bus{}, Planning: true, PlanningLLM: planner,
		Tasks: []*task.Task{{Description: "Work.", Agent: newAgent("W", worker)}}}
	out, err := c.Kickoff(context.Background(), nil)
	require.ErrorContains(t, err, `crew "p": planning:`)
	var oe *task.OutputError
	require.ErrorAs(t, err, &oe)
	assert.Empty(t, worker.Requests(), "no task runs without its plan")
	assert.Equal(t, 2*fixedUsage.TotalTokens, out.Usage.TotalTokens, "what planning cost is counted")
}

func TestPlanningModelDefault(t *testing.T) {
	m := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		if req.ResponseFormat != nil {
			return llmtest.Reply{Content: `{"plans": [{"task_number": 1, "plan": "just answer"}]}`}
		}
		return llmtest.Reply{Content: "answered"}
	}}
	c := &crew.Crew{Bus: &event.Bus{}, Planning: true, Tasks: []*task.Task{{Description: "Work.", Agent: newAgent("W", m)}}}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"just answer"}, out.Plans)
	assert.Len(t, m.Requests(), 2, "the first agent's model plans")
}

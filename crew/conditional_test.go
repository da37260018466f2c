package crew_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

func TestConditionalTasks(t *testing.T) {
	cases := []struct {
		name        string
		cond        func(prev task.TaskOutput) bool
		wantSkipped bool
		wantRaw     string
	}{
		{name: "false skips", cond: func(task.TaskOutput) bool { return false }, wantSkipped: true,
			wantRaw: "research: Find facts."},
		{name: "true runs", cond: func(task.TaskOutput) bool { return true }, wantRaw: "extra: Dig deeper."},
		{name: "judges the previous output", cond: func(prev task.TaskOutput) bool {
			return strings.Contains(prev.Raw, "facts")
		}, wantRaw: "extra: Dig deeper."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			researcher, extra := newAgent("Researcher", echo("research")), newAgent("Extra", echo("extra"))
			rec := &recorder{}
			bus := &event.Bus{}
			defer bus.Subscribe(rec)()
			c := &crew.Crew{Name: "cond", Bus: bus, Tasks: []*task.Task{
				{Name: "research", Description: "Find facts.", Agent: researcher},
				{Name: "extra", Description: "Dig deeper.", Agent: extra, Condition: tc.cond},
			}}
			out, err := c.Kickoff(context.Background(), nil)
			require.NoError(t, err)
			require.Len(t, out.Tasks, 2, "a skipped task is recorded, never absent")
			assert.Equal(t, tc.wantSkipped, out.Tasks[1].Skipped)
			assert.Equal(t, "extra", out.Tasks[1].Name)
			assert.Equal(t, tc.wantRaw, out.Raw, "the crew's result is the last non-empty output")
			tree := checkTree(t, rec.events())
			if tc.wantSkipped {
				assert.Empty(t, out.Tasks[1].Raw)
				assert.Contains(t, tree, "  .task_skipped\n")
				assert.NotContains(t, tree, "extra-model")
			} else {
				assert.NotContains(t, tree, "task_skipped")
				assert.Equal(t, 2, strings.Count(tree, "  task\n"), tree)
			}
		})
	}
}

func TestConditionalSkippedTaskIsNotContext(t *testing.T) {
	researcher, extra, writer := newAgent("Researcher", echo("research")), newAgent("Extra", echo("extra")),
		newAgent("Writer", echo("writing"))
	c := &crew.Crew{Name: "ctx", Bus: &event.Bus{}, Tasks: []*task.Task{
		{Name: "research", Description: "Find facts.", Agent: researcher},
		{Name: "extra", Description: "Dig deeper.", Agent: extra, Condition: func(task.TaskOutput) bool { return false }},
		{Name: "write", Description: "Write it up.", Agent: writer,
			Condition: func(prev task.TaskOutput) bool { return prev.Name == "research" }},
	}}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	require.Len(t, out.Tasks, 3)
	assert.True(t, out.Tasks[1].Skipped)
	assert.False(t, out.Tasks[2].Skipped, "the condition sees the last output that ran, not the skipped one")
	assert.Equal(t, "writing: Write it up.", out.Raw)
	for _, req := range writer.LLM.(*llmtest.Scripted).Requests() {
		assert.NotContains(t, userText(&req), `"extra"`, "a skipped task is no context")
	}
}

func TestConditionalDefinitionErrors(t *testing.T) {
	a := newAgent("A", echo("a"))
	cond := func(task.TaskOutput) bool { return true }
	cases := []struct {
		name, field, reason string
		tasks               []*task.Task
	}{
		{name: "first task conditional", field: "Tasks[0].Condition", reason: "first task",
			tasks: []*task.Task{{Description: "one", Agent: a, Condition: cond}, {Description: "two", Agent: a}}},
		{name: "async conditional", field: "Tasks[1].Condition", reason: "Async",
			tasks: []*task.Task{{Description: "one", Agent: a}, {Description: "two", Agent: a, Condition: cond, Async: true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &crew.Crew{Tasks: tc.tasks}
			_, err := c.Kickoff(context.Background(), nil)
			var ve *crew.ValidationError
			require.True(t, errors.As(err, &ve), "err = %v", err)
			assert.Equal(t, tc.field, ve.Field)
			assert.Contains(t, ve.Reason, tc.reason)
		})
	}
	// Only conditional tasks: the first one is already refused, as in CrewAI
	// (whose check of a crew of only conditional tasks says the same).
	c := &crew.Crew{Tasks: []*task.Task{{Description: "one", Agent: a, Condition: cond}}}
	err := c.Validate(nil)
	var ve *crew.ValidationError
	require.True(t, errors.As(err, &ve), "err = %v", err)
}

func TestConditionPanicFailsTheTask(t *testing.T) {
	a := newAgent("A", echo("a"))
	c := &crew.Crew{Bus: &event.Bus{}, Tasks: []*task.Task{
		{Name: "one", Description: "one", Agent: a},
		{Name: "two", Description: "two", Agent: a, Condition: func(task.TaskOutput) bool { panic("boom") }},
	}}
	out, err := c.Kickoff(context.Background(), nil)
	var te *crew.TaskError
	require.True(t, errors.As(err, &te), "err = %v", err)
	assert.Equal(t, "two", te.Task)
	assert.Contains(t, err.Error(), "panicked: boom")
	require.Len(t, out.Tasks, 1, "the completed task is kept")
}

func TestConditionalSkippedSpan(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	c := &crew.Crew{Name: "cond", Bus: &event.Bus{}, Tracing: true, Tracer: tr, Tasks: []*task.Task{
		{Name: "research", Description: "Find facts.", Agent: newAgent("Researcher", echo("research"))},
		{Name: "extra", Description: "Dig deeper.", Agent: newAgent("Extra", echo("extra")),
			Condition: func(task.TaskOutput) bool { return false }},
	}}
	_, err = c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	spans := exp.GetSpans()
	var crewSpan, skipped *tracetest.SpanStub
	for i := range spans {
		switch spans[i].Name {
		case "invoke_workflow cond":
			crewSpan = &spans[i]
		case "execute_task extra":
			skipped = &spans[i]
		}
	}
	require.NotNil(t, crewSpan)
	require.NotNil(t, skipped, "the skipped task is a span")
	assert.Equal(t, crewSpan.SpanContext.SpanID(), skipped.Parent.SpanID())
	assert.Contains(t, skipped.Attributes, attribute.Bool("crewai.task.skipped", true))
}

func TestCrewToolFailurePolicy(t *testing.T) {
	failing := tool.New("search", "Search the web.", func(ctx context.Context, in searchIn) (string, error) {
		return "", errors.New("index offline")
	})
	c := &crew.Crew{Name: "p", Bus: &event.Bus{}, ToolFailurePolicy: agent.ToolFailureRaise, Tasks: []*task.Task{
		{Name: "research", Description: "Find facts.", Agent: newAgent("Researcher", searcher(), failing)},
	}}
	_, err := c.Kickoff(context.Background(), nil)
	var tf *agent.ToolFailureError
	require.True(t, errors.As(err, &tf), "err = %v", err)
	assert.Equal(t, "search", tf.Tool)
	var te *crew.TaskError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, "research", te.Task)

	c.ToolFailurePolicy = "sometimes"
	err = c.Validate(nil)
	var ve *crew.ValidationError
	require.True(t, errors.As(err, &ve), "err = %v", err)
	assert.Equal(t, "ToolFailurePolicy", ve.Field)
	assert.Contains(t, ve.Reason, `"sometimes"`)
}

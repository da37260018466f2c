package crew_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/hook"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

// TestHookSpans checks that a crew's hooks act on its agents' calls and that
// what they block is a span with the reason: a blocked tool call is an
// execute_tool span, a blocked model call a chat span with error status.
func TestHookSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	calls := 0
	c := &crew.Crew{Name: "h", Bus: &event.Bus{}, Tracing: true, Tracer: tr,
		Hooks: []hook.Hooks{{
			BeforeTool: func(_ context.Context, call *hook.ToolCall) error {
				return errors.New("searching is off today")
			},
			BeforeModel: func(context.Context, *hook.ModelCall) error {
				calls++
				if calls > 2 {
					return errors.New("one model call per task")
				}
				return nil
			},
		}},
		Tasks: []*task.Task{
			{Name: "research", Description: "Find facts.", Agent: newAgent("Researcher", searcher(), searchTool())},
			{Name: "write", Description: "Write it up.", Agent: newAgent("Writer", echo("writing"))},
		}}
	out, err := c.Kickoff(context.Background(), nil)
	var be *hook.BlockedError
	require.ErrorAs(t, err, &be)
	assert.Contains(t, out.Tasks[0].Raw, "searching is off today", "the model saw the reason")
	tree := spanTree(t, exp.GetSpans(), func(s tracetest.SpanStub) string {
		reason, ok := attr(s, "crewai.hook.reason")
		if !ok {
			return ""
		}
		st := ""
		if s.Status.Code == codes.Error {
			st = " error"
		}
		return fmt.Sprintf(" [blocked: %s%s]", reason.AsString(), st)
	})
	assert.Equal(t, `invoke_workflow h
  execute_task research
    invoke_agent Researcher
      chat search-model
      execute_tool search [blocked: searching is off today]
      chat search-model
  execute_task write
    invoke_agent Writer
      chat writing-model [blocked: one model call per task error]
`, tree)
}

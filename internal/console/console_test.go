package console_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/console"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type query struct {
	Query string `json:"query"`
}

func kickoff(t *testing.T, ctx context.Context, topic string) {
	t.Helper()
	rm := &llmtest.Scripted{Model: "m1", Respond: func(req *llm.Request) llmtest.Reply {
		for _, m := range req.Messages {
			if m.Role == llm.RoleTool {
				return llmtest.Reply{Content: "Findings on " + topic + ": " + strings.Repeat("x", 600)}
			}
		}
		return llmtest.Reply{Content: "I should search.", ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"query":"` + topic + `"}`}}}
	}}
	search := tool.New("search", "Search.", func(ctx context.Context, q query) (string, error) { return "hits for " + q.Query, nil })
	a := &agent.Agent{Role: "Analyst", Goal: "g", LLM: rm, Tools: []tool.Tool{search}}
	c := &crew.Crew{Name: "c-" + topic, Tasks: []*task.Task{{Name: "research", Description: "Research " + topic, Agent: a}}, Bus: &event.Bus{}}
	_, err := c.Kickoff(ctx, nil)
	require.NoError(t, err)
}

func TestPrinterAccount(t *testing.T) {
	var buf bytes.Buffer
	ctx := event.WithHandler(context.Background(), console.NewPlain(&buf))
	kickoff(t, ctx, "AI")
	out := buf.String()
	for _, want := range []string{
		`Crew "c-AI" started (sequential process)`,
		`  Task "research" started, assigned to Analyst`,
		`    Agent Analyst is working (model m1)`,
		`      Thinking: I should search.`,
		`      Using tool search({"query":"AI"})`,
		`      Tool search returned: hits for AI`,
		`    Final answer of Analyst:`,
		`more characters]`,
		`  Task "research" done (`,
		`Crew "c-AI" done: `,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "\x1b[", "no colour for a buffer")
	assert.NotContains(t, out, strings.Repeat("x", 500), "long texts are shortened")
}

func TestPrinterConcurrentRuns(t *testing.T) {
	var buf bytes.Buffer
	p := console.New(&buf)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			kickoff(t, event.WithHandler(context.Background(), p), fmt.Sprint("t", i))
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	started := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "Crew ") && strings.Contains(l, " started ") {
			started++
		}
	}
	assert.Equal(t, 8, started)
}

func TestShorten(t *testing.T) {
	assert.Equal(t, "abc", console.Shorten(" abc ", 5))
	assert.Equal(t, "ab... [3 more characters]", console.Shorten("abcde", 2))
	assert.Equal(t, "éé... [1 more characters]", console.Shorten("ééé", 2))
}

package mcp

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// echoModel calls the tool named toolName with the word after "say " in the
// task, then answers with the tool's result.
func echoModel(toolName string) *llmtest.Scripted {
	return &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == llm.RoleTool {
			return llmtest.Reply{Content: "echoed: " + last.Content}
		}
		offered := false
		for _, d := range req.Tools {
			offered = offered || d.Name == toolName
		}
		if !offered {
			return llmtest.Reply{Content: "no tool " + toolName}
		}
		word := "?"
		for _, m := range req.Messages {
			if i := strings.Index(m.Content, "say "); i >= 0 {
				word = strings.Fields(m.Content[i+4:])[0]
			}
		}
		return llmtest.Reply{ToolCalls: []llm.ToolCall{{Name: toolName, Arguments: fmt.Sprintf(`{"text":%q}`, word)}}}
	}}
}

func echoCrew(src *Server, model llm.LLM) *crew.Crew {
	a := &agent.Agent{Role: "Echoer", Goal: "Repeat words", LLM: model, MCPs: []tool.Source{src}}
	return &crew.Crew{Name: "echo crew", Agents: []*agent.Agent{a},
		Tasks: []*task.Task{{Description: "Please say {word} through the echo tool.", ExpectedOutput: "the word", Agent: a}}}
}

// TestConcurrentKickoffsShareOneSession runs 20 kickoffs at once whose agent
// names the server directly: the 20 tool calls are in flight together (the
// server holds each until all have arrived), over one session, closed when
// the last kickoff ends.
func TestConcurrentKickoffsShareOneSession(t *testing.T) {
	const n = 20
	h, st := newHarness(t)
	st.barrier = newBarrier(n)
	src := h.server("echo-server")
	c := echoCrew(src, echoModel("echo"))
	var g errgroup.Group
	outs := make([]string, n)
	for i := range n {
		g.Go(func() error {
			out, err := c.Kickoff(context.Background(), map[string]any{"word": fmt.Sprintf("w%d", i)})
			if err != nil {
				return err
			}
			outs[i] = out.Raw
			return nil
		})
	}
	require.NoError(t, g.Wait())
	for i, o := range outs {
		assert.Equal(t, fmt.Sprintf("echoed: w%d", i), o)
	}
	assert.EqualValues(t, 1, h.dials.Load(), "sessions opened")
	assert.EqualValues(t, n, st.calls.Load())
	src.mu.Lock()
	defer src.mu.Unlock()
	assert.Nil(t, src.shared, "the session outlived the kickoffs")
	assert.Zero(t, src.refs)
}

// TestSequentialKickoffsCloseTheirSession: a crew-scoped server closes at the
// end of each kickoff and opens again for the next.
func TestSequentialKickoffsCloseTheirSession(t *testing.T) {
	h, _ := newHarness(t)
	src := h.server("echo-server")
	c := echoCrew(src, echoModel("echo"))
	for i := range 2 {
		out, err := c.Kickoff(context.Background(), map[string]any{"word": fmt.Sprint(i)})
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("echoed: %d", i), out.Raw)
		src.mu.Lock()
		assert.Nil(t, src.shared)
		src.mu.Unlock()
	}
	assert.EqualValues(t, 2, h.dials.Load())
}

// TestUserManagedClientTools: tools taken from a client the user manages
// stay usable across kickoffs until the user closes the client.
func TestUserManagedClientTools(t *testing.T) {
	h, _ := newHarness(t)
	cl := connect(t, h.server("mine"))
	tools, err := cl.Tools(context.Background())
	require.NoError(t, err)
	a := &agent.Agent{Role: "Echoer", LLM: echoModel("echo"), Tools: tools}
	c := &crew.Crew{Agents: []*agent.Agent{a},
		Tasks: []*task.Task{{Description: "Please say {word} now.", ExpectedOutput: "the word", Agent: a}}}
	for _, w := range []string{"one", "two"} {
		out, err := c.Kickoff(context.Background(), map[string]any{"word": w})
		require.NoError(t, err)
		assert.Equal(t, "echoed: "+w, out.Raw)
	}
	assert.EqualValues(t, 1, h.dials.Load())
}

// TestUnreachableServerFailsTheExecution names the server in the error.
func TestUnreachableServerFailsTheExecution(t *testing.T) {
	src := &Server{Name: "nowhere", URL: "http://127.0.0.1:1/mcp"}
	c := echoCrew(src, echoModel("echo"))
	_, err := c.Kickoff(context.Background(), map[string]any{"word": "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `server "nowhere"`)
}

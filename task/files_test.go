package task_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// TestTaskFiles: a task's Files reach its agent's model with the task's
// prompt (the first user message), and only there.
func TestTaskFiles(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "a cat"}, {Content: "done"}}}
	a := &agent.Agent{Role: "Viewer", Goal: "describe", LLM: m}
	img := chat.Image("image/png", []byte("\x89PNG pixels"))
	doc := chat.File("spec.pdf", "application/pdf", []byte("%PDF spec"))
	c := &crew.Crew{Agents: []*agent.Agent{a}, Tasks: []*task.Task{
		{Description: "Describe the picture.", ExpectedOutput: "one line", Agent: a, Files: []llm.Part{img, doc}},
		{Description: "Say done.", ExpectedOutput: "done", Agent: a},
	}}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "done", out.Raw)
	reqs := m.Requests()
	require.Len(t, reqs, 2)
	var users [][]llm.Part
	for _, msg := range reqs[0].Messages {
		if msg.Role == llm.RoleUser {
			users = append(users, msg.Parts)
		}
	}
	require.NotEmpty(t, users)
	assert.Equal(t, []llm.Part{img, doc}, users[0], "the task prompt carries the files")
	for _, msg := range reqs[1].Messages {
		assert.Empty(t, msg.Parts, "the next task has no files")
	}
}

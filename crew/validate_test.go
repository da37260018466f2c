package crew_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// validateCrew is the shape of the side-by-side benchmark: one agent with a
// tool, listed in Agents and named by the task, whose description takes an
// input.
func validateCrew(m llm.LLM) *crew.Crew {
	a := newAgent("Researcher of {topic}", m, searchTool())
	return &crew.Crew{Agents: []*agent.Agent{a}, Tasks: []*task.Task{
		{Name: "research", Description: "Research {topic}.", ExpectedOutput: "Notes on {topic}.", Agent: a}}}
}

// checkCounter is a model whose Check counts its calls.
type checkCounter struct {
	llmtest.Scripted
	checks atomic.Int32
	err    error
}

func (c *checkCounter) Check() error { c.checks.Add(1); return c.err }

// Crew.Validate reports an unusable model client (no API key, a malformed
// base URL) before the first model call, so that no earlier task spends
// tokens, and checks each agent once however many places name it.
func TestValidationBeforeSpending(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	t.Setenv("OPENAI_BASE_URL", "")
	t.Setenv("OPENAI_API_BASE", "")
	noKey, _ := llm.New(llm.Config{Model: "gpt-4o-mini"})
	badURL, _ := llm.New(llm.Config{Model: "gpt-4o-mini", APIKey: "k", BaseURL: "localhost:11434/v1"})
	for _, tc := range []struct {
		name  string
		model llm.LLM
		kind  error
		want  string
	}{
		{"no API key", noKey, llm.ErrAuth, "API key"},
		{"malformed base URL", badURL, llm.ErrBadRequest, "base URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first := echo("research")
			late := newAgent("Writer", tc.model)
			c := &crew.Crew{Name: "spend", Tasks: []*task.Task{
				{Name: "first", Description: "d", Agent: newAgent("Researcher", first)},
				{Name: "second", Description: "e", Agent: late}}}
			_, err := c.Kickoff(context.Background(), nil)
			var ve *crew.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "Tasks[1].Agent", ve.Field)
			require.ErrorIs(t, err, tc.kind)
			require.ErrorIs(t, err, agent.ErrInvalid)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, first.Requests(), "no task ran before the unusable model was found")
		})
	}
	t.Run("ManagerLLM", func(t *testing.T) {
		c := &crew.Crew{Process: crew.Hierarchical, ManagerLLM: noKey, Agents: []*agent.Agent{newAgent("R", echo("r"))},
			Tasks: []*task.Task{{Description: "d"}}}
		var ve *crew.ValidationError
		require.ErrorAs(t, c.Validate(nil), &ve)
		assert.Equal(t, "ManagerLLM", ve.Field)
		assert.ErrorIs(t, ve, llm.ErrAuth)
	})
	t.Run("each agent once", func(t *testing.T) {
		m := &checkCounter{}
		c := validateCrew(m)
		a := c.Agents[0]
		c.Tasks = append(c.Tasks, &task.Task{Name: "again", Description: "d", Agent: a}, &task.Task{Name: "more", Description: "e", Agent: a})
		require.NoError(t, c.Validate(map[string]any{"topic": "AI"}))
		assert.Equal(t, int32(1), m.checks.Load(), "one agent named four times is checked once")
		m.err = errors.New("no key")
		require.ErrorContains(t, c.Validate(map[string]any{"topic": "AI"}), "no key",
			"nothing is cached between calls: a model that breaks is found")
	})
}

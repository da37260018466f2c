package crew_test

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

func TestOutputLogFile(t *testing.T) {
	cases := []struct {
		file  string
		check func(t *testing.T, data string)
	}{
		{file: "log.json", check: func(t *testing.T, data string) {
			sc := bufio.NewScanner(strings.NewReader(data))
			var recs []map[string]any
			for sc.Scan() {
				var m map[string]any
				require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "each line is one JSON object: %s", sc.Text())
				recs = append(recs, m)
			}
			require.Len(t, recs, 3)
			assert.Equal(t, "research", recs[0]["task"])
			assert.Equal(t, "research: Find facts.", recs[0]["raw"])
			assert.Equal(t, true, recs[1]["skipped"])
			assert.Equal(t, float64(2), recs[2]["task_index"])
		}},
		{file: "log.txt", check: func(t *testing.T, data string) {
			assert.Contains(t, data, `task 0 "research" (agent "Researcher") completed, 14 tokens`)
			assert.Contains(t, data, `task 1 "extra" (agent "Extra") skipped`)
			assert.Contains(t, data, "writing: Write it up.")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			c := &crew.Crew{Name: "log", Bus: &event.Bus{}, OutputLogFile: path, Tasks: []*task.Task{
				{Name: "research", Description: "Find facts.", Agent: newAgent("Researcher", echo("research"))},
				{Name: "extra", Description: "More.", Agent: newAgent("Extra", echo("extra")),
					Condition: func(task.TaskOutput) bool { return false }},
				{Name: "write", Description: "Write it up.", Agent: newAgent("Writer", echo("writing"))},
			}}
			_, err := c.Kickoff(context.Background(), nil)
			require.NoError(t, err)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			tc.check(t, string(data))
			// a second kickoff appends
			_, err = c.Kickoff(context.Background(), nil)
			require.NoError(t, err)
			data2, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, 2*strings.Count(string(data), "research"), strings.Count(string(data2), "research"))
		})
	}
}

type verdict struct {
	Answer string `json:"answer"`
}

func TestCrewCostAndAccessors(t *testing.T) {
	usage := llm.Usage{PromptTokens: 1_000_000, CompletionTokens: 1_000_000, TotalTokens: 2_000_000}
	known := &llmtest.Scripted{Model: "gpt-4o-mini", Replies: []llmtest.Reply{{Content: `{"answer":"yes"}`, Usage: usage}}}
	c := &crew.Crew{Bus: &event.Bus{}, Tasks: []*task.Task{
		{Name: "decide", Description: "Decide.", Agent: newAgent("Judge", known), Output: task.As[verdict]()},
	}}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.True(t, out.CostKnown)
	assert.InDelta(t, 0.15+0.60, out.Cost, 1e-9, "gpt-4o-mini: $0.15 in, $0.60 out per million")
	v, ok := crew.ValueAs[verdict](out)
	require.True(t, ok)
	assert.Equal(t, "yes", v.Answer)
	_, ok = crew.ValueAs[string](out)
	assert.False(t, ok)
	to, ok := out.Task("decide")
	require.True(t, ok)
	tv, ok := task.ValueAs[verdict](to)
	assert.True(t, ok)
	assert.Equal(t, v, tv)
	_, ok = out.Task("nope")
	assert.False(t, ok)

	unknown := &llmtest.Scripted{Model: "my-local-model", Replies: []llmtest.Reply{{Content: "x", Usage: usage}}}
	c = &crew.Crew{Bus: &event.Bus{}, Tasks: []*task.Task{{Description: "D.", Agent: newAgent("A", unknown)}}}
	out, err = c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.False(t, out.CostKnown)
	assert.Equal(t, 0.0, out.Cost)
	assert.False(t, math.IsNaN(out.Cost))
}

package crew_test

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerboseCrewPrintsLiveAccount kicks off a Verbose crew with standard
// error redirected and checks the account the console subscriber printed:
// crew, tasks with their agents, the tool call with its arguments and
// result, the final answers and the usage, once each, even when an agent is
// Verbose too.
func TestVerboseCrewPrintsLiveAccount(t *testing.T) {
	c, _, _ := researchCrew()
	c.Verbose = true
	c.Tasks[0].Agent.Verbose = true // inside a verbose crew it changes nothing
	r, w, err := os.Pipe()
	require.NoError(t, err)
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	_, kerr := c.Kickoff(context.Background(), map[string]any{"topic": "AI"})
	os.Stderr = old
	require.NoError(t, w.Close())
	out := <-done
	require.NoError(t, kerr)
	want := []string{
		`Crew "research crew" started (sequential process)`,
		`  Task "research" started, assigned to Researcher of AI`,
		`    Agent Researcher of AI is working (model search-model)`,
		`      Using tool search({"query":"Research AI in depth."})`,
		`      Tool search returned: results for Research AI in depth.`,
		`    Final answer of Researcher of AI:`,
		`      findings: results for Research AI in depth.`,
		`  Task "write" started, assigned to Writer`,
		`      article: Write about AI.`,
		`Crew "research crew" done: 42 tokens: 30 prompt, 12 completion, 3 requests`,
	}
	last := -1
	for _, w := range want {
		i := strings.Index(out, w)
		if !assert.GreaterOrEqual(t, i, 0, "missing %q in:\n%s", w, out) {
			continue
		}
		assert.Greater(t, i, last, "%q out of order in:\n%s", w, out)
		assert.Equal(t, 1, strings.Count(out, w), "%q printed once", w)
		last = i
	}
}

package crew_test

import (
	"context"
	"io"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/tracing"
)

func TestTracedKickoffMakesSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	c, _, _ := researchCrew()
	c.Tracing, c.Tracer = true, tr
	_, err = c.Kickoff(context.Background(), map[string]any{"topic": "AI"})
	require.NoError(t, err)
	var names []string
	for _, s := range exp.GetSpans() {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	assert.Contains(t, names, "invoke_workflow research crew")
	assert.Contains(t, names, "execute_task research")
	assert.Contains(t, names, "execute_task write")
	assert.Contains(t, names, "execute_tool search")
	assert.Len(t, names, 9, "crew, 2 tasks, 2 agents, 3 model calls, 1 tool call: %v", names)

	// Without Tracing (and without the environment variable) nothing is exported.
	exp.Reset()
	c.Tracing = false
	t.Setenv("CREWAI_TRACING_ENABLED", "")
	_, err = c.Kickoff(context.Background(), map[string]any{"topic": "AI"})
	require.NoError(t, err)
	assert.Empty(t, exp.GetSpans())
}

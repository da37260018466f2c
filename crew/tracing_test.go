package crew_test

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/task"
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

// TestTracedHierarchicalSpanTree checks the span tree of a traced
// hierarchical run: the manager's delegate_work tool call holds the
// delegation span, and the coworker's execution (its agent span and model
// call) nests under that, in the kickoff's one trace.
func TestTracedHierarchicalSpanTree(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	researcher, writer := newAgent("Researcher", echo("research")), newAgent("Writer", echo("writing"))
	c := &crew.Crew{Name: "h", Process: crew.Hierarchical, ManagerLLM: delegatingManager("researcher", "Writer"),
		Agents: []*agent.Agent{researcher, writer}, Tasks: []*task.Task{{Name: "report", Description: "Produce the report."}},
		Bus: &event.Bus{}, Tracing: true, Tracer: tr}
	_, err = c.Kickoff(context.Background(), nil)
	require.NoError(t, err)

	spans := exp.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	children := map[trace.SpanID][]tracetest.SpanStub{}
	var roots []tracetest.SpanStub
	for _, s := range spans {
		assert.Equal(t, spans[0].SpanContext.TraceID(), s.SpanContext.TraceID(), "one trace")
		byID[s.SpanContext.SpanID()] = s
	}
	for _, s := range spans {
		if _, ok := byID[s.Parent.SpanID()]; ok {
			children[s.Parent.SpanID()] = append(children[s.Parent.SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(s tracetest.SpanStub, depth int)
	walk = func(s tracetest.SpanStub, depth int) {
		fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth), s.Name)
		kids := children[s.SpanContext.SpanID()]
		sort.Slice(kids, func(i, j int) bool { return kids[i].StartTime.Before(kids[j].StartTime) })
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	require.Len(t, roots, 1)
	walk(roots[0], 0)
	assert.Equal(t, `invoke_workflow h
  execute_task report
    invoke_agent Crew Manager
      chat manager-model
      execute_tool delegate_work
        delegate Researcher
          invoke_agent Researcher
            chat research-model
      chat manager-model
      execute_tool delegate_work
        delegate Writer
          invoke_agent Writer
            chat writing-model
      chat manager-model
`, b.String())
}

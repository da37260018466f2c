package crew_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

// spanTree renders the spans of one trace as an indented outline; label
// adds a suffix to a span's line.
func spanTree(t *testing.T, spans tracetest.SpanStubs, label func(s tracetest.SpanStub) string) string {
	t.Helper()
	byID := map[trace.SpanID]bool{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = true
	}
	children := map[trace.SpanID][]tracetest.SpanStub{}
	var roots []tracetest.SpanStub
	for _, s := range spans {
		if byID[s.Parent.SpanID()] {
			children[s.Parent.SpanID()] = append(children[s.Parent.SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	require.Len(t, roots, 1)
	var b strings.Builder
	var walk func(s tracetest.SpanStub, depth int)
	walk = func(s tracetest.SpanStub, depth int) {
		fmt.Fprintf(&b, "%s%s%s\n", strings.Repeat("  ", depth), s.Name, label(s))
		kids := children[s.SpanContext.SpanID()]
		sort.SliceStable(kids, func(i, j int) bool { return kids[i].StartTime.Before(kids[j].StartTime) })
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	walk(roots[0], 0)
	return b.String()
}

func attr(s tracetest.SpanStub, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func TestGuardrailSpanTree(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	writer := &llmtest.Scripted{Model: "writer-model", Replies: []llmtest.Reply{{Content: "TBD"}, {Content: "Friday [1] [2]"}}}
	judge := &llmtest.Scripted{Model: "judge-model", Replies: []llmtest.Reply{{Content: `{"valid": true, "feedback": ""}`}}}
	c := &crew.Crew{Name: "g", Bus: &event.Bus{}, Tracing: true, Tracer: tr, Tasks: []*task.Task{{
		Name: "release", Description: "Pick the release day.", Agent: newAgent("Writer", writer),
		Guardrails: []task.Guardrail{
			task.Check("a day", func(o task.TaskOutput) error {
				if o.Raw == "TBD" {
					return errors.New("name a day")
				}
				return nil
			}),
			{Name: "sources", Rule: "The answer cites two sources.", LLM: judge},
		},
	}}}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "Friday [1] [2]", out.Raw)
	tree := spanTree(t, exp.GetSpans(), func(s tracetest.SpanStub) string {
		name, ok := attr(s, "crewai.guardrail.name")
		if !ok {
			return ""
		}
		success, _ := attr(s, "crewai.guardrail.success")
		return fmt.Sprintf(" [%s success=%v]", name.AsString(), success.AsBool())
	})
	assert.Equal(t, `invoke_workflow g
  execute_task release
    invoke_agent Writer
      chat writer-model
    guardrail release [a day success=false]
    invoke_agent Writer
      chat writer-model
    guardrail release [a day success=true]
    guardrail release [sources success=true]
      invoke_agent Guardrail
        chat judge-model
`, tree)
}

package mcp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

func memTracer(t *testing.T) (*tracing.Tracer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(nil))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tr.Shutdown(ctx)
	})
	return tr, exp
}

// tree renders spans as an indented tree of "name [kind]" lines, children
// by start time; it fails when the spans are not all of one trace.
func tree(t *testing.T, spans tracetest.SpanStubs) string {
	t.Helper()
	byParent := map[trace.SpanID][]tracetest.SpanStub{}
	ids := map[trace.SpanID]bool{}
	tid := spans[0].SpanContext.TraceID()
	for _, s := range spans {
		require.Equal(t, tid, s.SpanContext.TraceID(), "span %q is in another trace", s.Name)
		ids[s.SpanContext.SpanID()] = true
	}
	for _, s := range spans {
		p := s.Parent.SpanID()
		if !ids[p] {
			p = trace.SpanID{}
		}
		byParent[p] = append(byParent[p], s)
	}
	var b strings.Builder
	var walk func(p trace.SpanID, depth int)
	walk = func(p trace.SpanID, depth int) {
		kids := byParent[p]
		sort.Slice(kids, func(i, j int) bool { return kids[i].StartTime.Before(kids[j].StartTime) })
		for _, k := range kids {
			fmt.Fprintf(&b, "%s%s [%s]\n", strings.Repeat("  ", depth), k.Name, k.SpanKind)
			walk(k.SpanContext.SpanID(), depth+1)
		}
	}
	walk(trace.SpanID{}, 0)
	return b.String()
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

func find(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q", name)
	return tracetest.SpanStub{}
}

// TestClientAndServerSpansAreOneTrace: a traced crew whose agent uses a
// traced crewai-go MCP service: the service's server span continues the
// caller's execute_tool span (traceparent in _meta), in one trace.
func TestClientAndServerSpansAreOneTrace(t *testing.T) {
	tr, exp := memTracer(t)
	svc := &Service{Name: "weather-service", Tools: []tool.Tool{weatherTool()}, Tracing: true, Tracer: tr}
	src := serveInMemory(t, svc, "weather")
	a := &agent.Agent{Role: "Forecaster", LLM: weatherModel(), MCPs: []tool.Source{src}}
	c := &crew.Crew{Name: "forecast", Agents: []*agent.Agent{a}, Tracing: true, Tracer: tr,
		Tasks: []*task.Task{{Name: "forecast", Description: "Tell the weather in {city}.", ExpectedOutput: "one line", Agent: a}}}
	out, err := c.Kickoff(context.Background(), map[string]any{"city": "Lisbon"})
	require.NoError(t, err)
	assert.Equal(t, "It is sunny in Lisbon", out.Raw)
	require.NoError(t, tr.ForceFlush(context.Background()))
	spans := exp.GetSpans()
	want := `invoke_workflow forecast [internal]
  execute_task forecast [internal]
    initialize [client]
      server/discover [server]
    tools/list [client]
      tools/list [server]
    invoke_agent Forecaster [internal]
      chat scripted-model [client]
      execute_tool weather [internal]
        tools/call weather [server]
      chat scripted-model [client]
`
	assert.Equal(t, want, tree(t, spans))

	call := find(t, spans, "execute_tool weather")
	assert.Equal(t, "tools/call", attr(call, "mcp.method.name"))
	assert.NotEmpty(t, attr(call, "mcp.protocol.version"))
	assert.Equal(t, "weather", attr(call, "crewai.mcp.server"))
	srv := find(t, spans, "tools/call weather")
	assert.Equal(t, call.SpanContext.SpanID(), srv.Parent.SpanID())
	assert.True(t, srv.Parent.IsRemote())
	assert.Equal(t, "execute_tool", attr(srv, "gen_ai.operation.name"))
	assert.Equal(t, "weather", attr(srv, "gen_ai.tool.name"))
	assert.Contains(t, attr(srv, "gen_ai.tool.call.result"), "sunny in Lisbon")
	list := findKind(t, spans, "tools/list", trace.SpanKindClient)
	assert.Equal(t, "1", attr(list, "crewai.mcp.tools"))
	init := find(t, spans, "initialize")
	assert.Equal(t, "initialize", attr(init, "mcp.method.name"))
	assert.NotEmpty(t, attr(init, "mcp.protocol.version"))

	// The server traces its own handling of the session set-up and of
	// tools/list, under the client's spans (the traceparent in _meta).
	setup := find(t, spans, "server/discover")
	assert.Equal(t, init.SpanContext.SpanID(), setup.Parent.SpanID())
	assert.True(t, setup.Parent.IsRemote())
	assert.Equal(t, "server/discover", attr(setup, "mcp.method.name"))
	assert.NotEmpty(t, attr(setup, "mcp.protocol.version"))
	assert.Equal(t, "weather-service", attr(setup, "crewai.mcp.server"))
	slist := findKind(t, spans, "tools/list", trace.SpanKindServer)
	assert.Equal(t, list.SpanContext.SpanID(), slist.Parent.SpanID())
	assert.Equal(t, "1", attr(slist, "crewai.mcp.tools"))
	assert.Equal(t, "tools/list", attr(slist, "mcp.method.name"))
}

func findKind(t *testing.T, spans tracetest.SpanStubs, name string, kind trace.SpanKind) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name && s.SpanKind == kind {
			return s
		}
	}
	t.Fatalf("no span %q of kind %v", name, kind)
	return tracetest.SpanStub{}
}

// TestToolErrorSpans: a server tool's isError is a tool error on both
// sides.
func TestToolErrorSpans(t *testing.T) {
	tr, exp := memTracer(t)
	svc := &Service{Tools: []tool.Tool{weatherTool()}, Tracing: true, Tracer: tr}
	c := connect(t, serveInMemory(t, svc, "weather"))
	tools := toolsByName(t, c)
	_, err := tools["weather"].Run(context.Background(), []byte(`{"city":"Atlantis"}`))
	require.Error(t, err)
	require.NoError(t, tr.ForceFlush(context.Background()))
	srv := find(t, exp.GetSpans(), "tools/call weather")
	assert.Equal(t, "tool_error", attr(srv, "error.type"))
}

// weatherModel asks for the weather in the city named in the task, then
// answers with the tool's result.
func weatherModel() *llmtest.Scripted {
	return &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == llm.RoleTool {
			return llmtest.Reply{Content: "It is " + last.Content}
		}
		city := "Lisbon"
		for _, m := range req.Messages {
			if i := strings.Index(m.Content, "weather in "); i >= 0 {
				city = strings.TrimSuffix(strings.Fields(m.Content[i+11:])[0], ".")
			}
		}
		return llmtest.Reply{ToolCalls: []llm.ToolCall{{Name: "weather", Arguments: fmt.Sprintf(`{"city":%q}`, city)}}}
	}}
}

package bedrock_test

import (
	"context"
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

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/pricing"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

type lookupIn struct {
	Query string `json:"query" jsonschema:"required"`
}

// TestSpanTree runs a traced crew whose agent talks to Bedrock (the fake,
// through the real client): a tool call, then the answer. The span tree is
// the crew's, and each chat span names the provider (aws.bedrock), the
// requested model and the usage with the cache tokens, priced from the
// built-in table under the Bedrock model ID.
func TestSpanTree(t *testing.T) {
	first := llm.Usage{PromptTokens: 1200, CachedPromptTokens: 800, CacheWriteTokens: 300, CompletionTokens: 30, TotalTokens: 1230}
	second := llm.Usage{PromptTokens: 1300, CachedPromptTokens: 1100, CompletionTokens: 20, TotalTokens: 1320}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{ToolCalls: []llm.ToolCall{{ID: "tooluse_1", Name: "lookup", Arguments: `{"query":"bedrock"}`}}, Usage: first},
		{Content: "Bedrock is AWS's model service.", Usage: second},
	}})
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	lookup := tool.New("lookup", "Look a term up.", func(ctx context.Context, in lookupIn) (string, error) {
		return "definition of " + in.Query, nil
	})
	a := &agent.Agent{Role: "Researcher", Goal: "Explain terms", Backstory: "You explain.", LLM: h.client,
		Tools: []tool.Tool{lookup}, MaxRetryLimit: -1}
	c := &crew.Crew{Name: "bedrock crew", Agents: []*agent.Agent{a}, Bus: &event.Bus{}, Tracing: true, Tracer: tr,
		Tasks: []*task.Task{{Name: "explain", Description: "Explain Bedrock.", ExpectedOutput: "One sentence.", Agent: a}}}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "Bedrock is AWS's model service.", out.Raw)
	assert.Equal(t, first.PromptTokens+second.PromptTokens, out.Usage.PromptTokens)
	assert.Equal(t, first.CachedPromptTokens+second.CachedPromptTokens, out.Usage.CachedPromptTokens)
	assert.Equal(t, first.CacheWriteTokens, out.Usage.CacheWriteTokens)

	spans := exp.GetSpans()
	chat := "chat " + testModel
	assert.Equal(t, `invoke_workflow bedrock crew
  execute_task explain
    invoke_agent Researcher
      `+chat+`
      execute_tool lookup
      `+chat+`
`, tree(t, spans))

	var chats []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == chat {
			chats = append(chats, s)
		}
	}
	require.Len(t, chats, 2)
	sort.Slice(chats, func(i, j int) bool { return chats[i].StartTime.Before(chats[j].StartTime) })
	for i, u := range []llm.Usage{first, second} {
		attrs := map[string]attribute.Value{}
		for _, kv := range chats[i].Attributes {
			attrs[string(kv.Key)] = kv.Value
		}
		want := map[string]string{
			"gen_ai.provider.name":                     "aws.bedrock",
			"gen_ai.request.model":                     testModel,
			"gen_ai.usage.input_tokens":                fmt.Sprint(u.PromptTokens),
			"gen_ai.usage.output_tokens":               fmt.Sprint(u.CompletionTokens),
			"gen_ai.usage.cache_read.input_tokens":     fmt.Sprint(u.CachedPromptTokens),
			"server.address":                           "127.0.0.1",
			"gen_ai.response.id":                       fmt.Sprintf("llmtest-%d", i+1),
			"gen_ai.usage.cache_creation.input_tokens": fmt.Sprint(u.CacheWriteTokens),
		}
		if u.CacheWriteTokens == 0 {
			delete(want, "gen_ai.usage.cache_creation.input_tokens")
		}
		for k, v := range want {
			got, ok := attrs[k]
			if assert.True(t, ok, "span %d has no %s", i, k) {
				assert.Equal(t, v, got.String(), "span %d: %s", i, k)
			}
		}
		price, ok := pricing.Default().Cost(testModel, u)
		require.True(t, ok, "the price table knows the Bedrock ID %s", testModel)
		cost, ok := attrs["llm.cost.total"]
		require.True(t, ok, "span %d has no llm.cost.total", i)
		assert.InDelta(t, price, cost.AsFloat64(), 1e-12)
	}
	// Sonnet 4.5 on Bedrock: $3/M input, $0.30/M cache reads, $3.75/M
	// cache writes, $15/M output.
	usd, _ := pricing.Default().Cost(testModel, first)
	assert.InDelta(t, (100*3+800*0.3+300*3.75+30*15)/1e6, usd, 1e-12)
}

// tree renders the span names as an indented tree, children in start order.
func tree(t *testing.T, spans tracetest.SpanStubs) string {
	t.Helper()
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		ids[s.SpanContext.SpanID()] = true
	}
	children := map[trace.SpanID][]tracetest.SpanStub{}
	var roots []tracetest.SpanStub
	for _, s := range spans {
		if ids[s.Parent.SpanID()] {
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
	return b.String()
}

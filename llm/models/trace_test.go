package models_test

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
	"github.com/crewai-go/crewai/llm/models"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

// provider is one provider's fake, the model string that reaches it, the
// gen_ai.provider.name its client reports, and the usage each of its
// replies reports (each provider reports different token kinds: Anthropic
// cache writes, Gemini thinking tokens).
type provider struct {
	name, model, system string
	usage               llm.Usage
	start               func(llmtest.ServerConfig) *llmtest.Server
	env                 func(t *testing.T, url string)
}

var providers = []provider{
	{name: "openai", model: "openai/gpt-4o-mini", system: "openai",
		usage: llm.Usage{PromptTokens: 120, CachedPromptTokens: 64, CompletionTokens: 18, TotalTokens: 138},
		start: llmtest.NewServer,
		env: func(t *testing.T, url string) {
			t.Setenv("OPENAI_API_KEY", "k-openai")
			t.Setenv("OPENAI_BASE_URL", url)
		}},
	{name: "anthropic", model: "anthropic/claude-sonnet-4-5", system: "anthropic",
		usage: llm.Usage{PromptTokens: 900, CachedPromptTokens: 700, CacheWriteTokens: 150, CompletionTokens: 40, TotalTokens: 940},
		start: llmtest.NewAnthropicServer,
		env: func(t *testing.T, url string) {
			t.Setenv("ANTHROPIC_API_KEY", "k-anthropic")
			t.Setenv("ANTHROPIC_BASE_URL", url)
		}},
	{name: "gemini", model: "gemini/gemini-2.5-flash", system: "gcp.gemini",
		usage: llm.Usage{PromptTokens: 300, CachedPromptTokens: 128, CompletionTokens: 55, ReasoningTokens: 25, TotalTokens: 355},
		start: llmtest.NewGeminiServer,
		env: func(t *testing.T, url string) {
			t.Setenv("GEMINI_API_KEY", "k-gemini")
			t.Setenv("GOOGLE_GEMINI_BASE_URL", url)
		}},
}

func bareModel(s string) string { return s[strings.IndexByte(s, '/')+1:] }

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// tree renders the spans as an indented tree of names, children in start
// order.
func tree(spans tracetest.SpanStubs) string {
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		ids[s.SpanContext.SpanID()] = true
	}
	kids := map[trace.SpanID][]tracetest.SpanStub{}
	var roots []tracetest.SpanStub
	for _, s := range spans {
		if ids[s.Parent.SpanID()] {
			kids[s.Parent.SpanID()] = append(kids[s.Parent.SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(ss []tracetest.SpanStub, depth int)
	walk = func(ss []tracetest.SpanStub, depth int) {
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].StartTime.Before(ss[j].StartTime) })
		for _, s := range ss {
			fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth), s.Name)
			walk(kids[s.SpanContext.SpanID()], depth+1)
		}
	}
	walk(roots, 0)
	return b.String()
}

func newTracer(t *testing.T) (*tracing.Tracer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tr.Shutdown(context.Background())) })
	return tr, exp
}

func closeIdle(m llm.LLM) {
	if c, ok := m.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// checkUsage asserts the usage attributes of a chat span: input and output
// tokens, and the cache read, cache write and reasoning tokens exactly
// when the provider reported them.
func checkUsage(t *testing.T, what string, a map[attribute.Key]attribute.Value, u llm.Usage) {
	t.Helper()
	for key, want := range map[attribute.Key]int{
		"gen_ai.usage.input_tokens":                u.PromptTokens,
		"gen_ai.usage.output_tokens":               u.CompletionTokens,
		"gen_ai.usage.cache_read.input_tokens":     u.CachedPromptTokens,
		"gen_ai.usage.cache_creation.input_tokens": u.CacheWriteTokens,
		"gen_ai.usage.reasoning.output_tokens":     u.ReasoningTokens,
	} {
		v, ok := a[key]
		if want == 0 {
			assert.False(t, ok, "%s: %s is not set when the provider reports none (got %v)", what, key, v.String())
			continue
		}
		assert.Equal(t, int64(want), v.AsInt64(), "%s: %s", what, key)
	}
}

// TestProviderSpanAttributes runs a traced agent with a tool on each
// provider's fake through the real client (built from its model string)
// and checks the span tree and each chat span: provider, request and
// response model, server, the usage the provider reported (cache reads,
// Anthropic's cache writes, Gemini's thinking tokens) and the finish
// reason of each call.
func TestProviderSpanAttributes(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			clearEnv(t)
			srv := p.start(llmtest.ServerConfig{Replies: []llmtest.Reply{
				{ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "lookup", Arguments: `{"q":"tides"}`}}, Usage: p.usage},
				{Content: "High tide at noon.", Usage: p.usage},
			}})
			defer srv.Close()
			p.env(t, srv.URL())
			m, err := models.New(p.model)
			require.NoError(t, err)
			defer closeIdle(m)
			tr, exp := newTracer(t)
			lookup := tool.New("lookup", "Looks a thing up.", func(_ context.Context, in struct {
				Q string `json:"q"`
			}) (string, error) {
				return "noon", nil
			})
			a := &agent.Agent{Role: "Harbour master", Goal: "Know the tides.", LLM: m, Tools: []tool.Tool{lookup},
				Tracing: true, Tracer: tr, Bus: &event.Bus{}}
			out, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "When is high tide?"})
			require.NoError(t, err)
			assert.Equal(t, "High tide at noon.", out.Raw)

			model := bareModel(p.model)
			spans := exp.GetSpans()
			assert.Equal(t, "invoke_agent Harbour master\n  chat "+model+"\n  execute_tool lookup\n  chat "+model+"\n", tree(spans))
			var chats []tracetest.SpanStub
			for _, s := range spans {
				if s.Name == "chat "+model {
					chats = append(chats, s)
				}
			}
			require.Len(t, chats, 2)
			sort.Slice(chats, func(i, j int) bool { return chats[i].StartTime.Before(chats[j].StartTime) })
			for i, finish := range []string{"tool_calls", "stop"} {
				a := attrs(chats[i])
				what := fmt.Sprintf("%s call %d", p.name, i+1)
				assert.Equal(t, trace.SpanKindClient, chats[i].SpanKind, what)
				assert.Equal(t, p.system, a["gen_ai.provider.name"].AsString(), what)
				assert.Equal(t, model, a["gen_ai.request.model"].AsString(), what)
				assert.Equal(t, model, a["gen_ai.response.model"].AsString(), what)
				assert.Equal(t, "127.0.0.1", a["server.address"].AsString(), what)
				assert.Equal(t, []string{finish}, a["gen_ai.response.finish_reasons"].AsStringSlice(), what)
				assert.NotEmpty(t, a["gen_ai.response.id"].AsString(), what)
				checkUsage(t, what, a, p.usage)
			}
			root := attrs(spans[len(spans)-1])
			assert.Equal(t, int64(2*p.usage.PromptTokens), root["gen_ai.usage.input_tokens"].AsInt64(), "the agent span sums its calls")
			want := p.usage.Add(p.usage)
			want.Requests = 2
			assert.Equal(t, want, out.Usage)
		})
	}
}

// TestMixedProviderCrew runs one traced kickoff of a crew whose three
// agents are on OpenAI, Anthropic and Gemini (their fakes, reached
// through model strings): each model span names its provider and model,
// and the crew's usage and cost are the sums of the three providers'.
func TestMixedProviderCrew(t *testing.T) {
	clearEnv(t)
	var agents []*agent.Agent
	var tasks []*task.Task
	var servers []*llmtest.Server
	for i, p := range providers {
		srv := p.start(llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "part " + p.name, Usage: p.usage}}})
		defer srv.Close()
		servers = append(servers, srv)
		p.env(t, srv.URL())
		m := models.LLM(p.model)
		defer closeIdle(m)
		a := &agent.Agent{Role: "Agent on " + p.name, Goal: "Write your part.", LLM: m}
		agents = append(agents, a)
		tasks = append(tasks, &task.Task{Name: "task " + p.name, Description: fmt.Sprintf("Write part %d.", i+1),
			ExpectedOutput: "A part.", Agent: a})
	}
	tr, exp := newTracer(t)
	c := &crew.Crew{Name: "mixed", Agents: agents, Tasks: tasks, Bus: &event.Bus{}, Tracing: true, Tracer: tr}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "part gemini", out.Raw)
	for i, srv := range servers {
		require.Len(t, srv.Requests(), 1, providers[i].name)
	}
	// The second task's prompt carries the first's output across providers.
	assert.Contains(t, servers[1].Requests()[0].Request.Messages[1].Content, "part openai")

	var sum llm.Usage
	var cost float64
	for _, p := range providers {
		u := p.usage
		u.Requests = 1
		sum = sum.Add(u)
		c, ok := pricing.Default().Cost(bareModel(p.model), u)
		require.True(t, ok, "a price for %s", p.model)
		require.Positive(t, c, p.model)
		cost += c
	}
	assert.Equal(t, sum, out.Usage, "the crew's usage is the sum of the three providers'")
	assert.True(t, out.CostKnown)
	assert.InDelta(t, cost, out.Cost, 1e-12, "the crew's cost is the sum of each provider's priced usage")

	spans := exp.GetSpans()
	assert.Equal(t, `invoke_workflow mixed
  execute_task task openai
    invoke_agent Agent on openai
      chat gpt-4o-mini
  execute_task task anthropic
    invoke_agent Agent on anthropic
      chat claude-sonnet-4-5
  execute_task task gemini
    invoke_agent Agent on gemini
      chat gemini-2.5-flash
`, tree(spans))
	seen := map[string]bool{}
	for _, s := range spans {
		if !strings.HasPrefix(s.Name, "chat ") {
			continue
		}
		a := attrs(s)
		for _, p := range providers {
			if s.Name != "chat "+bareModel(p.model) {
				continue
			}
			seen[p.name] = true
			assert.Equal(t, p.system, a["gen_ai.provider.name"].AsString(), s.Name)
			assert.Equal(t, bareModel(p.model), a["gen_ai.request.model"].AsString(), s.Name)
			checkUsage(t, s.Name, a, p.usage)
		}
	}
	assert.Len(t, seen, 3, "one model span per provider")
	root := attrs(spans[len(spans)-1])
	require.Equal(t, "invoke_workflow mixed", spans[len(spans)-1].Name)
	assert.Equal(t, int64(sum.PromptTokens), root["gen_ai.usage.input_tokens"].AsInt64())
	assert.Equal(t, int64(sum.CompletionTokens), root["gen_ai.usage.output_tokens"].AsInt64())
}

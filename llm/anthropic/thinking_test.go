package anthropic_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/anthropic"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

func thinking(budget int) func(*anthropic.Config) {
	return func(c *anthropic.Config) { c.ThinkingBudget = budget }
}

// TestThinkingRequestAndReply: with a budget the request carries the
// thinking parameter (max_tokens raised above the budget when it is not),
// and the reply's thinking and redacted_thinking blocks come back in
// Response.Reasoning, not in Content, streamed or not.
func TestThinkingRequestAndReply(t *testing.T) {
	tests := []struct {
		name          string
		budget        int
		reqMax        int
		stream        bool
		wantMax       int
		wantReasoning bool
	}{
		{name: "off", budget: 0, wantMax: anthropic.DefaultMaxTokens},
		{name: "budget below the default max", budget: 2048, wantMax: anthropic.DefaultMaxTokens, wantReasoning: true},
		{name: "budget above the default max", budget: 8000, wantMax: 8000 + anthropic.DefaultMaxTokens, wantReasoning: true},
		{name: "request max above the budget", budget: 2048, reqMax: 3000, wantMax: 3000, wantReasoning: true},
		{name: "request max below the budget", budget: 2048, reqMax: 500, wantMax: 2548, wantReasoning: true},
		{name: "streamed", budget: 2048, stream: true, wantMax: anthropic.DefaultMaxTokens, wantReasoning: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "42.",
				Thinking: "The user asks for the answer. It is 42.", RedactedThinking: "EmwKAhgBEgy3va3pzix"}}},
				"claude-sonnet-4-5", thinking(tt.budget))
			req := userReq("The answer?")
			req.MaxTokens = tt.reqMax
			var chunks []string
			if tt.stream {
				req.OnChunk = func(s string) { chunks = append(chunks, s) }
			}
			resp, err := h.client.Generate(h.ctx(), req)
			require.NoError(t, err)
			assert.Equal(t, "42.", resp.Content, "thinking is not the answer")
			if tt.stream {
				assert.Equal(t, "42.", strings.Join(chunks, ""), "thinking does not reach OnChunk")
			}
			sr := h.srv.Requests()[0]
			assert.Equal(t, tt.wantMax, sr.MaxTokens)
			if !tt.wantReasoning {
				assert.Empty(t, sr.Thinking)
				assert.NotContains(t, string(sr.Body), "thinking")
				assert.Empty(t, resp.Reasoning)
				assert.Zero(t, resp.Usage.ReasoningTokens)
				return
			}
			assert.Equal(t, "enabled", sr.Thinking)
			assert.Equal(t, tt.budget, sr.ThinkingBudget)
			assert.Equal(t, []llm.Reasoning{
				{Text: "The user asks for the answer. It is 42.", Signature: llmtest.ThinkingSignature("The user asks for the answer. It is 42.")},
				{Redacted: "EmwKAhgBEgy3va3pzix"}}, resp.Reasoning)
			assert.Positive(t, resp.Usage.ReasoningTokens, "thinking tokens are counted")
		})
	}
}

// TestThinkingBlocksGoBack: an assistant message's Reasoning is sent back
// before its text and tool calls, byte for byte, so that the fake accepts
// the tool results; a message whose Reasoning was dropped or altered is
// refused by the fake as by Anthropic.
func TestThinkingBlocksGoBack(t *testing.T) {
	const thought = "I should look it up."
	good := []llm.Reasoning{{Text: thought, Signature: llmtest.ThinkingSignature(thought)}, {Redacted: "opaque=="}}
	tests := []struct {
		name      string
		reasoning []llm.Reasoning
		want      string // the error, if any
	}{
		{name: "kept", reasoning: good},
		{name: "dropped", reasoning: nil, want: "must start with a thinking block"},
		{name: "altered", reasoning: []llm.Reasoning{{Text: thought + " Or not.", Signature: good[0].Signature}}, want: "Invalid `signature`"},
		{name: "unsigned", reasoning: []llm.Reasoning{{Text: thought}}, want: "Reasoning[0] has neither a Signature nor Redacted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
				return llmtest.Reply{Content: "Found it."}
			}}, "claude-sonnet-4-5", thinking(1024))
			req := userReq("Look it up.")
			req.Messages = append(req.Messages,
				llm.Message{Role: llm.RoleAssistant, Content: "Searching.", Reasoning: tt.reasoning,
					ToolCalls: []llm.ToolCall{{ID: "toolu_1", Name: "search", Arguments: `{"q":"x"}`}}},
				llm.Message{Role: llm.RoleTool, ToolCallID: "toolu_1", Content: "x is 1"})
			resp, err := h.client.Generate(h.ctx(), req)
			if tt.want != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, llm.ErrBadRequest)
				assert.Contains(t, err.Error(), tt.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "Found it.", resp.Content)
			got := h.srv.Requests()[0].Request.Messages
			require.Len(t, got, 4)
			assert.Equal(t, good, got[2].Reasoning, "the blocks went back unchanged")
			var body struct {
				Messages []struct {
					Content []struct{ Type string } `json:"content"`
				} `json:"messages"`
			}
			require.NoError(t, json.Unmarshal(h.srv.Requests()[0].Body, &body))
			var types []string
			for _, b := range body.Messages[1].Content {
				types = append(types, b.Type)
			}
			assert.Equal(t, []string{"thinking", "redacted_thinking", "text", "tool_use"}, types, "thinking first")
		})
	}

	// Without thinking on, Reasoning is not sent (an old turn's blocks are
	// not Anthropic's concern then).
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "ok"}}}, "claude-sonnet-4-5")
	req := userReq("Look it up.")
	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, Reasoning: good, ToolCalls: []llm.ToolCall{{ID: "toolu_1", Name: "search", Arguments: `{}`}}},
		llm.Message{Role: llm.RoleTool, ToolCallID: "toolu_1", Content: "r"})
	_, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.NotContains(t, string(h.srv.Requests()[0].Body), "thinking")
}

// TestThinkingConfiguration: a budget Anthropic would refuse, or one for a
// model without extended thinking, is an error from New naming the field.
func TestThinkingConfiguration(t *testing.T) {
	tests := []struct {
		name, model string
		budget      int
		caps        *llm.Capabilities
		want        string
	}{
		{name: "below the minimum", model: "claude-sonnet-4-5", budget: 1000, want: "Config.ThinkingBudget is 1000; use at least 1024"},
		{name: "negative", model: "claude-sonnet-4-5", budget: -5, want: "Config.ThinkingBudget is -5"},
		{name: "model without thinking", model: "claude-3-5-haiku-20241022", budget: 2048, want: "claude-3-5-haiku-20241022 has no extended thinking"},
		{name: "table overridden", model: "claude-3-5-haiku-20241022", budget: 2048, caps: &llm.Capabilities{}},
		{name: "thinking model", model: "claude-3-7-sonnet-latest", budget: 2048},
		{name: "unknown model", model: "claude-next", budget: 2048},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := anthropic.New(anthropic.Config{Model: tt.model, APIKey: testKey, ThinkingBudget: tt.budget, Capabilities: tt.caps})
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, llm.ErrBadRequest)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestThinkingAgentToolRoundTrip runs an agent with a tool on a thinking
// Claude (the fake): the model thinks and calls the tool, the agent runs
// it and sends the result back; the fake refuses that turn unless the
// assistant turn kept its thinking block, so the run only finishes when
// the reasoning made the round trip through the agent's conversation.
func TestThinkingAgentToolRoundTrip(t *testing.T) {
	const thought = "The user wants the weather; I will call the tool."
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Thinking: thought, ToolCalls: []llm.ToolCall{{ID: "toolu_1", Name: "weather", Arguments: `{"city":"Paris"}`}}},
		{Thinking: "It said sunny.", Content: "Sunny in Paris."},
	}}, "claude-sonnet-4-5", thinking(2048))
	type in struct {
		City string `json:"city"`
	}
	weather := tool.New("weather", "Gives the weather of a city.", func(_ context.Context, a in) (string, error) {
		return "sunny in " + a.City, nil
	})
	a := &agent.Agent{Role: "Forecaster", Goal: "Tell the weather.", LLM: h.client, Tools: []tool.Tool{weather}, Bus: &event.Bus{}}
	out, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "Weather in Paris?"})
	require.NoError(t, err)
	assert.Equal(t, "Sunny in Paris.", out.Raw)
	assert.NotContains(t, out.Raw, thought)
	reqs := h.srv.Requests()
	require.Len(t, reqs, 2)
	msgs := reqs[1].Request.Messages
	var sent *llm.Message
	for i := range msgs {
		if msgs[i].Role == llm.RoleAssistant {
			sent = &msgs[i]
		}
	}
	require.NotNil(t, sent, "the assistant turn was sent back")
	assert.Equal(t, []llm.Reasoning{{Text: thought, Signature: llmtest.ThinkingSignature(thought)}}, sent.Reasoning)
	assert.Equal(t, "toolu_1", sent.ToolCalls[0].ID)
	assert.Equal(t, llm.RoleTool, msgs[len(msgs)-1].Role)
	assert.Contains(t, msgs[len(msgs)-1].Content, "sunny in Paris")
	assert.Positive(t, out.Usage.ReasoningTokens)
}

// TestThinkingTraced: a traced agent run with thinking shows the reasoning
// as reasoning parts of the chat spans' output messages (and of the next
// call's input messages, where the assistant turn is sent back), never as
// the answer, and never with its signature.
func TestThinkingTraced(t *testing.T) {
	const thought = "The user wants the weather; I will call the tool."
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Thinking: thought, ToolCalls: []llm.ToolCall{{ID: "toolu_1", Name: "weather", Arguments: `{"city":"Paris"}`}}},
		{Thinking: "It said sunny.", Content: "Sunny in Paris."},
	}}, "claude-sonnet-4-5", thinking(2048))
	type in struct {
		City string `json:"city"`
	}
	weather := tool.New("weather", "Gives the weather of a city.", func(_ context.Context, a in) (string, error) {
		return "sunny in " + a.City, nil
	})
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard), tracing.WithContentCapture(true))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	a := &agent.Agent{Role: "Forecaster", Goal: "Tell the weather.", LLM: h.client, Tools: []tool.Tool{weather},
		Bus: &event.Bus{}, Tracing: true, Tracer: tr}
	_, err = a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "Weather in Paris?"})
	require.NoError(t, err)
	var outs, ins []string
	for _, s := range exp.GetSpans() {
		for _, kv := range s.Attributes {
			if strings.Contains(kv.Value.String(), llmtest.ThinkingSignature(thought)) {
				t.Errorf("span %q attribute %s carries the thinking signature", s.Name, kv.Key)
			}
			switch kv.Key {
			case "gen_ai.output.messages":
				outs = append(outs, kv.Value.AsString())
			case "gen_ai.input.messages":
				ins = append(ins, kv.Value.AsString())
			}
		}
	}
	require.Len(t, outs, 2)
	assert.Contains(t, outs[0]+outs[1], `{"type":"reasoning","content":"`+thought+`"}`)
	assert.Contains(t, outs[0]+outs[1], `{"type":"reasoning","content":"It said sunny."},{"type":"text","content":"Sunny in Paris."}`)
	assert.Contains(t, ins[0]+ins[1], `{"role":"assistant","parts":[{"type":"reasoning","content":"`+thought+`"},{"type":"tool_call"`)
}

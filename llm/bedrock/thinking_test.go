package bedrock_test

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/bedrock"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// TestThinking: with a thinking budget the request turns on Anthropic's
// extended thinking; the reasoning comes back in Response.Reasoning (not
// in Content), streamed or not, and goes back signed with the tool results.
func TestThinking(t *testing.T) {
	for _, stream := range []bool{false, true} {
		call := llm.ToolCall{ID: "tooluse_1", Name: "calc", Arguments: `{"expr":"6*7"}`}
		h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
			{Thinking: "The user wants 6*7; use the tool.", RedactedThinking: "opaque", ToolCalls: []llm.ToolCall{call}},
			{Content: "42"},
		}}, func(c *bedrock.Config) { c.ThinkingBudget = 2048 })
		req := userReq("What is 6*7?")
		temp := 0.3
		req.Temperature = &temp
		if stream {
			req.OnChunk = func(string) {}
		}
		resp, err := h.client.Generate(h.ctx(), req)
		require.NoError(t, err)
		want := []llm.Reasoning{
			{Text: "The user wants 6*7; use the tool.", Signature: llmtest.ThinkingSignature("The user wants 6*7; use the tool.")},
			{Redacted: base64.StdEncoding.EncodeToString([]byte("opaque"))},
		}
		assert.Equal(t, want, resp.Reasoning, "stream %v", stream)
		assert.Empty(t, resp.Content)
		assert.Equal(t, []llm.ToolCall{call}, resp.ToolCalls)

		first := h.srv.Requests()[0]
		assert.Contains(t, string(first.Body), `"additionalModelRequestFields":{"thinking":{"budget_tokens":2048,"type":"enabled"}}`)
		assert.Equal(t, 2048+bedrock.DefaultMaxTokens, first.MaxTokens, "maxTokens is the budget plus the answer's allowance")
		assert.Nil(t, first.Request.Temperature, "no temperature with thinking")

		req.Messages = append(req.Messages,
			llm.Message{Role: llm.RoleAssistant, ToolCalls: resp.ToolCalls, Reasoning: resp.Reasoning},
			llm.Message{Role: llm.RoleTool, ToolCallID: call.ID, Content: "42"})
		resp, err = h.client.Generate(h.ctx(), req)
		require.NoError(t, err, "the fake accepts the reasoning only with its signature")
		assert.Equal(t, "42", resp.Content)
		sent := h.srv.Requests()[1].Request.Messages[2]
		assert.Equal(t, []llm.Reasoning{want[0], {Redacted: "opaque"}}, sent.Reasoning)

		req.Messages[2].Reasoning = []llm.Reasoning{{Text: "unsigned"}}
		_, err = h.client.Generate(h.ctx(), req)
		require.ErrorIs(t, err, llm.ErrBadRequest)
		assert.Contains(t, err.Error(), "Messages[2].Reasoning[0]")
	}

	// Without thinking, the fake sends no reasoning and the client none back.
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Thinking: "hidden", Content: "hi"}}})
	resp, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.NoError(t, err)
	assert.Empty(t, resp.Reasoning)

	clearAWS(t)
	_, err = bedrock.New(bedrock.Config{Model: testModel, Region: "us-east-1", Credentials: staticCreds(), ThinkingBudget: 100})
	require.ErrorIs(t, err, llm.ErrBadRequest)
	assert.Contains(t, err.Error(), "ThinkingBudget")
}

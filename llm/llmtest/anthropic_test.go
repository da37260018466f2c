package llmtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// postAnthropic sends body to the Anthropic fake with the headers the API
// requires, minus those named in drop.
func postAnthropic(t *testing.T, url, body string, drop ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/v1/messages", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("content-type", "application/json")
	req.Header.Set("x-api-key", "k")
	req.Header.Set("anthropic-version", "2023-06-01")
	for _, h := range drop {
		req.Header.Del(h)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestAnthropicFakeRejectsWhatAnthropicRejects sends the fake requests the
// Messages API answers with 400 (or 401), and checks the error body is
// Anthropic's.
func TestAnthropicFakeRejectsWhatAnthropicRejects(t *testing.T) {
	srv := llmtest.NewAnthropicServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		return llmtest.Reply{Content: "fine"}
	}})
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	const user = `{"role":"user","content":"hi"}`
	tests := []struct {
		name, body string
		drop       []string
		status     int
		want       string
	}{
		{"valid", `{"model":"m","max_tokens":10,"messages":[` + user + `]}`, nil, 200, ""},
		{"no key", `{"model":"m","max_tokens":10,"messages":[` + user + `]}`, []string{"x-api-key"}, 401, "authentication_error"},
		{"no version header", `{"model":"m","max_tokens":10,"messages":[` + user + `]}`, []string{"anthropic-version"}, 400, "anthropic-version"},
		{"no model", `{"max_tokens":10,"messages":[` + user + `]}`, nil, 400, "model: Field required"},
		{"no max_tokens", `{"model":"m","messages":[` + user + `]}`, nil, 400, "max_tokens: Field required"},
		{"no messages", `{"model":"m","max_tokens":10,"messages":[]}`, nil, 400, "at least one message"},
		{"unknown field", `{"model":"m","max_tokens":10,"messages":[` + user + `],"frequency_penalty":1}`, nil, 400, "Extra inputs"},
		{"system role", `{"model":"m","max_tokens":10,"messages":[{"role":"system","content":"x"}]}`, nil, 400, "'user' or 'assistant'"},
		{"empty string content", `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":""}]}`, nil, 400, "non-empty content"},
		{"empty text block", `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":""}]}]}`, nil, 400, "text content blocks must be non-empty"},
		{"unanswered tool_use", `{"model":"m","max_tokens":10,"messages":[` + user + `,{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},` + user + `]}`, nil, 400, "without `tool_result`"},
		{"result without call", `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t9","content":"x"}]}]}`, nil, 400, "corresponding `tool_use`"},
		{"empty tool result text", `{"model":"m","max_tokens":10,"messages":[` + user + `,{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":""}]}]}]}`, nil, 400, "non-empty"},
		{"tool result without content", `{"model":"m","max_tokens":10,"messages":[` + user + `,{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1"}]}]}`, nil, 200, ""},
		{"bad tool name", `{"model":"m","max_tokens":10,"messages":[` + user + `],"tools":[{"name":"a b","input_schema":{"type":"object"}}]}`, nil, 400, "tools.0.name"},
		{"tool schema not object", `{"model":"m","max_tokens":10,"messages":[` + user + `],"tools":[{"name":"f","input_schema":{"type":"array"}}]}`, nil, 400, "input_schema.type"},
		{"not JSON", `{"model":`, nil, 400, "not valid JSON"},
	}
	for _, tt := range tests {
		status, body := postAnthropic(t, srv.URL(), tt.body, tt.drop...)
		assert.Equal(t, tt.status, status, tt.name)
		if tt.status == 200 {
			assert.Contains(t, body, `"type":"message"`, tt.name)
			continue
		}
		var e struct {
			Type  string
			Error struct{ Type, Message string }
		}
		require.NoError(t, json.Unmarshal([]byte(body), &e), tt.name)
		assert.Equal(t, "error", e.Type, tt.name)
		assert.Contains(t, e.Error.Type+" "+e.Error.Message, tt.want, tt.name)
	}
}

// TestAnthropicFakeThroughSDK parses the fake's replies and errors with the
// official SDK: every required field of a message is present, a streamed
// reply accumulates to the same message, and an error is an *sdk.Error with
// Anthropic's type.
func TestAnthropicFakeThroughSDK(t *testing.T) {
	usage := llm.Usage{PromptTokens: 100, CachedPromptTokens: 60, CacheWriteTokens: 20, CompletionTokens: 9, ReasoningTokens: 3}
	srv := llmtest.NewAnthropicServer(llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Content: "hello", ToolCalls: []llm.ToolCall{{ID: "toolu_1", Name: "f", Arguments: `{"a":1}`}}, Usage: usage},
		{Content: "hello", ToolCalls: []llm.ToolCall{{ID: "toolu_1", Name: "f", Arguments: `{"a":1}`}}, Usage: usage},
		{Fault: llmtest.FaultUnavailable},
	}})
	defer srv.Close()
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	c := sdk.NewClient(option.WithoutEnvironmentDefaults(), option.WithAPIKey("k"), option.WithBaseURL(srv.URL()),
		option.WithHTTPClient(hc), option.WithMaxRetries(0), option.WithoutOpenTelemetry())
	params := sdk.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 100,
		Messages: []sdk.MessageParam{sdk.NewUserMessage(sdk.NewTextBlock("hi"))}}
	msg, err := c.Messages.New(context.Background(), params)
	require.NoError(t, err)
	for name, f := range map[string]bool{"id": msg.JSON.ID.Valid(), "content": msg.JSON.Content.Valid(),
		"model": msg.JSON.Model.Valid(), "role": msg.JSON.Role.Valid(), "stop_reason": msg.JSON.StopReason.Valid(),
		"type": msg.JSON.Type.Valid(), "usage": msg.JSON.Usage.Valid(),
		"usage.input_tokens": msg.Usage.JSON.InputTokens.Valid(), "usage.output_tokens": msg.Usage.JSON.OutputTokens.Valid()} {
		assert.True(t, f, "field %s", name)
	}
	assert.Equal(t, sdk.StopReasonToolUse, msg.StopReason)
	require.Len(t, msg.Content, 2)
	assert.Equal(t, "hello", msg.Content[0].Text)
	assert.Equal(t, "toolu_1", msg.Content[1].ID)
	assert.JSONEq(t, `{"a":1}`, string(msg.Content[1].Input))
	assert.Equal(t, int64(20), msg.Usage.InputTokens, "input_tokens excludes cache reads and writes")
	assert.Equal(t, int64(60), msg.Usage.CacheReadInputTokens)
	assert.Equal(t, int64(20), msg.Usage.CacheCreationInputTokens)
	assert.Equal(t, int64(3), msg.Usage.OutputTokensDetails.ThinkingTokens)

	st := c.Messages.NewStreaming(context.Background(), params)
	var acc sdk.Message
	for st.Next() {
		require.NoError(t, acc.Accumulate(st.Current()))
	}
	require.NoError(t, st.Err())
	require.NoError(t, st.Close())
	assert.Equal(t, msg.StopReason, acc.StopReason)
	require.Len(t, acc.Content, 2)
	assert.Equal(t, "hello", acc.Content[0].Text)
	assert.JSONEq(t, `{"a":1}`, string(acc.Content[1].Input))
	assert.Equal(t, msg.Usage.OutputTokens, acc.Usage.OutputTokens)
	assert.Equal(t, msg.Usage.CacheReadInputTokens, acc.Usage.CacheReadInputTokens)

	_, err = c.Messages.New(context.Background(), params)
	var apiErr *sdk.Error
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, 529, apiErr.StatusCode)
	assert.Equal(t, "overloaded_error", string(apiErr.Type()))
	assert.Contains(t, apiErr.Message, "Overloaded")
}

package llmtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
		{"thinking budget below 1024", `{"model":"m","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":1000},"messages":[` + user + `]}`, nil, 400, "budget_tokens: Input should be greater than or equal to 1024"},
		{"thinking budget not below max_tokens", `{"model":"m","max_tokens":2048,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[` + user + `]}`, nil, 400, "`max_tokens` must be greater than `thinking.budget_tokens`"},
		{"thinking without budget", `{"model":"m","max_tokens":4096,"thinking":{"type":"enabled"},"messages":[` + user + `]}`, nil, 400, "budget_tokens: Field required"},
		{"thinking of unknown type", `{"model":"m","max_tokens":4096,"thinking":{"type":"deep"},"messages":[` + user + `]}`, nil, 400, "'adaptive', 'disabled', 'enabled'"},
		{"thinking with temperature", `{"model":"m","max_tokens":4096,"temperature":0.2,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[` + user + `]}`, nil, 400, "`temperature` may only be set to 1"},
		{"thinking with temperature 1", `{"model":"m","max_tokens":4096,"temperature":1,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[` + user + `]}`, nil, 200, ""},
		{"thinking with top_k", `{"model":"m","max_tokens":4096,"top_k":5,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[` + user + `]}`, nil, 400, "`top_k` must be unset"},
		{"thinking with forced tool", `{"model":"m","max_tokens":4096,"tool_choice":{"type":"any"},"thinking":{"type":"enabled","budget_tokens":1024},"messages":[` + user + `]}`, nil, 400, "tool_choice forces tool use"},
		{"thinking disabled", `{"model":"m","max_tokens":10,"thinking":{"type":"disabled"},"messages":[` + user + `]}`, nil, 200, ""},
		{"tool result after a turn without thinking", `{"model":"m","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[` + user + `,{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"r"}]}]}`, nil, 400, "Expected `thinking` or `redacted_thinking`, but found `tool_use`"},
		{"tool result after a turn with thinking", `{"model":"m","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[` + user + `,{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"` + llmtest.ThinkingSignature("t") + `"},{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"r"}]}]}`, nil, 200, ""},
		{"tool result after a turn with redacted thinking", `{"model":"m","max_tokens":4096,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[` + user + `,{"role":"assistant","content":[{"type":"redacted_thinking","data":"xyz"},{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"r"}]}]}`, nil, 200, ""},
		{"tool result without thinking, thinking off", `{"model":"m","max_tokens":10,"messages":[` + user + `,{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"r"}]}]}`, nil, 200, ""},
		{"thinking with a forged signature", `{"model":"m","max_tokens":10,"messages":[` + user + `,{"role":"assistant","content":[{"type":"thinking","thinking":"t2","signature":"` + llmtest.ThinkingSignature("t") + `"},{"type":"text","text":"a"}]},` + user + `]}`, nil, 400, "Invalid `signature` in `thinking` block"},
		{"thinking without signature", `{"model":"m","max_tokens":10,"messages":[` + user + `,{"role":"assistant","content":[{"type":"thinking","thinking":"t"},{"type":"text","text":"a"}]},` + user + `]}`, nil, 400, "signature: Field required"},
		{"redacted thinking without data", `{"model":"m","max_tokens":10,"messages":[` + user + `,{"role":"assistant","content":[{"type":"redacted_thinking"},{"type":"text","text":"a"}]},` + user + `]}`, nil, 400, "data: Field required"},
		{"thinking in a user turn", `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"thinking","thinking":"t","signature":"` + llmtest.ThinkingSignature("t") + `"},{"type":"text","text":"a"}]}]}`, nil, 400, "only allowed in assistant messages"},
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

// TestAnthropicFakeThinkingThroughSDK parses the fake's thinking replies
// with the official SDK, whole and streamed (thinking_delta and
// signature_delta events): the thinking and redacted_thinking blocks come
// first, with the signature the fake checks when they are sent back; a
// request without the thinking parameter gets none.
func TestAnthropicFakeThinkingThroughSDK(t *testing.T) {
	const thought = "Two and two make four."
	reply := llmtest.Reply{Thinking: thought, RedactedThinking: "EqQBCgIYAhIM", Content: "4",
		ToolCalls: []llm.ToolCall{{ID: "toolu_1", Name: "check", Arguments: `{"n":4}`}},
		Usage:     llm.Usage{PromptTokens: 10, CompletionTokens: 30, ReasoningTokens: 20}}
	srv := llmtest.NewAnthropicServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return reply }})
	defer srv.Close()
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	c := sdk.NewClient(option.WithoutEnvironmentDefaults(), option.WithAPIKey("k"), option.WithBaseURL(srv.URL()),
		option.WithHTTPClient(hc), option.WithMaxRetries(0), option.WithoutOpenTelemetry())
	params := sdk.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 4096,
		Thinking: sdk.ThinkingConfigParamOfEnabled(2048),
		Messages: []sdk.MessageParam{sdk.NewUserMessage(sdk.NewTextBlock("2+2?"))}}
	check := func(what string, msg *sdk.Message) {
		require.Len(t, msg.Content, 4, what)
		th := msg.Content[0]
		assert.Equal(t, "thinking", th.Type, what)
		assert.Equal(t, thought, th.Thinking, what)
		assert.Equal(t, llmtest.ThinkingSignature(thought), th.Signature, what)
		assert.IsType(t, sdk.ThinkingBlock{}, th.AsAny(), what)
		assert.Equal(t, "redacted_thinking", msg.Content[1].Type, what)
		assert.Equal(t, "EqQBCgIYAhIM", msg.Content[1].Data, what)
		assert.IsType(t, sdk.RedactedThinkingBlock{}, msg.Content[1].AsAny(), what)
		assert.Equal(t, "4", msg.Content[2].Text, what)
		assert.Equal(t, "toolu_1", msg.Content[3].ID, what)
		assert.Equal(t, int64(20), msg.Usage.OutputTokensDetails.ThinkingTokens, what)
	}
	msg, err := c.Messages.New(context.Background(), params)
	require.NoError(t, err)
	check("whole", msg)

	st := c.Messages.NewStreaming(context.Background(), params)
	var acc sdk.Message
	var deltas []string
	for st.Next() {
		ev := st.Current()
		require.NoError(t, acc.Accumulate(ev))
		if ev.Type == "content_block_delta" {
			deltas = append(deltas, ev.Delta.Type)
		}
	}
	require.NoError(t, st.Err())
	require.NoError(t, st.Close())
	check("streamed", &acc)
	assert.Contains(t, deltas, "thinking_delta")
	assert.Contains(t, deltas, "signature_delta")

	// The blocks go back through the SDK as they came, with the tool result.
	back := params
	back.Messages = append(back.Messages, msg.ToParam(),
		sdk.NewUserMessage(sdk.NewToolResultBlock("toolu_1", "yes", false)))
	_, err = c.Messages.New(context.Background(), back)
	require.NoError(t, err)

	params.Thinking = sdk.ThinkingConfigParamUnion{}
	msg, err = c.Messages.New(context.Background(), params)
	require.NoError(t, err)
	require.Len(t, msg.Content, 2, "no thinking blocks without the parameter")
	assert.Equal(t, "text", msg.Content[0].Type)
}

// TestAnthropicFakeErrorsThroughSDK: every error the fake sends (each
// fault, and a request Anthropic rejects) is an *sdk.Error the official
// SDK reads with Anthropic's status, error type, message and request ID,
// whole or streamed; a 429's Retry-After reaches the SDK's response.
func TestAnthropicFakeErrorsThroughSDK(t *testing.T) {
	tests := []struct {
		name   string
		reply  llmtest.Reply
		edit   func(*sdk.MessageNewParams)
		status int
		typ    string
		msg    string
	}{
		{name: "rate limit", reply: llmtest.Reply{Fault: llmtest.FaultRateLimit, RetryAfter: "7"}, status: 429, typ: "rate_limit_error", msg: "rate limit"},
		{name: "server error", reply: llmtest.Reply{Fault: llmtest.FaultServerError}, status: 500, typ: "api_error", msg: "server had an error"},
		{name: "overloaded", reply: llmtest.Reply{Fault: llmtest.FaultUnavailable}, status: 529, typ: "overloaded_error", msg: "Overloaded"},
		{name: "prompt too long", reply: llmtest.Reply{Fault: llmtest.FaultContextLength}, status: 400, typ: "invalid_request_error", msg: "prompt is too long"},
		{name: "bad key", reply: llmtest.Reply{Fault: llmtest.FaultUnauthorized}, status: 401, typ: "authentication_error", msg: "not valid"},
		{name: "bad request", reply: llmtest.Reply{Fault: llmtest.FaultBadRequest}, status: 400, typ: "invalid_request_error", msg: "invalid"},
		{name: "forbidden", reply: llmtest.Reply{Fault: llmtest.FaultStatus, Status: 403, Message: "no access"}, status: 403, typ: "permission_error", msg: "no access"},
		{name: "too large", reply: llmtest.Reply{Fault: llmtest.FaultStatus, Status: 413}, status: 413, typ: "request_too_large", msg: "413"},
		{name: "rejected: thinking budget", reply: llmtest.Reply{Content: "never"}, status: 400, typ: "invalid_request_error",
			edit: func(p *sdk.MessageNewParams) { p.Thinking = sdk.ThinkingConfigParamOfEnabled(512) }, msg: "greater than or equal to 1024"},
		{name: "rejected: unanswered tool use", reply: llmtest.Reply{Content: "never"}, status: 400, typ: "invalid_request_error",
			edit: func(p *sdk.MessageNewParams) {
				p.Messages = append(p.Messages, sdk.NewAssistantMessage(sdk.NewToolUseBlock("toolu_1", map[string]any{}, "f")),
					sdk.NewUserMessage(sdk.NewTextBlock("and?")))
			}, msg: "without `tool_result`"},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s stream=%t", tt.name, stream), func(t *testing.T) {
				srv := llmtest.NewAnthropicServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return tt.reply }})
				defer srv.Close()
				hc := &http.Client{}
				defer hc.CloseIdleConnections()
				c := sdk.NewClient(option.WithoutEnvironmentDefaults(), option.WithAPIKey("k"), option.WithBaseURL(srv.URL()),
					option.WithHTTPClient(hc), option.WithMaxRetries(0), option.WithoutOpenTelemetry())
				params := sdk.MessageNewParams{Model: "claude-sonnet-4-5", MaxTokens: 100,
					Messages: []sdk.MessageParam{sdk.NewUserMessage(sdk.NewTextBlock("hi"))}}
				if tt.edit != nil {
					tt.edit(&params)
				}
				var err error
				if stream {
					st := c.Messages.NewStreaming(context.Background(), params)
					for st.Next() {
					}
					err = st.Err()
					_ = st.Close()
				} else {
					_, err = c.Messages.New(context.Background(), params)
				}
				var apiErr *sdk.Error
				require.True(t, errors.As(err, &apiErr), "%v", err)
				assert.Equal(t, tt.status, apiErr.StatusCode)
				assert.Equal(t, tt.typ, string(apiErr.Type()))
				assert.Contains(t, apiErr.Message, tt.msg)
				assert.Equal(t, "req_llmtest", apiErr.RequestID)
				if tt.reply.RetryAfter != "" {
					assert.Equal(t, tt.reply.RetryAfter, apiErr.Response.Header.Get("Retry-After"))
				}
			})
		}
	}
}

package anthropic_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/anthropic"
	"github.com/crewai-go/crewai/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "sk-ant-test-DO-NOT-LEAK-0123456789"

type harness struct {
	srv    *llmtest.Server
	client *anthropic.Client

	mu     sync.Mutex
	sleeps []time.Duration
	events []event.Event
}

func newHarness(t *testing.T, cfg llmtest.ServerConfig, model string, edit ...func(*anthropic.Config)) *harness {
	t.Helper()
	t.Setenv("ANTHROPIC_API_KEY", "")
	t.Setenv("ANTHROPIC_BASE_URL", "")
	h := &harness{srv: llmtest.NewAnthropicServer(cfg)}
	t.Cleanup(h.srv.Close)
	c := anthropic.Config{Model: model, APIKey: testKey, BaseURL: h.srv.URL(),
		Retry: llm.RetryPolicy{BackoffBase: 10 * time.Millisecond, BackoffMax: 80 * time.Millisecond,
			Sleep: func(ctx context.Context, d time.Duration) error {
				h.mu.Lock()
				h.sleeps = append(h.sleeps, d)
				h.mu.Unlock()
				return ctx.Err()
			}}}
	for _, e := range edit {
		e(&c)
	}
	var err error
	h.client, err = anthropic.New(c)
	require.NoError(t, err)
	t.Cleanup(h.client.CloseIdleConnections)
	return h
}

func (h *harness) ctx() context.Context {
	return event.WithHandler(context.Background(), event.HandlerFunc(func(e event.Event) {
		h.mu.Lock()
		h.events = append(h.events, e)
		h.mu.Unlock()
	}))
}

func (h *harness) retries() []*event.Retry {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*event.Retry
	for _, e := range h.events {
		if r, ok := e.(*event.Retry); ok {
			out = append(out, r)
		}
	}
	return out
}

func (h *harness) rateWaits() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if _, ok := e.(*event.RateLimitWait); ok {
			n++
		}
	}
	return n
}

func userReq(text string) *llm.Request {
	return &llm.Request{Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: "You are terse."},
		{Role: llm.RoleUser, Content: text},
	}}
}

func TestPlainReply(t *testing.T) {
	usage := llm.Usage{PromptTokens: 1200, CachedPromptTokens: 800, CacheWriteTokens: 300, CompletionTokens: 30,
		ReasoningTokens: 12, TotalTokens: 1230}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "Paris.", Usage: usage}}}, "claude-sonnet-4-5",
		func(c *anthropic.Config) { c.PromptCaching = true })
	req := userReq("Capital of France?")
	req.Stop = []string{"\nObservation:"}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, "Paris.", resp.Content)
	assert.Equal(t, "stop", resp.FinishReason)
	assert.Equal(t, "claude-sonnet-4-5", resp.Model)
	assert.Equal(t, "msg_llmtest_1", resp.ID)
	want := usage
	want.Requests = 1
	assert.Equal(t, want, resp.Usage)

	r := h.srv.Requests()[0]
	assert.Equal(t, "/v1/messages", r.Path)
	assert.Equal(t, "claude-sonnet-4-5", r.Model)
	assert.Equal(t, anthropic.DefaultMaxTokens, r.MaxTokens)
	assert.Equal(t, []llm.Message{{Role: llm.RoleSystem, Content: "You are terse."}, {Role: llm.RoleUser, Content: "Capital of France?"}},
		r.Request.Messages)
	assert.Equal(t, []string{"\nObservation:"}, r.Request.Stop)
	assert.Contains(t, string(r.Body), `"cache_control":{"type":"ephemeral"}`)
	assert.Empty(t, h.retries())
	info := h.client.Info()
	assert.Equal(t, "anthropic", info.Provider)
	assert.Equal(t, "127.0.0.1", info.ServerAddress)
}

func TestToolCalls(t *testing.T) {
	calls := []llm.ToolCall{
		{ID: "toolu_a", Name: "search", Arguments: `{"query":"Go generics"}`},
		{ID: "toolu_b", Name: "weather", Arguments: `{"city":"Zürich","unit":"c"}`},
	}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{ToolCalls: calls}, {Content: "done"}}}, "claude-sonnet-4-5")
	schema := json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"],"additionalProperties":false}`)
	req := userReq("look it up")
	req.Tools = []llm.ToolDef{
		{Name: "search", Description: "Search the web", Parameters: schema},
		{Name: "weather", Description: "Weather now"},
	}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, calls, resp.ToolCalls)
	assert.Equal(t, "tool_calls", resp.FinishReason)
	assert.Empty(t, resp.Content)

	// Both results go back in one user turn; an empty result is sent
	// without content, which Anthropic accepts (an empty text block it
	// rejects).
	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, ToolCalls: resp.ToolCalls},
		llm.Message{Role: llm.RoleTool, ToolCallID: "toolu_a", Name: "search", Content: "result A"},
		llm.Message{Role: llm.RoleTool, ToolCallID: "toolu_b", Name: "weather", Content: ""})
	resp, err = h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, "done", resp.Content)

	reqs := h.srv.Requests()
	require.Len(t, reqs, 2)
	tools := reqs[0].Request.Tools
	require.Len(t, tools, 2)
	assert.JSONEq(t, string(schema), string(tools[0].Parameters))
	assert.JSONEq(t, `{"type":"object","properties":{}}`, string(tools[1].Parameters))
	msgs := reqs[1].Request.Messages
	require.Len(t, msgs, 5)
	assert.Equal(t, calls, msgs[2].ToolCalls)
	assert.Equal(t, llm.Message{Role: llm.RoleTool, ToolCallID: "toolu_a", Content: "result A"}, msgs[3])
	assert.Equal(t, llm.Message{Role: llm.RoleTool, ToolCallID: "toolu_b"}, msgs[4])
	var body struct {
		Messages []struct {
			Role    string
			Content []map[string]any
		}
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	require.Len(t, body.Messages, 3, "user, assistant, and one user turn with both results")
	assert.Equal(t, "user", body.Messages[2].Role)
	require.Len(t, body.Messages[2].Content, 2)
	assert.NotContains(t, body.Messages[2].Content[1], "content", "an empty result has no content")
}

func TestJSONSchemaReply(t *testing.T) {
	schema := `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: `{"city":"Paris"}`}}}, "claude-sonnet-4-5")
	req := userReq("Largest French city?")
	req.ResponseFormat = &llm.ResponseFormat{Name: "city", Schema: json.RawMessage(schema), Strict: true}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.JSONEq(t, `{"city":"Paris"}`, resp.Content)
	rf := h.srv.Requests()[0].Request.ResponseFormat
	require.NotNil(t, rf, "the request carried no output_config.format")
	assert.JSONEq(t, schema, string(rf.Schema))
}

func TestStreamWithUsage(t *testing.T) {
	usage := llm.Usage{PromptTokens: 50, CachedPromptTokens: 10, CacheWriteTokens: 5, CompletionTokens: 7, TotalTokens: 57}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Chunks: []string{"The ", "answer ", "is ", "42", "."}, Usage: usage},
		{Content: "Let me check.", ToolCalls: []llm.ToolCall{
			{Name: "calc", Arguments: `{"expr":"6*7","note":"héllo wörld"}`},
			{Name: "search", Arguments: `{"q":"meaning of life"}`}}},
	}}, "claude-haiku-4-5")
	var chunks []string
	req := userReq("What is it?")
	req.OnChunk = func(s string) { chunks = append(chunks, s) }
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, []string{"The ", "answer ", "is ", "42", "."}, chunks)
	assert.Equal(t, "The answer is 42.", resp.Content)
	assert.Equal(t, "stop", resp.FinishReason)
	want := usage
	want.Requests = 1
	assert.Equal(t, want, resp.Usage)
	assert.True(t, h.srv.Requests()[0].Stream)

	chunks = nil
	resp, err = h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, []string{"Let ", "me ", "check."}, chunks)
	assert.Equal(t, []llm.ToolCall{
		{ID: "call_1", Name: "calc", Arguments: `{"expr":"6*7","note":"héllo wörld"}`},
		{ID: "call_2", Name: "search", Arguments: `{"q":"meaning of life"}`}}, resp.ToolCalls)
	assert.Equal(t, "tool_calls", resp.FinishReason)
}

func TestFaults(t *testing.T) {
	ok := llmtest.Reply{Content: "recovered"}
	rep := func(r llmtest.Reply, n int) []llmtest.Reply {
		out := make([]llmtest.Reply, n)
		for i := range out {
			out[i] = r
		}
		return out
	}
	f := func(fault llmtest.Fault) llmtest.Reply { return llmtest.Reply{Fault: fault} }
	tests := []struct {
		name      string
		replies   []llmtest.Reply
		stream    bool
		kind      error
		status    string
		message   string
		requests  int
		rateWaits int
	}{
		{name: "429 then ok", replies: []llmtest.Reply{f(llmtest.FaultRateLimit), ok}, requests: 2, rateWaits: 1},
		{name: "429 until attempts run out", replies: rep(f(llmtest.FaultRateLimit), 4), kind: llm.ErrRateLimit,
			status: "status 429", message: "rate limit reached", requests: 4, rateWaits: 3},
		{name: "500 then ok", replies: []llmtest.Reply{f(llmtest.FaultServerError), ok}, requests: 2},
		{name: "529 overloaded twice then ok", replies: []llmtest.Reply{f(llmtest.FaultUnavailable), f(llmtest.FaultUnavailable), ok}, requests: 3},
		{name: "529 until attempts run out", replies: rep(f(llmtest.FaultUnavailable), 4), kind: llm.ErrServer,
			status: "status 529", message: "Overloaded", requests: 4},
		{name: "context length fails fast", replies: []llmtest.Reply{f(llmtest.FaultContextLength), ok}, kind: llm.ErrContextWindow,
			status: "status 400", message: "prompt is too long", requests: 1},
		{name: "401 fails fast", replies: []llmtest.Reply{f(llmtest.FaultUnauthorized), ok}, kind: llm.ErrAuth,
			status: "status 401", requests: 1},
		{name: "403 fails fast", replies: []llmtest.Reply{{Fault: llmtest.FaultStatus, Status: 403, Message: "no access to model"}, ok},
			kind: llm.ErrAuth, status: "status 403", message: "no access to model", requests: 1},
		{name: "400 fails fast", replies: []llmtest.Reply{f(llmtest.FaultBadRequest), ok}, kind: llm.ErrBadRequest,
			status: "status 400", message: "request is invalid", requests: 1},
		{name: "reset then ok", replies: []llmtest.Reply{f(llmtest.FaultReset), ok}, requests: 2},
		{name: "reset until attempts run out", replies: rep(f(llmtest.FaultReset), 4), kind: llm.ErrTransport, requests: 4},
		{name: "malformed JSON then ok", replies: []llmtest.Reply{f(llmtest.FaultMalformedJSON), ok}, requests: 2},
		{name: "truncated body then ok", replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "a long answer"}, ok}, requests: 2},
		{name: "empty reply", replies: []llmtest.Reply{f(llmtest.FaultEmptyChoices), ok}, kind: llm.ErrEmptyResponse, requests: 1},
		{name: "stream: 429 then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultRateLimit), ok}, requests: 2, rateWaits: 1},
		{name: "stream: 529 then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultUnavailable), ok}, requests: 2},
		{name: "stream: reset then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultReset), ok}, requests: 2},
		{name: "stream: malformed JSON then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultMalformedJSON), ok}, requests: 2},
		{name: "stream: truncated before any text is retried", stream: true,
			replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "word"}, ok}, requests: 2},
		{name: "stream: truncated after text fails", stream: true,
			replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "one two three four"}, ok}, kind: llm.ErrTransport, requests: 1},
		{name: "stream: empty reply", stream: true, replies: []llmtest.Reply{f(llmtest.FaultEmptyChoices), ok}, kind: llm.ErrEmptyResponse, requests: 1},
		{name: "stream: context length", stream: true, replies: []llmtest.Reply{f(llmtest.FaultContextLength)},
			kind: llm.ErrContextWindow, status: "status 400", requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{Replies: tt.replies}, "claude-sonnet-4-5")
			req := userReq("hi")
			var text strings.Builder
			if tt.stream {
				req.OnChunk = func(s string) { text.WriteString(s) }
			}
			resp, err := h.client.Generate(h.ctx(), req)
			assert.Equal(t, tt.requests, h.srv.Count(), "requests received")
			assert.Equal(t, tt.rateWaits, h.rateWaits(), "rate-limit waits")
			retries := h.retries()
			assert.Len(t, h.sleeps, len(retries), "one Retry event per wait")
			for i, r := range retries {
				assert.Equal(t, "chat claude-sonnet-4-5", r.Operation)
				assert.Equal(t, i+1, r.Attempt)
			}
			if tt.kind == nil {
				require.NoError(t, err)
				assert.Equal(t, "recovered", resp.Content)
				assert.Len(t, retries, tt.requests-1)
				if tt.stream {
					assert.Equal(t, "recovered", text.String())
				}
				return
			}
			require.Error(t, err)
			assert.Nil(t, resp)
			assert.ErrorIs(t, err, tt.kind)
			var le *llm.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, tt.requests, le.Attempts)
			assert.Equal(t, "anthropic", le.Provider)
			msg := err.Error()
			assert.Contains(t, msg, `model "claude-sonnet-4-5"`)
			assert.Contains(t, msg, tt.status)
			assert.Contains(t, msg, tt.message)
			assert.NotContains(t, msg, testKey)
		})
	}
}

func TestRetryAfter(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "7"}, {Content: "ok"}}}, "claude-sonnet-4-5")
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.NoError(t, err)
	require.Len(t, h.retries(), 1)
	assert.Equal(t, 7*time.Second, h.retries()[0].Wait)

	h = newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "3600"}, {Content: "ok"}}}, "claude-sonnet-4-5")
	_, err = h.client.Generate(h.ctx(), userReq("hi"))
	require.ErrorIs(t, err, llm.ErrRateLimit)
	assert.Contains(t, err.Error(), "MaxWait")
	assert.Equal(t, 1, h.srv.Count())
}

func TestCancelDuringHang(t *testing.T) {
	arrived := make(chan struct{}, 1)
	h := newHarness(t, llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		arrived <- struct{}{}
		return llmtest.Reply{Fault: llmtest.FaultHang}
	}}, "claude-sonnet-4-5")
	ctx, cancel := context.WithCancel(h.ctx())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := h.client.Generate(ctx, userReq("hi"))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, llm.ErrTransport)
	assert.Equal(t, 1, h.srv.Count())
}

type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("countingTransport: no request should be sent")
}

func TestConfiguration(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "")
	t.Setenv("ANTHROPIC_BASE_URL", "")
	rt := &countingTransport{}
	c, err := anthropic.New(anthropic.Config{Model: "claude-sonnet-4-5", HTTPClient: &http.Client{Transport: rt}})
	require.ErrorIs(t, err, llm.ErrAuth)
	assert.Contains(t, err.Error(), "ANTHROPIC_API_KEY")
	_, err = c.Generate(context.Background(), userReq("hi"))
	assert.ErrorIs(t, err, llm.ErrAuth)
	assert.Equal(t, int32(0), rt.n.Load())
	assert.Equal(t, "api.anthropic.com", c.Info().ServerAddress)

	t.Setenv("ANTHROPIC_API_KEY", testKey)
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
	c, err = anthropic.New(anthropic.Config{Model: "claude-sonnet-4-5", HTTPClient: &http.Client{Transport: rt},
		Retry: llm.RetryPolicy{MaxAttempts: 1}})
	require.NoError(t, err)
	assert.Equal(t, 1, c.Info().ServerPort)
	_, err = c.Generate(context.Background(), userReq("hi"))
	assert.ErrorIs(t, err, llm.ErrTransport)
	assert.Equal(t, int32(1), rt.n.Load())
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%#v", c), fmt.Sprint(anthropic.Config{APIKey: testKey}),
		fmt.Sprintf("%#v", anthropic.Config{APIKey: testKey})} {
		assert.NotContains(t, s, testKey)
	}

	_, err = anthropic.New(anthropic.Config{APIKey: testKey})
	assert.ErrorIs(t, err, llm.ErrBadRequest)
	assert.Contains(t, err.Error(), "Config.Model")
	_, err = anthropic.New(anthropic.Config{Model: "m", APIKey: testKey, BaseURL: "ftp://x"})
	assert.Contains(t, err.Error(), "ANTHROPIC_BASE_URL")
	_, err = anthropic.New(anthropic.Config{Model: "m", APIKey: testKey, Retry: llm.RetryPolicy{MaxAttempts: -1}})
	assert.Contains(t, err.Error(), "MaxAttempts")
}

func TestKeyNeverShown(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultUnauthorized,
		Message: "invalid x-api-key " + testKey}}}, "claude-sonnet-4-5")
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.ErrorIs(t, err, llm.ErrAuth)
	assert.NotContains(t, err.Error(), testKey)
	assert.Contains(t, err.Error(), "[REDACTED]")
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		assert.NotContains(t, e.Error(), testKey)
	}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "x"}}}, "claude-sonnet-4-5")
	tests := []struct {
		name string
		req  *llm.Request
		want string
	}{
		{"nil", nil, "nil"},
		{"no messages", &llm.Request{}, "Messages is empty"},
		{"only system", &llm.Request{Messages: []llm.Message{{Role: llm.RoleSystem, Content: "s"}}}, "only system"},
		{"bad role", &llm.Request{Messages: []llm.Message{{Role: "boss", Content: "s"}}}, `"boss"`},
		{"empty user", &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser}}}, "empty content"},
		{"tool without id", &llm.Request{Messages: []llm.Message{{Role: llm.RoleTool, Content: "r"}}}, "ToolCallID"},
		{"tool without name", &llm.Request{Messages: userReq("x").Messages, Tools: []llm.ToolDef{{}}}, "Tools[0].Name"},
		{"array schema", &llm.Request{Messages: userReq("x").Messages, Tools: []llm.ToolDef{{Name: "t", Parameters: json.RawMessage(`{"type":"array"}`)}}}, "object schemas"},
		{"bad format", &llm.Request{Messages: userReq("x").Messages, ResponseFormat: &llm.ResponseFormat{}}, "ResponseFormat.Schema"},
		{"negative max", &llm.Request{Messages: userReq("x").Messages, MaxTokens: -1}, "MaxTokens"},
	}
	for _, tt := range tests {
		_, err := h.client.Generate(h.ctx(), tt.req)
		require.ErrorIs(t, err, llm.ErrBadRequest, tt.name)
		assert.Contains(t, err.Error(), tt.want, tt.name)
	}
	assert.Equal(t, 0, h.srv.Count(), "no bad request reaches the server")
}

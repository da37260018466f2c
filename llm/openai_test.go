package llm_test

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

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

const testKey = "sk-test-DO-NOT-LEAK-0123456789abcdef"

// harness is a fake server, a client pointed at it whose backoff sleeps are
// recorded instead of spent, and the events of the calls.
type harness struct {
	srv    *llmtest.Server
	client *llm.Client

	mu     sync.Mutex
	sleeps []time.Duration
	events []event.Event
}

// newHarness starts a fake server and a client of it for lc, whose BaseURL
// and APIKey it sets, and BackoffBase and BackoffMax if lc has none.
func newHarness(t *testing.T, cfg llmtest.ServerConfig, lc llm.Config) *harness {
	t.Helper()
	clearEnv(t)
	h := &harness{srv: llmtest.NewServer(cfg)}
	t.Cleanup(h.srv.Close)
	lc.BaseURL, lc.APIKey = h.srv.URL(), testKey
	if lc.BackoffBase == 0 && lc.BackoffMax == 0 {
		lc.BackoffBase, lc.BackoffMax = 10*time.Millisecond, 80*time.Millisecond
	}
	var err error
	h.client, err = llm.New(lc)
	require.NoError(t, err)
	t.Cleanup(h.client.CloseIdleConnections)
	llm.SetSleep(h.client, func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.sleeps = append(h.sleeps, d)
		h.mu.Unlock()
		return ctx.Err()
	})
	return h
}

// ctx returns a context whose events are collected by h.
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

func (h *harness) rateWaits() []*event.RateLimitWait {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*event.RateLimitWait
	for _, e := range h.events {
		if r, ok := e.(*event.RateLimitWait); ok {
			out = append(out, r)
		}
	}
	return out
}

func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_ORG_ID",
		"AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION"} {
		t.Setenv(k, "")
	}
}

func userReq(text string) *llm.Request {
	return &llm.Request{Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: "You are terse."},
		{Role: llm.RoleUser, Content: text},
	}}
}

func TestPlainReply(t *testing.T) {
	usage := llm.Usage{PromptTokens: 120, CachedPromptTokens: 64, CompletionTokens: 30, ReasoningTokens: 12, TotalTokens: 150}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "Paris.", Usage: usage}}}, llm.Config{Model: "gpt-4o-mini", Organization: "org-42"})
	resp, err := h.client.Generate(h.ctx(), userReq("Capital of France?"))
	require.NoError(t, err)
	assert.Equal(t, "Paris.", resp.Content)
	assert.Equal(t, "stop", resp.FinishReason)
	assert.Equal(t, "gpt-4o-mini", resp.Model)
	assert.Equal(t, "chatcmpl-llmtest-1", resp.ID)
	assert.Empty(t, resp.ToolCalls)
	want := usage
	want.Requests = 1
	assert.Equal(t, want, resp.Usage)

	reqs := h.srv.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/v1/chat/completions", r.Path)
	assert.True(t, r.Authorized)
	assert.Equal(t, "org-42", r.Organization)
	assert.Equal(t, "gpt-4o-mini", r.Model)
	assert.False(t, r.Stream)
	assert.Equal(t, userReq("").Messages[0], r.Request.Messages[0])
	assert.Equal(t, "Capital of France?", r.Request.Messages[1].Content)
	assert.Nil(t, r.Request.Temperature)
	assert.Empty(t, h.retries())
}

func TestToolCalls(t *testing.T) {
	calls := []llm.ToolCall{
		{ID: "call_a", Name: "search", Arguments: `{"query":"Go generics"}`},
		{ID: "call_b", Name: "weather", Arguments: `{"city":"Zürich","unit":"c"}`},
	}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{ToolCalls: calls}, {Content: "done"}}}, llm.Config{Model: "gpt-4o"})
	schema := json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}`)
	req := userReq("look it up")
	req.Tools = []llm.ToolDef{
		{Name: "search", Description: "Search the web", Parameters: schema},
		{Name: "weather", Description: "Weather now"}, // no parameters: an empty object schema is sent
	}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, calls, resp.ToolCalls)
	assert.Equal(t, "tool_calls", resp.FinishReason)
	assert.Empty(t, resp.Content)

	// The answer goes back with the assistant's calls and the tool results.
	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, ToolCalls: resp.ToolCalls},
		llm.Message{Role: llm.RoleTool, ToolCallID: "call_a", Name: "search", Content: "result A"},
		llm.Message{Role: llm.RoleTool, ToolCallID: "call_b", Name: "weather", Content: "result B"})
	resp, err = h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, "done", resp.Content)

	reqs := h.srv.Requests()
	require.Len(t, reqs, 2)
	tools := reqs[0].Request.Tools
	require.Len(t, tools, 2)
	assert.Equal(t, "search", tools[0].Name)
	assert.Equal(t, "Search the web", tools[0].Description)
	assert.JSONEq(t, string(schema), string(tools[0].Parameters))
	assert.JSONEq(t, `{"type":"object","properties":{}}`, string(tools[1].Parameters))
	msgs := reqs[1].Request.Messages
	require.Len(t, msgs, 5)
	assert.Equal(t, calls, msgs[2].ToolCalls)
	assert.Equal(t, llm.Message{Role: llm.RoleTool, ToolCallID: "call_b", Name: "weather", Content: "result B"}, msgs[4])
}

func TestJSONSchemaReply(t *testing.T) {
	schema := `{"type":"object","properties":{"city":{"type":"string"},"pop":{"type":"integer"}},"required":["city","pop"],"additionalProperties":false}`
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: `{"city":"Paris","pop":2102650}`}}}, llm.Config{Model: "gpt-4o-mini"})
	req := userReq("Largest French city?")
	req.ResponseFormat = &llm.ResponseFormat{Name: "city info", Schema: json.RawMessage(schema), Strict: true}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	var got struct {
		City string
		Pop  int
	}
	require.NoError(t, json.Unmarshal([]byte(resp.Content), &got))
	assert.Equal(t, "Paris", got.City)

	rf := h.srv.Requests()[0].Request.ResponseFormat
	require.NotNil(t, rf, "the request carried no json_schema response format")
	assert.Equal(t, "city_info", rf.Name, "the name is made acceptable to the API")
	assert.True(t, rf.Strict)
	assert.JSONEq(t, schema, string(rf.Schema))
}

func TestStreamWithUsage(t *testing.T) {
	usage := llm.Usage{PromptTokens: 50, CachedPromptTokens: 10, CompletionTokens: 7, TotalTokens: 57}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Chunks: []string{"The ", "answer ", "is ", "42", "."}, Usage: usage},
		{Content: "Let me check.", ToolCalls: []llm.ToolCall{
			{Name: "calc", Arguments: `{"expr":"6*7","note":"héllo wörld"}`},
			{Name: "search", Arguments: `{"q":"meaning of life"}`}}},
	}}, llm.Config{Model: "gpt-4o-mini"})
	var chunks []string
	req := userReq("What is it?")
	req.OnChunk = func(s string) { chunks = append(chunks, s) }
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, []string{"The ", "answer ", "is ", "42", "."}, chunks)
	assert.Equal(t, "The answer is 42.", resp.Content)
	assert.Equal(t, "stop", resp.FinishReason)
	assert.Equal(t, "chatcmpl-llmtest-1", resp.ID)
	want := usage
	want.Requests = 1
	assert.Equal(t, want, resp.Usage)
	r := h.srv.Requests()[0]
	assert.True(t, r.Stream)
	assert.True(t, r.IncludeUsage)

	// Tool-call deltas are assembled; content streams word by word.
	chunks = nil
	resp, err = h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, []string{"Let ", "me ", "check."}, chunks)
	assert.Equal(t, "Let me check.", resp.Content)
	assert.Equal(t, []llm.ToolCall{
		{ID: "call_1", Name: "calc", Arguments: `{"expr":"6*7","note":"héllo wörld"}`},
		{ID: "call_2", Name: "search", Arguments: `{"q":"meaning of life"}`}}, resp.ToolCalls)
	assert.Equal(t, "tool_calls", resp.FinishReason)
	assert.Positive(t, resp.Usage.TotalTokens)
	assert.Equal(t, 1, resp.Usage.Requests)
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
		kind      error  // nil: success with "recovered"
		status    string // in the error text
		message   string // in the error text
		requests  int    // requests the server received
		rateWaits int
	}{
		{name: "429 then ok", replies: []llmtest.Reply{f(llmtest.FaultRateLimit), ok}, requests: 2, rateWaits: 1},
		{name: "429 with Retry-After then ok", replies: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "1"}, ok}, requests: 2, rateWaits: 1},
		{name: "429 until attempts run out", replies: rep(f(llmtest.FaultRateLimit), 4), kind: llm.ErrRateLimit,
			status: "status 429", message: "rate limit reached", requests: 4, rateWaits: 3},
		{name: "500 then ok", replies: []llmtest.Reply{f(llmtest.FaultServerError), ok}, requests: 2},
		{name: "503 twice then ok", replies: []llmtest.Reply{f(llmtest.FaultUnavailable), f(llmtest.FaultUnavailable), ok}, requests: 3},
		{name: "503 until attempts run out", replies: rep(f(llmtest.FaultUnavailable), 4), kind: llm.ErrServer,
			status: "status 503", message: "temporarily overloaded", requests: 4},
		{name: "502 is retried", replies: []llmtest.Reply{{Fault: llmtest.FaultStatus, Status: 502}, ok}, requests: 2},
		{name: "context length fails fast", replies: []llmtest.Reply{f(llmtest.FaultContextLength), ok}, kind: llm.ErrContextWindow,
			status: "status 400", message: "maximum context length", requests: 1},
		{name: "context length by message only", replies: []llmtest.Reply{{Fault: llmtest.FaultBadRequest,
			Message: "This model's maximum context length is 8192 tokens"}}, kind: llm.ErrContextWindow, status: "status 400", requests: 1},
		{name: "401 fails fast", replies: []llmtest.Reply{f(llmtest.FaultUnauthorized), ok}, kind: llm.ErrAuth,
			status: "status 401", message: "API key is not valid", requests: 1},
		{name: "403 fails fast", replies: []llmtest.Reply{{Fault: llmtest.FaultStatus, Status: 403, Message: "no access to model"}, ok},
			kind: llm.ErrAuth, status: "status 403", message: "no access to model", requests: 1},
		{name: "400 fails fast", replies: []llmtest.Reply{f(llmtest.FaultBadRequest), ok}, kind: llm.ErrBadRequest,
			status: "status 400", message: "request is invalid", requests: 1},
		{name: "404 fails fast", replies: []llmtest.Reply{{Fault: llmtest.FaultStatus, Status: 404, Message: "model not found"}, ok},
			kind: llm.ErrBadRequest, status: "status 404", message: "model not found", requests: 1},
		{name: "reset then ok", replies: []llmtest.Reply{f(llmtest.FaultReset), ok}, requests: 2},
		{name: "reset until attempts run out", replies: rep(f(llmtest.FaultReset), 4), kind: llm.ErrTransport, requests: 4},
		{name: "malformed JSON then ok", replies: []llmtest.Reply{f(llmtest.FaultMalformedJSON), ok}, requests: 2},
		{name: "malformed JSON until attempts run out", replies: rep(f(llmtest.FaultMalformedJSON), 4), kind: llm.ErrTransport,
			message: "malformed JSON", requests: 4},
		{name: "truncated body then ok", replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "a long answer"}, ok}, requests: 2},
		{name: "empty choices", replies: []llmtest.Reply{f(llmtest.FaultEmptyChoices), ok}, kind: llm.ErrEmptyResponse,
			message: "no choices", requests: 1},
		{name: "stream: 429 then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultRateLimit), ok}, requests: 2, rateWaits: 1},
		{name: "stream: 500 then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultServerError), ok}, requests: 2},
		{name: "stream: reset then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultReset), ok}, requests: 2},
		{name: "stream: malformed JSON then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultMalformedJSON), ok}, requests: 2},
		{name: "stream: truncated before any text is retried", stream: true,
			replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "word"}, ok}, requests: 2},
		{name: "stream: truncated after text fails", stream: true,
			replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "one two three four"}, ok}, kind: llm.ErrTransport,
			message: "", requests: 1},
		{name: "stream: empty choices", stream: true, replies: []llmtest.Reply{f(llmtest.FaultEmptyChoices), ok},
			kind: llm.ErrEmptyResponse, requests: 1},
		{name: "stream: context length", stream: true, replies: []llmtest.Reply{f(llmtest.FaultContextLength)},
			kind: llm.ErrContextWindow, status: "status 400", requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{Replies: tt.replies}, llm.Config{Model: "gpt-4o-mini"})
			req := userReq("hi")
			var text strings.Builder
			if tt.stream {
				req.OnChunk = func(s string) { text.WriteString(s) }
			}
			resp, err := h.client.Generate(h.ctx(), req)
			assert.Equal(t, tt.requests, h.srv.Count(), "requests received")
			assert.Len(t, h.rateWaits(), tt.rateWaits, "rate-limit waits")
			retries := h.retries()
			assert.Len(t, h.sleeps, len(retries), "one Retry event per wait")
			for i, r := range retries {
				assert.Equal(t, "chat gpt-4o-mini", r.Operation)
				assert.Equal(t, i+1, r.Attempt)
				assert.Equal(t, h.sleeps[i], r.Wait)
				assert.Error(t, r.Err)
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
			assert.Equal(t, "gpt-4o-mini", le.Model)
			assert.Equal(t, "openai", le.Provider)
			assert.Len(t, retries, tt.requests-1)
			msg := err.Error()
			assert.Contains(t, msg, `model "gpt-4o-mini"`)
			assert.Contains(t, msg, tt.status)
			assert.Contains(t, msg, tt.message)
			assert.NotContains(t, msg, testKey)
		})
	}
}

func TestRetryAfter(t *testing.T) {
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name     string
		reply    llmtest.Reply
		min, max time.Duration
	}{
		{"seconds", llmtest.Reply{Fault: llmtest.FaultRateLimit, RetryAfter: "7"}, 7 * time.Second, 7 * time.Second},
		{"fractional seconds", llmtest.Reply{Fault: llmtest.FaultRateLimit, RetryAfter: "0.25"}, 250 * time.Millisecond, 250 * time.Millisecond},
		{"milliseconds header wins", llmtest.Reply{Fault: llmtest.FaultRateLimit, RetryAfter: "9",
			Header: map[string]string{"retry-after-ms": "1500"}}, 1500 * time.Millisecond, 1500 * time.Millisecond},
		{"HTTP date", llmtest.Reply{Fault: llmtest.FaultRateLimit, RetryAfter: date}, 28 * time.Second, 31 * time.Second},
		{"on a 503", llmtest.Reply{Fault: llmtest.FaultUnavailable, RetryAfter: "3"}, 3 * time.Second, 3 * time.Second},
		{"unparsable: backoff", llmtest.Reply{Fault: llmtest.FaultRateLimit, RetryAfter: "soon"}, 5 * time.Millisecond, 10 * time.Millisecond},
		{"none: backoff", llmtest.Reply{Fault: llmtest.FaultRateLimit}, 5 * time.Millisecond, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{tt.reply, {Content: "ok"}}}, llm.Config{Model: "gpt-4o-mini"})
			_, err := h.client.Generate(h.ctx(), userReq("hi"))
			require.NoError(t, err)
			retries := h.retries()
			require.Len(t, retries, 1)
			assert.GreaterOrEqual(t, retries[0].Wait, tt.min)
			assert.LessOrEqual(t, retries[0].Wait, tt.max)
			var le *llm.Error
			require.ErrorAs(t, retries[0].Err, &le)
			if tt.reply.Fault == llmtest.FaultRateLimit {
				require.Len(t, h.rateWaits(), 1)
				assert.Equal(t, "provider", h.rateWaits()[0].Limiter)
				assert.Equal(t, retries[0].Wait, h.rateWaits()[0].Wait)
			}
		})
	}
}

func TestBackoffGrows(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Fault: llmtest.FaultServerError}, {Fault: llmtest.FaultServerError}, {Fault: llmtest.FaultServerError},
		{Fault: llmtest.FaultServerError}, {Fault: llmtest.FaultServerError}, {Content: "ok"}}}, llm.Config{Model: "gpt-4o-mini", MaxAttempts: 6, BackoffBase: 100 * time.Millisecond, BackoffMax: 400 * time.Millisecond})
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.NoError(t, err)
	require.Len(t, h.sleeps, 5)
	nominal := []time.Duration{100, 200, 400, 400, 400}
	for i, d := range h.sleeps {
		n := nominal[i] * time.Millisecond
		assert.GreaterOrEqual(t, d, n/2, "wait %d", i+1)
		assert.LessOrEqual(t, d, n, "wait %d", i+1)
	}
}

func TestRetryAfterBeyondMaxWaitGivesUp(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "3600"}, {Content: "ok"}}}, llm.Config{Model: "gpt-4o-mini", MaxWait: time.Minute})
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.ErrorIs(t, err, llm.ErrRateLimit)
	var le *llm.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, time.Hour, le.RetryAfter)
	assert.Equal(t, 1, h.srv.Count())
	assert.Empty(t, h.sleeps)
	assert.Contains(t, err.Error(), "MaxWait")
}

func TestDeadlineShorterThanWaitGivesUpNow(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "30"}, {Content: "ok"}}}, llm.Config{Model: "gpt-4o-mini"})
	ctx, cancel := context.WithTimeout(h.ctx(), time.Hour)
	defer cancel()
	_, err := h.client.Generate(ctx, userReq("hi"))
	require.NoError(t, err, "a deadline beyond the wait lets the retry happen")

	h = newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "30"}, {Content: "ok"}}}, llm.Config{Model: "gpt-4o-mini"})
	ctx, cancel = context.WithTimeout(h.ctx(), 20*time.Second)
	defer cancel()
	_, err = h.client.Generate(ctx, userReq("hi"))
	require.Error(t, err)
	assert.ErrorIs(t, err, llm.ErrRateLimit, "the last error is returned")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, h.srv.Count())
	assert.Empty(t, h.sleeps, "no wait was started")
	assert.Empty(t, h.retries())
}

func TestCancelDuringHang(t *testing.T) {
	arrived := make(chan struct{}, 1)
	h := newHarness(t, llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		arrived <- struct{}{}
		return llmtest.Reply{Fault: llmtest.FaultHang}
	}}, llm.Config{Model: "gpt-4o-mini"})
	ctx, cancel := context.WithCancel(h.ctx())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := h.client.Generate(ctx, userReq("hi"))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, llm.ErrTransport)
	var le *llm.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 1, le.Attempts)
	assert.Equal(t, 1, h.srv.Count())
	assert.Empty(t, h.retries())
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultHang}, {Content: "ok"}}}, llm.Config{Model: "gpt-4o-mini", Timeout: 50 * time.Millisecond})
	resp, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.NoError(t, err)
	assert.Equal(t, "ok", resp.Content)
	require.Len(t, h.retries(), 1)
	assert.ErrorIs(t, h.retries()[0].Err, llm.ErrTransport)
	assert.Contains(t, h.retries()[0].Err.Error(), "timeout")
}

func TestCancelDuringBackoff(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultServerError}, {Content: "ok"}}}, llm.Config{Model: "gpt-4o-mini"})
	ctx, cancel := context.WithCancel(h.ctx())
	defer cancel()
	llm.SetSleep(h.client, func(ctx context.Context, d time.Duration) error {
		cancel() // the caller gives up while the client waits
		<-ctx.Done()
		return ctx.Err()
	})
	_, err := h.client.Generate(ctx, userReq("hi"))
	require.Error(t, err)
	assert.ErrorIs(t, err, llm.ErrServer, "the last error is returned")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, h.srv.Count())
}

// countingTransport fails every request and counts them: a test that uses it
// proves no request was attempted without touching the network.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("countingTransport: no request should be sent")
}

func TestMissingAPIKey(t *testing.T) {
	clearEnv(t)
	rt := &countingTransport{}
	c, err := llm.New(llm.Config{Model: "gpt-4o-mini", HTTPClient: &http.Client{Transport: rt}})
	assert.ErrorIs(t, err, llm.ErrAuth)
	_, err = c.Generate(context.Background(), userReq("hi"))
	require.Error(t, err)
	assert.ErrorIs(t, err, llm.ErrAuth)
	assert.Contains(t, err.Error(), "OPENAI_API_KEY")
	assert.Equal(t, int32(0), rt.n.Load(), "no request may be sent without a key")
	assert.Equal(t, "api.openai.com", c.Info().ServerAddress, "Info works on a misconfigured client")

	_, err = llm.New(llm.Config{Model: "gpt-4o", Azure: true, BaseURL: "https://x.openai.azure.com", HTTPClient: &http.Client{Transport: rt}})
	assert.ErrorIs(t, err, llm.ErrAuth)
	assert.Contains(t, err.Error(), "AZURE_OPENAI_API_KEY")

	// The key comes from the environment.
	t.Setenv("OPENAI_API_KEY", testKey)
	c, err = llm.New(llm.Config{Model: "gpt-4o-mini", HTTPClient: &http.Client{Transport: rt}, MaxAttempts: 1})
	require.NoError(t, err)
	_, err = c.Generate(context.Background(), userReq("hi"))
	assert.ErrorIs(t, err, llm.ErrTransport)
	assert.Equal(t, int32(1), rt.n.Load())
}

func TestLocalServerNeedsNoKey(t *testing.T) {
	clearEnv(t)
	srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "hello from ollama"}}})
	defer srv.Close()
	t.Setenv("OPENAI_BASE_URL", srv.URL())
	c, err := llm.New(llm.Config{Model: "llama3.1:8b", Provider: "ollama"})
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	resp, err := c.Generate(context.Background(), userReq("hi"))
	require.NoError(t, err)
	assert.Equal(t, "hello from ollama", resp.Content)
	assert.False(t, srv.Requests()[0].Authorized)
	info := c.Info()
	assert.Equal(t, "ollama", info.Provider)
	assert.Equal(t, "127.0.0.1", info.ServerAddress)
	assert.Positive(t, info.ServerPort)
	assert.Zero(t, info.ContextWindow)
	assert.False(t, info.NoStop)
}

func TestCapabilitiesOf(t *testing.T) {
	tests := []struct {
		model string
		want  llm.Capabilities
	}{
		{"gpt-4o-mini", llm.Capabilities{ContextWindow: 128_000}},
		{"gpt-4o-2024-08-06", llm.Capabilities{ContextWindow: 128_000}},
		{"openai/gpt-4.1-mini", llm.Capabilities{ContextWindow: 1_047_576}},
		{"gpt-4", llm.Capabilities{ContextWindow: 8_192}},
		{"gpt-3.5-turbo-0125", llm.Capabilities{ContextWindow: 16_385}},
		{"o1", llm.Capabilities{NoStop: true, Reasoning: true, ContextWindow: 200_000}},
		{"o1-mini", llm.Capabilities{NoStop: true, Reasoning: true, ContextWindow: 128_000}},
		{"o3-mini-2025-01-31", llm.Capabilities{NoStop: true, Reasoning: true, ContextWindow: 200_000}},
		{"o4-mini", llm.Capabilities{NoStop: true, Reasoning: true, ContextWindow: 200_000}},
		{"gpt-5", llm.Capabilities{NoStop: true, Reasoning: true, ContextWindow: 400_000}},
		{"GPT-5.1-nano", llm.Capabilities{NoStop: true, Reasoning: true, ContextWindow: 400_000}},
		{"o3de", llm.Capabilities{}},
		{"gpt-40", llm.Capabilities{}},
		{"llama3.1:8b", llm.Capabilities{}},
		{"", llm.Capabilities{}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, llm.CapabilitiesOf(tt.model), tt.model)
	}
}

func TestRequestMappingByModel(t *testing.T) {
	zero, warm := 0.0, 0.7
	tests := []struct {
		model       string
		temp        *float64
		wantStop    bool
		wantMaxComp bool
		wantTemp    bool
	}{
		{"gpt-4o-mini", &warm, true, false, true},
		{"gpt-4o-mini", &zero, true, false, true},
		{"gpt-4o-mini", nil, true, false, false},
		{"o3-mini", &warm, false, true, false},
		{"gpt-5-mini", &zero, false, true, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.model, tt.temp != nil), func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "ok"}}}, llm.Config{Model: tt.model})
			req := userReq("hi")
			req.Stop = []string{"\nObservation:"}
			req.MaxTokens = 256
			req.Temperature = tt.temp
			_, err := h.client.Generate(h.ctx(), req)
			require.NoError(t, err)
			r := h.srv.Requests()[0]
			assert.Equal(t, tt.wantStop, len(r.Request.Stop) == 1, "stop sent")
			if tt.wantMaxComp {
				assert.Equal(t, 256, r.MaxCompletionTokens)
				assert.Zero(t, r.MaxTokens)
			} else {
				assert.Equal(t, 256, r.MaxTokens)
				assert.Zero(t, r.MaxCompletionTokens)
			}
			assert.Equal(t, tt.wantTemp, r.Request.Temperature != nil, "temperature sent")
			if tt.wantTemp {
				assert.InDelta(t, *tt.temp, *r.Request.Temperature, 1e-6)
			}
			assert.Equal(t, !tt.wantStop, h.client.Info().NoStop)
		})
	}
}

func TestDefaultTemperature(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "a"}, {Content: "b"}}}, llm.Config{Model: "gpt-4o", Temperature: new(0.3)})
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.NoError(t, err)
	req := userReq("hi")
	one := 1.0
	req.Temperature = &one
	_, err = h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	reqs := h.srv.Requests()
	assert.InDelta(t, 0.3, *reqs[0].Request.Temperature, 1e-6)
	assert.InDelta(t, 1.0, *reqs[1].Request.Temperature, 1e-6)
}

func TestAzure(t *testing.T) {
	clearEnv(t)
	srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "from azure"}}})
	defer srv.Close()
	t.Setenv("AZURE_OPENAI_API_KEY", testKey)
	t.Setenv("AZURE_OPENAI_ENDPOINT", srv.URL())
	c, err := llm.New(llm.Config{Model: "gpt-4o", Azure: true, AzureAPIVersion: "2024-06-01", AzureDeployment: "prod-gpt4o"})
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	resp, err := c.Generate(context.Background(), userReq("hi"))
	require.NoError(t, err)
	assert.Equal(t, "from azure", resp.Content)
	r := srv.Requests()[0]
	assert.Equal(t, "/v1/openai/deployments/prod-gpt4o/chat/completions", r.Path)
	assert.Equal(t, "api-version=2024-06-01", r.RawQuery)
	assert.True(t, r.Authorized, "the key is sent in the api-key header")
	assert.Equal(t, "azure.ai.openai", c.Info().Provider)
	assert.Equal(t, 128_000, c.Info().ContextWindow)

	// Without a deployment, the model names it; the version defaults.
	c2, err := llm.New(llm.Config{Model: "gpt-4o", Azure: true, MaxAttempts: 1})
	require.NoError(t, err)
	defer c2.CloseIdleConnections()
	_, err = c2.Generate(context.Background(), userReq("hi"))
	require.ErrorIs(t, err, llm.ErrBadRequest) // the script is exhausted
	r = srv.Requests()[1]
	assert.Equal(t, "/v1/openai/deployments/gpt-4o/chat/completions", r.Path)
	assert.Equal(t, "api-version="+llm.DefaultAzureAPIVersion, r.RawQuery)

	_, err = llm.New(llm.Config{Model: "gpt-4o", Azure: true, APIKey: testKey, BaseURL: " "})
	assert.ErrorIs(t, err, llm.ErrBadRequest)
	t.Setenv("AZURE_OPENAI_ENDPOINT", "")
	_, err = llm.New(llm.Config{Model: "gpt-4o", Azure: true, APIKey: testKey})
	require.ErrorIs(t, err, llm.ErrBadRequest)
	assert.Contains(t, err.Error(), "AZURE_OPENAI_ENDPOINT")
}

func TestKeyNeverShown(t *testing.T) {
	// A provider that echoes the key in its messages, on every kind of failure.
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Fault: llmtest.FaultUnauthorized, Message: "Incorrect API key provided: " + testKey},
		{Fault: llmtest.FaultStatus, Status: 500, Message: "boom " + testKey},
		{Fault: llmtest.FaultStatus, Status: 500, Message: "boom " + testKey},
	}}, llm.Config{Model: "gpt-4o-mini", MaxAttempts: 2})
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.ErrorIs(t, err, llm.ErrAuth)
	_, err2 := h.client.Generate(h.ctx(), userReq("hi"))
	require.ErrorIs(t, err2, llm.ErrServer)
	for _, e := range []error{err, err2, h.retries()[0].Err} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(format, e)
			assert.NotContains(t, s, testKey, format)
		}
		var le *llm.Error
		require.ErrorAs(t, e, &le)
		assert.NotContains(t, le.Message, testKey)
		assert.Contains(t, le.Message, "[REDACTED]")
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(format, h.client), testKey, format)
		cfg := llm.Config{Model: "m", APIKey: testKey}
		assert.NotContains(t, fmt.Sprintf(format, cfg), testKey, format)
	}
	// Nor in the events' text.
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.events {
		assert.NotContains(t, fmt.Sprintf("%+v", e), testKey)
	}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{}, llm.Config{Model: "gpt-4o-mini"})
	bad := -1.0
	tests := []struct {
		name string
		req  *llm.Request
		want string
	}{
		{"nil request", nil, "nil *Request"},
		{"no messages", &llm.Request{}, "Request.Messages is empty"},
		{"bad role", &llm.Request{Messages: []llm.Message{{Role: "robot", Content: "x"}}}, `Messages[0].Role is "robot"`},
		{"tool message without ID", &llm.Request{Messages: []llm.Message{{Role: llm.RoleTool, Content: "x"}}}, "without a ToolCallID"},
		{"tool calls on a user message", &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, ToolCalls: []llm.ToolCall{{Name: "a"}}}}}, "only assistant"},
		{"tool without name", &llm.Request{Messages: userReq("x").Messages, Tools: []llm.ToolDef{{}}}, "Tools[0].Name is empty"},
		{"tool schema not JSON", &llm.Request{Messages: userReq("x").Messages, Tools: []llm.ToolDef{{Name: "t", Parameters: json.RawMessage(`{oops`)}}}, `Tools[0] ("t")`},
		{"schema not an object", &llm.Request{Messages: userReq("x").Messages, ResponseFormat: &llm.ResponseFormat{Schema: json.RawMessage(`[1]`)}}, "ResponseFormat.Schema"},
		{"negative max tokens", &llm.Request{Messages: userReq("x").Messages, MaxTokens: -5}, "MaxTokens is -5"},
		{"temperature out of range", &llm.Request{Messages: userReq("x").Messages, Temperature: &bad}, "temperature -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.client.Generate(h.ctx(), tt.req)
			require.ErrorIs(t, err, llm.ErrBadRequest)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	assert.Zero(t, h.srv.Count(), "no bad request reaches the server")

	configs := []struct {
		cfg  llm.Config
		want string
	}{
		{llm.Config{APIKey: "k"}, "Config.Model is empty"},
		{llm.Config{Model: "m", BaseURL: "localhost:8080"}, `base URL "localhost:8080"`},
		{llm.Config{Model: "m", BaseURL: "http://user:hunter2@h/v1", MaxAttempts: -1}, "MaxAttempts is -1"},
		{llm.Config{Model: "m", BaseURL: "http://h/v1", BackoffBase: -time.Second}, "must not be negative"},
	}
	for _, c := range configs {
		cl, err := llm.New(c.cfg)
		require.ErrorIs(t, err, llm.ErrBadRequest)
		assert.Contains(t, err.Error(), c.want)
		_, gerr := cl.Generate(context.Background(), userReq("x"))
		assert.Equal(t, err, gerr, "Generate returns the configuration error")
	}
}

func TestConcurrentUse(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{MaxRecorded: -1, Respond: func(r *llmtest.ServerRequest) llmtest.Reply {
		msgs := r.Request.Messages
		return llmtest.Reply{Content: "echo: " + msgs[len(msgs)-1].Content}
	}}, llm.Config{Model: "gpt-4o-mini"})
	var wg sync.WaitGroup
	errs := make([]error, 40)
	got := make([]string, 40)
	for i := range 40 {
		wg.Go(func() {
			req := userReq(fmt.Sprintf("msg %d", i))
			if i%2 == 1 {
				req.OnChunk = func(string) {}
			}
			resp, err := h.client.Generate(context.Background(), req)
			errs[i] = err
			if err == nil {
				got[i] = resp.Content
			}
		})
	}
	wg.Wait()
	for i := range 40 {
		require.NoError(t, errs[i])
		assert.Equal(t, fmt.Sprintf("echo: msg %d", i), got[i])
	}
	assert.Equal(t, 40, h.srv.Count())
	assert.Empty(t, h.srv.Requests(), "MaxRecorded < 0 records nothing")
}

// TestEnvironment checks the settings read from the environment: the base
// URL from OPENAI_BASE_URL or else OPENAI_API_BASE, the key from
// OPENAI_API_KEY and the organisation from OPENAI_ORG_ID; explicit options
// win over the environment.
func TestEnvironment(t *testing.T) {
	used, unused := llmtest.NewServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		return llmtest.Reply{Content: "ok"}
	}}), llmtest.NewServer(llmtest.ServerConfig{})
	defer used.Close()
	defer unused.Close()
	tests := []struct {
		name string
		env  map[string]string
		cfg  llm.Config
		org  string
		auth bool
	}{
		{name: "OPENAI_BASE_URL", env: map[string]string{"OPENAI_BASE_URL": used.URL()}},
		{name: "OPENAI_API_BASE when OPENAI_BASE_URL is empty", env: map[string]string{"OPENAI_API_BASE": used.URL()}},
		{name: "OPENAI_BASE_URL wins over OPENAI_API_BASE",
			env: map[string]string{"OPENAI_BASE_URL": used.URL(), "OPENAI_API_BASE": unused.URL()}},
		{name: "Config.BaseURL wins over the environment", env: map[string]string{"OPENAI_BASE_URL": unused.URL()},
			cfg: llm.Config{BaseURL: used.URL()}},
		{name: "key and organisation", env: map[string]string{"OPENAI_BASE_URL": used.URL(),
			"OPENAI_API_KEY": testKey, "OPENAI_ORG_ID": "org-env"}, org: "org-env", auth: true},
		{name: "Config.Organization wins", env: map[string]string{"OPENAI_BASE_URL": used.URL(), "OPENAI_ORG_ID": "org-env"},
			cfg: llm.Config{Organization: "org-opt"}, org: "org-opt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			before := used.Count()
			cfg := tc.cfg
			cfg.Model = "gpt-4o-mini"
			c, err := llm.New(cfg)
			require.NoError(t, err)
			defer c.CloseIdleConnections()
			resp, err := c.Generate(context.Background(), userReq("hi"))
			require.NoError(t, err)
			assert.Equal(t, "ok", resp.Content)
			require.Equal(t, before+1, used.Count(), "the request went to the expected server")
			r := used.Requests()[used.Count()-1]
			assert.Equal(t, tc.org, r.Organization)
			assert.Equal(t, tc.auth, r.Authorized)
		})
	}
	assert.Zero(t, unused.Count(), "no request to the overridden server")
}

// TestEmptyContentIsSent: OpenAI requires content on system, user and tool
// messages and on assistant messages without tool calls, even when it is
// empty; go-openai leaves an empty content out. The client sends "" there
// (the fake answers 400 to a request without it, as OpenAI does) and
// nothing on an assistant message that only calls tools.
func TestEmptyContentIsSent(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "ok"} }},
		llm.Config{Model: "gpt-4o-mini", MaxAttempts: 1})
	msgs := []llm.Message{
		{Role: llm.RoleSystem, Content: ""},
		{Role: llm.RoleUser, Content: "q"},
		{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c1", Name: "f", Arguments: "{}"}}},
		{Role: llm.RoleTool, ToolCallID: "c1", Name: "f", Content: ""},
		{Role: llm.RoleAssistant, Content: ""},
		{Role: llm.RoleUser, Content: "again"},
	}
	for _, stream := range []bool{false, true} {
		req := &llm.Request{Messages: msgs}
		if stream {
			req.OnChunk = func(string) {}
		}
		resp, err := h.client.Generate(context.Background(), req)
		require.NoError(t, err, "stream %t", stream)
		assert.Equal(t, "ok", resp.Content)
	}
	for _, r := range h.srv.Requests() {
		var body struct {
			Messages []map[string]json.RawMessage `json:"messages"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &body))
		require.Len(t, body.Messages, len(msgs))
		for i, m := range body.Messages {
			content, has := m["content"]
			if i == 2 {
				assert.False(t, has, "message %d (tool calls only) has content %s", i, content)
				continue
			}
			require.True(t, has, "message %d has no content", i)
			var s string
			require.NoError(t, json.Unmarshal(content, &s))
			assert.Equal(t, msgs[i].Content, s, "message %d", i)
		}
	}
}

package gemini_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/auth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/gemini"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "AIza-test-DO-NOT-LEAK-0123456789"

type harness struct {
	srv    *llmtest.Server
	client *gemini.Client

	mu     sync.Mutex
	sleeps []time.Duration
	events []event.Event
}

func clearEnv(t *testing.T) {
	for _, k := range []string{"GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION",
		"GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_VERTEX_BASE_URL", "GOOGLE_GENAI_USE_ENTERPRISE"} {
		t.Setenv(k, "")
	}
}

func newHarness(t *testing.T, cfg llmtest.ServerConfig, model string, edit ...func(*gemini.Config)) *harness {
	t.Helper()
	clearEnv(t)
	h := &harness{srv: llmtest.NewGeminiServer(cfg)}
	t.Cleanup(h.srv.Close)
	c := gemini.Config{Model: model, APIKey: testKey, BaseURL: h.srv.URL(),
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
	h.client, err = gemini.New(c)
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
	usage := llm.Usage{PromptTokens: 1200, CachedPromptTokens: 800, CompletionTokens: 30, ReasoningTokens: 12, TotalTokens: 1230}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "Paris.", Usage: usage}}}, "gemini-2.5-flash")
	req := userReq("Capital of France?")
	temp := 0.2
	req.Temperature, req.MaxTokens, req.Stop = &temp, 300, []string{"\nObservation:"}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, "Paris.", resp.Content)
	assert.Equal(t, "stop", resp.FinishReason)
	assert.Equal(t, "gemini-2.5-flash", resp.Model)
	assert.Equal(t, "llmtest-resp-1", resp.ID)
	want := usage
	want.Requests = 1
	assert.Equal(t, want, resp.Usage)

	r := h.srv.Requests()[0]
	assert.Equal(t, "/v1beta/models/gemini-2.5-flash:generateContent", r.Path)
	assert.Equal(t, []llm.Message{{Role: llm.RoleSystem, Content: "You are terse."}, {Role: llm.RoleUser, Content: "Capital of France?"}},
		r.Request.Messages)
	assert.Equal(t, []string{"\nObservation:"}, r.Request.Stop)
	assert.Equal(t, 300, r.Request.MaxTokens)
	require.NotNil(t, r.Request.Temperature)
	assert.InDelta(t, 0.2, *r.Request.Temperature, 1e-6)
	info := h.client.Info()
	assert.Equal(t, "gcp.gemini", info.Provider)
	assert.Equal(t, "127.0.0.1", info.ServerAddress)
}

func TestToolCalls(t *testing.T) {
	calls := []llm.ToolCall{
		{ID: "fc_a", Name: "search", Arguments: `{"query":"Go generics"}`},
		{ID: "fc_b", Name: "weather", Arguments: `{"city":"Zürich","unit":"c"}`},
	}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{ToolCalls: calls}, {Content: "done"}}}, "gemini-2.5-flash")
	schema := json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"]}`)
	req := userReq("look it up")
	req.Tools = []llm.ToolDef{
		{Name: "search", Description: "Search the web", Parameters: schema},
		{Name: "weather", Description: "Weather now"},
	}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, calls, resp.ToolCalls)
	assert.Equal(t, "tool_calls", resp.FinishReason)

	// Both results go back in one user turn; an empty result is valid.
	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, ToolCalls: resp.ToolCalls},
		llm.Message{Role: llm.RoleTool, ToolCallID: "fc_a", Content: "result A"},
		llm.Message{Role: llm.RoleTool, ToolCallID: "fc_b", Name: "weather", Content: ""})
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
	assert.Equal(t, llm.Message{Role: llm.RoleTool, ToolCallID: "fc_a", Name: "search", Content: "result A"}, msgs[3],
		"the name comes from the call when the tool message has none")
	assert.Equal(t, llm.Message{Role: llm.RoleTool, ToolCallID: "fc_b", Name: "weather"}, msgs[4])
}

func TestJSONSchemaReply(t *testing.T) {
	schema := `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: `{"city":"Paris"}`}}}, "gemini-2.5-flash")
	req := userReq("Largest French city?")
	req.ResponseFormat = &llm.ResponseFormat{Name: "city", Schema: json.RawMessage(schema), Strict: true}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.JSONEq(t, `{"city":"Paris"}`, resp.Content)
	rf := h.srv.Requests()[0].Request.ResponseFormat
	require.NotNil(t, rf, "the request carried no response schema")
	assert.JSONEq(t, schema, string(rf.Schema))
}

func TestStreamWithUsage(t *testing.T) {
	usage := llm.Usage{PromptTokens: 50, CachedPromptTokens: 10, CompletionTokens: 7, TotalTokens: 57}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Chunks: []string{"The ", "answer ", "is ", "42", "."}, Usage: usage},
		{Content: "Let me check.", ToolCalls: []llm.ToolCall{
			{ID: "c1", Name: "calc", Arguments: `{"expr":"6*7","note":"héllo wörld"}`},
			{ID: "c2", Name: "search", Arguments: `{"q":"meaning of life"}`}}},
	}}, "gemini-2.5-flash")
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
		{ID: "c1", Name: "calc", Arguments: `{"expr":"6*7","note":"héllo wörld"}`},
		{ID: "c2", Name: "search", Arguments: `{"q":"meaning of life"}`}}, resp.ToolCalls)
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
		{name: "503 twice then ok", replies: []llmtest.Reply{f(llmtest.FaultUnavailable), f(llmtest.FaultUnavailable), ok}, requests: 3},
		{name: "503 until attempts run out", replies: rep(f(llmtest.FaultUnavailable), 4), kind: llm.ErrServer,
			status: "status 503", message: "temporarily overloaded", requests: 4},
		{name: "context length fails fast", replies: []llmtest.Reply{f(llmtest.FaultContextLength), ok}, kind: llm.ErrContextWindow,
			status: "status 400", message: "input token count", requests: 1},
		{name: "401 fails fast", replies: []llmtest.Reply{f(llmtest.FaultUnauthorized), ok}, kind: llm.ErrAuth, status: "status 401", requests: 1},
		{name: "403 fails fast", replies: []llmtest.Reply{{Fault: llmtest.FaultStatus, Status: 403, Message: "no access to model"}, ok},
			kind: llm.ErrAuth, status: "status 403", message: "no access to model", requests: 1},
		{name: "400 fails fast", replies: []llmtest.Reply{f(llmtest.FaultBadRequest), ok}, kind: llm.ErrBadRequest,
			status: "status 400", message: "request is invalid", requests: 1},
		{name: "reset then ok", replies: []llmtest.Reply{f(llmtest.FaultReset), ok}, requests: 2},
		{name: "reset until attempts run out", replies: rep(f(llmtest.FaultReset), 4), kind: llm.ErrTransport, requests: 4},
		{name: "malformed JSON then ok", replies: []llmtest.Reply{f(llmtest.FaultMalformedJSON), ok}, requests: 2},
		{name: "truncated body then ok", replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "a long answer"}, ok}, requests: 2},
		{name: "no candidates", replies: []llmtest.Reply{f(llmtest.FaultEmptyChoices), ok}, kind: llm.ErrEmptyResponse, requests: 1},
		{name: "stream: 429 then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultRateLimit), ok}, requests: 2, rateWaits: 1},
		{name: "stream: 503 then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultUnavailable), ok}, requests: 2},
		{name: "stream: reset then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultReset), ok}, requests: 2},
		{name: "stream: malformed JSON then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultMalformedJSON), ok}, requests: 2},
		{name: "stream: truncated before any text is retried", stream: true,
			replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "word"}, ok}, requests: 2},
		{name: "stream: truncated after text fails", stream: true,
			replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "one two three four"}, ok}, kind: llm.ErrTransport, requests: 1},
		{name: "stream: no candidates", stream: true, replies: []llmtest.Reply{f(llmtest.FaultEmptyChoices), ok}, kind: llm.ErrEmptyResponse, requests: 1},
		{name: "stream: context length", stream: true, replies: []llmtest.Reply{f(llmtest.FaultContextLength)},
			kind: llm.ErrContextWindow, status: "status 400", requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{Replies: tt.replies}, "gemini-2.5-flash")
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
			assert.Equal(t, "gcp.gemini", le.Provider)
			msg := err.Error()
			assert.Contains(t, msg, `model "gemini-2.5-flash"`)
			assert.Contains(t, msg, tt.status)
			assert.Contains(t, msg, tt.message)
			assert.NotContains(t, msg, testKey)
		})
	}
}

func TestRetryAfter(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "7"}, {Content: "ok"}}}, "gemini-2.5-flash")
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.NoError(t, err)
	require.Len(t, h.retries(), 1)
	assert.Equal(t, 7*time.Second, h.retries()[0].Wait)
}

// TestThoughtSignatureRoundTrip: a signed function call comes back with its
// signature in the next turn, carried by the tool call's ID.
func TestThoughtSignatureRoundTrip(t *testing.T) {
	sig := llmtest.ThinkingSignature("plan")
	enc := base64.RawURLEncoding.EncodeToString([]byte(sig))
	tests := []struct{ name, model, id, want string }{
		{name: "kept", model: "gemini-3-pro", id: "fc_1~" + enc},
		{name: "dropped", model: "gemini-3-pro", id: "fc_1", want: "missing a `thought_signature`"},
		{name: "dropped before Gemini 3", model: "gemini-2.5-flash", id: "fc_1"},
		{name: "altered", model: "gemini-3-pro", id: "fc_1~c2lnbmVk", want: "corrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "ok"}}}, tt.model)
			req := userReq("go")
			req.Messages = append(req.Messages,
				llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: tt.id, Name: "f", Arguments: `{}`}}},
				llm.Message{Role: llm.RoleTool, ToolCallID: tt.id, Content: "r"})
			_, err := h.client.Generate(h.ctx(), req)
			if tt.want != "" {
				require.ErrorIs(t, err, llm.ErrBadRequest)
				assert.Contains(t, err.Error(), tt.want)
				return
			}
			require.NoError(t, err)
			body := string(h.srv.Requests()[0].Body)
			assert.Contains(t, body, `"id":"fc_1"`)
			assert.NotContains(t, body, "~")
			if strings.Contains(tt.id, "~") {
				assert.Contains(t, body, `"thoughtSignature":"`+base64.StdEncoding.EncodeToString([]byte(sig))+`"`, "the signature goes back")
				assert.Equal(t, []llm.Reasoning{{Signature: sig}}, h.srv.Requests()[0].Request.Messages[2].Reasoning)
			}
		})
	}
}

// TestThoughtSignatureAgentRoundTrip runs an agent with a tool on a
// Gemini 3 model (the fake): the reply's first function call is signed,
// and the fake refuses the function response turn unless the call went
// back with its signature, so the run finishes only when the signature
// made the round trip through the agent's conversation (in the call's ID).
func TestThoughtSignatureAgentRoundTrip(t *testing.T) {
	const thought = "I need the tide table."
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Thinking: thought, ToolCalls: []llm.ToolCall{{ID: "fc_7", Name: "tides", Arguments: `{"port":"Brest"}`},
			{ID: "fc_8", Name: "tides", Arguments: `{"port":"Nantes"}`}}},
		{Content: "High tide at 14:05."},
	}}, "gemini-3-pro")
	type in struct {
		Port string `json:"port"`
	}
	tides := tool.New("tides", "Gives the tide table of a port.", func(_ context.Context, a in) (string, error) {
		return "high tide 14:05 at " + a.Port, nil
	})
	a := &agent.Agent{Role: "Harbour master", Goal: "Know the tides.", LLM: h.client, Tools: []tool.Tool{tides}, Bus: &event.Bus{}}
	out, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "When is high tide?"})
	require.NoError(t, err)
	assert.Equal(t, "High tide at 14:05.", out.Raw)
	reqs := h.srv.Requests()
	require.Len(t, reqs, 2)
	var model *llm.Message
	for i, m := range reqs[1].Request.Messages {
		if m.Role == llm.RoleAssistant {
			model = &reqs[1].Request.Messages[i]
		}
	}
	require.NotNil(t, model)
	require.Len(t, model.ToolCalls, 2, "both parallel calls went back")
	assert.Equal(t, []llm.Reasoning{{Signature: llmtest.ThinkingSignature(thought)}}, model.Reasoning, "the first call carried its signature")
	assert.Equal(t, "fc_7", model.ToolCalls[0].ID, "the call's own ID went back, without the signature")
}

func TestVertex(t *testing.T) {
	clearEnv(t)
	srv := llmtest.NewGeminiServer(llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "from vertex"}}})
	defer srv.Close()
	creds := auth.NewCredentials(&auth.CredentialsOptions{TokenProvider: staticToken("ya29.test-token")})
	c, err := gemini.New(gemini.Config{Model: "gemini-2.5-pro", Vertex: true, Project: "proj-1", Location: "europe-west4",
		Credentials: creds, BaseURL: srv.URL()})
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	assert.Equal(t, "gcp.vertex_ai", c.Info().Provider)
	resp, err := c.Generate(context.Background(), userReq("hi"))
	require.NoError(t, err)
	assert.Equal(t, "from vertex", resp.Content)
	assert.Contains(t, srv.Requests()[0].Path, "/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent")

	_, err = gemini.New(gemini.Config{Model: "gemini-2.5-pro", Vertex: true})
	assert.ErrorIs(t, err, llm.ErrAuth)
	assert.ErrorContains(t, err, "GOOGLE_CLOUD_PROJECT")
}

type staticToken string

func (s staticToken) Token(context.Context) (*auth.Token, error) {
	return &auth.Token{Value: string(s), Type: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func TestConfiguration(t *testing.T) {
	clearEnv(t)
	c, err := gemini.New(gemini.Config{Model: "gemini-2.5-flash"})
	require.ErrorIs(t, err, llm.ErrAuth)
	assert.Contains(t, err.Error(), "GEMINI_API_KEY")
	_, err = c.Generate(context.Background(), userReq("hi"))
	assert.ErrorIs(t, err, llm.ErrAuth)
	assert.Equal(t, "generativelanguage.googleapis.com", c.Info().ServerAddress)

	t.Setenv("GOOGLE_API_KEY", testKey)
	c, err = gemini.New(gemini.Config{Model: "gemini-2.5-flash"})
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%#v", c), fmt.Sprint(gemini.Config{APIKey: testKey}),
		fmt.Sprintf("%#v", gemini.Config{APIKey: testKey})} {
		assert.NotContains(t, s, testKey)
	}
	_, err = gemini.New(gemini.Config{APIKey: testKey})
	assert.ErrorContains(t, err, "Config.Model")
}

func TestKeyNeverShown(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultStatus, Status: 400,
		Message: "API key not valid: " + testKey}}}, "gemini-2.5-flash")
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey)
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		assert.NotContains(t, e.Error(), testKey)
	}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "x"}}}, "gemini-2.5-flash")
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
		{"tool of no call", &llm.Request{Messages: []llm.Message{{Role: llm.RoleTool, ToolCallID: "x", Content: "r"}}}, "no earlier assistant"},
		{"bad schema", &llm.Request{Messages: userReq("x").Messages, Tools: []llm.ToolDef{{Name: "t", Parameters: json.RawMessage(`[1]`)}}}, "JSON object schema"},
		{"bad format", &llm.Request{Messages: userReq("x").Messages, ResponseFormat: &llm.ResponseFormat{}}, "ResponseFormat.Schema"},
		{"negative max", &llm.Request{Messages: userReq("x").Messages, MaxTokens: -1}, "MaxTokens"},
	}
	for _, tt := range tests {
		_, err := h.client.Generate(h.ctx(), tt.req)
		require.ErrorIs(t, err, llm.ErrBadRequest, tt.name)
		assert.Contains(t, err.Error(), tt.want, tt.name)
	}
	assert.Equal(t, 0, h.srv.Count())
	_ = http.StatusOK
}

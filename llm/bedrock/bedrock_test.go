package bedrock_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/bedrock"
	"github.com/crewai-go/crewai/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testModel   = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	testAKID    = "AKIDLLMTEST00000001"
	testSecret  = "wJalrXUtnFEMI-SECRET-DO-NOT-LEAK-0123"
	testSession = "SESSION-TOKEN-DO-NOT-LEAK-4567"
	testBearer  = "ABSK-BEARER-DO-NOT-LEAK-89ab"
)

// awsEnv are the variables the AWS configuration reads; every test starts
// from none of them and from shared files that do not exist.
var awsEnv = []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"}

func clearAWS(t *testing.T) {
	t.Helper()
	for _, k := range awsEnv {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

type harness struct {
	srv    *llmtest.Server
	client *bedrock.Client

	mu     sync.Mutex
	sleeps []time.Duration
	events []event.Event
}

func staticCreds() credentials.StaticCredentialsProvider {
	return credentials.NewStaticCredentialsProvider(testAKID, testSecret, testSession)
}

func newHarness(t *testing.T, cfg llmtest.ServerConfig, edit ...func(*bedrock.Config)) *harness {
	t.Helper()
	clearAWS(t)
	h := &harness{srv: llmtest.NewBedrockServer(cfg)}
	t.Cleanup(h.srv.Close)
	c := bedrock.Config{Model: testModel, Region: "us-east-1", Credentials: staticCreds(), BaseURL: h.srv.URL(),
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
	h.client, err = bedrock.New(c)
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
	usage := llm.Usage{PromptTokens: 1200, CachedPromptTokens: 800, CacheWriteTokens: 300, CompletionTokens: 30, TotalTokens: 1230}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "Paris.", Usage: usage}}},
		func(c *bedrock.Config) { c.PromptCaching = true; c.MaxTokens = 512 })
	req := userReq("Capital of France?")
	req.Stop = []string{"\nObservation:"}
	temp := 0.2
	req.Temperature = &temp
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, "Paris.", resp.Content)
	assert.Equal(t, "stop", resp.FinishReason)
	assert.Equal(t, testModel, resp.Model)
	assert.Equal(t, "llmtest-1", resp.ID, "the AWS request ID")
	want := usage
	want.Requests = 1
	assert.Equal(t, want, resp.Usage)

	r := h.srv.Requests()[0]
	assert.Equal(t, "/model/"+testModel+"/converse", strings.ReplaceAll(r.Path, "%3A", ":"))
	assert.Equal(t, testModel, r.Model)
	assert.Equal(t, 512, r.MaxTokens)
	assert.Equal(t, []llm.Message{{Role: llm.RoleSystem, Content: "You are terse."}, {Role: llm.RoleUser, Content: "Capital of France?"}},
		r.Request.Messages)
	assert.Equal(t, []string{"\nObservation:"}, r.Request.Stop)
	require.NotNil(t, r.Request.Temperature)
	assert.InDelta(t, 0.2, *r.Request.Temperature, 1e-6)
	assert.Contains(t, string(r.Body), `"cachePoint":{"type":"default"}`)
	assert.Empty(t, h.retries())
	info := h.client.Info()
	assert.Equal(t, "aws.bedrock", info.Provider)
	assert.Equal(t, testModel, info.Model)
	assert.Equal(t, "127.0.0.1", info.ServerAddress)
	assert.Equal(t, 200_000, info.ContextWindow, "the capability table knows the model inside the inference profile ID")
}

func TestToolCalls(t *testing.T) {
	calls := []llm.ToolCall{
		{ID: "tooluse_a", Name: "search", Arguments: `{"query":"Go generics"}`},
		{ID: "tooluse_b", Name: "weather", Arguments: `{"city":"Zürich","unit":"c"}`},
	}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{ToolCalls: calls}, {Content: "done"}, {Content: "again"}}})
	schema := json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"}},"required":["query"],"additionalProperties":false}`)
	req := userReq("look it up")
	req.Tools = []llm.ToolDef{
		{Name: "search", Description: "Search the web", Parameters: schema},
		{Name: "weather"},
	}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, calls, resp.ToolCalls)
	assert.Equal(t, "tool_calls", resp.FinishReason)
	assert.Empty(t, resp.Content)

	// Both results go back in one user turn; an empty result is sent as
	// a placeholder text, as Converse rejects blank text.
	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, ToolCalls: resp.ToolCalls},
		llm.Message{Role: llm.RoleTool, ToolCallID: "tooluse_a", Name: "search", Content: "result A"},
		llm.Message{Role: llm.RoleTool, ToolCallID: "tooluse_b", Name: "weather", Content: ""})
	resp, err = h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, "done", resp.Content)

	reqs := h.srv.Requests()
	require.Len(t, reqs, 2)
	tools := reqs[0].Request.Tools
	require.Len(t, tools, 2)
	assert.JSONEq(t, string(schema), string(tools[0].Parameters))
	assert.JSONEq(t, `{"type":"object","properties":{}}`, string(tools[1].Parameters))
	assert.Empty(t, tools[1].Description, "an empty description is not sent (Converse rejects it)")
	msgs := reqs[1].Request.Messages
	require.Len(t, msgs, 5)
	assert.Equal(t, calls, msgs[2].ToolCalls)
	assert.Equal(t, llm.Message{Role: llm.RoleTool, ToolCallID: "tooluse_a", Content: "result A"}, msgs[3])
	assert.Equal(t, llm.Message{Role: llm.RoleTool, ToolCallID: "tooluse_b", Content: "(no output)"}, msgs[4])
	var body struct {
		Messages []struct {
			Role    string
			Content []map[string]any
		}
	}
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	require.Len(t, body.Messages, 3, "user, assistant, and one user turn with both results")
	assert.Len(t, body.Messages[2].Content, 2)

	// The history alone (no tools offered) still carries a toolConfig,
	// which Converse requires with toolUse blocks.
	req.Tools = nil
	resp, err = h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, "again", resp.Content)
	declared := h.srv.Requests()[2].Request.Tools
	require.Len(t, declared, 2)
	assert.Equal(t, "search", declared[0].Name)
	assert.Equal(t, "weather", declared[1].Name)
}

func TestJSONSchemaReply(t *testing.T) {
	schema := `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: `{"city":"Paris"}`}}})
	req := userReq("Largest French city?")
	req.ResponseFormat = &llm.ResponseFormat{Name: "city", Schema: json.RawMessage(schema), Strict: true}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.JSONEq(t, `{"city":"Paris"}`, resp.Content)
	r := h.srv.Requests()[0]
	rf := r.Request.ResponseFormat
	require.NotNil(t, rf, "the request carried no outputConfig.textFormat")
	assert.JSONEq(t, schema, string(rf.Schema))
	assert.Equal(t, "city", rf.Name)
	assert.Empty(t, r.Request.Tools, "structured output is native, not a forced tool")
}

func TestStreamWithUsage(t *testing.T) {
	usage := llm.Usage{PromptTokens: 50, CachedPromptTokens: 10, CacheWriteTokens: 5, CompletionTokens: 7, TotalTokens: 57}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Chunks: []string{"The ", "answer ", "is ", "42", "."}, Usage: usage},
		{Content: "Let me check.", ToolCalls: []llm.ToolCall{
			{Name: "calc", Arguments: `{"expr":"6*7","note":"héllo wörld"}`},
			{Name: "search", Arguments: `{"q":"meaning of life"}`}}},
	}})
	var chunks []string
	req := userReq("What is it?")
	req.OnChunk = func(s string) { chunks = append(chunks, s) }
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, []string{"The ", "answer ", "is ", "42", "."}, chunks)
	assert.Equal(t, "The answer is 42.", resp.Content)
	assert.Equal(t, "stop", resp.FinishReason)
	assert.Equal(t, "llmtest-1", resp.ID)
	want := usage
	want.Requests = 1
	assert.Equal(t, want, resp.Usage)
	assert.True(t, h.srv.Requests()[0].Stream)
	assert.True(t, strings.HasSuffix(h.srv.Requests()[0].Path, "/converse-stream"))

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
	notReady := llmtest.Reply{Fault: llmtest.FaultStatus, Status: 429, Message: "Model is not ready for inference",
		Header: map[string]string{"X-Amzn-ErrorType": "ModelNotReadyException"}}
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
		{name: "throttled then ok", replies: []llmtest.Reply{f(llmtest.FaultRateLimit), ok}, requests: 2, rateWaits: 1},
		{name: "throttled until attempts run out", replies: rep(f(llmtest.FaultRateLimit), 4), kind: llm.ErrRateLimit,
			status: "status 429", message: "Too many requests", requests: 4, rateWaits: 3},
		{name: "500 then ok", replies: []llmtest.Reply{f(llmtest.FaultServerError), ok}, requests: 2},
		{name: "503 twice then ok", replies: []llmtest.Reply{f(llmtest.FaultUnavailable), f(llmtest.FaultUnavailable), ok}, requests: 3},
		{name: "503 until attempts run out", replies: rep(f(llmtest.FaultUnavailable), 4), kind: llm.ErrServer,
			status: "status 503", message: "unable to process your request", requests: 4},
		{name: "model not ready is a server error, retried", replies: []llmtest.Reply{notReady, ok}, requests: 2},
		{name: "model not ready until attempts run out", replies: rep(notReady, 4), kind: llm.ErrServer,
			status: "status 429", message: "not ready", requests: 4},
		{name: "input too long fails fast", replies: []llmtest.Reply{f(llmtest.FaultContextLength), ok}, kind: llm.ErrContextWindow,
			status: "status 400", message: "Input is too long", requests: 1},
		{name: "unrecognized client fails fast", replies: []llmtest.Reply{f(llmtest.FaultUnauthorized), ok}, kind: llm.ErrAuth,
			status: "status 403", message: "security token", requests: 1},
		{name: "access denied fails fast", replies: []llmtest.Reply{{Fault: llmtest.FaultStatus, Status: 403, Message: "no access to model"}, ok},
			kind: llm.ErrAuth, status: "status 403", message: "no access to model", requests: 1},
		{name: "validation fails fast", replies: []llmtest.Reply{f(llmtest.FaultBadRequest), ok}, kind: llm.ErrBadRequest,
			status: "status 400", message: "request is invalid", requests: 1},
		{name: "unknown model fails fast", replies: []llmtest.Reply{{Fault: llmtest.FaultStatus, Status: 404, Message: "model not found"}, ok},
			kind: llm.ErrBadRequest, status: "status 404", requests: 1},
		{name: "reset then ok", replies: []llmtest.Reply{f(llmtest.FaultReset), ok}, requests: 2},
		{name: "reset until attempts run out", replies: rep(f(llmtest.FaultReset), 4), kind: llm.ErrTransport, requests: 4},
		{name: "malformed JSON then ok", replies: []llmtest.Reply{f(llmtest.FaultMalformedJSON), ok}, requests: 2},
		{name: "truncated body then ok", replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "a long answer"}, ok}, requests: 2},
		{name: "empty reply", replies: []llmtest.Reply{f(llmtest.FaultEmptyChoices), ok}, kind: llm.ErrEmptyResponse, requests: 1},
		{name: "stream: throttled then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultRateLimit), ok}, requests: 2, rateWaits: 1},
		{name: "stream: 503 then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultUnavailable), ok}, requests: 2},
		{name: "stream: exception event then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultServerError), ok}, requests: 2},
		{name: "stream: exception event until attempts run out", stream: true, replies: rep(f(llmtest.FaultServerError), 4),
			kind: llm.ErrServer, message: "error processing the request", requests: 4},
		{name: "stream: reset then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultReset), ok}, requests: 2},
		{name: "stream: malformed event then ok", stream: true, replies: []llmtest.Reply{f(llmtest.FaultMalformedJSON), ok}, requests: 2},
		{name: "stream: truncated before any text is retried", stream: true,
			replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, ToolCalls: []llm.ToolCall{{Name: "f", Arguments: `{"a":1}`}}}, ok}, requests: 2},
		{name: "stream: truncated after text fails", stream: true,
			replies: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: "one two three four"}, ok}, kind: llm.ErrTransport, requests: 1},
		{name: "stream: empty reply", stream: true, replies: []llmtest.Reply{f(llmtest.FaultEmptyChoices), ok}, kind: llm.ErrEmptyResponse, requests: 1},
		{name: "stream: input too long", stream: true, replies: []llmtest.Reply{f(llmtest.FaultContextLength)},
			kind: llm.ErrContextWindow, status: "status 400", requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{Replies: tt.replies})
			t.Setenv("AWS_MAX_ATTEMPTS", "9") // the SDK's retry settings change nothing
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
				assert.Equal(t, "chat "+testModel, r.Operation)
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
			assert.Equal(t, "aws.bedrock", le.Provider)
			msg := err.Error()
			assert.Contains(t, msg, `model "`+testModel+`"`)
			assert.Contains(t, msg, tt.status)
			assert.Contains(t, msg, tt.message)
			for _, s := range []string{testSecret, testSession} {
				assert.NotContains(t, msg, s)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "7"}, {Content: "ok"}}})
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.NoError(t, err)
	require.Len(t, h.retries(), 1)
	assert.Equal(t, 7*time.Second, h.retries()[0].Wait)

	h = newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "3600"}, {Content: "ok"}}})
	_, err = h.client.Generate(h.ctx(), userReq("hi"))
	require.ErrorIs(t, err, llm.ErrRateLimit)
	assert.Contains(t, err.Error(), "MaxWait")
	assert.Equal(t, 1, h.srv.Count())
}

func TestCancelDuringHang(t *testing.T) {
	for _, stream := range []bool{false, true} {
		arrived := make(chan struct{}, 1)
		h := newHarness(t, llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
			arrived <- struct{}{}
			return llmtest.Reply{Fault: llmtest.FaultHang}
		}})
		ctx, cancel := context.WithCancel(h.ctx())
		go func() {
			<-arrived
			cancel()
		}()
		req := userReq("hi")
		if stream {
			req.OnChunk = func(string) {}
		}
		_, err := h.client.Generate(ctx, req)
		require.Error(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, llm.ErrTransport)
		assert.Equal(t, 1, h.srv.Count())
	}
}

// TestSecretsNeverShown: a provider message that echoes the secret key,
// the session token or the bearer token is scrubbed, down the error chain.
func TestSecretsNeverShown(t *testing.T) {
	echo := "The security token " + testSession + " for " + testSecret + " (" + testBearer + ") is invalid."
	for _, bearerAuth := range []bool{false, true} {
		h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultUnauthorized, Message: echo}}},
			func(c *bedrock.Config) {
				if bearerAuth {
					c.Credentials, c.BearerToken = nil, testBearer
					c.BaseURL, c.HTTPClient = viaHTTPS(c.BaseURL)
				}
			})
		_, err := h.client.Generate(h.ctx(), userReq("hi"))
		require.ErrorIs(t, err, llm.ErrAuth)
		assert.Contains(t, err.Error(), "[REDACTED]")
		for e := error(err); e != nil; e = errors.Unwrap(e) {
			if bearerAuth {
				assert.NotContains(t, e.Error(), testBearer)
			} else {
				assert.NotContains(t, e.Error(), testSecret)
				assert.NotContains(t, e.Error(), testSession)
			}
		}
		for _, s := range []string{fmt.Sprint(h.client), fmt.Sprintf("%#v", h.client),
			fmt.Sprint(bedrock.Config{BearerToken: testBearer, Credentials: staticCreds()}),
			fmt.Sprintf("%#v", bedrock.Config{BearerToken: testBearer})} {
			assert.NotContains(t, s, testBearer)
			assert.NotContains(t, s, testSecret)
		}
	}
}

type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("countingTransport: no request should be sent")
}

// TestConfiguration: the region, the credentials and the endpoint come from
// Config or the AWS environment; what is missing is an error naming the
// variable, from New, Check and every Generate, and no request is sent.
func TestConfiguration(t *testing.T) {
	rt := &countingTransport{}
	hc := &http.Client{Transport: rt}
	tests := []struct {
		name string
		env  map[string]string
		cfg  bedrock.Config
		kind error
		want string
		is   error
	}{
		{name: "no region", env: map[string]string{"AWS_ACCESS_KEY_ID": testAKID, "AWS_SECRET_ACCESS_KEY": testSecret},
			kind: llm.ErrBadRequest, want: "AWS_REGION", is: bedrock.ErrNoRegion},
		{name: "no credentials", env: map[string]string{"AWS_REGION": "eu-west-1"}, kind: llm.ErrAuth, want: "AWS_ACCESS_KEY_ID", is: bedrock.ErrNoCredentials},
		{name: "unknown profile", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_PROFILE": "nosuch"}, kind: llm.ErrBadRequest, want: "nosuch"},
		{name: "no model", env: map[string]string{"AWS_REGION": "eu-west-1"}, cfg: bedrock.Config{Model: " "}, kind: llm.ErrBadRequest, want: "Config.Model"},
		{name: "bad base URL", env: map[string]string{"AWS_REGION": "eu-west-1"}, cfg: bedrock.Config{BaseURL: "ftp://x"}, kind: llm.ErrBadRequest, want: "Config.BaseURL"},
		{name: "bad retry", env: map[string]string{"AWS_REGION": "eu-west-1"}, cfg: bedrock.Config{Retry: llm.RetryPolicy{MaxAttempts: -1}}, kind: llm.ErrBadRequest, want: "MaxAttempts"},
		{name: "env keys and AWS_DEFAULT_REGION", env: map[string]string{"AWS_DEFAULT_REGION": "eu-central-1",
			"AWS_ACCESS_KEY_ID": testAKID, "AWS_SECRET_ACCESS_KEY": testSecret}, want: "bedrock-runtime.eu-central-1.amazonaws.com"},
		{name: "bearer token", env: map[string]string{"AWS_REGION": "us-west-2", "AWS_BEARER_TOKEN_BEDROCK": testBearer},
			want: "bedrock-runtime.us-west-2.amazonaws.com"},
		{name: "instance role allowed", env: map[string]string{"AWS_REGION": "us-west-2"}, cfg: bedrock.Config{InstanceRole: true},
			want: "bedrock-runtime.us-west-2.amazonaws.com"},
		{name: "config region wins", env: map[string]string{"AWS_REGION": "us-west-2"}, cfg: bedrock.Config{Region: "ap-south-1", Credentials: staticCreds()},
			want: "bedrock-runtime.ap-south-1.amazonaws.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearAWS(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg := tt.cfg
			if cfg.Model == "" {
				cfg.Model = testModel
			}
			cfg.HTTPClient = hc
			c, err := bedrock.New(cfg)
			require.NotNil(t, c)
			if tt.kind == nil {
				require.NoError(t, err)
				require.NoError(t, c.Check())
				assert.Equal(t, tt.want, c.Info().ServerAddress)
				assert.Equal(t, 443, c.Info().ServerPort)
				return
			}
			require.ErrorIs(t, err, tt.kind)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), testSecret)
			assert.ErrorIs(t, c.Check(), tt.kind)
			assert.ErrorIs(t, llm.Check(c), tt.kind)
			_, err = c.Generate(context.Background(), userReq("hi"))
			assert.ErrorIs(t, err, tt.kind)
			assert.Equal(t, "aws.bedrock", c.Info().Provider)
		})
	}
	assert.Equal(t, int32(0), rt.n.Load(), "no request was sent")

	// A connection failure is a transport error, through the given client.
	clearAWS(t)
	c, err := bedrock.New(bedrock.Config{Model: testModel, Region: "us-east-1", Credentials: staticCreds(), BaseURL: "http://127.0.0.1:1",
		HTTPClient: hc, Retry: llm.RetryPolicy{MaxAttempts: 1}})
	require.NoError(t, err)
	assert.Equal(t, 1, c.Info().ServerPort)
	_, err = c.Generate(context.Background(), userReq("hi"))
	assert.ErrorIs(t, err, llm.ErrTransport)
	assert.Equal(t, int32(1), rt.n.Load())
}

// TestBearerTokenAuth: with a Bedrock API key the requests carry it as a
// bearer token instead of a SigV4 signature.
func TestBearerTokenAuth(t *testing.T) {
	var auth atomic.Value
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	rec := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		auth.Store(r.Header.Get("Authorization"))
		return tr.RoundTrip(r)
	})}
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "hi"}, {Content: "hi"}}}, func(c *bedrock.Config) {
		c.Credentials = nil
		var hc *http.Client
		c.BaseURL, hc = viaHTTPS(c.BaseURL)
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			auth.Store(r.Header.Get("Authorization"))
			return hc.Transport.RoundTrip(r)
		})}
		t.Setenv("AWS_BEARER_TOKEN_BEDROCK", testBearer)
	})
	_, err := h.client.Generate(h.ctx(), userReq("hi"))
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+testBearer, auth.Load())

	h = newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "hi"}}}, func(c *bedrock.Config) { c.HTTPClient = rec })
	_, err = h.client.Generate(h.ctx(), userReq("hi"))
	require.NoError(t, err)
	assert.Contains(t, auth.Load(), "AWS4-HMAC-SHA256 Credential="+testAKID+"/")
	assert.Contains(t, auth.Load(), "/us-east-1/bedrock/aws4_request")
}

// viaHTTPS returns an https base URL for the fake at base and a client that
// sends its requests over plain HTTP: the SDK sends a bearer token over
// HTTPS only, and the fake serves HTTP.
func viaHTTPS(base string) (string, *http.Client) {
	tr := &http.Transport{}
	return strings.Replace(base, "http://", "https://", 1), &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme = "http"
		resp, err := tr.RoundTrip(r)
		if err == nil {
			resp.Body = closeIdle{resp.Body, tr}
		}
		return resp, err
	})}
}

// closeIdle closes the transport's idle connections with the body, so that
// no connection outlives the test.
type closeIdle struct {
	io.ReadCloser
	tr *http.Transport
}

func (c closeIdle) Close() error {
	err := c.ReadCloser.Close()
	c.tr.CloseIdleConnections()
	return err
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestBadInput(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "x"}}})
	msgs := userReq("x").Messages
	tests := []struct {
		name string
		req  *llm.Request
		want string
	}{
		{"nil", nil, "nil"},
		{"no messages", &llm.Request{}, "Messages is empty"},
		{"only system", &llm.Request{Messages: []llm.Message{{Role: llm.RoleSystem, Content: "s"}}}, "only system"},
		{"bad role", &llm.Request{Messages: []llm.Message{{Role: "boss", Content: "s"}}}, `"boss"`},
		{"empty user", &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "  "}}}, "empty content"},
		{"assistant first", &llm.Request{Messages: []llm.Message{{Role: llm.RoleAssistant, Content: "hello"}}}, "start with a user message"},
		{"tool without id", &llm.Request{Messages: []llm.Message{{Role: llm.RoleTool, Content: "r"}}}, "ToolCallID"},
		{"tool without name", &llm.Request{Messages: msgs, Tools: []llm.ToolDef{{}}}, "Tools[0].Name"},
		{"tool name with space", &llm.Request{Messages: msgs, Tools: []llm.ToolDef{{Name: "web search"}}}, "1 to 64 letters"},
		{"array schema", &llm.Request{Messages: msgs, Tools: []llm.ToolDef{{Name: "t", Parameters: json.RawMessage(`{"type":"array"}`)}}}, "object schemas"},
		{"bad format", &llm.Request{Messages: msgs, ResponseFormat: &llm.ResponseFormat{}}, "ResponseFormat.Schema"},
		{"negative max", &llm.Request{Messages: msgs, MaxTokens: -1}, "MaxTokens"},
		{"parts on assistant", &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "x"},
			{Role: llm.RoleAssistant, Parts: []llm.Part{{Kind: llm.PartText, Text: "t"}}}}}, "only user messages"},
		{"image by URL", &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "x",
			Parts: []llm.Part{{Kind: llm.PartImage, URL: "https://example.com/cat.png?sig=abc"}}}}}, "s3:// URI"},
	}
	for _, tt := range tests {
		_, err := h.client.Generate(h.ctx(), tt.req)
		require.ErrorIs(t, err, llm.ErrBadRequest, tt.name)
		assert.Contains(t, err.Error(), tt.want, tt.name)
	}
	assert.Equal(t, 0, h.srv.Count(), "no bad request reaches the server")
}

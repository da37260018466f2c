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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genai"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// TestGeminiFakeRejectsWhatGeminiRejects sends the fake requests the Gemini
// API answers with 400 (or 403), and checks the error body is Google's.
func TestGeminiFakeRejectsWhatGeminiRejects(t *testing.T) {
	srv := llmtest.NewGeminiServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		return llmtest.Reply{Content: "fine"}
	}})
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	const user = `{"role":"user","parts":[{"text":"hi"}]}`
	call := `{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}},{"functionCall":{"name":"g","args":{}}}]}`
	tests := []struct {
		name, body string
		noKey      bool
		status     int
		want       string
	}{
		{"valid", `{"contents":[` + user + `]}`, false, 200, ""},
		{"no key", `{"contents":[` + user + `]}`, true, 403, "PERMISSION_DENIED"},
		{"no contents", `{"contents":[]}`, false, 400, "contents is not specified"},
		{"bad role", `{"contents":[{"role":"assistant","parts":[{"text":"x"}]}]}`, false, 400, "valid role"},
		{"no parts", `{"contents":[{"role":"user","parts":[]}]}`, false, 400, "parts must not be empty"},
		{"empty text", `{"contents":[{"role":"user","parts":[{"text":""}]}]}`, false, 400, "empty text parameter"},
		{"empty part", `{"contents":[{"role":"user","parts":[{}]}]}`, false, 400, "oneof field 'data'"},
		{"unknown field", `{"contents":[` + user + `],"temperature":1}`, false, 400, "Unknown name"},
		{"one response for two calls", `{"contents":[` + user + `,` + call + `,{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":"x"}}}]}]}`, false, 400, "number of function response parts"},
		{"response without call", `{"contents":[{"role":"user","parts":[{"functionResponse":{"name":"f","response":{}}}]}]}`, false, 400, "immediately after a function call turn"},
		{"two responses", `{"contents":[` + user + `,` + call + `,{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"output":""}}},{"functionResponse":{"name":"g","response":{"output":"y"}}}]}]}`, false, 200, ""},
		{"bad function name", `{"contents":[` + user + `],"tools":[{"functionDeclarations":[{"name":"1 bad"}]}]}`, false, 400, "Invalid function name"},
		{"schema without JSON mode", `{"contents":[` + user + `],"generationConfig":{"responseJsonSchema":{"type":"object"}}}`, false, 400, "response_mime_type"},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(http.MethodPost, srv.URL()+"/v1beta/models/gemini-2.5-flash:generateContent", strings.NewReader(tt.body))
		require.NoError(t, err)
		if !tt.noKey {
			req.Header.Set("x-goog-api-key", "k")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, tt.status, resp.StatusCode, tt.name)
		if tt.status == 200 {
			assert.Contains(t, string(b), `"candidates"`, tt.name)
			continue
		}
		var e struct {
			Error struct {
				Code            int
				Message, Status string
			}
		}
		require.NoError(t, json.Unmarshal(b, &e), tt.name)
		assert.Equal(t, tt.status, e.Error.Code, tt.name)
		assert.Contains(t, e.Error.Status+" "+e.Error.Message, tt.want, tt.name)
	}
}

// TestGeminiFakeThroughSDK parses the fake's replies and errors with the
// official SDK (google.golang.org/genai).
func TestGeminiFakeThroughSDK(t *testing.T) {
	usage := llm.Usage{PromptTokens: 100, CachedPromptTokens: 60, CompletionTokens: 9, ReasoningTokens: 3}
	reply := llmtest.Reply{Content: "hello", ToolCalls: []llm.ToolCall{{ID: "fc1", Name: "f", Arguments: `{"a":1}`}}, Usage: usage}
	srv := llmtest.NewGeminiServer(llmtest.ServerConfig{Replies: []llmtest.Reply{reply, reply, {Fault: llmtest.FaultRateLimit}}})
	defer srv.Close()
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	t.Setenv("GOOGLE_GENAI_USE_VERTEXAI", "")
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{APIKey: "k", Backend: genai.BackendGeminiAPI,
		HTTPClient: hc, HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL()}})
	require.NoError(t, err)
	contents := []*genai.Content{genai.NewContentFromText("hi", genai.RoleUser)}
	r, err := c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", contents, nil)
	require.NoError(t, err)
	require.Len(t, r.Candidates, 1)
	cand := r.Candidates[0]
	assert.Equal(t, genai.FinishReasonStop, cand.FinishReason)
	assert.NotEmpty(t, cand.SafetyRatings)
	require.Len(t, cand.Content.Parts, 2)
	assert.Equal(t, "hello", cand.Content.Parts[0].Text)
	assert.Equal(t, "f", cand.Content.Parts[1].FunctionCall.Name)
	assert.Equal(t, map[string]any{"a": float64(1)}, cand.Content.Parts[1].FunctionCall.Args)
	assert.Equal(t, int32(100), r.UsageMetadata.PromptTokenCount)
	assert.Equal(t, int32(60), r.UsageMetadata.CachedContentTokenCount)
	assert.Equal(t, int32(6), r.UsageMetadata.CandidatesTokenCount, "candidates exclude thoughts")
	assert.Equal(t, int32(3), r.UsageMetadata.ThoughtsTokenCount)

	var text strings.Builder
	var finish genai.FinishReason
	var calls int
	for chunk, err := range c.Models.GenerateContentStream(context.Background(), "gemini-2.5-flash", contents, nil) {
		require.NoError(t, err)
		text.WriteString(chunk.Text())
		calls += len(chunk.FunctionCalls())
		if fr := chunk.Candidates[0].FinishReason; fr != "" {
			finish = fr
		}
	}
	assert.Equal(t, "hello", text.String())
	assert.Equal(t, 1, calls)
	assert.Equal(t, genai.FinishReasonStop, finish)

	_, err = c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", contents, nil)
	var apiErr genai.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, 429, apiErr.Code)
	assert.Equal(t, "RESOURCE_EXHAUSTED", apiErr.Status)
}

// TestGeminiFakeErrorsThroughSDK: every error the fake sends (each fault,
// and a request Gemini rejects) is a genai.APIError the official SDK reads
// with Google's code, status and message, whole or streamed.
func TestGeminiFakeErrorsThroughSDK(t *testing.T) {
	tests := []struct {
		name   string
		reply  llmtest.Reply
		cfg    *genai.GenerateContentConfig
		code   int
		status string
		msg    string
	}{
		{name: "rate limit", reply: llmtest.Reply{Fault: llmtest.FaultRateLimit, RetryAfter: "7"}, code: 429, status: "RESOURCE_EXHAUSTED", msg: "rate limit"},
		{name: "server error", reply: llmtest.Reply{Fault: llmtest.FaultServerError}, code: 500, status: "INTERNAL", msg: "server had an error"},
		{name: "unavailable", reply: llmtest.Reply{Fault: llmtest.FaultUnavailable}, code: 503, status: "UNAVAILABLE", msg: "overloaded"},
		{name: "too many tokens", reply: llmtest.Reply{Fault: llmtest.FaultContextLength}, code: 400, status: "INVALID_ARGUMENT", msg: "exceeds the maximum number of tokens"},
		{name: "bad key", reply: llmtest.Reply{Fault: llmtest.FaultUnauthorized}, code: 401, status: "UNAUTHENTICATED", msg: "not valid"},
		{name: "bad request", reply: llmtest.Reply{Fault: llmtest.FaultBadRequest}, code: 400, status: "INVALID_ARGUMENT", msg: "invalid"},
		{name: "forbidden", reply: llmtest.Reply{Fault: llmtest.FaultStatus, Status: 403, Message: "no access"}, code: 403, status: "PERMISSION_DENIED", msg: "no access"},
		{name: "deadline", reply: llmtest.Reply{Fault: llmtest.FaultStatus, Status: 504}, code: 504, status: "DEADLINE_EXCEEDED", msg: "504"},
		{name: "rejected: function name", reply: llmtest.Reply{Content: "never"}, code: 400, status: "INVALID_ARGUMENT", msg: "Invalid function name",
			cfg: &genai.GenerateContentConfig{Tools: []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{{Name: "1 bad"}}}}}},
		{name: "rejected: schema without JSON mode", reply: llmtest.Reply{Content: "never"}, code: 400, status: "INVALID_ARGUMENT", msg: "response_mime_type",
			cfg: &genai.GenerateContentConfig{ResponseJsonSchema: map[string]any{"type": "object"}}},
	}
	t.Setenv("GOOGLE_GENAI_USE_VERTEXAI", "")
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s stream=%t", tt.name, stream), func(t *testing.T) {
				srv := llmtest.NewGeminiServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return tt.reply }})
				defer srv.Close()
				hc := &http.Client{}
				defer hc.CloseIdleConnections()
				c, err := genai.NewClient(context.Background(), &genai.ClientConfig{APIKey: "k", Backend: genai.BackendGeminiAPI,
					HTTPClient: hc, HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL()}})
				require.NoError(t, err)
				contents := []*genai.Content{genai.NewContentFromText("hi", genai.RoleUser)}
				if stream {
					for _, e := range c.Models.GenerateContentStream(context.Background(), "gemini-2.5-flash", contents, tt.cfg) {
						if e != nil {
							err = e
							break
						}
					}
				} else {
					_, err = c.Models.GenerateContent(context.Background(), "gemini-2.5-flash", contents, tt.cfg)
				}
				var apiErr genai.APIError
				require.True(t, errors.As(err, &apiErr), "%v", err)
				assert.Equal(t, tt.code, apiErr.Code)
				assert.Equal(t, tt.status, apiErr.Status)
				assert.Contains(t, apiErr.Message, tt.msg)
			})
		}
	}
}

// TestGeminiFakeThoughtSignatures: a reply with thinking signs its first
// function call (the SDK reads the signature), and the fake checks the
// signatures sent back as Gemini does: a corrupted one is refused, and on
// a Gemini 3 model a step of the current turn whose first call lost its
// signature is refused.
func TestGeminiFakeThoughtSignatures(t *testing.T) {
	srv := llmtest.NewGeminiServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		return llmtest.Reply{Thinking: "plan", ToolCalls: []llm.ToolCall{{ID: "fc1", Name: "f", Arguments: `{}`}, {ID: "fc2", Name: "g", Arguments: `{}`}}}
	}})
	defer srv.Close()
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	t.Setenv("GOOGLE_GENAI_USE_VERTEXAI", "")
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{APIKey: "k", Backend: genai.BackendGeminiAPI,
		HTTPClient: hc, HTTPOptions: genai.HTTPOptions{BaseURL: srv.URL()}})
	require.NoError(t, err)
	user := genai.NewContentFromText("go", genai.RoleUser)
	r, err := c.Models.GenerateContent(context.Background(), "gemini-3-pro", []*genai.Content{user}, nil)
	require.NoError(t, err)
	parts := r.Candidates[0].Content.Parts
	require.Len(t, parts, 2)
	assert.Equal(t, []byte(llmtest.ThinkingSignature("plan")), parts[0].ThoughtSignature, "the first call is signed")
	assert.Empty(t, parts[1].ThoughtSignature, "the parallel call is not")

	turn := func(sig []byte) []*genai.Content {
		call := &genai.Part{FunctionCall: &genai.FunctionCall{Name: "f", Args: map[string]any{}}, ThoughtSignature: sig}
		resp := &genai.Part{FunctionResponse: &genai.FunctionResponse{Name: "f", Response: map[string]any{"output": "r"}}}
		return []*genai.Content{user, {Role: genai.RoleModel, Parts: []*genai.Part{call}}, {Role: genai.RoleUser, Parts: []*genai.Part{resp}}}
	}
	tests := []struct {
		name, model string
		sig         []byte
		want        string
	}{
		{"kept", "gemini-3-pro", parts[0].ThoughtSignature, ""},
		{"dropped on Gemini 3", "gemini-3-pro", nil, "is missing a `thought_signature`"},
		{"dropped on Gemini 2.5", "gemini-2.5-flash", nil, ""},
		{"corrupted", "gemini-2.5-flash", []byte("made up"), "corrupted"},
	}
	for _, tt := range tests {
		_, err := c.Models.GenerateContent(context.Background(), tt.model, turn(tt.sig), nil)
		if tt.want == "" {
			assert.NoError(t, err, tt.name)
			continue
		}
		var apiErr genai.APIError
		require.True(t, errors.As(err, &apiErr), "%s: %v", tt.name, err)
		assert.Equal(t, 400, apiErr.Code, tt.name)
		assert.Contains(t, apiErr.Message, tt.want, tt.name)
	}
	// An earlier turn's calls need no signature: only the current turn's do.
	old := append(turn(nil), &genai.Content{Role: genai.RoleModel, Parts: []*genai.Part{genai.NewPartFromText("done")}}, genai.NewContentFromText("again", genai.RoleUser))
	_, err = c.Models.GenerateContent(context.Background(), "gemini-3-pro", old, nil)
	assert.NoError(t, err)
}

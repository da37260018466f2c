package llmtest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/llm/llmtest"
)

func post(t *testing.T, ctx context.Context, url, body string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

type apiError struct {
	Error struct {
		Message string
		Type    string
		Code    *string
	}
}

func TestServerErrorsAndRouting(t *testing.T) {
	srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "only one"}}})
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	ctx := context.Background()
	tests := []struct {
		name, path, body string
		status           int
		code, message    string
	}{
		{"unknown path", "/models", `{}`, 404, "unknown_url", "no route"},
		{"not JSON", "/chat/completions", `{"model":`, 400, "invalid_json", "not a chat-completions JSON object"},
		{"trailing data", "/chat/completions", `{"model":"m"} {}`, 400, "invalid_json", "data after"},
		{"bad content", "/chat/completions", `{"messages":[{"role":"user","content":42}]}`, 400, "invalid_json", "messages[0].content"},
		{"first reply", "/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 200, "", ""},
		{"exhausted", "/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 400, "script_exhausted", "no more replies"},
	}
	for _, tt := range tests {
		resp, body, err := post(t, ctx, srv.URL()+tt.path, tt.body)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.status, resp.StatusCode, tt.name)
		if tt.status == 200 {
			assert.Contains(t, string(body), `"content":"only one"`)
			continue
		}
		var e apiError
		require.NoError(t, json.Unmarshal(body, &e), tt.name)
		require.NotNil(t, e.Error.Code, tt.name)
		assert.Equal(t, tt.code, *e.Error.Code, tt.name)
		assert.Contains(t, e.Error.Message, tt.message, tt.name)
	}
	resp, err := http.Get(srv.URL() + "/chat/completions")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, len(tests)+1, srv.Count())
	assert.Len(t, srv.Requests(), 2, "only decodable requests are recorded")
}

func TestServerDecodesRequest(t *testing.T) {
	srv := llmtest.NewServer(llmtest.ServerConfig{MaxRecorded: 1, Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		return llmtest.Reply{Content: "ok"}
	}})
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	body := `{"model":"m","stop":"END","temperature":0,"max_completion_tokens":99,
		"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}},{"type":"text","text":"b"}]},
		{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
		{"role":"tool","tool_call_id":"c1","name":"f","content":"r"}],
		"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"object"},"strict":true}}}`
	for range 3 {
		resp, _, err := post(t, context.Background(), srv.URL()+"/chat/completions", body)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 1, "MaxRecorded bounds the recording")
	assert.Equal(t, 3, srv.Count())
	r := reqs[0].Request
	assert.Equal(t, []string{"END"}, r.Stop)
	require.NotNil(t, r.Temperature)
	assert.Zero(t, *r.Temperature)
	assert.Equal(t, 99, r.MaxTokens)
	assert.Equal(t, "ab", r.Messages[0].Content)
	assert.Equal(t, "f", r.Messages[1].ToolCalls[0].Name)
	assert.Equal(t, "c1", r.Messages[2].ToolCallID)
	require.NotNil(t, r.ResponseFormat)
	assert.JSONEq(t, `{"type":"object"}`, string(r.ResponseFormat.Schema))
}

// sse reads a streamed body into its data payloads.
func sse(t *testing.T, body []byte) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, p)
		}
	}
	return out
}

func TestServerStreamsSSE(t *testing.T) {
	srv := llmtest.NewServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		return llmtest.Reply{Content: "hi there"}
	}})
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	for _, usage := range []bool{false, true} {
		body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`
		if usage {
			body = `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}`
		}
		resp, b, err := post(t, context.Background(), srv.URL()+"/chat/completions", body)
		require.NoError(t, err)
		assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		events := sse(t, b)
		require.NotEmpty(t, events)
		assert.Equal(t, "[DONE]", events[len(events)-1])
		// role, "hi ", "there", finish, [usage], [DONE]
		want := 5
		if usage {
			want = 6
			assert.Contains(t, events[4], `"usage":{"prompt_tokens"`)
			assert.Contains(t, events[4], `"choices":[]`)
		}
		assert.Len(t, events, want)
		assert.Contains(t, events[1], `"content":"hi "`)
		assert.Contains(t, events[3], `"finish_reason":"stop"`)
		assert.Contains(t, events[1], `"finish_reason":null`)
	}
}

func TestServerLatencyAndHangEndWithTheClient(t *testing.T) {
	arrived := make(chan struct{}, 2)
	srv := llmtest.NewServer(llmtest.ServerConfig{Latency: time.Hour, Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		arrived <- struct{}{}
		return llmtest.Reply{Content: "never"}
	}})
	defer http.DefaultClient.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, _, err := post(t, ctx, srv.URL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	assert.ErrorIs(t, err, context.Canceled)

	// A request still waiting when the server closes is ended by Close.
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _, err := post(t, context.Background(), srv.URL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
		assert.Error(t, err)
	})
	<-arrived
	srv.Close()
	wg.Wait()
	srv.Close() // harmless
}

func TestServerHeaders(t *testing.T) {
	srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Fault: llmtest.FaultRateLimit, RetryAfter: "2", Header: map[string]string{"retry-after-ms": "2000", "x-request-id": "r1"}},
	}})
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	resp, b, err := post(t, context.Background(), srv.URL()+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	assert.Equal(t, "2000", resp.Header.Get("Retry-After-Ms"))
	assert.Equal(t, "r1", resp.Header.Get("X-Request-Id"))
	assert.Contains(t, string(b), "rate_limit_exceeded")
}

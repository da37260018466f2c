package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/tool"
)

// TestSSETransport: a client reaches a server over the older HTTP+SSE
// transport (the SDK's SSE handler serving a Service), lists its tools and
// calls them, a tool error included.
func TestSSETransport(t *testing.T) {
	svc := &Service{Name: "weather-service", Tools: []tool.Tool{weatherTool()}}
	srv, err := svc.build()
	require.NoError(t, err)
	ts := httptest.NewServer(sdk.NewSSEHandler(func(*http.Request) *sdk.Server { return srv }, nil))
	defer ts.Close()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()

	var mu sync.Mutex
	var seen []string
	hc.Transport = recordHeaders(hc.Transport, &mu, &seen)
	c := connect(t, &Server{Name: "weather", URL: ts.URL, Transport: SSE, HTTPClient: hc,
		Headers: map[string]string{"X-Team": "forecast"}})
	defer c.Close()
	tr, addr, port := c.srv.endpoint()
	assert.Equal(t, "tcp", tr)
	assert.Equal(t, "127.0.0.1", addr)
	assert.Positive(t, port)

	tools := toolsByName(t, c)
	require.Contains(t, tools, "weather")
	out, err := tools["weather"].Run(context.Background(), json.RawMessage(`{"city":"Porto"}`))
	require.NoError(t, err)
	assert.Equal(t, "sunny in Porto", out)
	_, err = tools["weather"].Run(context.Background(), json.RawMessage(`{"city":"Atlantis"}`))
	var te *ToolError
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Contains(t, te.Text, "no weather under the sea")
	mu.Lock()
	assert.Contains(t, seen, "forecast", "the configured header is sent on the SSE transport")
	mu.Unlock()
}

// headerRecorder records the X-Team header of every request.
type headerRecorder struct {
	base http.RoundTripper
	mu   *sync.Mutex
	seen *[]string
}

func recordHeaders(base http.RoundTripper, mu *sync.Mutex, seen *[]string) http.RoundTripper {
	return &headerRecorder{base: base, mu: mu, seen: seen}
}

func (h *headerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	if v := r.Header.Get("X-Team"); v != "" && !slices.Contains(*h.seen, v) {
		*h.seen = append(*h.seen, v)
	}
	h.mu.Unlock()
	return h.base.RoundTrip(r)
}

// TestToolListChanged: when the server's tools change, it notifies
// (notifications/tools/list_changed) and the client's next Tools call lists
// them again; without a notification the kept list is used.
func TestToolListChanged(t *testing.T) {
	h, _ := newHarness(t)
	c := newClient(h.server("changing"))
	changed := make(chan struct{}, 8)
	c.onToolsChanged = func() { changed <- struct{}{} }
	defer c.Close()
	ctx := context.Background()
	names := func() []string {
		t.Helper()
		ts, err := c.Tools(ctx)
		require.NoError(t, err)
		var out []string
		for _, x := range ts {
			out = append(out, x.Name())
		}
		slices.Sort(out)
		return out
	}
	before := names()
	require.Contains(t, before, "echo")
	require.NotContains(t, before, "late")

	sdk.AddTool(h.srv, &sdk.Tool{Name: "late", Description: "Added while the session is open."},
		func(context.Context, *sdk.CallToolRequest, struct{}) (*sdk.CallToolResult, any, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "here"}}}, nil, nil
		})
	<-changed
	after := names()
	assert.Contains(t, after, "late")
	assert.Len(t, after, len(before)+1)

	h.srv.RemoveTools("late")
	<-changed
	assert.Equal(t, before, names())
	assert.Equal(t, int64(1), h.dials.Load(), "the same session throughout")
}

package mcp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"
)

// The test binary doubles as a stdio MCP server: run with
// CREWAI_MCP_TEST_SERVER=1 it serves the test tools on stdin/stdout.
func TestMain(m *testing.M) {
	if os.Getenv("CREWAI_MCP_TEST_SERVER") == "1" {
		srv, _ := newTestServer()
		if err := srv.Run(context.Background(), &sdk.StdioTransport{}); err != nil && !errors.Is(err, sdk.ErrConnectionClosed) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("os/exec.(*Cmd).Start.func2"))
}

// testState records what the test server saw.
type testState struct {
	calls   atomic.Int64 // tools/call requests that reached a handler
	slowIn  chan struct{}
	barrier *barrier
	metaMu  sync.Mutex
	metas   []map[string]any
}

// barrier lets n calls through together (each waits for the n-th).
type barrier struct {
	mu   sync.Mutex
	n    int
	seen int
	done chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, done: make(chan struct{})} }

func (b *barrier) wait(ctx context.Context) {
	b.mu.Lock()
	b.seen++
	if b.seen == b.n {
		close(b.done)
	}
	b.mu.Unlock()
	select {
	case <-b.done:
	case <-ctx.Done():
	}
}

type echoArgs struct {
	Text string `json:"text" jsonschema:"the text to echo"`
}

type addArgs struct {
	A int `json:"a"`
	B int `json:"b"`
}

type sum struct {
	Sum int `json:"sum"`
}

// newTestServer returns an SDK server with tools that answer in every way a
// server can: text, structured, tool error, image, resources, slow, huge.
func newTestServer() (*sdk.Server, *testState) {
	st := &testState{slowIn: make(chan struct{}, 16)}
	srv := sdk.NewServer(&sdk.Implementation{Name: "test-server", Version: "1"}, nil)
	record := func(req *sdk.CallToolRequest) {
		st.calls.Add(1)
		st.metaMu.Lock()
		st.metas = append(st.metas, req.Params.Meta)
		st.metaMu.Unlock()
	}
	sdk.AddTool(srv, &sdk.Tool{Name: "echo", Description: "Echo the text back."},
		func(ctx context.Context, req *sdk.CallToolRequest, in echoArgs) (*sdk.CallToolResult, any, error) {
			record(req)
			if b := st.barrier; b != nil {
				b.wait(ctx)
			}
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: in.Text}}}, nil, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "add", Description: "Add two integers."},
		func(ctx context.Context, req *sdk.CallToolRequest, in addArgs) (*sdk.CallToolResult, sum, error) {
			record(req)
			return nil, sum{Sum: in.A + in.B}, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "fail", Description: "Always fails."},
		func(ctx context.Context, req *sdk.CallToolRequest, in struct{}) (*sdk.CallToolResult, any, error) {
			record(req)
			return nil, nil, errors.New("the disk is on fire")
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "picture", Description: "Returns an image and resources."},
		func(ctx context.Context, req *sdk.CallToolRequest, in struct{}) (*sdk.CallToolResult, any, error) {
			record(req)
			return &sdk.CallToolResult{Content: []sdk.Content{
				&sdk.TextContent{Text: "here it is"},
				&sdk.ImageContent{Data: []byte{1, 2, 3, 4}, MIMEType: "image/png"},
				&sdk.AudioContent{Data: []byte{1, 2}, MIMEType: "audio/wav"},
				&sdk.ResourceLink{URI: "file:///etc/passwd", Name: "passwd", MIMEType: "text/plain"},
				&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: "mem://notes", MIMEType: "text/plain", Text: "note text"}},
				&sdk.EmbeddedResource{Resource: &sdk.ResourceContents{URI: "mem://blob", MIMEType: "application/zip", Blob: []byte{9, 9, 9}}},
			}}, nil, nil
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "slow", Description: "Never finishes on its own."},
		func(ctx context.Context, req *sdk.CallToolRequest, in struct{}) (*sdk.CallToolResult, any, error) {
			record(req)
			st.slowIn <- struct{}{}
			<-ctx.Done()
			return nil, nil, ctx.Err()
		})
	sdk.AddTool(srv, &sdk.Tool{Name: "huge", Description: strings.Repeat("d", 10000)},
		func(ctx context.Context, req *sdk.CallToolRequest, in struct{}) (*sdk.CallToolResult, any, error) {
			record(req)
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: strings.Repeat("x", 200000)}}}, nil, nil
		})
	return srv, st
}

// memServer returns a Server whose sessions are in-memory connections to
// srv; dials counts them, and sessions lists the server sides.
type memHarness struct {
	srv      *sdk.Server
	dials    atomic.Int64
	mu       sync.Mutex
	sessions []*sdk.ServerSession
}

func (h *memHarness) server(name string) *Server {
	return &Server{Name: name, Dial: func(ctx context.Context) (sdk.Transport, error) {
		h.dials.Add(1)
		ct, st := sdk.NewInMemoryTransports()
		ss, err := h.srv.Connect(ctx, st, nil)
		if err != nil {
			return nil, err
		}
		h.mu.Lock()
		h.sessions = append(h.sessions, ss)
		h.mu.Unlock()
		return ct, nil
	}}
}

// kill closes every server-side session, as a dying server would.
func (h *memHarness) kill() {
	h.mu.Lock()
	ss := h.sessions
	h.sessions = nil
	h.mu.Unlock()
	for _, s := range ss {
		_ = s.Close()
	}
}

func newHarness(t *testing.T) (*memHarness, *testState) {
	t.Helper()
	srv, st := newTestServer()
	h := &memHarness{srv: srv}
	t.Cleanup(h.kill)
	return h, st
}

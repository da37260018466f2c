package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/tool"
)

func connect(t *testing.T, srv *Server) *Client {
	t.Helper()
	c, err := Connect(context.Background(), srv)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func toolsByName(t *testing.T, c *Client) map[string]tool.Tool {
	t.Helper()
	ts, err := c.Tools(context.Background())
	require.NoError(t, err)
	m := map[string]tool.Tool{}
	for _, x := range ts {
		m[x.Name()] = x
	}
	return m
}

func TestToolsCarryTheServersSchemas(t *testing.T) {
	h, _ := newHarness(t)
	c := connect(t, h.server("mem"))
	tools := toolsByName(t, c)
	require.Len(t, tools, 6)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(tools["add"].Schema(), &schema))
	assert.Equal(t, "object", schema["type"])
	props := schema["properties"].(map[string]any)
	assert.Contains(t, props, "a")
	assert.Contains(t, props, "b")
	assert.Equal(t, "Add two integers.", tools["add"].Description())
	// descriptions are bounded
	assert.LessOrEqual(t, len(tools["huge"].Description()), DefaultMaxDescription+40)
	assert.Contains(t, tools["huge"].Description(), "…[truncated")
}

func TestCallsThroughARunner(t *testing.T) {
	h, st := newHarness(t)
	c := connect(t, h.server("mem"))
	ts, err := c.Tools(context.Background())
	require.NoError(t, err)
	r := tool.NewRunner(ts)
	ctx := context.Background()
	tests := []struct {
		name, tool, args string
		want             []string
		isError          bool
		problem          tool.Problem
		reachesServer    bool
	}{
		{"text", "echo", `{"text":"hello"}`, []string{"hello"}, false, "", true},
		{"structured", "add", `{"a":2,"b":3}`, []string{`"sum":5`}, false, "", true},
		{"tool error is an observation", "fail", `{}`, []string{"the disk is on fire"}, true, tool.ProblemToolError, true},
		{"non-text described", "picture", `{}`, []string{"here it is", "[image: image/png, 4 bytes", "[audio: audio/wav, 2 bytes",
			"[resource link: file:///etc/passwd \"passwd\"", "[resource mem://notes, text/plain]\nnote text",
			"[resource mem://blob: application/zip, 3 bytes of binary data"}, false, "", true},
		{"huge result bounded", "huge", `{}`, []string{"…[truncated"}, false, "", true},
		{"wrong type refused before the call", "add", `{"a":"two","b":3}`, []string{"invalid arguments", "a"}, true, tool.ProblemInvalidArgs, false},
		{"missing field refused before the call", "echo", `{}`, []string{"text"}, true, tool.ProblemInvalidArgs, false},
		{"not JSON refused before the call", "echo", `{text:`, []string{"not valid JSON"}, true, tool.ProblemInvalidArgs, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := st.calls.Load()
			res := r.Run(ctx, tt.tool, tt.args)
			for _, w := range tt.want {
				assert.Contains(t, res.Output, w)
			}
			assert.Equal(t, tt.isError, res.IsError, res.Output)
			assert.Equal(t, tt.problem, res.Problem)
			assert.Equal(t, tt.reachesServer, st.calls.Load() > before, "whether the server was called")
			assert.LessOrEqual(t, len(res.Output), DefaultMaxResultBytes+200)
		})
	}
	var te *ToolError
	res := r.Run(ctx, "fail", `{}`)
	require.True(t, errors.As(res.Err, &te))
	assert.Equal(t, "mem", te.Server)
	assert.Equal(t, "fail", te.Tool)
}

func TestFilterAndPrefix(t *testing.T) {
	h, _ := newHarness(t)
	srv := h.server("files")
	srv.Filter = Only("echo", "add")
	srv.Prefix = true
	c := connect(t, srv)
	tools := toolsByName(t, c)
	assert.Len(t, tools, 2)
	assert.Contains(t, tools, "files_echo")
	assert.Contains(t, tools, "files_add")
	out, err := tools["files_echo"].Run(context.Background(), json.RawMessage(`{"text":"hi"}`))
	require.NoError(t, err)
	assert.Equal(t, "hi", out)

	srv2 := h.server("x")
	srv2.Filter = Except("slow", "huge")
	c2 := connect(t, srv2)
	tools2 := toolsByName(t, c2)
	assert.Len(t, tools2, 4)
	assert.NotContains(t, tools2, "slow")
	srv3 := h.server("y")
	srv3.Filter = func(t ToolInfo) bool { return strings.HasPrefix(t.Description, "Add") }
	assert.Len(t, toolsByName(t, connect(t, srv3)), 1)
}

func TestSlowToolIsBoundedByTheContext(t *testing.T) {
	h, st := newHarness(t)
	c := connect(t, h.server("mem"))
	tools := toolsByName(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-st.slowIn
		cancel()
	}()
	_, err := tools["slow"].Run(ctx, json.RawMessage(`{}`))
	var me *Error
	require.True(t, errors.As(err, &me), "%v", err)
	assert.Equal(t, "mem", me.Server)
	assert.ErrorIs(t, err, context.Canceled)
	// the session survives a cancelled call
	out, err := tools["echo"].Run(context.Background(), json.RawMessage(`{"text":"still here"}`))
	require.NoError(t, err)
	assert.Equal(t, "still here", out)
	assert.EqualValues(t, 1, h.dials.Load())
}

func TestReconnectsAfterTheServerDies(t *testing.T) {
	h, _ := newHarness(t)
	c := connect(t, h.server("mem"))
	tools := toolsByName(t, c)
	h.kill()
	// The call that finds the session dead fails with an error naming the
	// server, or (when the death was already noticed) reconnects; the one
	// after it works either way.
	var lastErr error
	ok := false
	for range 2 {
		out, err := tools["echo"].Run(context.Background(), json.RawMessage(`{"text":"again"}`))
		if err == nil {
			assert.Equal(t, "again", out)
			ok = true
			break
		}
		lastErr = err
		var me *Error
		require.True(t, errors.As(err, &me), "%v", err)
		assert.Equal(t, "mem", me.Server)
	}
	require.True(t, ok, "no reconnection: %v", lastErr)
	assert.EqualValues(t, 2, h.dials.Load())
}

func TestClosedClient(t *testing.T) {
	h, _ := newHarness(t)
	c := connect(t, h.server("mem"))
	tools := toolsByName(t, c)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())
	_, err := tools["echo"].Run(context.Background(), json.RawMessage(`{"text":"x"}`))
	assert.ErrorIs(t, err, ErrClosed)
}

func TestBadServerConfigs(t *testing.T) {
	tests := []struct {
		srv  *Server
		want string
	}{
		{&Server{}, "Command and URL are empty"},
		{&Server{URL: "http://x/", Transport: Stdio}, "Command is empty"},
		{&Server{URL: "ftp://x"}, "not an http"},
		{&Server{URL: "http://127.0.0.1:1/mcp", Transport: "ws"}, `Transport "ws" is unknown`},
		{&Server{Command: "x", MaxResultBytes: -1}, "must not be negative"},
		{&Server{Command: "/nonexistent/mcp-server"}, "connect"},
	}
	for _, tt := range tests {
		_, err := Connect(context.Background(), tt.srv)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
		var me *Error
		assert.True(t, errors.As(err, &me))
	}
}

func TestHTTPServerDownIsATypedError(t *testing.T) {
	_, err := Connect(context.Background(), &Server{Name: "gone", URL: "http://127.0.0.1:1/mcp"})
	var me *Error
	require.True(t, errors.As(err, &me), "%v", err)
	assert.Equal(t, "gone", me.Server)
	assert.Equal(t, "connect", me.Op)
}

// stdioServer runs this test binary as a stdio MCP server.
func stdioServer(name string) *Server {
	return &Server{Name: name, Command: os.Args[0], Args: []string{"-test.run=^$"}, Env: []string{"CREWAI_MCP_TEST_SERVER=1"}}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestStdioServerLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	c := connect(t, stdioServer("proc"))
	tools := toolsByName(t, c)
	out, err := tools["echo"].Run(context.Background(), json.RawMessage(`{"text":"over a pipe"}`))
	require.NoError(t, err)
	assert.Equal(t, "over a pipe", out)

	// killed mid-session: typed error or reconnection, never a hang
	c.mu.Lock()
	cmd := c.sess.cmd
	c.mu.Unlock()
	first := cmd.Process.Pid
	require.NoError(t, cmd.Process.Kill())
	var ok bool
	for range 2 {
		out, err = tools["echo"].Run(context.Background(), json.RawMessage(`{"text":"back"}`))
		if err == nil {
			ok = true
			break
		}
		var me *Error
		require.True(t, errors.As(err, &me), "%v", err)
		assert.Equal(t, "proc", me.Server)
	}
	require.True(t, ok)
	assert.Equal(t, "back", out)
	c.mu.Lock()
	second := c.sess.cmd.Process.Pid
	c.mu.Unlock()
	assert.NotEqual(t, first, second)

	// Close stops the process
	require.NoError(t, c.Close())
	assert.False(t, alive(second), "the server process outlived Close")
}

func TestStdioServerEnvironmentIsNotInherited(t *testing.T) {
	t.Setenv("SOME_API_KEY", "sk-secret")
	env := serverEnv(&Server{Env: []string{"A=1"}})
	joined := strings.Join(env, "\n")
	assert.NotContains(t, joined, "sk-secret")
	assert.Contains(t, env, "A=1")
	env = serverEnv(&Server{InheritEnv: true})
	assert.Contains(t, strings.Join(env, "\n"), "SOME_API_KEY=sk-secret")
	_ = exec.Command // keep the import for the process tests
}

// Package mcpe2e tests the mcp package against real MCP servers from npm
// (see run.sh): @modelcontextprotocol/server-everything over stdio and
// streamable HTTP, and @modelcontextprotocol/server-filesystem. It needs
// MCP_SERVERS_DIR (the node_modules folder run.sh installs into); without
// it the tests skip, except under CI=true, where they fail.
package mcpe2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/mcp"
	"github.com/crewai-go/crewai/tool"
)

// figures for the report: tools listed and calls made, per server.
var listed, calls atomic.Int64

func TestMain(m *testing.M) {
	start := time.Now()
	code := m.Run()
	fmt.Printf("mcp e2e figures: %d tools listed, %d calls made, %.1f s\n", listed.Load(), calls.Load(), time.Since(start).Seconds())
	os.Exit(code)
}

func serversDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MCP_SERVERS_DIR")
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MCP_SERVERS_DIR is not set: run e2e/mcp/run.sh")
		}
		t.Skip("MCP_SERVERS_DIR is not set: run e2e/mcp/run.sh")
	}
	return dir
}

func node(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	require.NoError(t, err, "node is not on PATH")
	return p
}

func everythingJS(t *testing.T) string {
	return filepath.Join(serversDir(t), "@modelcontextprotocol", "server-everything", "dist", "index.js")
}

func filesystemJS(t *testing.T) string {
	return filepath.Join(serversDir(t), "@modelcontextprotocol", "server-filesystem", "dist", "index.js")
}

func toolMap(t *testing.T, c *mcp.Client) map[string]tool.Tool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ts, err := c.Tools(ctx)
	require.NoError(t, err)
	listed.Add(int64(len(ts)))
	m := map[string]tool.Tool{}
	for _, x := range ts {
		m[x.Name()] = x
	}
	t.Logf("%s: %d tools", c.Name(), len(ts))
	return m
}

// run calls a tool through a Runner, as an agent does, bounded by d.
func run(t *testing.T, r *tool.Runner, name, args string, d time.Duration) tool.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	calls.Add(1)
	return r.Run(ctx, name, args)
}

func TestEverythingOverStdio(t *testing.T) {
	js := everythingJS(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	// sh writes the server's PID, so that the test can kill it mid-session.
	srv := &mcp.Server{Name: "everything", Command: "sh",
		Args: []string{"-c", `echo $$ > "$0"; exec "$1" "$2" stdio`, pidFile, node(t), js}}
	c, err := mcp.Connect(context.Background(), srv)
	require.NoError(t, err)
	defer c.Close()
	tools := toolMap(t, c)
	for _, n := range []string{"echo", "get-sum", "get-tiny-image", "get-structured-content", "trigger-long-running-operation"} {
		require.Contains(t, tools, n)
	}
	var ts []tool.Tool
	for _, x := range tools {
		ts = append(ts, x)
	}
	r := tool.NewRunner(ts)

	cases := []struct {
		name, tool, args string
		isError          bool
		want             string
	}{
		{"echo", "echo", `{"message":"hello from Go"}`, false, "hello from Go"},
		{"sum", "get-sum", `{"a":2,"b":40}`, false, "42"},
		{"image described", "get-tiny-image", `{}`, false, "[image: image/png"},
		{"structured", "get-structured-content", `{"location":"New York"}`, false, "temperature"},
		{"missing argument", "echo", `{}`, true, "message"},
		{"wrong type", "get-sum", `{"a":"two","b":1}`, true, "a"},
		{"unknown tool", "no-such-tool", `{}`, true, "no tool named"},
	}
	for _, tt := range cases {
		res := run(t, r, tt.tool, tt.args, 30*time.Second)
		assert.Equal(t, tt.isError, res.IsError, "%s: %s", tt.name, res.Output)
		assert.Contains(t, res.Output, tt.want, tt.name)
	}

	// a long-running tool cancelled by the context
	start := time.Now()
	res := run(t, r, "trigger-long-running-operation", `{"duration":60,"steps":60}`, 2*time.Second)
	assert.True(t, res.IsError)
	assert.ErrorIs(t, res.Err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 30*time.Second)
	res = run(t, r, "echo", `{"message":"after the cancel"}`, 30*time.Second)
	assert.Equal(t, "Echo: after the cancel", strings.TrimSpace(res.Output))

	// the server killed mid-session: a typed error naming it, or a new session
	pid, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	p, err := strconv.Atoi(strings.TrimSpace(string(pid)))
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(p, syscall.SIGKILL))
	ok := false
	for range 3 {
		res = run(t, r, "echo", `{"message":"back"}`, 30*time.Second)
		if !res.IsError {
			ok = true
			break
		}
		var me *mcp.Error
		require.True(t, errors.As(res.Err, &me), "%s", res.Output)
		assert.Equal(t, "everything", me.Server)
		assert.Contains(t, res.Output, `server "everything"`)
	}
	require.True(t, ok, "no new session after the server was killed")
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startHTTP starts server-everything in streamable HTTP mode on port and
// waits until it accepts connections.
func startHTTP(t *testing.T, js string, port int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(node(t), js, "streamableHttp")
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { stopHTTP(cmd) })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			conn.Close()
			return cmd
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server-everything did not listen on port %d within a minute", port)
	return nil
}

func stopHTTP(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}
}

func TestEverythingOverStreamableHTTP(t *testing.T) {
	js := everythingJS(t)
	port := freePort(t)
	cmd := startHTTP(t, js, port)
	srv := &mcp.Server{Name: "everything-http", URL: fmt.Sprintf("http://127.0.0.1:%d/mcp", port),
		Headers: map[string]string{"X-Test": "crewai-go"}}
	c, err := mcp.Connect(context.Background(), srv)
	require.NoError(t, err)
	defer c.Close()
	assert.NotEmpty(t, c.SessionID())
	tools := toolMap(t, c)
	var ts []tool.Tool
	for _, x := range tools {
		ts = append(ts, x)
	}
	r := tool.NewRunner(ts)
	res := run(t, r, "echo", `{"message":"over HTTP"}`, 30*time.Second)
	require.False(t, res.IsError, res.Output)
	assert.Contains(t, res.Output, "over HTTP")
	res = run(t, r, "get-sum", `{"a":1.5,"b":2}`, 30*time.Second)
	assert.Contains(t, res.Output, "3.5")
	res = run(t, r, "get-sum", `{"a":1}`, 30*time.Second)
	assert.Equal(t, tool.ProblemInvalidArgs, res.Problem)

	start := time.Now()
	res = run(t, r, "trigger-long-running-operation", `{"duration":60,"steps":60}`, 2*time.Second)
	assert.ErrorIs(t, res.Err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 30*time.Second)

	// the server dies: a typed error naming it, never a hang
	stopHTTP(cmd)
	res = run(t, r, "echo", `{"message":"anyone?"}`, 30*time.Second)
	require.True(t, res.IsError)
	var me *mcp.Error
	require.True(t, errors.As(res.Err, &me), "%s", res.Output)
	assert.Equal(t, "everything-http", me.Server)

	// it comes back on the same port: a new session
	startHTTP(t, js, port)
	ok := false
	for range 3 {
		res = run(t, r, "echo", `{"message":"back"}`, 30*time.Second)
		if !res.IsError {
			ok = true
			break
		}
		require.True(t, errors.As(res.Err, &me), "%s", res.Output)
	}
	require.True(t, ok, "no new session after the server restarted: %s", res.Output)
}

func TestFilesystemServer(t *testing.T) {
	js := filesystemJS(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("crewai-go was here\n"), 0o600))
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("top secret"), 0o600))
	dir, _ = filepath.EvalSymlinks(dir)
	srv := &mcp.Server{Name: "files", Command: node(t), Args: []string{js, dir}, Prefix: true,
		Filter: mcp.Except("move_file")}
	c, err := mcp.Connect(context.Background(), srv)
	require.NoError(t, err)
	defer c.Close()
	tools := toolMap(t, c)
	assert.NotContains(t, tools, "files_move_file")
	require.Contains(t, tools, "files_read_text_file")
	var ts []tool.Tool
	for _, x := range tools {
		ts = append(ts, x)
	}
	r := tool.NewRunner(ts)
	arg := func(v map[string]any) string { b, _ := json.Marshal(v); return string(b) }

	res := run(t, r, "files_read_text_file", arg(map[string]any{"path": filepath.Join(dir, "notes.txt")}), 30*time.Second)
	require.False(t, res.IsError, res.Output)
	assert.Contains(t, res.Output, "crewai-go was here")

	res = run(t, r, "files_write_file", arg(map[string]any{"path": filepath.Join(dir, "out.txt"), "content": "written over MCP"}), 30*time.Second)
	require.False(t, res.IsError, res.Output)
	b, err := os.ReadFile(filepath.Join(dir, "out.txt"))
	require.NoError(t, err)
	assert.Equal(t, "written over MCP", string(b))

	res = run(t, r, "files_list_directory", arg(map[string]any{"path": dir}), 30*time.Second)
	assert.Contains(t, res.Output, "notes.txt")
	assert.Contains(t, res.Output, "out.txt")

	// a tool that errors: a path outside the allowed folder is refused by
	// the server, and the refusal is an observation for the model
	res = run(t, r, "files_read_text_file", arg(map[string]any{"path": filepath.Join(outside, "secret.txt")}), 30*time.Second)
	require.True(t, res.IsError)
	assert.Equal(t, tool.ProblemToolError, res.Problem)
	var te *mcp.ToolError
	require.True(t, errors.As(res.Err, &te), "%v", res.Err)
	assert.NotContains(t, res.Output, "top secret")

	res = run(t, r, "files_read_text_file", arg(map[string]any{"file": "x"}), 30*time.Second)
	assert.Equal(t, tool.ProblemInvalidArgs, res.Problem)
}

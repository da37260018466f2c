package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/mcp"
	"github.com/crewai-go/crewai/tool"
)

// checkDemoTools lists the served tools and calls them as an MCP client
// would: valid arguments, arguments the schema refuses, a tool error.
func checkDemoTools(t *testing.T, c *mcp.Client) {
	t.Helper()
	ctx := context.Background()
	tools, err := c.Tools(ctx)
	require.NoError(t, err)
	byName := map[string]tool.Tool{}
	var names []string
	for _, x := range tools {
		byName[x.Name()] = x
		names = append(names, x.Name())
	}
	slices.Sort(names)
	assert.Equal(t, []string{"calculator", "search", "word_count"}, names)

	tests := []struct {
		tool, args string
		want       string // the result
		wantErr    string // or the tool error's text
	}{
		{"calculator", `{"op":"mul","a":6,"b":7}`, "42", ""},
		{"word_count", `{"text":"one two three"}`, "3", ""},
		{"calculator", `{"op":"pow","a":2,"b":3}`, "", "op"},
		{"calculator", `{"op":"div","a":1,"b":0}`, "", "zero"},
	}
	for _, tt := range tests {
		out, err := byName[tt.tool].Run(ctx, json.RawMessage(tt.args))
		if tt.wantErr != "" {
			var te *mcp.ToolError
			require.True(t, errors.As(err, &te), "%s %s: %v", tt.tool, tt.args, err)
			assert.Contains(t, strings.ToLower(te.Text), tt.wantErr)
			continue
		}
		require.NoError(t, err, "%s %s", tt.tool, tt.args)
		assert.Contains(t, out, tt.want)
	}
}

// TestMCPServeStdio runs `crewai mcp serve` as an MCP client starts a local
// server (the test binary acting as the command) and uses its tools over
// stdio.
func TestMCPServeStdio(t *testing.T) {
	c, err := mcp.Connect(context.Background(), &mcp.Server{Name: "crewai", Command: os.Args[0],
		Args: []string{"mcp", "serve"}, Env: []string{runMainEnv + "=1"}})
	require.NoError(t, err)
	defer c.Close()
	checkDemoTools(t, c)
	require.NoError(t, c.Close())
}

// TestMCPServeHTTP runs `crewai mcp serve --http 127.0.0.1:0` in process,
// uses its tools over streamable HTTP, and stops it by cancelling its
// context: the command returns 0.
func TestMCPServeHTTP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		c := &cli{stdout: io.Discard, stderr: pw, getenv: func(string) string { return "" }, loc: time.UTC}
		done <- c.run(ctx, []string{"mcp", "serve", "--http", "127.0.0.1:0"})
		pw.Close()
	}()
	addr := regexp.MustCompile(`serving MCP at (http://\S+/mcp)`)
	sc := bufio.NewScanner(pr)
	url := ""
	for url == "" && sc.Scan() {
		if m := addr.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	require.NotEmpty(t, url, "the command says where it serves")
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	c, err := mcp.Connect(ctx, &mcp.Server{Name: "crewai", URL: url, HTTPClient: hc})
	require.NoError(t, err)
	checkDemoTools(t, c)
	assert.NotEmpty(t, c.SessionID())
	require.NoError(t, c.Close())
	cancel()
	assert.Equal(t, 0, <-done)
}

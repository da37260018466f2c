package mcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/tool"
)

// Version is the version this package gives of itself to MCP peers.
const Version = "0.1.0"

// Error is the error of an MCP request that got no usable answer: the
// server could not be started or reached, the session died, or the server
// answered with a protocol error. It names the server and the operation;
// test for it with errors.As. Err is context.Canceled or
// context.DeadlineExceeded when the caller's context ended first.
type Error struct {
	// Server is the server's name.
	Server string
	// Op is what was being done: "connect", "tools/list", "tools/call".
	Op string
	// Tool is the tool's name on the server, for "tools/call".
	Tool string
	// Err is the cause.
	Err error
}

// Error returns "mcp: server NAME: OP [TOOL]: CAUSE".
func (e *Error) Error() string {
	op := e.Op
	if e.Tool != "" {
		op += " " + e.Tool
	}
	return fmt.Sprintf("mcp: server %q: %s: %v", e.Server, op, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrClosed is the cause of the [Error] of a call made through a [Client]
// that was closed.
var ErrClosed = errors.New("client closed")

// ToolError is the error a server's tool reported (a result with isError):
// the tool ran and failed. Its text, bounded, is given to the model as an
// observation, like a local tool's error.
type ToolError struct {
	// Server is the server's name; Tool the tool's name on the server.
	Server, Tool string
	// Text is what the server said, bounded by Server.MaxResultBytes.
	Text string
}

// Error returns the server's text.
func (e *ToolError) Error() string { return e.Text }

// ErrorType returns "tool_error", the error.type the OpenTelemetry MCP
// conventions give a tool error.
func (e *ToolError) ErrorType() string { return "tool_error" }

// Client is a session with one MCP server that the user manages: made by
// [Connect], used for its [Client.Tools], closed by [Client.Close]. The
// session is opened once and shared by every tool and every concurrent
// call; when the server dies or restarts, the next call opens a new session
// (the call that saw it die fails with an [*Error] naming the server). A
// stdio server's process is stopped by Close and does not outlive the
// program. A Client is safe for concurrent use.
type Client struct {
	srv  *Server
	name string
	sdk  *sdk.Client

	sem chan struct{} // held while (re)connecting

	mu     sync.Mutex
	sess   *session
	closed bool
	tools  []tool.Tool // the converted tools of the last tools/list
	gen    int         // session generation of tools
	// changes counts the server's tools/list_changed notifications; a
	// listing started before one is not kept.
	changes int
	// onToolsChanged, if set, is called after a notification was followed
	// (tests).
	onToolsChanged func()

	wg sync.WaitGroup // session watchers
}

// session is one live connection and what is known about it.
type session struct {
	cs  *sdk.ClientSession
	cmd *exec.Cmd // stdio only
	// cancel ends the context the connection was made with.
	cancel context.CancelFunc
	done   chan struct{}
	id     string
	proto  string
	gen    int
}

func (s *session) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Connect opens a session with srv, bounded by ctx and srv.ConnectTimeout,
// and returns the Client that owns it.
func Connect(ctx context.Context, srv *Server) (*Client, error) {
	if srv == nil {
		return nil, &Error{Server: "mcp", Op: "connect", Err: errors.New("the *Server is nil")}
	}
	c := newClient(srv)
	if err := srv.check(); err != nil {
		return nil, &Error{Server: c.name, Op: "connect", Err: err}
	}
	if _, err := c.session(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func newClient(srv *Server) *Client {
	c := &Client{srv: srv, name: srv.name(), sem: make(chan struct{}, 1)}
	c.sdk = sdk.NewClient(&sdk.Implementation{Name: "crewai-go", Version: Version},
		&sdk.ClientOptions{ToolListChangedHandler: c.toolsChanged})
	c.sdk.AddSendingMiddleware(propagateSetup)
	return c
}

// setupCarrierKey is the context key of the propagation fields of a
// session's set-up step.
type setupCarrierKey struct{}

// propagateSetup puts the trace context of the session set-up step in the
// _meta of the request the SDK sends for it (initialize, or server/discover
// in the stateless protocol of 2026-07-28), as tools/list and tools/call
// carry theirs, so that the server's span of the set-up joins the caller's
// trace.
func propagateSetup(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		prop, _ := ctx.Value(setupCarrierKey{}).(*event.Carrier)
		if prop == nil || len(prop.Keys()) == 0 {
			return next(ctx, method, req)
		}
		switch r := req.(type) {
		case *sdk.InitializeRequest:
			if r.Params != nil {
				r.Params.Meta = withPropagation(r.Params.Meta, prop)
			}
		case *sdk.DiscoverRequest:
			if r.Params == nil {
				r.Params = &sdk.DiscoverParams{}
			}
			r.Params.Meta = withPropagation(r.Params.Meta, prop)
		}
		return next(ctx, method, req)
	}
}

// withPropagation returns a copy of m with the fields of prop added.
func withPropagation(m sdk.Meta, prop *event.Carrier) sdk.Meta {
	out := make(sdk.Meta, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	for _, k := range prop.Keys() {
		out[k] = prop.Get(k)
	}
	return out
}

// toolsChanged follows a server's notifications/tools/list_changed: the
// tool list kept for the session is dropped, so that the next Tools call
// (the next agent run that acquires the server) lists the tools again.
func (c *Client) toolsChanged(context.Context, *sdk.ToolListChangedRequest) {
	c.mu.Lock()
	c.tools = nil
	c.changes++
	hook := c.onToolsChanged
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
}

// Name returns the server's name.
func (c *Client) Name() string { return c.name }

// SessionID returns the ID of the current session ("" for a stdio server
// or when no session is open).
func (c *Client) SessionID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return ""
	}
	return c.sess.id
}

// Close ends the session and stops a stdio server's process (closing its
// input, then after two seconds terminating and killing it and its process
// group). Calls made after Close fail with an [*Error] wrapping [ErrClosed].
// Close is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	s := c.sess
	c.sess = nil
	c.mu.Unlock()
	var err error
	if s != nil {
		err = s.close()
	}
	c.wg.Wait()
	return err
}

func (s *session) close() error {
	err := s.cs.Close()
	if s.cancel != nil {
		s.cancel()
	}
	killGroup(s.cmd)
	if err != nil && !errors.Is(err, sdk.ErrConnectionClosed) && !isExitError(err) {
		return err
	}
	return nil
}

func isExitError(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) || strings.Contains(err.Error(), "signal: ")
}

// session returns the live session, opening a new one when there is none
// or the last one died.
func (c *Client) session(ctx context.Context) (*session, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, &Error{Server: c.name, Op: "connect", Err: ErrClosed}
	}
	if s := c.sess; s != nil && s.alive() {
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &Error{Server: c.name, Op: "connect", Err: ctx.Err()}
	}
	defer func() { <-c.sem }()
	c.mu.Lock()
	old := c.sess
	if c.closed {
		c.mu.Unlock()
		return nil, &Error{Server: c.name, Op: "connect", Err: ErrClosed}
	}
	if old != nil && old.alive() {
		c.mu.Unlock()
		return old, nil
	}
	gen := 1
	if old != nil {
		gen = old.gen + 1
		c.sess = nil
	}
	c.mu.Unlock()
	if old != nil {
		_ = old.close()
	}
	s, err := c.open(ctx, gen)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		_ = s.close()
		return nil, &Error{Server: c.name, Op: "connect", Err: ErrClosed}
	}
	c.sess = s
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		_ = s.cs.Wait()
		close(s.done)
	}()
	return s, nil
}

// drop forgets s after a transport failure, so that the next call
// reconnects.
func (c *Client) drop(s *session) {
	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
	}
	c.mu.Unlock()
	_ = s.close()
}

// open starts a new session: the initialize step.
func (c *Client) open(ctx context.Context, gen int) (s *session, err error) {
	srv := c.srv
	tr, addr, port := srv.endpoint()
	info := event.MCP{Server: c.name, Method: "initialize", Transport: tr, Address: addr, Port: port}
	prop := &event.Carrier{}
	ctx, step := event.Begin(ctx, event.MCPCallStarted{Header: event.Header{Source: "mcp:" + c.name}, MCP: info,
		Propagation: prop})
	defer func() {
		if err != nil {
			event.End(step, event.MCPCallFailed{MCP: info, Failure: event.Failure{Err: err}})
			return
		}
		info.SessionID, info.ProtocolVersion = s.id, s.proto
		event.End(step, event.MCPCallFinished{MCP: info})
	}()
	cctx, cancel := context.WithTimeout(ctx, orDefault(srv.ConnectTimeout, DefaultConnectTimeout))
	defer cancel()
	if len(prop.Keys()) > 0 {
		cctx = context.WithValue(cctx, setupCarrierKey{}, prop)
	}
	var (
		transport sdk.Transport
		cmd       *exec.Cmd
	)
	switch {
	case srv.Dial != nil:
		t, err := srv.Dial(cctx)
		if err != nil {
			return nil, &Error{Server: c.name, Op: "connect", Err: err}
		}
		transport = t
	case srv.transport() == Stdio:
		// The process must outlive the connect context: it is stopped by
		// Close, not by the end of ctx.
		cmd = exec.Command(srv.Command, srv.Args...)
		cmd.Env = serverEnv(srv)
		cmd.Dir = srv.Dir
		cmd.Stderr = nil // the server's logs are not ours to show
		setProcAttr(cmd)
		transport = &sdk.CommandTransport{Command: cmd, TerminateDuration: defaultTerminateWait}
	case srv.transport() == StreamableHTTP:
		transport = &sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: httpClient(srv), DisableStandaloneSSE: true}
	default:
		transport = &sdk.SSEClientTransport{Endpoint: srv.URL, HTTPClient: httpClient(srv)}
	}
	type result struct {
		cs  *sdk.ClientSession
		err error
	}
	// Connect honours its context for the handshake, but a server that
	// never answers may hold it: wait for it in a goroutine we own.
	//
	// The SSE transport keeps its event stream on the context it connects
	// with: that context must last as long as the session (it is cancelled
	// when the session closes), and the handshake is bounded by cctx here.
	connCtx, connCancel := cctx, context.CancelFunc(func() {})
	if srv.Dial == nil && srv.transport() == SSE {
		connCtx, connCancel = context.WithCancel(context.WithoutCancel(cctx))
	}
	ch := make(chan result, 1)
	go func() {
		cs, err := c.sdk.Connect(connCtx, transport, nil)
		ch <- result{cs, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-cctx.Done():
		killGroup(cmd)
		connCancel()
		r = <-ch
		if r.err == nil {
			_ = r.cs.Close()
		}
		r = result{err: cctx.Err()}
	}
	if r.err != nil {
		killGroup(cmd)
		connCancel()
		if ctx.Err() != nil {
			r.err = ctx.Err()
		} else if errors.Is(r.err, context.DeadlineExceeded) || cctx.Err() != nil {
			r.err = fmt.Errorf("no answer within %v (ConnectTimeout): %w", orDefault(srv.ConnectTimeout, DefaultConnectTimeout), r.err)
		}
		return nil, &Error{Server: c.name, Op: "connect", Err: r.err}
	}
	s = &session{cs: r.cs, cmd: cmd, done: make(chan struct{}), id: r.cs.ID(), gen: gen, cancel: connCancel}
	if ir := r.cs.InitializeResult(); ir != nil {
		s.proto = ir.ProtocolVersion
	}
	return s, nil
}

// serverEnv is the environment of a stdio server: a few harmless variables
// of ours (or all of them with InheritEnv), then srv.Env.
func serverEnv(srv *Server) []string {
	var env []string
	if srv.InheritEnv {
		env = os.Environ()
	} else {
		keep := []string{"HOME", "PATH", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "TMPDIR"}
		if runtime.GOOS == "windows" {
			keep = append(keep, "APPDATA", "HOMEDRIVE", "HOMEPATH", "LOCALAPPDATA", "PATHEXT",
				"PROCESSOR_ARCHITECTURE", "SYSTEMDRIVE", "SYSTEMROOT", "TEMP", "USERNAME", "USERPROFILE", "ComSpec")
		}
		for _, k := range keep {
			if v, ok := os.LookupEnv(k); ok {
				env = append(env, k+"="+v)
			}
		}
	}
	return append(env, srv.Env...)
}

// headerTransport adds fixed headers to every request.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (h *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v)
	}
	return h.base.RoundTrip(r)
}

func httpClient(srv *Server) *http.Client {
	base := srv.HTTPClient
	if base == nil {
		base = &http.Client{}
	}
	if len(srv.Headers) == 0 {
		return base
	}
	c := *base
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = &headerTransport{base: rt, headers: srv.Headers}
	return &c
}

// Tools lists the server's tools (through all pages) and returns those that
// srv.Filter keeps, as [tool.Tool] values whose schemas are the server's.
// A tool whose name, schema or description cannot be used is left out; the
// error is nil unless the listing itself failed. The list is kept for the
// session: later calls return it without asking the server again until the
// session is replaced or the server notifies that its tools changed
// (notifications/tools/list_changed), after which the next call lists them
// again.
func (c *Client) Tools(ctx context.Context) ([]tool.Tool, error) {
	s, err := c.session(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.tools != nil && c.gen == s.gen {
		ts := c.tools
		c.mu.Unlock()
		return ts, nil
	}
	changes := c.changes
	c.mu.Unlock()
	tools, err := c.list(ctx, s)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.changes == changes { // else a newer list is due: do not keep this one
		c.tools, c.gen = tools, s.gen
	}
	c.mu.Unlock()
	return tools, nil
}

// list is the tools/list step.
func (c *Client) list(ctx context.Context, s *session) (tools []tool.Tool, err error) {
	tr, addr, port := c.srv.endpoint()
	info := event.MCP{Server: c.name, Method: "tools/list", SessionID: s.id, ProtocolVersion: s.proto,
		Transport: tr, Address: addr, Port: port}
	prop := &event.Carrier{}
	ctx, step := event.Begin(ctx, event.MCPCallStarted{Header: event.Header{Source: "mcp:" + c.name}, MCP: info, Propagation: prop})
	defer func() {
		if err != nil {
			event.End(step, event.MCPCallFailed{MCP: info, Failure: event.Failure{Err: err}})
			return
		}
		event.End(step, event.MCPCallFinished{MCP: info, Tools: len(tools)})
	}()
	params := &sdk.ListToolsParams{Meta: metaOf(prop)}
	tools = []tool.Tool{}
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages == maxPages {
			return nil, &Error{Server: c.name, Op: "tools/list", Err: fmt.Errorf("more than %d pages of tools", maxPages)}
		}
		res, err := s.cs.ListTools(ctx, params)
		if err != nil {
			return nil, c.callError(ctx, s, "tools/list", "", err)
		}
		for _, t := range res.Tools {
			if t == nil || len(tools) >= maxTools {
				continue
			}
			mt, err := convert(c, t)
			if err != nil {
				continue
			}
			if f := c.srv.Filter; f != nil && !f(mt.info) {
				continue
			}
			if seen[mt.name] {
				continue
			}
			seen[mt.name] = true
			tools = append(tools, tool.With(mt))
		}
		if res.NextCursor == "" {
			return tools, nil
		}
		params = &sdk.ListToolsParams{Meta: metaOf(prop), Cursor: res.NextCursor}
	}
}

const (
	maxPages = 100
	maxTools = 1000
)

// metaOf returns the propagation fields as a request's _meta, or nil.
func metaOf(c *event.Carrier) sdk.Meta {
	keys := c.Keys()
	if len(keys) == 0 {
		return nil
	}
	m := make(sdk.Meta, len(keys))
	for _, k := range keys {
		m[k] = c.Get(k)
	}
	return m
}

// callError turns the error of a request on s into an *Error, and drops s
// when the error says the connection is gone (not for a JSON-RPC error the
// server answered with, nor when ctx ended).
func (c *Client) callError(ctx context.Context, s *session, op, toolName string, err error) error {
	if ctx.Err() != nil {
		return &Error{Server: c.name, Op: op, Tool: toolName, Err: ctx.Err()}
	}
	if !isProtocolError(err) {
		c.drop(s)
	}
	return &Error{Server: c.name, Op: op, Tool: toolName, Err: err}
}

// isProtocolError reports whether err is an error the server answered with
// (a JSON-RPC error object), as opposed to a broken connection.
func isProtocolError(err error) bool {
	if errors.Is(err, sdk.ErrConnectionClosed) || errors.Is(err, sdk.ErrSessionMissing) {
		return false
	}
	var we *jsonrpc.Error
	return errors.As(err, &we)
}

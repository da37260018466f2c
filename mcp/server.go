package mcp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/crewai-go/crewai/tool"
)

// Transport names how a client reaches an MCP server.
type Transport string

// The transports a [Server] can use.
const (
	// Stdio runs Server.Command and speaks to it over its standard input
	// and output. It is the default when Command is set.
	Stdio Transport = "stdio"
	// StreamableHTTP posts to Server.URL (the current HTTP transport of the
	// protocol). It is the default when URL is set.
	StreamableHTTP Transport = "http"
	// SSE connects to Server.URL with the older HTTP+SSE transport.
	SSE Transport = "sse"
)

// Defaults of the [Server] limits.
const (
	DefaultConnectTimeout  = 30 * time.Second
	DefaultMaxResultBytes  = 64 << 10
	DefaultMaxDescription  = 4 << 10
	DefaultMaxSchemaBytes  = 64 << 10
	defaultTerminateWait   = 2 * time.Second
	maxSchemaDepth         = 32
	truncatedMarkerPattern = "…[truncated %d bytes]"
)

// Server describes an MCP server to connect to: a command to run (stdio) or
// a URL (streamable HTTP or SSE), which of its tools to use, and the limits
// that keep an untrusted server from flooding the model or hanging a run.
//
// A *Server is also a [tool.Source]: put it in an agent's MCPs and the
// agent acquires its tools at the start of each run. Concurrent runs share
// one session (one process for a stdio server), opened by the first and
// closed when the last one ends. A Server must not be copied or modified
// after its first use.
type Server struct {
	// Name identifies the server in errors, events and spans, and is the
	// prefix of its tools' names when Prefix is set. Empty means the base
	// name of Command, or the host of URL.
	Name string

	// Command and Args start a stdio server (for example "npx" and
	// "-y", "@modelcontextprotocol/server-filesystem", "/data").
	Command string
	Args    []string
	// Env holds KEY=VALUE pairs added to the server's environment. The
	// server does not inherit the program's environment (which may hold API
	// keys): it gets only HOME, PATH, USER, LOGNAME, SHELL, TERM, LANG,
	// TMPDIR (and their Windows equivalents) unless InheritEnv is set.
	Env        []string
	InheritEnv bool
	// Dir is the server's working directory (empty: the program's).
	Dir string

	// URL is the endpoint of an HTTP server.
	URL string
	// Headers are sent with every HTTP request (an Authorization header,
	// say). They are never put in events or spans.
	Headers map[string]string
	// HTTPClient, if set, is used for HTTP transports (its Transport is
	// wrapped to add Headers).
	HTTPClient *http.Client

	// Transport picks the transport; empty means Stdio when Command is set,
	// StreamableHTTP when URL is set.
	Transport Transport

	// Dial, if set, makes the transport of each new session instead of
	// Command or URL: for example the SDK's in-memory transport to a server
	// in the same program, or a transport the user configured.
	Dial func(ctx context.Context) (sdk.Transport, error)

	// Filter, if set, picks the tools agents get (see [Only], [Except]).
	Filter Filter
	// Prefix names every tool "<Name>_<tool>", so that the tools of
	// several servers do not collide.
	Prefix bool

	// ConnectTimeout bounds starting the server and the protocol's
	// initialisation (default DefaultConnectTimeout). A call is bounded by
	// its context only.
	ConnectTimeout time.Duration
	// MaxResultBytes bounds the text of a tool result given to the model
	// (default DefaultMaxResultBytes); longer results are cut with a
	// visible marker.
	MaxResultBytes int
	// MaxDescriptionBytes bounds a tool's description (default
	// DefaultMaxDescription).
	MaxDescriptionBytes int
	// MaxSchemaBytes bounds a tool's argument schema (default
	// DefaultMaxSchemaBytes); a tool with a larger schema is left out.
	MaxSchemaBytes int

	mu     sync.Mutex
	shared *Client
	refs   int
	sem    chan struct{} // serialises opening the shared client
}

// Filter reports whether a server's tool is offered to agents.
type Filter func(t ToolInfo) bool

// ToolInfo is what a [Filter] sees of a server's tool. Its hints come from
// the server and are not to be trusted for security decisions.
type ToolInfo struct {
	// Name is the tool's name on the server.
	Name string
	// Description is the server's description of the tool.
	Description string
	// ReadOnly and Destructive are the server's hints.
	ReadOnly, Destructive bool
}

// Only is a [Filter] that keeps the tools named names (names on the
// server).
func Only(names ...string) Filter {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return func(t ToolInfo) bool { return set[t.Name] }
}

// Except is a [Filter] that keeps every tool but those named names.
func Except(names ...string) Filter {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return func(t ToolInfo) bool { return !set[t.Name] }
}

// Command returns a Server that runs name with args over stdio.
func Command(name string, args ...string) *Server {
	return &Server{Command: name, Args: args}
}

// URL returns a Server reached over streamable HTTP at endpoint.
func URL(endpoint string) *Server {
	return &Server{URL: endpoint}
}

// Acquire implements [tool.Source]: it opens the server's session (or shares
// the one already open) and returns its tools; release closes the session
// after the last user has released it.
func (s *Server) Acquire(ctx context.Context) ([]tool.Tool, func(), error) {
	c, err := s.acquireClient(ctx)
	if err != nil {
		return nil, nil, err
	}
	var once sync.Once
	release := func() { once.Do(func() { s.releaseClient(c) }) }
	tools, err := c.Tools(ctx)
	if err != nil {
		release()
		return nil, nil, err
	}
	return tools, release, nil
}

func (s *Server) acquireClient(ctx context.Context) (*Client, error) {
	s.mu.Lock()
	if s.sem == nil {
		s.sem = make(chan struct{}, 1)
	}
	sem := s.sem
	s.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &Error{Server: s.name(), Op: "connect", Err: ctx.Err()}
	}
	defer func() { <-sem }()
	s.mu.Lock()
	if c := s.shared; c != nil {
		s.refs++
		s.mu.Unlock()
		return c, nil
	}
	s.mu.Unlock()
	c, err := Connect(ctx, s)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.shared, s.refs = c, 1
	s.mu.Unlock()
	return c, nil
}

func (s *Server) releaseClient(c *Client) {
	s.mu.Lock()
	if s.shared != c {
		s.mu.Unlock()
		return
	}
	s.refs--
	if s.refs > 0 {
		s.mu.Unlock()
		return
	}
	s.shared = nil
	s.mu.Unlock()
	_ = c.Close()
}

// name returns the server's display name.
func (s *Server) name() string {
	if s.Name != "" {
		return s.Name
	}
	if s.Command != "" {
		return filepath.Base(s.Command)
	}
	if s.Dial != nil && s.URL == "" {
		return "mcp"
	}
	if u, err := url.Parse(s.URL); err == nil && u.Host != "" {
		return u.Host
	}
	return "mcp"
}

func (s *Server) transport() Transport {
	if s.Transport != "" {
		return s.Transport
	}
	if s.Command != "" {
		return Stdio
	}
	return StreamableHTTP
}

// check reports a Server that cannot be connected to, naming the field.
func (s *Server) check() error {
	if s.Dial != nil {
		return nil
	}
	if s.Command == "" && s.URL == "" {
		return fmt.Errorf("Command and URL are empty; set Command (a stdio server) or URL (an HTTP server)")
	}
	switch t := s.transport(); t {
	case Stdio:
		if s.Command == "" {
			return fmt.Errorf("Command is empty; a stdio server needs a command to run")
		}
	case StreamableHTTP, SSE:
		if s.URL == "" {
			return fmt.Errorf("URL is empty; transport %q needs the server's URL", t)
		}
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("URL %q is not an http:// or https:// URL", s.URL)
		}
	default:
		return fmt.Errorf("Transport %q is unknown; accepted: %q, %q, %q", t, Stdio, StreamableHTTP, SSE)
	}
	if s.ConnectTimeout < 0 || s.MaxResultBytes < 0 || s.MaxDescriptionBytes < 0 || s.MaxSchemaBytes < 0 {
		return fmt.Errorf("ConnectTimeout, MaxResultBytes, MaxDescriptionBytes and MaxSchemaBytes must not be negative")
	}
	return nil
}

// endpoint returns the network.transport, server.address and server.port of
// the server, as the MCP semantic conventions record them.
func (s *Server) endpoint() (transport, address string, port int) {
	if s.Dial != nil {
		return "", "", 0
	}
	if s.transport() == Stdio {
		return "pipe", s.Command, 0
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return "tcp", "", 0
	}
	host, p := u.Hostname(), u.Port()
	if p == "" {
		p = "80"
		if u.Scheme == "https" {
			p = "443"
		}
	}
	port, _ = strconv.Atoi(p)
	if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	return "tcp", host, port
}

func orDefault[T int | time.Duration](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}

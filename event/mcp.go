package event

import (
	"slices"
	"sync"
)

// Kinds of the MCP events (see package mcp).
const (
	KindMCPCallStarted   Kind = "mcp_call_started"
	KindMCPCallFinished  Kind = "mcp_call_finished"
	KindMCPCallFailed    Kind = "mcp_call_failed"
	KindMCPServeStarted  Kind = "mcp_serve_started"
	KindMCPServeFinished Kind = "mcp_serve_finished"
	KindMCPServeFailed   Kind = "mcp_serve_failed"
)

// MCP describes one Model Context Protocol request, with the fields of the
// OpenTelemetry MCP conventions. The zero value describes nothing. It is a
// plain value, read-only once emitted.
type MCP struct {
	// Server is the name of the server (on the client side) or of the
	// served tool set (on the server side).
	Server string
	// Method is the MCP method: "initialize", "tools/list", "tools/call".
	Method string
	// Tool is the tool's name on the server, for "tools/call".
	Tool string
	// SessionID identifies the MCP session, when there is one.
	SessionID string
	// ProtocolVersion is the protocol version the session negotiated.
	ProtocolVersion string
	// Transport is the network transport: "pipe" for stdio, "tcp" for HTTP.
	Transport string
	// Address is the server's host (HTTP) or command (stdio); Port its
	// port (HTTP only).
	Address string
	Port    int
}

// Carrier carries propagation fields (the W3C traceparent, tracestate and
// baggage) that handlers give an outgoing request, so that the receiver can
// continue the trace: a tracing handler sets them while it handles the start
// event of an MCP call, and the client sends them in the request's _meta.
// Its Get, Set and Keys methods are those of OpenTelemetry's
// propagation.TextMapCarrier. The zero value is an empty carrier; a Carrier
// is safe for concurrent use and must not be copied after first use.
type Carrier struct {
	mu sync.Mutex
	m  map[string]string
}

// Get returns the value of key, or "".
func (c *Carrier) Get(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

// Set sets key to value.
func (c *Carrier) Set(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]string, 2)
	}
	c.m[key] = value
}

// Keys returns the keys set, sorted.
func (c *Carrier) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.m))
	for k := range c.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// MCPCallStarted opens a request an MCP client sends to a server. A
// "tools/call" made by a tool that an agent called is part of that tool
// call; the other methods (initialize, tools/list) are steps of their own.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only (but for Propagation) and may be read by several subscribers at
// once.
type MCPCallStarted struct {
	Header
	MCP
	// Propagation, when not nil, receives the fields that handlers want
	// sent with the request (see [Carrier]).
	Propagation *Carrier
}

// MCPCallFinished closes an MCP request that got an answer.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type MCPCallFinished struct {
	Header
	MCP
	// IsError is true when the server answered a tools/call with a tool
	// error (isError), which is given to the model.
	IsError bool
	// Tools counts the tools a tools/list returned.
	Tools int
}

// MCPCallFailed closes an MCP request that got no answer or a protocol
// error.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type MCPCallFailed struct {
	Header
	MCP
	Failure
}

// MCPServeStarted opens the handling of a request by a server of package
// mcp. The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type MCPServeStarted struct {
	Header
	MCP
	// Arguments is the raw JSON arguments of a tools/call.
	Arguments string
	// Client is the name the client gave of itself.
	Client string
}

// MCPServeFinished closes a request the server answered.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type MCPServeFinished struct {
	Header
	MCP
	// Result is the text of the answer to a tools/call.
	Result string
	// IsError is true when the answer is a tool error (isError).
	IsError bool
	// Tools is the number of tools the answer to a tools/list gave.
	Tools int
}

// MCPServeFailed closes a request the server could not answer.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type MCPServeFailed struct {
	Header
	MCP
	Failure
}

// Kind returns KindMCPCallStarted.
func (*MCPCallStarted) Kind() Kind { return KindMCPCallStarted }

// Kind returns KindMCPCallFinished.
func (*MCPCallFinished) Kind() Kind { return KindMCPCallFinished }

// Kind returns KindMCPCallFailed.
func (*MCPCallFailed) Kind() Kind { return KindMCPCallFailed }

// Kind returns KindMCPServeStarted.
func (*MCPServeStarted) Kind() Kind { return KindMCPServeStarted }

// Kind returns KindMCPServeFinished.
func (*MCPServeFinished) Kind() Kind { return KindMCPServeFinished }

// Kind returns KindMCPServeFailed.
func (*MCPServeFailed) Kind() Kind { return KindMCPServeFailed }

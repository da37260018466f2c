package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/propagation"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/interpolate"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

// Service serves tools over MCP, so that other MCP clients (Claude Desktop,
// IDEs, other agents) can call them: [tool.Tool] values, and whole crews
// through [CrewTool]. Serve it over stdio with [Service.ServeStdio] (a
// program that an MCP client starts), over streamable HTTP with
// [Service.Handler], or over any transport of the SDK with [Service.Run].
//
// Every request is validated against the tool's schema before the tool
// runs; a tool's error or panic is answered as a tool error (isError) with
// its text. When traced, each request is a run of its own: an MCP server
// span "tools/call {tool}" whose parent is the caller's span when the
// request's _meta carries a W3C traceparent (so a crewai-go crew calling a
// crewai-go server is one trace), with the crew's spans inside it.
//
// A Service must not be modified after its first use; it is safe for
// concurrent use (requests are served concurrently).
type Service struct {
	// Name and Version are what the server says of itself (default
	// "crewai-go" and this package's Version).
	Name, Version string
	// Instructions, if set, tell clients how to use the tools.
	Instructions string
	// Tools are the tools served. Their names must be unique.
	Tools []tool.Tool
	// Tracing traces every request (see package tracing; the
	// CREWAI_TRACING_ENABLED environment variable also turns it on).
	Tracing bool
	// Tracer is where traced requests send their spans; nil means
	// tracing.Default().
	Tracer *tracing.Tracer
	// Bus receives the events of the requests; nil means the default bus.
	Bus *event.Bus
	// Logger, if set, receives the SDK's logs.
	Logger *slog.Logger

	once   sync.Once
	server *sdk.Server
	runner *tool.Runner
	err    error
	// transport is the network.transport of spans: "pipe" for stdio.
	transport string
}

// build makes the SDK server once.
func (s *Service) build() (*sdk.Server, error) {
	s.once.Do(func() {
		if err := tool.Check(s.Tools); err != nil {
			s.err = fmt.Errorf("mcp: Service: %w", err)
			return
		}
		seen := map[string]bool{}
		for i, t := range s.Tools {
			if seen[t.Name()] {
				s.err = fmt.Errorf("mcp: Service.Tools[%d]: the name %q is used twice", i, t.Name())
				return
			}
			seen[t.Name()] = true
		}
		name, version := s.Name, s.Version
		if name == "" {
			name = "crewai-go"
		}
		if version == "" {
			version = Version
		}
		s.runner = tool.NewRunner(s.Tools)
		srv := sdk.NewServer(&sdk.Implementation{Name: name, Version: version},
			&sdk.ServerOptions{Instructions: s.Instructions, Logger: s.Logger})
		for _, t := range s.Tools {
			schema := t.Schema()
			if len(schema) == 0 {
				schema = json.RawMessage(`{"type":"object","properties":{}}`)
			}
			srv.AddTool(&sdk.Tool{Name: t.Name(), Description: t.Description(), InputSchema: schema}, s.handler(t.Name()))
		}
		srv.AddReceivingMiddleware(s.traceRequests)
		s.server = srv
	})
	return s.server, s.err
}

// handler answers tools/call for the tool named name.
func (s *Service) handler(name string) sdk.ToolHandler {
	return func(ctx context.Context, req *sdk.CallToolRequest) (res *sdk.CallToolResult, err error) {
		args := ""
		var meta sdk.Meta
		if req.Params != nil {
			args = string(req.Params.Arguments)
			meta = req.Params.Meta
		}
		info := event.MCP{Server: s.displayName(), Method: "tools/call", Tool: name, Transport: s.transport}
		if req.Session != nil {
			info.SessionID = req.Session.ID()
		}
		info.ProtocolVersion = req.ProtocolVersion()
		client := ""
		if ci := req.ClientInfo(); ci != nil {
			client = ci.Name
		}
		ctx, finish := s.startRun(ctx, meta)
		defer finish()
		ctx, step := event.Begin(ctx, event.MCPServeStarted{Header: event.Header{Source: "mcp-server:" + info.Server},
			MCP: info, Arguments: args, Client: client})
		r := s.runner.Run(ctx, name, args)
		if r.Err != nil && !r.IsError {
			r.IsError = true
		}
		if r.Panic {
			event.End(step, event.MCPServeFailed{MCP: info, Failure: event.Failure{Err: r.Err, Panic: true, Stack: r.Stack}})
		} else {
			event.End(step, event.MCPServeFinished{MCP: info, Result: r.Output, IsError: r.IsError})
		}
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: r.Output}}, IsError: r.IsError}, nil
	}
}

// startRun makes the request's context a run of its own, traced when the
// Service is, whose parent is the caller's span when _meta carries a W3C
// traceparent. finish ends the run.
func (s *Service) startRun(ctx context.Context, meta sdk.Meta) (_ context.Context, finish func()) {
	ctx = propagation.TraceContext{}.Extract(ctx, metaCarrier(meta))
	ctx = event.StartRun(ctx, s.Bus)
	ctx, done := tracing.Attach(ctx, s.Tracer, tracing.Requested(s.Tracing))
	ctx = tool.WithRunState(ctx)
	ctx, end := tool.WithScope(ctx)
	return ctx, func() {
		end()
		done()
	}
}

// The requests the Service traces besides tools/call (traced by its
// handler): setting up a session (initialize, or server/discover in the
// stateless protocol of 2026-07-28) and listing the tools.
var tracedMethods = map[string]bool{"initialize": true, "server/discover": true, "tools/list": true}

// traceRequests is the receiving middleware that makes the session set-up
// and tools/list requests steps of their own, as tools/call is: an MCP
// server span "{method}" (continuing the caller's trace when _meta carries
// a traceparent), with the session, the negotiated protocol version, the
// client's name and, for tools/list, the number of tools answered.
func (s *Service) traceRequests(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		if !tracedMethods[method] {
			return next(ctx, method, req)
		}
		info := event.MCP{Server: s.displayName(), Method: method, Transport: s.transport}
		var meta sdk.Meta
		client := ""
		switch r := req.(type) {
		case *sdk.ServerRequest[*sdk.InitializeParams]:
			if r.Params != nil {
				meta = r.Params.Meta
				info.ProtocolVersion = r.Params.ProtocolVersion
				if r.Params.ClientInfo != nil {
					client = r.Params.ClientInfo.Name
				}
			}
		case *sdk.ListToolsRequest:
			if r.Params != nil {
				meta = r.Params.Meta
			}
			info.ProtocolVersion = r.ProtocolVersion()
			if ci := r.ClientInfo(); ci != nil {
				client = ci.Name
			}
		case *sdk.ServerRequest[*sdk.DiscoverParams]:
			if r.Params != nil {
				meta = r.Params.Meta
			}
			info.ProtocolVersion = r.ProtocolVersion()
		}
		if ss := req.GetSession(); ss != nil {
			info.SessionID = ss.ID()
		}
		ctx, finish := s.startRun(ctx, meta)
		defer finish()
		ctx, step := event.Begin(ctx, event.MCPServeStarted{Header: event.Header{Source: "mcp-server:" + info.Server},
			MCP: info, Client: client})
		res, err := next(ctx, method, req)
		if err != nil {
			event.End(step, event.MCPServeFailed{MCP: info, Failure: event.Failure{Err: err}})
			return res, err
		}
		fin := event.MCPServeFinished{MCP: info}
		switch r := res.(type) {
		case *sdk.InitializeResult:
			if r != nil {
				fin.ProtocolVersion = r.ProtocolVersion
			}
		case *sdk.DiscoverResult:
			if r != nil && len(r.SupportedVersions) > 0 && fin.ProtocolVersion == "" {
				fin.ProtocolVersion = r.SupportedVersions[0]
			}
		case *sdk.ListToolsResult:
			if r != nil {
				fin.Tools = len(r.Tools)
			}
		}
		event.End(step, fin)
		return res, err
	}
}

func (s *Service) displayName() string {
	if s.Name != "" {
		return s.Name
	}
	return "crewai-go"
}

// metaCarrier reads propagation fields from a request's _meta.
type metaCarrier sdk.Meta

func (m metaCarrier) Get(key string) string {
	v, _ := m[key].(string)
	return v
}

func (m metaCarrier) Set(key, value string) { m[key] = value }

func (m metaCarrier) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Run serves the tools on one connection made over t (for example the
// SDK's in-memory or IO transports) until the client disconnects or ctx
// ends.
func (s *Service) Run(ctx context.Context, t sdk.Transport) error {
	srv, err := s.build()
	if err != nil {
		return err
	}
	if s.transport == "" {
		s.transport = "pipe"
	}
	err = srv.Run(ctx, t)
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, sdk.ErrConnectionClosed)) {
		return nil
	}
	return err
}

// ServeStdio serves the tools over the program's standard input and output
// until the client closes them or ctx ends: the way MCP clients run a local
// server. Nothing else may write to standard output meanwhile.
//
//	func main() {
//		svc := &mcp.Service{Name: "my-tools", Tools: []tool.Tool{search}}
//		if err := svc.ServeStdio(context.Background()); err != nil {
//			log.Fatal(err)
//		}
//	}
func (s *Service) ServeStdio(ctx context.Context) error {
	s.transport = "pipe"
	return s.Run(ctx, &sdk.StdioTransport{})
}

// Handler returns an http.Handler serving the tools over streamable HTTP
// (mount it at the path clients are given, such as /mcp). Requests through a
// localhost address with another Host header are refused (DNS rebinding
// protection).
func (s *Service) Handler() (http.Handler, error) {
	srv, err := s.build()
	if err != nil {
		return nil, err
	}
	s.transport = "tcp"
	return sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil), nil
}

// CrewTool makes a tool that kicks off c: its arguments are the crew's
// inputs (one string argument per {placeholder} of its tasks and agents, all
// required), its result the CrewOutput.Raw of the kickoff. Serve it with a
// [Service] to offer a whole crew to other MCP clients.
func CrewTool(name, description string, c *crew.Crew) tool.Tool {
	return &crewTool{name: name, desc: description, c: c, schema: crewSchema(c)}
}

type crewTool struct {
	name, desc string
	c          *crew.Crew
	schema     json.RawMessage
}

// Name returns the tool's name.
func (t *crewTool) Name() string { return t.name }

// Description returns the tool's description.
func (t *crewTool) Description() string { return t.desc }

// Schema returns the schema of the crew's inputs.
func (t *crewTool) Schema() json.RawMessage { return append(json.RawMessage(nil), t.schema...) }

// Run kicks off the crew with the arguments as inputs.
func (t *crewTool) Run(ctx context.Context, args json.RawMessage) (string, error) {
	var inputs map[string]any
	if len(args) > 0 {
		if err := json.Unmarshal(args, &inputs); err != nil {
			return "", fmt.Errorf("mcp: crew tool %q: arguments: %w", t.name, err)
		}
	}
	out, err := t.c.Kickoff(ctx, inputs)
	if err != nil {
		return "", err
	}
	return out.Raw, nil
}

// crewInputs lists the {placeholders} of a crew's tasks and agents, sorted.
func crewInputs(c *crew.Crew) []string {
	set := map[string]bool{}
	add := func(s string) {
		for _, p := range interpolate.Placeholders(s) {
			set[p] = true
		}
	}
	for _, t := range c.Tasks {
		if t == nil {
			continue
		}
		add(t.Description)
		add(t.ExpectedOutput)
		if a := t.Agent; a != nil {
			add(a.Role)
			add(a.Goal)
			add(a.Backstory)
		}
	}
	for _, a := range c.Agents {
		if a != nil {
			add(a.Role)
			add(a.Goal)
			add(a.Backstory)
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func crewSchema(c *crew.Crew) json.RawMessage {
	props := map[string]any{}
	names := crewInputs(c)
	for _, n := range names {
		props[n] = map[string]any{"type": "string", "description": "the crew's input {" + n + "}"}
	}
	doc := map[string]any{"type": "object", "properties": props, "required": names, "additionalProperties": false}
	raw, _ := json.Marshal(doc)
	return raw
}

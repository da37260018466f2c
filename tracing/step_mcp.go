package tracing

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The MCP steps (package mcp), with the attributes of the OpenTelemetry MCP
// conventions.
//
// A tools/call made inside a tool call step (an agent calling a server's
// tool) is not a span of its own: as the conventions ask when a GenAI
// execute_tool span already covers the call, its MCP attributes go on that
// execute_tool span, and the trace context sent to the server is that
// span's. Other client requests (initialize, tools/list, a tools/call made
// outside an agent) are CLIENT spans "{method} {tool}"; a request handled by
// an mcp.Service is a SERVER span whose parent is the caller's span when the
// request carried a traceparent.

// traceContext is the W3C propagator the MCP steps inject with.
var traceContext = propagation.TraceContext{}

var kindServer = trace.WithSpanKind(trace.SpanKindServer)

// mcpAttrs appends the attributes common to MCP spans.
func mcpAttrs(attrs []attribute.KeyValue, m *event.MCP) []attribute.KeyValue {
	attrs = append(attrs, attribute.String(semconv.MCPMethodName, m.Method))
	if m.SessionID != "" {
		attrs = append(attrs, attribute.String(semconv.MCPSessionID, m.SessionID))
	}
	if m.ProtocolVersion != "" {
		attrs = append(attrs, attribute.String(semconv.MCPProtocolVersion, m.ProtocolVersion))
	}
	if m.Transport != "" {
		attrs = append(attrs, attribute.String(semconv.NetworkTransport, m.Transport))
	}
	if m.Address != "" {
		attrs = append(attrs, attribute.String(semconv.ServerAddress, m.Address))
		if m.Port > 0 {
			attrs = append(attrs, attribute.Int(semconv.ServerPort, m.Port))
		}
	}
	if m.Server != "" {
		attrs = append(attrs, attribute.String(semconv.CrewAIMCPServer, m.Server))
	}
	return attrs
}

// mcpSpanName is "{method} {tool}", or the method alone.
func mcpSpanName(m *event.MCP) string {
	if m.Tool != "" {
		return m.Method + " " + m.Tool
	}
	return m.Method
}

// mcpCallMerged handles the start of a tools/call inside a tool call step:
// the step's span gets the MCP attributes and is the context propagated.
// It reports false when the parent is not a tool call step.
func (r *runTracer) mcpCallMerged(v *event.MCPCallStarted, h *event.Header) bool {
	if v.Method != "tools/call" || h.ParentID == 0 {
		return false
	}
	p := r.spans[h.ParentID]
	if p == nil || !p.tool {
		return false
	}
	ctx := r.materialize(p)
	p.span.SetAttributes(mcpAttrs(nil, &v.MCP)...)
	if v.Propagation != nil {
		traceContext.Inject(ctx, v.Propagation)
	}
	op := openSpans.Get().(*openSpan)
	op.merged = true
	op.ctx, op.span = ctx, p.span // a step inside it nests under the tool call
	r.spans[h.ID] = op
	return true
}

// mcpCallStarted: an MCP client request is the CLIENT span
// "{method} {tool}".
func (r *runTracer) mcpCallStarted(s *spanStart, v *event.MCPCallStarted) {
	s.name = mcpSpanName(&v.MCP)
	s.kind = kindClient
	s.attrs = mcpAttrs(s.attrs, &v.MCP)
	if v.Method == "tools/call" {
		s.attrs = append(s.attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpExecuteTool),
			attribute.String(semconv.GenAIToolName, v.Tool),
			attribute.String(semconv.OISpanKind, semconv.OIKindTool))
	} else {
		s.attrs = append(s.attrs, attribute.String(semconv.OISpanKind, semconv.OIKindChain))
	}
}

// mcpCallFinished adds what the answer told: the session (known after
// initialize), the tool count of tools/list, a tool error.
func (r *runTracer) mcpCallFinished(attrs []attribute.KeyValue, sp trace.Span, v *event.MCPCallFinished) []attribute.KeyValue {
	if v.Method == "initialize" {
		if v.SessionID != "" {
			attrs = append(attrs, attribute.String(semconv.MCPSessionID, v.SessionID))
		}
		if v.ProtocolVersion != "" {
			attrs = append(attrs, attribute.String(semconv.MCPProtocolVersion, v.ProtocolVersion))
		}
	}
	if v.Method == "tools/list" {
		attrs = append(attrs, attribute.Int(semconv.CrewAIMCPTools, v.Tools))
	}
	if v.IsError {
		attrs = append(attrs, attribute.String(semconv.ErrorType, semconv.ErrorTypeToolError))
		sp.SetStatus(codes.Error, "the tool reported an error")
	}
	return attrs
}

// mcpServeStarted: a request handled by an mcp.Service is the SERVER span
// "{method} {tool}", with the arguments.
func (r *runTracer) mcpServeStarted(s *spanStart, v *event.MCPServeStarted) {
	t := r.t
	s.name = mcpSpanName(&v.MCP)
	s.kind = kindServer
	s.attrs = mcpAttrs(s.attrs, &v.MCP)
	if v.Method == "tools/call" {
		s.attrs = append(s.attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpExecuteTool),
			attribute.String(semconv.GenAIToolName, v.Tool),
			attribute.String(semconv.OIToolName, v.Tool),
			attribute.String(semconv.OISpanKind, semconv.OIKindTool))
	}
	if t.capture && v.Arguments != "" {
		args := t.text(v.Arguments)
		s.attrs = append(s.attrs,
			attribute.String(semconv.GenAIToolCallArguments, args),
			attribute.String(semconv.OIInputValue, args),
			attribute.String(semconv.OIInputMimeType, mimeOf(args)))
	}
}

// mcpServeFinished adds the result, and a tool error; for the session set-up
// the negotiated protocol version, for tools/list the number of tools.
func (r *runTracer) mcpServeFinished(attrs []attribute.KeyValue, sp trace.Span, v *event.MCPServeFinished) []attribute.KeyValue {
	t := r.t
	switch v.Method {
	case "initialize", "server/discover":
		if v.ProtocolVersion != "" {
			attrs = append(attrs, attribute.String(semconv.MCPProtocolVersion, v.ProtocolVersion))
		}
		return attrs
	case "tools/list":
		return append(attrs, attribute.Int(semconv.CrewAIMCPTools, v.Tools))
	}
	if t.capture {
		res := t.text(v.Result)
		attrs = append(attrs, attribute.String(semconv.GenAIToolCallResult, res),
			attribute.String(semconv.OIOutputValue, res),
			attribute.String(semconv.OIOutputMimeType, mimeOf(res)))
	}
	if v.IsError {
		attrs = append(attrs, attribute.String(semconv.ErrorType, semconv.ErrorTypeToolError))
		sp.SetStatus(codes.Error, "the tool reported an error")
	}
	return attrs
}

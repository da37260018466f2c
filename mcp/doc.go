// Package mcp connects agents to the tools of any Model Context Protocol
// server, and serves tools and whole crews to other MCP clients. It is built
// on the official Go SDK, github.com/modelcontextprotocol/go-sdk.
//
// # Using a server's tools
//
// A [Server] says how to reach a server: a command run over stdio, or a
// URL reached over streamable HTTP (or the older SSE transport), with
// headers. An agent can name servers directly, the CrewAI "mcps" way:
//
//	fs := mcp.Command("npx", "-y", "@modelcontextprotocol/server-filesystem", "/data")
//	web := &mcp.Server{URL: "https://example.com/mcp", Headers: map[string]string{"Authorization": "Bearer " + token}}
//	researcher := &agent.Agent{Role: "Researcher", LLM: model, MCPs: []tool.Source{fs, web}}
//
// The agent acquires each server at the start of an execution and adds its
// tools to its own. Inside a crew or flow kickoff a server is opened once
// for the whole run and closed at its end; concurrent kickoffs share one
// session (one process for a stdio server), which closes when the last of
// them ends. Or manage the session yourself: [Connect] returns a [Client]
// whose [Client.Tools] can go in any agent's Tools until [Client.Close].
//
// Each server tool is a [tool.Tool] whose schema is the server's input
// schema, so the agent's runner validates the model's arguments before the
// call and answers a violation to the model, as for local tools. A tool
// error (a result with isError) comes back to the model as an observation
// ([ToolError]). Text content is given as it is; images, audio, resource
// links and binary resources are described (type, size, URI) rather than
// dropped; a structured result without text is given as JSON. [Filter]
// ([Only], [Except], or any predicate) picks the tools; Server.Prefix names
// them "<server>_<tool>". When a server announces that its tools changed
// (notifications/tools/list_changed), the kept list is dropped and the next
// run that acquires the server lists them again.
//
// # Trust
//
// A server's descriptions, schemas and results are untrusted. Descriptions
// are cut to Server.MaxDescriptionBytes and results to
// Server.MaxResultBytes (with a visible "…[truncated N bytes]" marker)
// before they reach the model and the events (and so the trace, which
// scrubs and bounds them again); a schema larger than MaxSchemaBytes,
// nested deeper than 32 levels, not an object schema, referring outside
// itself or not compiling leaves its tool out. The client offers no roots,
// sampling or elicitation, and never follows a resource link: a server
// cannot make it read or write local files except through the server's own
// tools. A stdio server does not inherit the program's environment (API
// keys) unless Server.InheritEnv is set.
//
// # Lifecycle and failures
//
// Starting a server and the protocol handshake are bounded by
// Server.ConnectTimeout (30 s by default); a call is bounded by its
// context, and a cancelled call is cancelled on the server too. When a
// server dies or restarts, the call that finds its session broken fails
// with an [*Error] naming the server (the model sees it as a tool error)
// and the next call opens a new session. A stdio server runs in its own
// process group, which Close kills after closing its input and waiting two
// seconds; on Linux the kernel also kills it if the program dies first.
//
// # Serving tools
//
// A [Service] serves [tool.Tool] values, and crews through [CrewTool]
// (the crew's inputs in, CrewOutput.Raw out), over stdio
// ([Service.ServeStdio], for a program that MCP clients start), streamable
// HTTP ([Service.Handler]) or any SDK transport ([Service.Run]). The
// `crewai mcp serve` command serves the examples' tools this way.
//
// # Tracing
//
// Every request is an event (see package event): the initialize handshake
// and tools/list are steps of their own (MCP client spans "initialize" and
// "tools/list"), and a tools/call made by an agent's tool call is part of
// that call, whose execute_tool span gets the MCP attributes of the
// OpenTelemetry conventions (mcp.method.name, mcp.session.id,
// mcp.protocol.version, network.transport, server.address, server.port).
// When the run is traced, the client sends the W3C trace context in the
// request's params._meta (traceparent, tracestate); a [Service] continues
// it, so a crew calling a crewai-go MCP server is one trace, with the
// server's "tools/call {tool}" span under the caller's execute_tool span.
// The server traces its own handling of the session set-up ("initialize",
// or "server/discover" in the stateless protocol of 2026-07-28) and of
// "tools/list" the same way, under the client's spans of those requests
// (the client puts the trace context in the set-up request's _meta too).
//
// All types are safe for concurrent use unless their doc says otherwise; a
// Server or Service must not be modified after its first use.
package mcp

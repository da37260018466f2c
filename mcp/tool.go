package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/tool"
)

// serverTool is one tool of an MCP server as a [tool.Tool]. It is read-only
// once made and safe for concurrent use.
type serverTool struct {
	c      *Client
	name   string // the name the model calls it by
	remote string // its name on the server
	desc   string
	schema json.RawMessage
	info   ToolInfo
}

// Name returns the tool's name (prefixed with the server's name when
// Server.Prefix is set).
func (t *serverTool) Name() string { return t.name }

// Description returns the server's description, bounded.
func (t *serverTool) Description() string { return t.desc }

// Schema returns the server's argument schema.
func (t *serverTool) Schema() json.RawMessage { return bytes.Clone(t.schema) }

// limits are what conversion needs of a Server.
type limits struct {
	server    string
	prefix    bool
	maxDesc   int
	maxSchema int
	maxResult int
}

func limitsOf(c *Client) limits {
	s := c.srv
	return limits{
		server:    c.name,
		prefix:    s.Prefix,
		maxDesc:   orDefault(s.MaxDescriptionBytes, DefaultMaxDescription),
		maxSchema: orDefault(s.MaxSchemaBytes, DefaultMaxSchemaBytes),
		maxResult: orDefault(s.MaxResultBytes, DefaultMaxResultBytes),
	}
}

func convert(c *Client, t *sdk.Tool) (*serverTool, error) {
	st, err := convertTool(limitsOf(c), t)
	if st != nil {
		st.c = c
	}
	return st, err
}

// convertTool turns a server's tool definition into a serverTool, or says
// why it cannot be offered to a model: a name with no usable character, a
// schema that is too large, too deep, not an object schema, or that does not
// compile. It never panics.
func convertTool(l limits, t *sdk.Tool) (st *serverTool, err error) {
	defer func() {
		if p := recover(); p != nil {
			st, err = nil, fmt.Errorf("mcp: server %q: tool definition: %v", l.server, p)
		}
	}()
	if t == nil {
		return nil, fmt.Errorf("mcp: server %q: a tool definition is null", l.server)
	}
	name := t.Name
	if l.prefix {
		name = l.server + "_" + name
	}
	clean, err := tool.SanitizeName(name)
	if err != nil {
		return nil, fmt.Errorf("mcp: server %q: tool %q: %w", l.server, clip(t.Name, 100), err)
	}
	schema, err := toolSchema(t.InputSchema, l.maxSchema)
	if err != nil {
		return nil, fmt.Errorf("mcp: server %q: tool %q: inputSchema: %w", l.server, clip(t.Name, 100), err)
	}
	info := ToolInfo{Name: t.Name, Description: t.Description}
	if a := t.Annotations; a != nil {
		info.ReadOnly = a.ReadOnlyHint
		info.Destructive = !a.ReadOnlyHint && (a.DestructiveHint == nil || *a.DestructiveHint)
	}
	desc := t.Description
	if desc == "" {
		desc = t.Title
	}
	return &serverTool{name: clean, remote: t.Name, desc: bound(desc, l.maxDesc), schema: schema, info: info}, nil
}

// toolSchema checks a server's input schema and returns it as JSON.
func toolSchema(v any, max int) (json.RawMessage, error) {
	var raw []byte
	switch x := v.(type) {
	case nil:
		return json.RawMessage(`{"type":"object","properties":{}}`), nil
	case json.RawMessage:
		raw = x
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	if len(raw) > max {
		return nil, fmt.Errorf("%d bytes, more than the %d accepted (Server.MaxSchemaBytes)", len(raw), max)
	}
	if err := checkDepth(raw, maxSchemaDepth); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return nil, errors.New("not a JSON object")
	}
	if typ, ok := top["type"]; ok {
		var s string
		if json.Unmarshal(typ, &s) != nil || s != "object" {
			return nil, fmt.Errorf("type is %s; a tool's arguments must be an object (type \"object\")", clip(string(typ), 40))
		}
	}
	if err := tool.CheckSchema(raw); err != nil {
		return nil, err
	}
	return json.RawMessage(raw), nil
}

// checkDepth reports JSON nested deeper than max.
func checkDepth(raw []byte, max int) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
				if depth > max {
					return fmt.Errorf("nested more than %d levels deep", max)
				}
			default:
				depth--
			}
		}
	}
}

// Run calls the tool on the server with args (already checked against the
// server's schema by the agent's runner). A tool error (isError) is a
// [*ToolError], given to the model; a call that got no answer is an
// [*Error] naming the server.
func (t *serverTool) Run(ctx context.Context, args json.RawMessage) (string, error) {
	c := t.c
	if c == nil {
		return "", errors.New("mcp: tool not connected to a server")
	}
	s, err := c.session(ctx)
	if err != nil {
		return "", err
	}
	tr, addr, port := c.srv.endpoint()
	info := event.MCP{Server: c.name, Method: "tools/call", Tool: t.remote, SessionID: s.id,
		ProtocolVersion: s.proto, Transport: tr, Address: addr, Port: port}
	var prop *event.Carrier
	if event.Enabled(ctx) {
		prop = &event.Carrier{}
	}
	ctx, step := event.Begin(ctx, event.MCPCallStarted{Header: event.Header{Source: "mcp:" + c.name}, MCP: info, Propagation: prop})
	if len(bytes.TrimSpace(args)) == 0 {
		args = json.RawMessage(`{}`)
	}
	params := &sdk.CallToolParams{Name: t.remote, Arguments: args}
	if prop != nil {
		params.Meta = metaOf(prop)
	}
	res, err := s.cs.CallTool(ctx, params)
	if err != nil {
		err = c.callError(ctx, s, "tools/call", t.remote, err)
		event.End(step, event.MCPCallFailed{MCP: info, Failure: event.Failure{Err: err}})
		return "", err
	}
	max := orDefault(c.srv.MaxResultBytes, DefaultMaxResultBytes)
	text := renderResult(res, max)
	event.End(step, event.MCPCallFinished{MCP: info, IsError: res.IsError})
	if res.IsError {
		if text == "" {
			text = "the tool reported an error without a message"
		}
		return "", &ToolError{Server: c.name, Tool: t.remote, Text: text}
	}
	return text, nil
}

// renderResult turns a tool result into the text the model sees: text
// content as it is; images, audio, resource links and binary resources
// described (type, size, URI), never dropped silently; the structured result
// as JSON when there is no text. The whole is bounded by max bytes.
func renderResult(res *sdk.CallToolResult, max int) string {
	var b strings.Builder
	hasText := false
	for _, c := range res.Content {
		if b.Len() > max {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		switch x := c.(type) {
		case *sdk.TextContent:
			b.WriteString(x.Text)
			hasText = true
		case *sdk.ImageContent:
			fmt.Fprintf(&b, "[image: %s, %d bytes, not shown]", orUnknown(x.MIMEType), len(x.Data))
		case *sdk.AudioContent:
			fmt.Fprintf(&b, "[audio: %s, %d bytes, not shown]", orUnknown(x.MIMEType), len(x.Data))
		case *sdk.ResourceLink:
			fmt.Fprintf(&b, "[resource link: %s", clip(x.URI, 500))
			if x.Name != "" {
				fmt.Fprintf(&b, " %q", clip(x.Name, 200))
			}
			if x.MIMEType != "" {
				fmt.Fprintf(&b, ", %s", x.MIMEType)
			}
			if x.Description != "" {
				fmt.Fprintf(&b, ": %s", clip(x.Description, 500))
			}
			b.WriteString("]")
		case *sdk.EmbeddedResource:
			r := x.Resource
			switch {
			case r == nil:
				b.WriteString("[empty resource]")
			case r.Text != "" || len(r.Blob) == 0:
				fmt.Fprintf(&b, "[resource %s, %s]\n%s", clip(r.URI, 500), orUnknown(r.MIMEType), r.Text)
				hasText = true
			default:
				fmt.Fprintf(&b, "[resource %s: %s, %d bytes of binary data, not shown]", clip(r.URI, 500), orUnknown(r.MIMEType), len(r.Blob))
			}
		default:
			fmt.Fprintf(&b, "[content of type %T, not shown]", c)
		}
	}
	if res.StructuredContent != nil && !hasText {
		if js, err := json.Marshal(res.StructuredContent); err == nil {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.Write(js)
		}
	}
	return bound(b.String(), max)
}

func orUnknown(mime string) string {
	if mime == "" {
		return "unknown type"
	}
	return clip(mime, 100)
}

// bound cuts s to at most max bytes (on a character boundary) and says how
// much was cut.
func bound(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(truncatedMarkerPattern, len(s)-cut)
}

// clip is bound for short fields in messages.
func clip(s string, max int) string { return bound(s, max) }

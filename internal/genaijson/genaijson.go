// Package genaijson writes the GenAI message lists (gen_ai.input.messages,
// gen_ai.output.messages) and tool definitions (gen_ai.tool.definitions) of
// the OpenTelemetry GenAI conventions as JSON, with encoding/json:
//
//	message: {"role":..., "parts":[part...], "finish_reason":... (if any)}
//	part:    {"type":..., "content", "id", "name" (each if not empty),
//	          "arguments" (tool calls), "response" (tool results)}
//	tool:    {"type":"function", "name":..., "description", "parameters"
//	          (each if not empty)}
//
// Arguments and parameters that are valid JSON are kept as JSON; other
// arguments become strings. An Encoder is safe for concurrent use.
package genaijson

import (
	"encoding/json"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/scrub"
)

// Encoder writes the JSON attributes of one Tracer.
type Encoder struct {
	// Text prepares every captured text (secrets masked, redacted, cut).
	Text func(string) string
	// Max is the largest JSON text; a longer one is cut whole.
	Max int
}

type part struct {
	Type      string `json:"type"`
	Content   string `json:"content,omitempty"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments any    `json:"arguments,omitempty"`
	Response  any    `json:"response,omitempty"`
}

type message struct {
	Role         string `json:"role"`
	Parts        []part `json:"parts"`
	FinishReason string `json:"finish_reason,omitempty"`
}

type toolDef struct {
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// arg is a tool call's arguments: JSON when they are valid JSON, else a
// string.
func (e *Encoder) arg(s string) any {
	s = e.Text(s)
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}

func (e *Encoder) callParts(parts []part, calls []chat.ToolCall) []part {
	for _, c := range calls {
		parts = append(parts, part{Type: "tool_call", ID: c.ID, Name: c.Name, Arguments: e.arg(c.Arguments)})
	}
	return parts
}

// marshal encodes v and cuts the result to Max. The values given here
// always encode (strings, and RawMessages checked with json.Valid).
func (e *Encoder) marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return scrub.Truncate(string(b), e.Max)
}

// InputMessages renders messages in the GenAI input shape.
func (e *Encoder) InputMessages(msgs []chat.Message) string {
	out := make([]message, 0, len(msgs))
	for _, m := range msgs {
		gm := message{Role: string(m.Role), Parts: []part{}}
		if m.Role == chat.RoleTool {
			gm.Parts = append(gm.Parts, part{Type: "tool_call_response", ID: m.ToolCallID, Response: e.Text(m.Content)})
		} else {
			if m.Content != "" {
				gm.Parts = append(gm.Parts, part{Type: "text", Content: e.Text(m.Content)})
			}
			gm.Parts = e.callParts(gm.Parts, m.ToolCalls)
		}
		out = append(out, gm)
	}
	return e.marshal(out)
}

// OutputMessages renders a model reply in the GenAI output shape.
func (e *Encoder) OutputMessages(content string, calls []chat.ToolCall, finish string) string {
	gm := message{Role: string(chat.RoleAssistant), FinishReason: finish, Parts: []part{}}
	if content != "" {
		gm.Parts = append(gm.Parts, part{Type: "text", Content: e.Text(content)})
	}
	gm.Parts = e.callParts(gm.Parts, calls)
	return e.marshal([1]message{gm})
}

// ToolDefs renders tool definitions in the GenAI shape; parameters that are
// not valid JSON are left out.
func (e *Encoder) ToolDefs(defs []chat.ToolDef) string {
	out := make([]toolDef, 0, len(defs))
	for _, d := range defs {
		p := d.Parameters
		if len(p) > 0 && !json.Valid(p) {
			p = nil
		}
		out = append(out, toolDef{Type: "function", Name: d.Name, Description: e.Text(d.Description), Parameters: p})
	}
	return e.marshal(out)
}

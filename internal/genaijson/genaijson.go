// Package genaijson writes the GenAI message lists (gen_ai.input.messages,
// gen_ai.output.messages) and tool definitions (gen_ai.tool.definitions) of
// the OpenTelemetry GenAI conventions as JSON. An Encoder is safe for
// concurrent use.
package genaijson

import (
	"encoding/json"
	"sync"
	"unicode/utf8"

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

// The GenAI message lists (gen_ai.input.messages, gen_ai.output.messages)
// and tool definitions (gen_ai.tool.definitions) are written directly as
// JSON, byte for byte what encoding/json makes of these shapes:
//
//	message: {"role":..., "parts":[part...], "finish_reason":... (if any)}
//	part:    {"type":..., "content", "id", "name" (each if not empty),
//	          "arguments" (tool calls), "response" (tool results)}
//	tool:    {"type":"function", "name":..., "description", "parameters"
//	          (each if not empty)}
//
// Strings are escaped as encoding/json does (HTML characters, U+2028 and
// U+2029 included, invalid UTF-8 replaced); arguments and parameters that
// are valid JSON are kept as JSON, compacted and HTML-escaped the same way.

// jsonBufs recycles the JSON writer's buffers.
var jsonBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledJSON keeps very large buffers out of the pool.
const maxPooledJSON = 64 << 10

func getJSONBuf() *[]byte { return jsonBufs.Get().(*[]byte) }

// jsonResult returns b as a string, cut like every JSON attribute, and
// recycles its buffer.
func (t *Encoder) jsonResult(bp *[]byte, b []byte) string {
	s := scrub.Truncate(string(b), t.Max)
	if cap(b) <= maxPooledJSON {
		*bp = b[:0]
		jsonBufs.Put(bp)
	}
	return s
}

// appendToolCallParts writes the tool_call parts of calls, each preceded
// by a comma when comma is true or it is not the first.
func (t *Encoder) appendToolCallParts(b []byte, calls []chat.ToolCall, comma bool) []byte {
	for _, c := range calls {
		if comma {
			b = append(b, ',')
		}
		comma = true
		b = append(b, `{"type":"tool_call"`...)
		if c.ID != "" {
			b = append(b, `,"id":`...)
			b = appendJSONString(b, c.ID)
		}
		if c.Name != "" {
			b = append(b, `,"name":`...)
			b = appendJSONString(b, c.Name)
		}
		b = append(b, `,"arguments":`...)
		b = appendJSONArg(b, t.Text(c.Arguments))
		b = append(b, '}')
	}
	return b
}

// appendJSONArg writes s as JSON when it is valid JSON, else as a string.
// s is copied to the end of b to be checked there (json.Valid takes bytes),
// then written over by its encoding.
func appendJSONArg(b []byte, s string) []byte {
	start := len(b)
	b = append(b, s...)
	valid := json.Valid(b[start:])
	b = b[:start]
	if valid {
		return appendCompactJSON(b, s)
	}
	return appendJSONString(b, s)
}

// InputMessages renders messages in the GenAI input shape.
func (t *Encoder) InputMessages(msgs []chat.Message) string {
	bp := getJSONBuf()
	b := append((*bp)[:0], '[')
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"role":`...)
		b = appendJSONString(b, string(m.Role))
		b = append(b, `,"parts":[`...)
		if m.Role == "tool" {
			b = append(b, `{"type":"tool_call_response"`...)
			if m.ToolCallID != "" {
				b = append(b, `,"id":`...)
				b = appendJSONString(b, m.ToolCallID)
			}
			b = append(b, `,"response":`...)
			b = appendJSONString(b, t.Text(m.Content))
			b = append(b, '}')
		} else {
			comma := false
			if len(m.Reasoning) > 0 {
				b, comma = t.appendReasoningParts(b, m.Reasoning)
			}
			if m.Content != "" {
				if comma {
					b = append(b, ',')
				}
				b = appendTextPart(b, t.Text(m.Content))
				comma = true
			}
			if len(m.Parts) > 0 {
				b = t.appendParts(b, m.Parts, comma)
				comma = true
			}
			b = t.appendToolCallParts(b, m.ToolCalls, comma)
		}
		b = append(b, "]}"...)
	}
	b = append(b, ']')
	return t.jsonResult(bp, b)
}

// appendTextPart writes a text part (its content left out when empty).
func appendTextPart(b []byte, s string) []byte {
	b = append(b, `{"type":"text"`...)
	if s != "" {
		b = append(b, `,"content":`...)
		b = appendJSONString(b, s)
	}
	return append(b, '}')
}

// appendReasoningParts writes a reasoning part for each block with text
// (a redacted block has none, and signatures are never written); comma
// reports whether it wrote any.
func (t *Encoder) appendReasoningParts(b []byte, rs []chat.Reasoning) ([]byte, bool) {
	comma := false
	for _, r := range rs {
		if r.Text == "" {
			continue
		}
		if comma {
			b = append(b, ',')
		}
		b = append(b, `{"type":"reasoning"`...)
		if s := t.Text(r.Text); s != "" {
			b = append(b, `,"content":`...)
			b = appendJSONString(b, s)
		}
		b = append(b, '}')
		comma = true
	}
	return b, comma
}

// OutputMessages renders a model reply in the GenAI output shape: its
// reasoning (text only), its text, its tool calls.
func (t *Encoder) OutputMessages(reasoning []chat.Reasoning, content string, calls []chat.ToolCall, finish string) string {
	bp := getJSONBuf()
	b := append((*bp)[:0], `[{"role":"assistant","parts":[`...)
	comma := false
	if len(reasoning) > 0 {
		b, comma = t.appendReasoningParts(b, reasoning)
	}
	if content != "" {
		if comma {
			b = append(b, ',')
		}
		b = appendTextPart(b, t.Text(content))
		comma = true
	}
	b = t.appendToolCallParts(b, calls, comma)
	b = append(b, ']')
	if finish != "" {
		b = append(b, `,"finish_reason":`...)
		b = appendJSONString(b, finish)
	}
	b = append(b, "}]"...)
	return t.jsonResult(bp, b)
}

// ToolDefs renders tool definitions in the GenAI shape.
func (t *Encoder) ToolDefs(defs []chat.ToolDef) string {
	bp := getJSONBuf()
	b := append((*bp)[:0], '[')
	for i, d := range defs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"function","name":`...)
		b = appendJSONString(b, d.Name)
		if desc := t.Text(d.Description); desc != "" {
			b = append(b, `,"description":`...)
			b = appendJSONString(b, desc)
		}
		if p := d.Parameters; len(p) > 0 && json.Valid(p) {
			b = append(b, `,"parameters":`...)
			b = appendCompactJSON(b, p)
		}
		b = append(b, '}')
	}
	b = append(b, ']')
	return t.jsonResult(bp, b)
}

const jsonHex = "0123456789abcdef"

// jsonPlain marks the ASCII bytes that appendJSONString copies as they are.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString writes s as a JSON string, escaped as encoding/json
// escapes it by default.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendCompactJSON writes the valid JSON text s without its insignificant
// whitespace, with <, >, &, U+2028 and U+2029 escaped, as encoding/json
// writes a json.RawMessage.
func appendCompactJSON[T ~string | ~[]byte](b []byte, s T) []byte {
	start := 0
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '<' || c == '>' || c == '&':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			start = i + 1
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2]&^1 == 0xA8:
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[s[i+2]&0xF])
			i += 2
			start = i + 1
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			b = append(b, s[start:i]...)
			start = i + 1
		}
	}
	return append(b, s[start:]...)
}

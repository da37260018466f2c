package tracing

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/semconv"
)

// redacted replaces a secret in captured text.
const redacted = "[REDACTED]"

// scrubber masks secrets in captured text: the values of environment
// variables whose names look secret (computed once, when the Tracer is
// built), OpenAI-style "sk-..." keys and "Bearer ..." tokens.
type scrubber struct {
	secrets []string // longest first
}

// minSecretLen keeps short values ("1", "yes") of secret-looking variables
// from masking ordinary text.
const minSecretLen = 8

func secretName(name string) bool {
	n := strings.ToUpper(name)
	return strings.HasSuffix(n, "_KEY") || strings.HasSuffix(n, "_TOKEN") || strings.HasSuffix(n, "_SECRET") ||
		strings.Contains(n, "PASSWORD") || n == "KEY" || n == "TOKEN" || n == "SECRET" || strings.HasSuffix(n, "_APIKEY")
}

func newScrubber(environ []string) *scrubber {
	s := &scrubber{}
	seen := map[string]bool{}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !secretName(name) || len(val) < minSecretLen || seen[val] {
			continue
		}
		seen[val] = true
		s.secrets = append(s.secrets, val)
	}
	sort.Slice(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
	return s
}

func (s *scrubber) scrub(x string) string {
	for _, sec := range s.secrets {
		if strings.Contains(x, sec) {
			x = strings.ReplaceAll(x, sec, redacted)
		}
	}
	if strings.Contains(x, "sk-") {
		x = maskPrefixed(x, "sk-", 16, true)
	}
	if strings.Contains(x, "Bearer ") {
		x = maskPrefixed(x, "Bearer ", 8, false)
	}
	return x
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' ||
		c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}

// maskPrefixed replaces what follows every occurrence of prefix with
// [redacted] when at least min token bytes follow it; with needBoundary the
// prefix must not be preceded by a token byte.
func maskPrefixed(x, prefix string, min int, needBoundary bool) string {
	var b strings.Builder
	last, i := 0, 0
	for {
		j := strings.Index(x[i:], prefix)
		if j < 0 {
			break
		}
		j += i
		end := j + len(prefix)
		k := end
		for k < len(x) && tokenByte(x[k]) {
			k++
		}
		if (needBoundary && j > 0 && tokenByte(x[j-1])) || k-end < min {
			i = end
			continue
		}
		b.WriteString(x[last:end])
		b.WriteString(redacted)
		last, i = k, k
	}
	if last == 0 {
		return x
	}
	b.WriteString(x[last:])
	return b.String()
}

// text prepares one captured text for a span: secrets masked, the user's
// redaction applied, then truncated.
func (t *Tracer) text(s string) string {
	s = t.scrub.scrub(s)
	if t.redact != nil {
		s = t.redact(s)
	}
	return truncate(s, t.maxLen)
}

// truncate cuts s to at most max bytes (at a UTF-8 boundary) followed by the
// marker "…[truncated N bytes]".
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated " + strconv.Itoa(len(s)-cut) + " bytes]"
}

// jsonFactor is how many times the per-text limit a JSON attribute built
// from several texts (a conversation) may reach before it is cut whole.
const jsonFactor = 8

// anyValue renders v for input.value or output.value: a string as is, other
// values as JSON, with the matching MIME type.
func (t *Tracer) anyValue(v any) (s string, mime string) {
	switch x := v.(type) {
	case nil:
		return "", ""
	case string:
		return t.text(x), semconv.MimeText
	case []byte:
		return t.text(string(x)), semconv.MimeText
	case fmt.Stringer:
		return t.text(x.String()), semconv.MimeText
	}
	b, err := json.Marshal(v)
	if err != nil {
		return t.text(fmt.Sprintf("%+v", v)), semconv.MimeText
	}
	return t.text(string(b)), semconv.MimeJSON
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
func (t *Tracer) jsonResult(bp *[]byte, b []byte) string {
	s := truncate(string(b), jsonFactor*t.maxLen)
	if cap(b) <= maxPooledJSON {
		*bp = b[:0]
		jsonBufs.Put(bp)
	}
	return s
}

// appendToolCallParts writes the tool_call parts of calls, each preceded
// by a comma when comma is true or it is not the first.
func (t *Tracer) appendToolCallParts(b []byte, calls []chat.ToolCall, comma bool) []byte {
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
		b = appendJSONArg(b, t.text(c.Arguments))
		b = append(b, '}')
	}
	return b
}

// appendJSONArg writes s as JSON when it is valid JSON, else as a string.
func appendJSONArg(b []byte, s string) []byte {
	if json.Valid(unsafe.Slice(unsafe.StringData(s), len(s))) {
		return appendCompactJSON(b, s)
	}
	return appendJSONString(b, s)
}

// inputMessages renders messages in the GenAI input shape.
func (t *Tracer) inputMessages(msgs []chat.Message) string {
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
			b = appendJSONString(b, t.text(m.Content))
			b = append(b, '}')
		} else {
			comma := false
			if m.Content != "" {
				b = appendTextPart(b, t.text(m.Content))
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

// outputMessages renders a model reply in the GenAI output shape.
func (t *Tracer) outputMessages(content string, calls []chat.ToolCall, finish string) string {
	bp := getJSONBuf()
	b := append((*bp)[:0], `[{"role":"assistant","parts":[`...)
	comma := false
	if content != "" {
		b = appendTextPart(b, t.text(content))
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

func (t *Tracer) toolDefs(defs []chat.ToolDef) string {
	bp := getJSONBuf()
	b := append((*bp)[:0], '[')
	for i, d := range defs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"function","name":`...)
		b = appendJSONString(b, d.Name)
		if desc := t.text(d.Description); desc != "" {
			b = append(b, `,"description":`...)
			b = appendJSONString(b, desc)
		}
		if p := d.Parameters; len(p) > 0 && json.Valid(p) {
			b = append(b, `,"parameters":`...)
			b = appendCompactJSON(b, unsafe.String(unsafe.SliceData(p), len(p)))
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
func appendCompactJSON(b []byte, s string) []byte {
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

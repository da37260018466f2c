package tracing

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/crewai-go/crewai/event"
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

// GenAI message shape (gen_ai.input.messages / gen_ai.output.messages).
type msgPart struct {
	Type      string `json:"type"`
	Content   string `json:"content,omitempty"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments any    `json:"arguments,omitempty"`
	Response  any    `json:"response,omitempty"`
}

type genaiMessage struct {
	Role         string    `json:"role"`
	Parts        []msgPart `json:"parts"`
	FinishReason string    `json:"finish_reason,omitempty"`
}

// jsonArg keeps valid JSON arguments as JSON, anything else as a string.
func (t *Tracer) jsonArg(s string) any {
	s = t.text(s)
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}

func (t *Tracer) toolCallParts(parts []msgPart, calls []event.ToolCall) []msgPart {
	for _, c := range calls {
		parts = append(parts, msgPart{Type: "tool_call", ID: c.ID, Name: c.Name, Arguments: t.jsonArg(c.Arguments)})
	}
	return parts
}

// inputMessages renders messages in the GenAI input shape.
func (t *Tracer) inputMessages(msgs []event.Message) string {
	out := make([]genaiMessage, 0, len(msgs))
	for _, m := range msgs {
		gm := genaiMessage{Role: m.Role}
		switch {
		case m.Role == "tool":
			gm.Parts = append(gm.Parts, msgPart{Type: "tool_call_response", ID: m.ToolCallID, Response: t.text(m.Content)})
		default:
			if m.Content != "" {
				gm.Parts = append(gm.Parts, msgPart{Type: "text", Content: t.text(m.Content)})
			}
			gm.Parts = t.toolCallParts(gm.Parts, m.ToolCalls)
		}
		if gm.Parts == nil {
			gm.Parts = []msgPart{}
		}
		out = append(out, gm)
	}
	return t.marshalMessages(out)
}

// outputMessages renders a model reply in the GenAI output shape.
func (t *Tracer) outputMessages(content string, calls []event.ToolCall, finish string) string {
	gm := genaiMessage{Role: "assistant", FinishReason: finish, Parts: []msgPart{}}
	if content != "" {
		gm.Parts = append(gm.Parts, msgPart{Type: "text", Content: t.text(content)})
	}
	gm.Parts = t.toolCallParts(gm.Parts, calls)
	return t.marshalMessages([]genaiMessage{gm})
}

func (t *Tracer) marshalMessages(m []genaiMessage) string {
	b, err := json.Marshal(m)
	if err != nil {
		return "[]"
	}
	return truncate(string(b), jsonFactor*t.maxLen)
}

func (t *Tracer) toolDefs(defs []event.ToolDef) string {
	type def struct {
		Type        string          `json:"type"`
		Name        string          `json:"name"`
		Description string          `json:"description,omitempty"`
		Parameters  json.RawMessage `json:"parameters,omitempty"`
	}
	out := make([]def, 0, len(defs))
	for _, d := range defs {
		p := d.Parameters
		if len(p) > 0 && !json.Valid(p) {
			p = nil
		}
		out = append(out, def{Type: "function", Name: d.Name, Description: t.text(d.Description), Parameters: p})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "[]"
	}
	return truncate(string(b), jsonFactor*t.maxLen)
}

package tracing

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/scrub"
)

// The reference for the JSON writer of content.go: the same shapes written
// by encoding/json.

type refPart struct {
	Type      string `json:"type"`
	Content   string `json:"content,omitempty"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments any    `json:"arguments,omitempty"`
	Response  any    `json:"response,omitempty"`
}

type refMessage struct {
	Role         string    `json:"role"`
	Parts        []refPart `json:"parts"`
	FinishReason string    `json:"finish_reason,omitempty"`
}

func (t *Tracer) refArg(s string) any {
	s = t.text(s)
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}

func (t *Tracer) refReasoningParts(parts []refPart, rs []chat.Reasoning) []refPart {
	for _, r := range rs {
		if r.Text != "" {
			parts = append(parts, refPart{Type: "reasoning", Content: t.text(r.Text)})
		}
	}
	return parts
}

func (t *Tracer) refCallParts(parts []refPart, calls []chat.ToolCall) []refPart {
	for _, c := range calls {
		parts = append(parts, refPart{Type: "tool_call", ID: c.ID, Name: c.Name, Arguments: t.refArg(c.Arguments)})
	}
	return parts
}

func (t *Tracer) refMarshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return scrub.Truncate(string(b), jsonFactor*t.maxLen)
}

func (t *Tracer) refInputMessages(msgs []chat.Message) string {
	out := make([]refMessage, 0, len(msgs))
	for _, m := range msgs {
		gm := refMessage{Role: string(m.Role)}
		if m.Role == "tool" {
			gm.Parts = append(gm.Parts, refPart{Type: "tool_call_response", ID: m.ToolCallID, Response: t.text(m.Content)})
		} else {
			gm.Parts = t.refReasoningParts(gm.Parts, m.Reasoning)
			if m.Content != "" {
				gm.Parts = append(gm.Parts, refPart{Type: "text", Content: t.text(m.Content)})
			}
			gm.Parts = t.refCallParts(gm.Parts, m.ToolCalls)
		}
		if gm.Parts == nil {
			gm.Parts = []refPart{}
		}
		out = append(out, gm)
	}
	return t.refMarshal(out)
}

func (t *Tracer) refOutputMessages(reasoning []chat.Reasoning, content string, calls []chat.ToolCall, finish string) string {
	gm := refMessage{Role: "assistant", FinishReason: finish, Parts: []refPart{}}
	gm.Parts = t.refReasoningParts(gm.Parts, reasoning)
	if content != "" {
		gm.Parts = append(gm.Parts, refPart{Type: "text", Content: t.text(content)})
	}
	gm.Parts = t.refCallParts(gm.Parts, calls)
	return t.refMarshal([]refMessage{gm})
}

func (t *Tracer) refToolDefs(defs []chat.ToolDef) string {
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
	return t.refMarshal(out)
}

// jsonTexts are strings that exercise every escaping rule.
var jsonTexts = []string{
	"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f",
	"<b>html</b> & more", "line\u2028sep\u2029para", "invalid \xff\xfe utf8 \xe2\x80", "é ü 日本 🎉",
	`{"q": "go", "n": [1, 2.5, true, null], "s": "a <b> & \"c\" \u00e9"}`, ` [ 1 , { "a" : "x y" } ] `,
	`"just a string"`, "42", "{bad json", `{"k":"\u2028 raw ` + "\u2028 \u2029" + `"}`,
	`{"esc":"\\\" \\\\ \/ \n"}`, "sk-abcdefghijklmnopqrstuvwxyz0123", "x" + strings.Repeat("é", 40), strings.Repeat("<ab> \u2028", 200),
}

func jsonCases() (msgs [][]chat.Message, outs []chat.Message, defs [][]chat.ToolDef) {
	for i, s := range jsonTexts {
		u := jsonTexts[(i+3)%len(jsonTexts)]
		calls := []chat.ToolCall{{ID: u, Name: s, Arguments: s}, {Name: "n", Arguments: u}, {}}
		thought := []chat.Reasoning{{Text: u, Signature: "sig-" + s}, {Redacted: "opaque " + s}, {Text: s}}
		msgs = append(msgs, []chat.Message{
			{Role: "assistant", Reasoning: thought, ToolCalls: calls[:1]},
			{Role: "assistant", Reasoning: thought[1:2], Content: s},
			{Role: "system", Content: s},
			{Role: "user", Content: u},
			{Role: "assistant", ToolCalls: calls},
			{Role: "assistant", Content: s, ToolCalls: calls[:1]},
			{Role: "tool", ToolCallID: s, Content: u},
			{Role: "tool"},
			{Role: chat.Role(s)},
		})
		outs = append(outs, chat.Message{Content: s, ToolCalls: calls, Role: chat.Role(u)},
			chat.Message{Content: s}, chat.Message{ToolCalls: calls[1:]},
			chat.Message{Reasoning: thought, Content: u, ToolCalls: calls[:1]}, chat.Message{Reasoning: thought[1:2]})
		defs = append(defs, []chat.ToolDef{
			{Name: s, Description: u, Parameters: json.RawMessage(s)},
			{Name: u, Parameters: json.RawMessage(u)},
			{},
		})
	}
	msgs = append(msgs, nil, []chat.Message{})
	defs = append(defs, nil)
	return msgs, outs, defs
}

// TestContentJSONMatchesEncodingJSON checks the JSON writer against
// encoding/json on strings that exercise every escaping rule, with and
// without a redaction, and with the length limit cutting the result.
func TestContentJSONMatchesEncodingJSON(t *testing.T) {
	msgs, outs, defs := jsonCases()
	for name, opts := range map[string][]Option{
		"default": nil,
		"redacting": {WithRedaction(func(s string) string {
			if strings.Contains(s, "html") {
				return ""
			}
			return strings.ReplaceAll(s, "go", "<go>")
		})},
		"short limit": {WithMaxAttributeLength(64)},
	} {
		t.Run(name, func(t *testing.T) {
			tr, _, _ := newMemTracer(t, opts...)
			for _, m := range msgs {
				if got, want := tr.inputMessages(m), tr.refInputMessages(m); got != want {
					t.Errorf("input messages %q:\ngot  %s\nwant %s", m, got, want)
				}
			}
			for _, o := range outs {
				if got, want := tr.outputMessages(o.Reasoning, o.Content, o.ToolCalls, string(o.Role)), tr.refOutputMessages(o.Reasoning, o.Content, o.ToolCalls, string(o.Role)); got != want {
					t.Errorf("output message %q:\ngot  %s\nwant %s", o, got, want)
				}
			}
			for _, d := range defs {
				if got, want := tr.toolDefs(d), tr.refToolDefs(d); got != want {
					t.Errorf("tool definitions %q:\ngot  %s\nwant %s", d, got, want)
				}
			}
		})
	}
}

// FuzzContentJSON compares the JSON writer with encoding/json on any text.
func FuzzContentJSON(f *testing.F) {
	for i, s := range jsonTexts {
		f.Add(s, jsonTexts[(i+1)%len(jsonTexts)])
	}
	tr, _, _ := newMemTracer(f)
	f.Fuzz(func(t *testing.T, a, b string) {
		thought := []chat.Reasoning{{Text: a, Signature: b}, {Redacted: b}}
		msgs := []chat.Message{{Role: chat.Role(a), Content: b}, {Role: "tool", ToolCallID: a, Content: b},
			{Role: "assistant", Content: a, Reasoning: thought, ToolCalls: []chat.ToolCall{{ID: b, Name: a, Arguments: b}}}}
		if got, want := tr.inputMessages(msgs), tr.refInputMessages(msgs); got != want {
			t.Fatalf("input messages:\ngot  %s\nwant %s", got, want)
		}
		calls := []chat.ToolCall{{ID: a, Name: b, Arguments: a}}
		if got, want := tr.outputMessages(thought, b, calls, a), tr.refOutputMessages(thought, b, calls, a); got != want {
			t.Fatalf("output message:\ngot  %s\nwant %s", got, want)
		}
		defs := []chat.ToolDef{{Name: a, Description: b, Parameters: json.RawMessage(b)}}
		if got, want := tr.toolDefs(defs), tr.refToolDefs(defs); got != want {
			t.Fatalf("tool definitions:\ngot  %s\nwant %s", got, want)
		}
	})
}

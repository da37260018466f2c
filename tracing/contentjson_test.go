package tracing

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/chat"
)

// TestContentJSON: the GenAI message lists and tool definitions have the
// shapes of the conventions, texts go through scrubbing and redaction,
// arguments and parameters that are JSON stay JSON, and a list longer than
// its limit is cut whole.
func TestContentJSON(t *testing.T) {
	tr, _, _ := newMemTracer(t, WithRedaction(func(s string) string { return strings.ReplaceAll(s, "secret", "***") }))
	calls := []chat.ToolCall{{ID: "c1", Name: "search", Arguments: `{"q": "go <1>"}`}, {Name: "n", Arguments: "not json"}}
	for _, c := range []struct {
		name, got, want string
	}{
		{"input", tr.inputMessages([]chat.Message{
			{Role: chat.RoleSystem, Content: "be brief"},
			{Role: chat.RoleUser, Content: "a secret <b> & \"q\"\n"},
			{Role: chat.RoleAssistant, ToolCalls: calls},
			{Role: chat.RoleTool, ToolCallID: "c1", Content: `{"r":1}`},
			{Role: chat.RoleAssistant},
		}), `[{"role":"system","parts":[{"type":"text","content":"be brief"}]},` +
			`{"role":"user","parts":[{"type":"text","content":"a *** \u003cb\u003e \u0026 \"q\"\n"}]},` +
			`{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"search","arguments":{"q":"go \u003c1\u003e"}},` +
			`{"type":"tool_call","name":"n","arguments":"not json"}]},` +
			`{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"{\"r\":1}"}]},` +
			`{"role":"assistant","parts":[]}]`},
		{"no input", tr.inputMessages(nil), `[]`},
		{"output", tr.outputMessages("done", calls[:1], "tool_calls"),
			`[{"role":"assistant","parts":[{"type":"text","content":"done"},` +
				`{"type":"tool_call","id":"c1","name":"search","arguments":{"q":"go \u003c1\u003e"}}],"finish_reason":"tool_calls"}]`},
		{"empty output", tr.outputMessages("", nil, ""), `[{"role":"assistant","parts":[]}]`},
		{"tools", tr.toolDefs([]chat.ToolDef{
			{Name: "search", Description: "web secret", Parameters: json.RawMessage(`{ "type": "object" }`)},
			{Name: "bad", Parameters: json.RawMessage(`{oops`)},
		}), `[{"type":"function","name":"search","description":"web ***","parameters":{"type":"object"}},` +
			`{"type":"function","name":"bad"}]`},
	} {
		if c.got != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s", c.name, c.got, c.want)
		}
	}

	short, _, _ := newMemTracer(t, WithMaxAttributeLength(64))
	long := short.inputMessages([]chat.Message{{Role: chat.RoleUser, Content: strings.Repeat("x", 60)},
		{Role: chat.RoleUser, Content: strings.Repeat("y", 60)}, {Role: chat.RoleUser, Content: strings.Repeat("z", 60)},
		{Role: chat.RoleUser, Content: strings.Repeat("w", 60)}, {Role: chat.RoleUser, Content: strings.Repeat("v", 60)},
		{Role: chat.RoleUser, Content: strings.Repeat("u", 60)}, {Role: chat.RoleUser, Content: strings.Repeat("t", 60)},
		{Role: chat.RoleUser, Content: strings.Repeat("s", 60)}})
	if !strings.Contains(long, "…[truncated ") || len(long) > jsonFactor*64+len("…[truncated 9999 bytes]") {
		t.Errorf("a list over %d bytes is not cut: %d bytes %q", jsonFactor*64, len(long), long)
	}
}

// FuzzContentJSON: for any text, the message lists and tool definitions are
// valid JSON that decodes back to the roles, names and (scrubbed) texts
// they were made from.
func FuzzContentJSON(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " \ <b> & é`, "invalid \xff utf8", `{"q": [1, 2.5]}`, "line\u2028sep",
		"sk-abcdefghijklmnopqrstuvwxyz0123"} {
		f.Add(s, "tool")
	}
	tr, _, _ := newMemTracer(f)
	f.Fuzz(func(t *testing.T, a, b string) {
		type part struct {
			Type, Content, ID, Name string
			Response                any
		}
		type message struct {
			Role  string
			Parts []part
		}
		var msgs []message
		in := tr.inputMessages([]chat.Message{{Role: chat.Role(a), Content: b}, {Role: chat.RoleTool, ToolCallID: a, Content: b}})
		if err := json.Unmarshal([]byte(in), &msgs); err != nil {
			t.Fatalf("input messages are not JSON: %v\n%s", err, in)
		}
		valid := func(s string) string { return string([]rune(s)) } // each invalid byte: U+FFFD, as encoding/json writes it
		if len(msgs) != 2 || msgs[0].Role != valid(a) || msgs[1].Role != "tool" || len(msgs[1].Parts) != 1 ||
			msgs[1].Parts[0].Response != valid(tr.text(b)) || msgs[1].Parts[0].ID != valid(a) {
			t.Fatalf("input messages decode to %+v", msgs)
		}
		if b != "" && (len(msgs[0].Parts) != 1 || msgs[0].Parts[0].Content != valid(tr.text(b))) {
			t.Fatalf("text part decodes to %+v", msgs[0].Parts)
		}
		out := tr.outputMessages(b, []chat.ToolCall{{ID: a, Name: b, Arguments: a}}, a)
		if !json.Valid([]byte(out)) {
			t.Fatalf("output messages are not JSON: %s", out)
		}
		defs := tr.toolDefs([]chat.ToolDef{{Name: a, Description: b, Parameters: json.RawMessage(b)}})
		if !json.Valid([]byte(defs)) {
			t.Fatalf("tool definitions are not JSON: %s", defs)
		}
	})
}

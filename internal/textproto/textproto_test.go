package textproto

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		action  string
		input   string
		final   string
		thought string
		problem string // substring of the ParseError's problem
	}{
		{name: "action", in: "Thought: I should search\nAction: search\nAction Input: {\"q\": \"go\"}",
			action: "search", input: `{"q": "go"}`, thought: "I should search"},
		{name: "final", in: "Thought: done\nFinal Answer: Go is great.\nReally.",
			final: "Go is great.\nReally.", thought: "done"},
		{name: "final no thought", in: "Final Answer: 42", final: "42"},
		{name: "lower case and markdown", in: "**Thought:** hmm\n**Action:** `search`\n**Action Input:** ```json\n{\"q\":\"x\"}\n```",
			action: "search", input: `{"q":"x"}`, thought: "hmm"},
		{name: "observation cut", in: "Action: search\nAction Input: {\"q\":1}\nObservation: fake\nFinal Answer: no",
			action: "search", input: `{"q":1}`},
		{name: "crlf", in: "Thought: a\r\nAction: s\r\nAction Input: {}\r\n", action: "s", input: `{}`, thought: "a"},
		{name: "input then thought", in: "Action: s\nAction Input: {\"a\":1}\nThought: wait", action: "s", input: `{"a":1}`},
		{name: "trailing text after json", in: "Action: s\nAction Input: {\"a\":1} please", action: "s", input: `{"a":1}`},
		{name: "neither", in: "I think the answer is 4.", problem: "neither"},
		{name: "empty", in: "", problem: "neither"},
		{name: "both", in: "Action: s\nAction Input: {}\nFinal Answer: x", problem: "both"},
		{name: "no input", in: "Thought: x\nAction: search", problem: "no \"Action Input:\""},
		{name: "input without action", in: "Action Input: {}", problem: "no \"Action:\""},
		{name: "bad json", in: "Action: s\nAction Input: {\"q\": }", problem: "not valid JSON"},
		{name: "not object", in: "Action: s\nAction Input: [1,2]", problem: "not a JSON object"},
		{name: "empty input", in: "Action: s\nAction Input:   ", problem: "empty"},
		{name: "empty action", in: "Action: \nAction Input: {}", problem: "does not name"},
		{name: "two actions", in: "Action: a\nAction Input: {}\nAction: b\nAction Input: {}", problem: "more than one Action"},
		{name: "empty final", in: "Thought: x\nFinal Answer:   ", problem: "empty"},
		{name: "two finals", in: "Final Answer: a\nFinal Answer: b", problem: "more than one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in)
			if tt.problem != "" {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Parse(%q) = %+v, %v; want a ParseError", tt.in, r, err)
				}
				if !strings.Contains(pe.Problem, tt.problem) {
					t.Fatalf("problem %q does not contain %q", pe.Problem, tt.problem)
				}
				if !strings.Contains(pe.Feedback(), pe.Problem) || !strings.HasPrefix(err.Error(), "textproto: ") {
					t.Fatalf("feedback %q / error %q", pe.Feedback(), err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if r.Action != tt.action || string(r.Input) != tt.input || r.Final != tt.final || r.Thought != tt.thought {
				t.Fatalf("Parse(%q) = %+v (input %s)", tt.in, r, r.Input)
			}
			if r.IsFinal != (tt.final != "") {
				t.Fatalf("IsFinal = %v", r.IsFinal)
			}
		})
	}
}

func TestWriteInstructions(t *testing.T) {
	var b strings.Builder
	WriteInstructions(&b, []Spec{
		{Name: "search", Description: "Search the web", Schema: json.RawMessage("{\n \"type\": \"object\"\n}")},
		{Name: "calc", Description: "Compute"},
	})
	s := b.String()
	for _, want := range []string{"- search: Search the web", `{"type":"object"}`, "- calc: Compute", "Arguments (JSON schema): {}",
		"search, calc", "Final Answer:", "Action Input:"} {
		if !strings.Contains(s, want) {
			t.Errorf("instructions lack %q:\n%s", want, s)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Thought: x\nAction: search\nAction Input: {\"q\":\"go\"}",
		"Final Answer: done",
		"Action: a\nAction Input: ```json\n{}\n```\nObservation: x",
		"**Action:** x\n**Action Input:** {",
		"Action Input: {}\nAction: s",
		"Thought:\nFinal Answer:\n```",
		"```",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Problem == "" {
				t.Fatalf("Parse(%q) error %v is not a ParseError with a problem", s, err)
			}
			return
		}
		if r.IsFinal == (r.Action != "") {
			t.Fatalf("Parse(%q) = %+v: want exactly one of action and final", s, r)
		}
		if r.IsFinal && strings.TrimSpace(r.Final) == "" {
			t.Fatalf("Parse(%q): empty final answer accepted", s)
		}
		if !r.IsFinal {
			var m map[string]any
			if err := json.Unmarshal(r.Input, &m); err != nil {
				t.Fatalf("Parse(%q): input %q is not a JSON object: %v", s, r.Input, err)
			}
		}
	})
}

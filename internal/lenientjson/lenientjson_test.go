package lenientjson

import (
	"encoding/json"
	"testing"
)

func TestCandidates(t *testing.T) {
	tests := []struct {
		name, reply string
		first       string // "" when none
	}{
		{"plain", `{"a":1}`, `{"a":1}`},
		{"fenced", "Here:\n```json\n{\"a\":1}\n```\nDone.", `{"a":1}`},
		{"inside prose", `The verdict is {"valid": true} as asked. {not json`, `{"valid": true}`},
		{"raw newline in a string", "{\"a\":\"x\ny\"}", `{"a":"x\ny"}`},
		{"none", "no json here", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Candidates(tt.reply)
			for _, s := range c {
				if !json.Valid([]byte(s)) {
					t.Errorf("candidate %q is not valid JSON", s)
				}
			}
			if tt.first == "" {
				if len(c) != 0 {
					t.Errorf("Candidates(%q) = %q, want none", tt.reply, c)
				}
				return
			}
			if len(c) == 0 {
				t.Fatalf("Candidates(%q) = none, want %q first", tt.reply, tt.first)
			}
			var got, want any
			_ = json.Unmarshal([]byte(c[0]), &got)
			_ = json.Unmarshal([]byte(tt.first), &want)
			if gb, _ := json.Marshal(got); string(gb) != mustJSON(want) {
				t.Errorf("first candidate %q, want %q", c[0], tt.first)
			}
		})
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

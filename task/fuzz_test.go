package task

import (
	"encoding/json"
	"testing"
)

type fuzzOut struct {
	A string `json:"a"`
	B []int  `json:"b,omitempty"`
}

// FuzzDecode checks that decoding any reply never panics and that whatever
// is accepted is valid JSON that decodes to the type.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":"x"}`, "```json\n{\"a\":\"x\",\"b\":[1]}\n```", `text {"a":"y"} more`, `[`, `{`, "```", `{"a":1}`, ""} {
		f.Add(s)
	}
	s := As[fuzzOut]()
	if s.Err() != nil {
		f.Fatal(s.Err())
	}
	f.Fuzz(func(t *testing.T, reply string) {
		v, js, err := s.decode(reply)
		if err != nil {
			return
		}
		if _, ok := v.(fuzzOut); !ok {
			t.Fatalf("decoded a %T", v)
		}
		if len(js) == 0 {
			t.Fatal("accepted without JSON")
		}
	})
}

// Structured output accepts what CrewAI's converter accepts before asking
// for a repair: a JSON object inside prose (even with braces after it), and
// literal newlines or tabs inside JSON strings.
func TestLenientJSONFromModels(t *testing.T) {
	tests := []struct {
		name, in string
		want     fuzzOut
	}{
		{"plain", `{"a":"x"}`, fuzzOut{A: "x"}},
		{"fenced", " ```json\n{\"a\":\"x\"}\n``` ", fuzzOut{A: "x"}},
		{"embedded in text", "Sure! Here it is: {\"a\":\"x\",\"b\":[1,2]} Hope it helps.", fuzzOut{A: "x", B: []int{1, 2}}},
		{"braces after the object", "Result: {\"a\":\"x\"} (I used {braces} here)", fuzzOut{A: "x"}},
		{"a smaller object first", "Example {\"z\":1} and the answer {\"a\":\"y\"}", fuzzOut{A: "y"}},
		{"literal newline and tab in a string", "{\"a\":\"line one\nline\ttwo\"}", fuzzOut{A: "line one\nline\ttwo"}},
		{"literal newline, embedded", "Answer:\n{\"a\":\"x\ny\"}\nDone.", fuzzOut{A: "x\ny"}},
	}
	s := As[fuzzOut]()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, js, err := s.decode(tc.in)
			if err != nil {
				t.Fatalf("decode(%q): %v", tc.in, err)
			}
			if got := v.(fuzzOut); got.A != tc.want.A || len(got.B) != len(tc.want.B) {
				t.Errorf("decode(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if !json.Valid(js) {
				t.Errorf("canonical JSON %q is not valid", js)
			}
		})
	}
	for _, bad := range []string{"nothing", `{"a": "unterminated`, `{"b":[1]}`} {
		if _, _, err := s.decode(bad); err == nil {
			t.Errorf("decode(%q) accepted", bad)
		}
	}
}

package task

import (
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

func TestExtractJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{" ```json\n{\"a\":1}\n``` ", `{"a":1}`},
		{"Sure! {\"a\":1} Hope it helps", `{"a":1}`},
		{"list: [1,2] end", `[1,2]`},
		{"nothing", "nothing"},
	}
	for _, tc := range tests {
		if got := extractJSON(tc.in); got != tc.want {
			t.Errorf("extractJSON(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

package wirejson

import (
	"encoding/json"
	"testing"
)

// FuzzUnquote checks the string decoding against encoding/json: the same
// text for what both accept, and nothing accepted that encoding/json
// refuses.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{``, `a`, `\n\t\r\b\f\/\\\"`, `\u00e9\u00E9`, `\ud83d\ude00`, `\ud800`, `\ud800x`, `\ud800\u0041`,
		`\udc00\ud800\udc00`, "\xff\xc3(", `\u12`, `\x`, "é日本"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		got, ok := Unquote(s)
		var want string
		err := json.Unmarshal(append(append([]byte{'"'}, s...), '"'), &want)
		if ok && err != nil {
			t.Fatalf("%q: unquote accepted %q, encoding/json refused: %v", s, got, err)
		}
		if ok && got != want {
			t.Fatalf("%q: unquote %q, encoding/json %q", s, got, want)
		}
		if !ok && err == nil {
			t.Fatalf("%q: unquote refused what encoding/json reads as %q", s, want)
		}
	})
}

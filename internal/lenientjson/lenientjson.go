// Package lenientjson finds the JSON a model's reply holds, accepting what
// CrewAI's converter accepts before it asks the model for a repair (a code
// fence, JSON inside prose, raw control characters inside strings). Its
// functions keep no state and are safe for concurrent use.
package lenientjson

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Candidates returns the JSON values a model's reply may hold, best
// first, accepting what CrewAI's converter accepts before it asks the model
// for a repair: the whole reply, or the content of its Markdown code fence;
// JSON objects (then arrays) embedded in surrounding text, each decoded
// from its opening brace up to its own end, so that text after it does not
// matter; and in all of them literal newlines, tabs and other control
// characters inside strings (which Python's json.loads(strict=False)
// accepts), written as escapes. Every candidate is valid JSON. It returns
// nil when the reply holds none.
func Candidates(reply string) []string {
	s := strings.TrimSpace(reply)
	if i := strings.Index(s, "```"); i >= 0 {
		rest := s[i+3:]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[nl+1:]
		}
		if j := strings.Index(rest, "```"); j >= 0 {
			rest = rest[:j]
		}
		s = strings.TrimSpace(rest)
	}
	if json.Valid([]byte(s)) {
		return []string{s}
	}
	fixed := escapeControls(s)
	if json.Valid(fixed) {
		return []string{string(fixed)}
	}
	var out []string
	for _, open := range []byte{'{', '['} {
		for i := 0; i < len(s); i++ {
			if s[i] != open {
				continue
			}
			// Escaped from the brace on: a quote in the prose before it
			// must not count as the start of a string.
			dec := json.NewDecoder(bytes.NewReader(escapeControls(s[i:])))
			var raw json.RawMessage
			if err := dec.Decode(&raw); err == nil {
				out = append(out, string(raw))
			}
		}
	}
	return out
}

// escapeControls returns s with the control characters inside JSON strings
// written as escapes (\n, \r, \t, \u00XX); the rest is copied as is.
func escapeControls(s string) []byte {
	out := make([]byte, 0, len(s)+8)
	in, esc := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case !in:
			in = c == '"'
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c == '"':
			in = false
		case c < 0x20:
			switch c {
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			default:
				const hex = "0123456789abcdef"
				out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

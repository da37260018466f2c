// Package wirejson reads the JSON of the OpenAI chat-completions wire format
// without reflection, for the fast paths of the llm client and of the fake
// server of llm/llmtest. A [Parser] reads exactly what encoding/json reads,
// or reports false so that the caller falls back to encoding/json (which then
// also words the error); it never accepts what encoding/json refuses.
package wirejson

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Parser reads JSON from B at I. Its methods report false when the input
// is not what they handle; the parser is then abandoned. The zero value
// reads an empty input. A Parser is not safe for concurrent use.
type Parser struct {
	B []byte // the input
	I int    // the position of the next byte to read
}

// WS skips white space.
func (p *Parser) WS() {
	for p.I < len(p.B) {
		switch p.B[p.I] {
		case ' ', '\t', '\n', '\r':
			p.I++
		default:
			return
		}
	}
}

// Eat consumes c after optional white space.
func (p *Parser) Eat(c byte) bool {
	p.WS()
	if p.I < len(p.B) && p.B[p.I] == c {
		p.I++
		return true
	}
	return false
}

// Lit consumes the literal s (true, false, null) if it comes next.
func (p *Parser) Lit(s string) bool {
	if len(p.B)-p.I < len(s) || string(p.B[p.I:p.I+len(s)]) != s {
		return false
	}
	p.I += len(s)
	return true
}

// Object reads an object, calling field after each key and its colon; field
// reads the value.
func (p *Parser) Object(field func(key []byte) bool) bool {
	if !p.Eat('{') {
		return false
	}
	if p.Eat('}') {
		return true
	}
	for {
		p.WS()
		start, end, escaped, ok := p.strToken()
		if !ok || escaped || !p.Eat(':') {
			return false
		}
		if !field(p.B[start:end]) {
			return false
		}
		if p.Eat(',') {
			continue
		}
		return p.Eat('}')
	}
}

// Array reads an array (not null), calling elem for each element.
func (p *Parser) Array(elem func() bool) bool {
	if !p.Eat('[') {
		return false
	}
	if p.Eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if p.Eat(',') {
			continue
		}
		return p.Eat(']')
	}
}

// strToken reads a string token at i and returns the bounds of its
// contents and whether it has escapes. A control character or a missing
// closing quote is refused.
func (p *Parser) strToken() (start, end int, escaped, ok bool) {
	if p.I >= len(p.B) || p.B[p.I] != '"' {
		return 0, 0, false, false
	}
	start = p.I + 1
	for j := start; j < len(p.B); j++ {
		switch c := p.B[j]; {
		case c == '"':
			p.I = j + 1
			return start, j, escaped, true
		case c == '\\':
			escaped = true
			j++ // the escaped character (a quote or backslash included)
		case c < 0x20:
			return 0, 0, false, false
		}
	}
	return 0, 0, false, false
}

// Str reads a string value, decoded as encoding/json decodes it (see
// [Unquote]).
func (p *Parser) Str() (string, bool) {
	p.WS()
	start, end, escaped, ok := p.strToken()
	if !ok {
		return "", false
	}
	if raw := p.B[start:end]; !escaped && utf8.Valid(raw) {
		return string(raw), true
	}
	return Unquote(p.B[start:end])
}

// Unquote decodes the contents of a JSON string token (between its quotes)
// as encoding/json does: the escapes, surrogate pairs; a lone surrogate and
// each byte of invalid UTF-8 become U+FFFD. It reports false for an invalid
// escape, a quote or a control character.
func Unquote(s []byte) (string, bool) {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return "", false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i:])
				if r < 0 {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if dec := utf16.DecodeRune(r, hex4(s[i:])); dec != utf8.RuneError {
						b = utf8.AppendRune(b, dec)
						i += 6
						continue
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return "", false
			}
			i += 2
		case c == '"' || c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(b), true
}

// hex4 reads the escape \uXXXX at the start of s; -1 when there is none.
func hex4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Null consumes null, after optional white space, if it comes next.
func (p *Parser) Null() bool {
	p.WS()
	return p.Lit("null")
}

// End reports whether only white space is left.
func (p *Parser) End() bool {
	p.WS()
	return p.I == len(p.B)
}

// Bool reads true or false.
func (p *Parser) Bool() (bool, bool) {
	p.WS()
	if p.Lit("true") {
		return true, true
	}
	if p.Lit("false") {
		return false, true
	}
	return false, false
}

// number reads a number token with JSON's grammar; integer tells whether it
// has neither fraction nor exponent.
func (p *Parser) number() (tok []byte, integer, ok bool) {
	p.WS()
	start, j := p.I, p.I
	digits := func() int {
		n := 0
		for j < len(p.B) && p.B[j] >= '0' && p.B[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if j < len(p.B) && p.B[j] == '-' {
		j++
	}
	if j < len(p.B) && p.B[j] == '0' {
		j++
	} else if digits() == 0 {
		return nil, false, false
	}
	integer = true
	if j < len(p.B) && p.B[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false, false
		}
		integer = false
	}
	if j < len(p.B) && (p.B[j] == 'e' || p.B[j] == 'E') {
		j++
		if j < len(p.B) && (p.B[j] == '+' || p.B[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false, false
		}
		integer = false
	}
	p.I = j
	return p.B[start:j], integer, true
}

// Int reads an integer without fraction or exponent that fits in an int.
func (p *Parser) Int() (int, bool) {
	tok, integer, ok := p.number()
	if !ok || !integer {
		return 0, false
	}
	n, err := strconv.ParseInt(string(tok), 10, strconv.IntSize)
	return int(n), err == nil
}

// Float reads a number as a float64.
func (p *Parser) Float() (float64, bool) {
	tok, _, ok := p.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	return f, err == nil
}

// Raw reads any valid JSON value and returns its bytes.
func (p *Parser) Raw() ([]byte, bool) {
	p.WS()
	start := p.I
	depth := 0
	for p.I < len(p.B) {
		switch c := p.B[p.I]; c {
		case '"':
			if _, _, _, ok := p.strToken(); !ok {
				return nil, false
			}
		case '{', '[':
			depth++
			p.I++
		case '}', ']':
			depth--
			if depth < 0 {
				return nil, false
			}
			p.I++
		case ',', ':':
			if depth == 0 {
				return nil, false
			}
			p.I++
		default:
			p.I++
		}
		if depth == 0 {
			// a scalar ends at a delimiter
			for p.I < len(p.B) && !isDelim(p.B[p.I]) {
				p.I++
			}
			break
		}
	}
	raw := p.B[start:p.I]
	if depth != 0 || len(raw) == 0 || !json.Valid(raw) {
		return nil, false
	}
	return raw, true
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ':', ' ', '\t', '\n', '\r', '"', '{', '[':
		return true
	}
	return false
}

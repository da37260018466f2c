package tool

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The fast path of argument validation.
//
// Most tool schemas are simple: an object whose properties are strings,
// numbers, booleans, enums of strings, arrays and nested objects of the same,
// with required fields and additionalProperties. For those, a Runner first
// scans the model's arguments once, without building a document, and checks
// them against a compact form of the schema (fastNode). The scan answers only
// "certainly valid" or "not sure": anything it does not handle with certainty
// (an escape in an enum value, a number with a fraction for an integer field,
// a value equal to a bound, a duplicate key, a syntax error, deep nesting...)
// sends the call down the full path (decode, then the santhosh-tekuri
// validator), which also writes the error messages. So the fast path changes
// the cost of valid calls, never which calls are accepted nor what the model
// is told.

// JSON types, as a bit set.
const (
	jNull uint8 = 1 << iota
	jBool
	jInt // a number literal without fraction or exponent
	jNum // any other number literal
	jStr
	jArr
	jObj
)

// fastMaxDepth bounds the nesting the fast path follows, and fastMaxKeys
// the keys of one object (duplicates are found by a linear search).
const (
	fastMaxDepth = 32
	fastMaxKeys  = 64
)

// fastNode is a schema the fast path can check. Keywords apply only to
// values of the kinds they concern, as in JSON Schema.
type fastNode struct {
	types    uint8 // allowed types; 0 means any
	enum     []string
	hasEnum  bool // value must be a string equal to one of enum
	min, max *float64
	props    map[string]*fastNode
	required []string
	closed   bool      // additionalProperties: false
	extra    *fastNode // additionalProperties schema; nil means any
	items    *fastNode // nil means any
}

var anyNode = &fastNode{}

// compileFast returns the fast form of a schema document, or nil when the
// schema uses anything the fast path does not handle.
func compileFast(doc any) *fastNode {
	n, ok := fastFrom(doc, true, 0)
	if !ok {
		return nil
	}
	return n
}

func fastFrom(v any, root bool, depth int) (*fastNode, bool) {
	if depth > fastMaxDepth {
		return nil, false
	}
	if b, ok := v.(bool); ok {
		if b {
			return anyNode, true
		}
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	n := &fastNode{}
	for k, x := range m {
		switch k {
		case "description", "title", "default", "examples", "$comment":
		case "$schema":
			if !root {
				return nil, false
			}
		case "type":
			t, ok := typeBits(x)
			if !ok {
				return nil, false
			}
			n.types = t
		case "enum":
			list, ok := x.([]any)
			if !ok || len(list) == 0 {
				return nil, false
			}
			n.enum = make([]string, len(list))
			for i, e := range list {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				n.enum[i] = s
			}
			n.hasEnum = true
		case "minimum", "maximum":
			num, ok := x.(json.Number)
			if !ok {
				return nil, false
			}
			f, err := strconv.ParseFloat(string(num), 64)
			if err != nil {
				return nil, false
			}
			if k == "minimum" {
				n.min = &f
			} else {
				n.max = &f
			}
		case "properties":
			pm, ok := x.(map[string]any)
			if !ok {
				return nil, false
			}
			n.props = make(map[string]*fastNode, len(pm))
			for name, ps := range pm {
				c, ok := fastFrom(ps, false, depth+1)
				if !ok {
					return nil, false
				}
				n.props[name] = c
			}
		case "required":
			list, ok := x.([]any)
			if !ok {
				return nil, false
			}
			for _, e := range list {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				n.required = append(n.required, s)
			}
		case "additionalProperties":
			if b, ok := x.(bool); ok {
				n.closed = !b
				continue
			}
			c, ok := fastFrom(x, false, depth+1)
			if !ok {
				return nil, false
			}
			n.extra = c
		case "items":
			if _, ok := x.(map[string]any); !ok {
				if b, ok := x.(bool); !ok || !b {
					return nil, false // tuple forms and false
				}
			}
			c, ok := fastFrom(x, false, depth+1)
			if !ok {
				return nil, false
			}
			n.items = c
		default:
			return nil, false
		}
	}
	if root && n.types != jObj {
		return nil, false
	}
	return n, true
}

func typeBits(x any) (uint8, bool) {
	one := func(s string) (uint8, bool) {
		switch s {
		case "null":
			return jNull, true
		case "boolean":
			return jBool, true
		case "integer":
			return jInt, true
		case "number":
			return jInt | jNum, true
		case "string":
			return jStr, true
		case "array":
			return jArr, true
		case "object":
			return jObj, true
		}
		return 0, false
	}
	switch t := x.(type) {
	case string:
		return one(t)
	case []any:
		var bits uint8
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return 0, false
			}
			b, ok := one(s)
			if !ok {
				return 0, false
			}
			bits |= b
		}
		if bits == 0 {
			return 0, false
		}
		return bits, true
	}
	return 0, false
}

// fastValid reports whether s (trimmed, not empty) is certainly a JSON
// object valid against n. False means "not sure": use the full path.
func (n *fastNode) fastValid(s string) bool {
	sc := scanner{s: s}
	sc.ws()
	if sc.i >= len(s) || s[sc.i] != '{' {
		return false
	}
	if !sc.value(n, 0) {
		return false
	}
	sc.ws()
	return sc.i == len(s)
}

type scanner struct {
	s string
	i int
}

func (sc *scanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// value checks the value at sc.i against n (nil: any), leaving sc.i after it.
func (sc *scanner) value(n *fastNode, depth int) bool {
	if depth > fastMaxDepth || sc.i >= len(sc.s) {
		return false
	}
	if n == nil {
		n = anyNode
	}
	switch c := sc.s[sc.i]; {
	case c == '{':
		return n.allows(jObj) && !n.hasEnum && sc.object(n, depth)
	case c == '[':
		return n.allows(jArr) && !n.hasEnum && sc.array(n, depth)
	case c == '"':
		str, escaped, ok := sc.str()
		if !ok || !n.allows(jStr) {
			return false
		}
		if n.hasEnum {
			if escaped || !utf8.ValidString(str) {
				return false
			}
			for _, e := range n.enum {
				if e == str {
					return true
				}
			}
			return false
		}
		return true
	case c == 't':
		return sc.lit("true") && n.allows(jBool) && !n.hasEnum
	case c == 'f':
		return sc.lit("false") && n.allows(jBool) && !n.hasEnum
	case c == 'n':
		return sc.lit("null") && n.allows(jNull) && !n.hasEnum
	case c == '-' || (c >= '0' && c <= '9'):
		num, isInt, ok := sc.number()
		if !ok || n.hasEnum {
			return false
		}
		kind := jNum
		if isInt {
			kind = jInt
		}
		if !n.allows(kind) {
			return false
		}
		if n.min != nil || n.max != nil {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return false
			}
			// strict comparisons: rounding is monotonic, so a float
			// strictly inside the bounds is a number strictly inside
			if (n.min != nil && !(f > *n.min)) || (n.max != nil && !(f < *n.max)) {
				return false
			}
		}
		return true
	}
	return false
}

func (n *fastNode) allows(kind uint8) bool { return n.types == 0 || n.types&kind != 0 }

func (sc *scanner) lit(word string) bool {
	if len(sc.s)-sc.i < len(word) || sc.s[sc.i:sc.i+len(word)] != word {
		return false
	}
	sc.i += len(word)
	return true
}

// str scans a string literal; it returns its raw content (escapes not
// decoded) and whether it holds an escape.
func (sc *scanner) str() (string, bool, bool) {
	sc.i++ // opening quote
	start := sc.i
	escaped := false
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case c == '"':
			raw := sc.s[start:sc.i]
			sc.i++
			return raw, escaped, true
		case c == '\\':
			escaped = true
			if sc.i+1 >= len(sc.s) {
				return "", false, false
			}
			switch sc.s[sc.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				sc.i += 2
			case 'u':
				if sc.i+6 > len(sc.s) {
					return "", false, false
				}
				for _, h := range []byte(sc.s[sc.i+2 : sc.i+6]) {
					if !isHex(h) {
						return "", false, false
					}
				}
				sc.i += 6
			default:
				return "", false, false
			}
		case c < 0x20:
			return "", false, false
		default:
			sc.i++
		}
	}
	return "", false, false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// number scans a number literal with the JSON grammar.
func (sc *scanner) number() (string, bool, bool) {
	start := sc.i
	s := sc.s
	if s[sc.i] == '-' {
		sc.i++
	}
	digits := func() int {
		n := 0
		for sc.i < len(s) && s[sc.i] >= '0' && s[sc.i] <= '9' {
			sc.i++
			n++
		}
		return n
	}
	if sc.i < len(s) && s[sc.i] == '0' {
		sc.i++
	} else if digits() == 0 {
		return "", false, false
	}
	isInt := true
	if sc.i < len(s) && s[sc.i] == '.' {
		sc.i++
		if digits() == 0 {
			return "", false, false
		}
		isInt = false
	}
	if sc.i < len(s) && (s[sc.i] == 'e' || s[sc.i] == 'E') {
		sc.i++
		if sc.i < len(s) && (s[sc.i] == '+' || s[sc.i] == '-') {
			sc.i++
		}
		if digits() == 0 {
			return "", false, false
		}
		isInt = false
	}
	return s[start:sc.i], isInt, true
}

func (sc *scanner) array(n *fastNode, depth int) bool {
	sc.i++ // [
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
		sc.i++
		return true
	}
	for {
		sc.ws()
		if !sc.value(n.items, depth+1) {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return false
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
		case ']':
			sc.i++
			return true
		default:
			return false
		}
	}
}

func (sc *scanner) object(n *fastNode, depth int) bool {
	sc.i++ // {
	var seenBuf [8]string
	seen := seenBuf[:0]
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
		sc.i++
		return len(n.required) == 0
	}
	for {
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
			return false
		}
		key, escaped, ok := sc.str()
		if !ok || escaped || !utf8.ValidString(key) {
			return false
		}
		if len(seen) >= fastMaxKeys {
			return false
		}
		for _, k := range seen {
			if k == key {
				return false // duplicate key: let the full path decide
			}
		}
		seen = append(seen, key)
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
			return false
		}
		sc.i++
		sc.ws()
		child, known := n.props[key]
		if !known {
			if n.closed {
				return false
			}
			child = n.extra
		}
		if !sc.value(child, depth+1) {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return false
		}
		if sc.s[sc.i] == '}' {
			sc.i++
			break
		}
		if sc.s[sc.i] != ',' {
			return false
		}
		sc.i++
	}
	for _, r := range n.required {
		found := false
		for _, k := range seen {
			if k == r {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

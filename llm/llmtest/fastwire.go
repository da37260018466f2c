package llmtest

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/crewai-go/crewai/llm"
)

// The fake server is part of the processes that load-test the library (its
// handler shares the CPU with the kickoffs it serves), so the usual shapes of
// a request and of a reply are read and written here without reflection.
// Both are exact shortcuts of encoding/json: fastDecodeRequest gives up on
// anything it does not handle in exactly the way decodeRequestJSON would
// (the caller then takes that path, which also words every error), and
// appendResponse writes what json.Marshal writes. The differential tests and
// fuzz targets of fastwire_test.go check both claims.

// fastDecodeRequest decodes body when it is a request of the common shape:
// an object with only the keys model, messages, tools, stop, temperature,
// max_tokens, max_completion_tokens, stream and stream_options, each at most
// once, exactly spelled, with message contents that are strings or null. It
// reports false for anything else (another key, a key in another case or
// escaped, a duplicate, null where a list, object, number or boolean is
// expected, content parts, a response format, a number that is not a plain
// integer where one is expected, invalid JSON, data after the object).
func fastDecodeRequest(body []byte) (*ServerRequest, bool) {
	p := fastParser{b: body}
	sr := &ServerRequest{}
	req := &sr.Request
	ok := p.fields(requestKeys, func(key string) bool {
		switch key {
		case "model":
			s, ok := p.str()
			sr.Model = s
			return ok
		case "messages":
			return p.array(func() bool {
				m, ok := p.message()
				req.Messages = append(req.Messages, m)
				return ok
			})
		case "tools":
			return p.array(func() bool {
				t, ok := p.tool()
				req.Tools = append(req.Tools, t)
				return ok
			})
		case "stop":
			raw, ok := p.raw()
			if !ok {
				return false
			}
			stop, err := decodeStop(raw)
			req.Stop = stop
			return err == nil
		case "temperature":
			f, ok := p.float()
			req.Temperature = &f
			return ok
		case "max_tokens":
			n, ok := p.int()
			sr.MaxTokens = n
			return ok
		case "max_completion_tokens":
			n, ok := p.int()
			sr.MaxCompletionTokens = n
			return ok
		case "stream":
			v, ok := p.bool()
			sr.Stream = v
			return ok
		default: // stream_options
			return p.fields(streamOptionKeys, func(string) bool {
				v, ok := p.bool()
				sr.IncludeUsage = v
				return ok
			})
		}
	})
	if !ok {
		return nil, false
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, false
	}
	req.MaxTokens = max(sr.MaxTokens, sr.MaxCompletionTokens)
	return sr, true
}

// The keys the fast path accepts, each at most once, in each object.
var (
	requestKeys = []string{"model", "messages", "tools", "stop", "temperature", "max_tokens",
		"max_completion_tokens", "stream", "stream_options"}
	streamOptionKeys = []string{"include_usage"}
	messageKeys      = []string{"role", "content", "name", "tool_call_id", "tool_calls"}
	callKeys         = []string{"id", "type", "function"}
	callFuncKeys     = []string{"name", "arguments"}
	toolKeys         = []string{"type", "function"}
	toolFuncKeys     = []string{"name", "description", "parameters"}
)

// message reads one element of messages.
// A message whose content is missing or null where OpenAI requires one is
// left to decodeRequestJSON, which words the error.
func (p *fastParser) message() (llm.Message, bool) {
	var m llm.Message
	hasContent := false
	ok := p.fields(messageKeys, func(key string) bool {
		var ok bool
		switch key {
		case "role":
			var s string
			s, ok = p.str()
			m.Role = llm.Role(s)
		case "content":
			p.ws()
			if p.lit("null") {
				m.Content, ok = "", true
			} else {
				m.Content, ok = p.str()
				hasContent = true
			}
		case "name":
			m.Name, ok = p.str()
		case "tool_call_id":
			m.ToolCallID, ok = p.str()
		default: // tool_calls
			ok = p.array(func() bool {
				c, ok := p.call()
				m.ToolCalls = append(m.ToolCalls, c)
				return ok
			})
		}
		return ok
	})
	if ok && !hasContent && contentRequired(string(m.Role), len(m.ToolCalls) > 0) {
		return m, false
	}
	return m, ok
}

// call reads one element of a message's tool_calls: id, type and function
// (name and arguments).
func (p *fastParser) call() (llm.ToolCall, bool) {
	var c llm.ToolCall
	ok := p.fields(callKeys, func(key string) bool {
		var ok bool
		switch key {
		case "id":
			c.ID, ok = p.str()
		case "type":
			_, ok = p.str()
		default: // function
			ok = p.fields(callFuncKeys, func(key string) bool {
				var ok bool
				if key == "name" {
					c.Name, ok = p.str()
				} else {
					c.Arguments, ok = p.str()
				}
				return ok
			})
		}
		return ok
	})
	return c, ok
}

// tool reads one element of tools: type "function" and function (name,
// description, parameters).
func (p *fastParser) tool() (llm.ToolDef, bool) {
	var t llm.ToolDef
	ok := p.fields(toolKeys, func(key string) bool {
		if key == "type" {
			s, ok := p.str()
			return ok && (s == "" || s == "function")
		}
		return p.fields(toolFuncKeys, func(key string) bool {
			var ok bool
			switch key {
			case "name":
				t.Name, ok = p.str()
			case "description":
				t.Description, ok = p.str()
			default: // parameters
				var raw []byte
				raw, ok = p.raw()
				t.Parameters = raw
			}
			return ok
		})
	})
	return t, ok
}

// fastParser reads JSON from b at i. Its methods report false when the input
// is not what they handle; the parser is then abandoned.
type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// eat consumes c after optional white space.
func (p *fastParser) eat(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// lit consumes the literal s (true, false, null) if it comes next.
func (p *fastParser) lit(s string) bool {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return false
	}
	p.i += len(s)
	return true
}

// object reads an object, calling field after each key and its colon; field
// reads the value.
func (p *fastParser) object(field func(key []byte) bool) bool {
	if !p.eat('{') {
		return false
	}
	if p.eat('}') {
		return true
	}
	for {
		p.ws()
		start, end, escaped, ok := p.strToken()
		if !ok || escaped || !p.eat(':') {
			return false
		}
		if !field(p.b[start:end]) {
			return false
		}
		if p.eat(',') {
			continue
		}
		return p.eat('}')
	}
}

// fields reads an object whose keys are all among keys (at most 32), each
// at most once, calling field with the key (from keys) to read its value.
// Any other key, or a repeated one, reports false.
func (p *fastParser) fields(keys []string, field func(key string) bool) bool {
	var seen uint32
	return p.object(func(key []byte) bool {
		for i, k := range keys {
			if string(key) == k {
				if seen&(1<<i) != 0 {
					return false
				}
				seen |= 1 << i
				return field(k)
			}
		}
		return false
	})
}

// array reads an array (not null), calling elem for each element.
func (p *fastParser) array(elem func() bool) bool {
	if !p.eat('[') {
		return false
	}
	if p.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if p.eat(',') {
			continue
		}
		return p.eat(']')
	}
}

// strToken reads a string token at i and returns the bounds of its
// contents and whether it has escapes. A control character or a missing
// closing quote is refused.
func (p *fastParser) strToken() (start, end int, escaped, ok bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return 0, 0, false, false
	}
	start = p.i + 1
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			p.i = j + 1
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

// str reads a string value, decoded as encoding/json decodes it (escapes,
// and invalid UTF-8 replaced by U+FFFD, by encoding/json itself).
func (p *fastParser) str() (string, bool) {
	p.ws()
	start, end, escaped, ok := p.strToken()
	if !ok {
		return "", false
	}
	if raw := p.b[start:end]; !escaped && utf8.Valid(raw) {
		return string(raw), true
	}
	return unquote(p.b[start:end])
}

// unquote decodes the contents of a JSON string token (between its quotes)
// as encoding/json does: the escapes, surrogate pairs; a lone surrogate and
// each byte of invalid UTF-8 become U+FFFD. It reports false for an invalid
// escape, a quote or a control character.
func unquote(s []byte) (string, bool) {
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

// bool reads true or false.
func (p *fastParser) bool() (bool, bool) {
	p.ws()
	if p.lit("true") {
		return true, true
	}
	if p.lit("false") {
		return false, true
	}
	return false, false
}

// number reads a number token with JSON's grammar; integer tells whether it
// has neither fraction nor exponent.
func (p *fastParser) number() (tok []byte, integer, ok bool) {
	p.ws()
	start, j := p.i, p.i
	digits := func() int {
		n := 0
		for j < len(p.b) && p.b[j] >= '0' && p.b[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if j < len(p.b) && p.b[j] == '-' {
		j++
	}
	if j < len(p.b) && p.b[j] == '0' {
		j++
	} else if digits() == 0 {
		return nil, false, false
	}
	integer = true
	if j < len(p.b) && p.b[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false, false
		}
		integer = false
	}
	if j < len(p.b) && (p.b[j] == 'e' || p.b[j] == 'E') {
		j++
		if j < len(p.b) && (p.b[j] == '+' || p.b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false, false
		}
		integer = false
	}
	p.i = j
	return p.b[start:j], integer, true
}

// int reads an integer without fraction or exponent that fits in an int.
func (p *fastParser) int() (int, bool) {
	tok, integer, ok := p.number()
	if !ok || !integer {
		return 0, false
	}
	n, err := strconv.ParseInt(string(tok), 10, strconv.IntSize)
	return int(n), err == nil
}

// float reads a number as a float64.
func (p *fastParser) float() (float64, bool) {
	tok, _, ok := p.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	return f, err == nil
}

// raw reads any valid JSON value and returns its bytes.
func (p *fastParser) raw() ([]byte, bool) {
	p.ws()
	start := p.i
	depth := 0
	for p.i < len(p.b) {
		switch c := p.b[p.i]; c {
		case '"':
			if _, _, _, ok := p.strToken(); !ok {
				return nil, false
			}
		case '{', '[':
			depth++
			p.i++
		case '}', ']':
			depth--
			if depth < 0 {
				return nil, false
			}
			p.i++
		case ',', ':':
			if depth == 0 {
				return nil, false
			}
			p.i++
		default:
			p.i++
		}
		if depth == 0 {
			// a scalar ends at a delimiter
			for p.i < len(p.b) && !isDelim(p.b[p.i]) {
				p.i++
			}
			break
		}
	}
	raw := p.b[start:p.i]
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

// appendResponse appends the JSON of r exactly as json.Marshal writes it.
func appendResponse(b []byte, r *wireResponse) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"object":`...)
	b = appendString(b, r.Object)
	b = append(b, `,"created":`...)
	b = strconv.AppendInt(b, r.Created, 10)
	b = append(b, `,"model":`...)
	b = appendString(b, r.Model)
	b = append(b, `,"choices":`...)
	if r.Choices == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Choices {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendChoice(b, &r.Choices[i])
		}
		b = append(b, ']')
	}
	if u := r.Usage; u != nil {
		b = append(b, `,"usage":{"prompt_tokens":`...)
		b = strconv.AppendInt(b, int64(u.PromptTokens), 10)
		b = append(b, `,"completion_tokens":`...)
		b = strconv.AppendInt(b, int64(u.CompletionTokens), 10)
		b = append(b, `,"total_tokens":`...)
		b = strconv.AppendInt(b, int64(u.TotalTokens), 10)
		b = append(b, `,"prompt_tokens_details":{"cached_tokens":`...)
		b = strconv.AppendInt(b, int64(u.PromptTokensDetails.CachedTokens), 10)
		b = append(b, `},"completion_tokens_details":{"reasoning_tokens":`...)
		b = strconv.AppendInt(b, int64(u.CompletionTokensDetails.ReasoningTokens), 10)
		b = append(b, "}}"...)
	}
	return append(b, '}')
}

func appendChoice(b []byte, c *wireChoice) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(c.Index), 10)
	if m := c.Message; m != nil {
		b = append(b, `,"message":{"role":`...)
		b = appendString(b, m.Role)
		b = append(b, `,"content":`...)
		b = appendNullString(b, m.Content)
		b = append(b, `,"refusal":`...)
		b = appendNullString(b, m.Refusal)
		b = appendCalls(b, m.ToolCalls, true)
		b = append(b, '}')
	}
	if c.Delta != nil {
		b = append(b, `,"delta":`...)
		b = appendOutMessage(b, c.Delta)
	}
	b = append(b, `,"logprobs":null`...)
	b = append(b, `,"finish_reason":`...)
	if c.FinishReason == nil {
		b = append(b, "null"...)
	} else {
		b = appendString(b, *c.FinishReason)
	}
	return append(b, '}')
}

func appendOutMessage(b []byte, m *wireOutMessage) []byte {
	b = append(b, '{')
	comma := false
	sep := func() {
		if comma {
			b = append(b, ',')
		}
		comma = true
	}
	if m.Role != "" {
		sep()
		b = append(b, `"role":`...)
		b = appendString(b, m.Role)
	}
	if m.Content != nil {
		sep()
		b = append(b, `"content":`...)
		b = appendString(b, *m.Content)
	}
	return append(appendCalls(b, m.ToolCalls, comma), '}')
}

// appendNullString appends *s as a JSON string, or null.
func appendNullString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendCalls appends the tool_calls field (after a comma when comma is
// true), or nothing when there are none.
func appendCalls(b []byte, calls []wireCall, comma bool) []byte {
	if len(calls) == 0 {
		return b
	}
	if comma {
		b = append(b, ',')
	}
	b = append(b, `"tool_calls":[`...)
	for i := range calls {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCall(b, &calls[i])
	}
	return append(b, ']')
}

func appendCall(b []byte, c *wireCall) []byte {
	b = append(b, '{')
	if c.Index != nil {
		b = append(b, `"index":`...)
		b = strconv.AppendInt(b, int64(*c.Index), 10)
		b = append(b, ',')
	}
	if c.ID != "" {
		b = append(b, `"id":`...)
		b = appendString(b, c.ID)
		b = append(b, ',')
	}
	if c.Type != "" {
		b = append(b, `"type":`...)
		b = appendString(b, c.Type)
		b = append(b, ',')
	}
	b = append(b, `"function":{`...)
	if c.Function.Name != "" {
		b = append(b, `"name":`...)
		b = appendString(b, c.Function.Name)
		b = append(b, ',')
	}
	b = append(b, `"arguments":`...)
	b = appendString(b, c.Function.Arguments)
	return append(b, "}}"...)
}

// appendString appends s as a JSON string the way json.Marshal writes it:
// printable ASCII other than the quote, the backslash and <, > and & is
// copied; any other string is left to json.Marshal.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

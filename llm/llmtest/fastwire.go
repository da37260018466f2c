package llmtest

import (
	"encoding/json"
	"strconv"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/internal/wirejson"
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
	p := &wirejson.Parser{B: body}
	sr := &ServerRequest{}
	req := &sr.Request
	var seen uint16
	once := func(bit uint16) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	ok := p.Object(func(key []byte) bool {
		switch string(key) {
		case "model":
			if !once(1) {
				return false
			}
			s, ok := p.Str()
			sr.Model = s
			return ok
		case "messages":
			if !once(2) {
				return false
			}
			return p.Array(func() bool {
				m, ok := readMessage(p)
				req.Messages = append(req.Messages, m)
				return ok
			})
		case "tools":
			if !once(4) {
				return false
			}
			return p.Array(func() bool {
				t, ok := readTool(p)
				req.Tools = append(req.Tools, t)
				return ok
			})
		case "stop":
			if !once(8) {
				return false
			}
			raw, ok := p.Raw()
			if !ok {
				return false
			}
			stop, err := decodeStop(raw)
			req.Stop = stop
			return err == nil
		case "temperature":
			if !once(16) {
				return false
			}
			f, ok := p.Float()
			req.Temperature = &f
			return ok
		case "max_tokens":
			if !once(32) {
				return false
			}
			n, ok := p.Int()
			sr.MaxTokens = n
			return ok
		case "max_completion_tokens":
			if !once(64) {
				return false
			}
			n, ok := p.Int()
			sr.MaxCompletionTokens = n
			return ok
		case "stream":
			if !once(128) {
				return false
			}
			v, ok := p.Bool()
			sr.Stream = v
			return ok
		case "stream_options":
			if !once(256) {
				return false
			}
			var seenUsage bool
			return p.Object(func(key []byte) bool {
				if string(key) != "include_usage" || seenUsage {
					return false
				}
				seenUsage = true
				v, ok := p.Bool()
				sr.IncludeUsage = v
				return ok
			})
		}
		return false
	})
	if !ok {
		return nil, false
	}
	if !p.End() {
		return nil, false
	}
	req.MaxTokens = max(sr.MaxTokens, sr.MaxCompletionTokens)
	return sr, true
}

// readMessage reads one element of messages.
func readMessage(p *wirejson.Parser) (llm.Message, bool) {
	var m llm.Message
	var seen uint8
	ok := p.Object(func(key []byte) bool {
		var bit uint8
		var ok bool
		switch string(key) {
		case "role":
			bit = 1
			var s string
			s, ok = p.Str()
			m.Role = llm.Role(s)
		case "content":
			bit = 2
			if p.Null() {
				m.Content, ok = "", true
			} else {
				m.Content, ok = p.Str()
			}
		case "name":
			bit = 4
			m.Name, ok = p.Str()
		case "tool_call_id":
			bit = 8
			m.ToolCallID, ok = p.Str()
		case "tool_calls":
			bit = 16
			ok = p.Array(func() bool {
				c, ok := readCall(p)
				m.ToolCalls = append(m.ToolCalls, c)
				return ok
			})
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
	return m, ok
}

// readCall reads one element of a message's tool_calls: id, type and function
// (name and arguments).
func readCall(p *wirejson.Parser) (llm.ToolCall, bool) {
	var c llm.ToolCall
	var seen uint8
	ok := p.Object(func(key []byte) bool {
		var bit uint8
		var ok bool
		switch string(key) {
		case "id":
			bit = 1
			c.ID, ok = p.Str()
		case "type":
			bit = 2
			_, ok = p.Str()
		case "function":
			bit = 4
			var fseen uint8
			ok = p.Object(func(key []byte) bool {
				var fbit uint8
				var ok bool
				switch string(key) {
				case "name":
					fbit = 1
					c.Name, ok = p.Str()
				case "arguments":
					fbit = 2
					c.Arguments, ok = p.Str()
				default:
					return false
				}
				if fseen&fbit != 0 {
					return false
				}
				fseen |= fbit
				return ok
			})
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
	return c, ok
}

// readTool reads one element of tools: type "function" and function (name,
// description, parameters).
func readTool(p *wirejson.Parser) (llm.ToolDef, bool) {
	var t llm.ToolDef
	var seen uint8
	ok := p.Object(func(key []byte) bool {
		var bit uint8
		var ok bool
		switch string(key) {
		case "type":
			bit = 1
			var s string
			s, ok = p.Str()
			ok = ok && (s == "" || s == "function")
		case "function":
			bit = 2
			var fseen uint8
			ok = p.Object(func(key []byte) bool {
				var fbit uint8
				var ok bool
				switch string(key) {
				case "name":
					fbit = 1
					t.Name, ok = p.Str()
				case "description":
					fbit = 2
					t.Description, ok = p.Str()
				case "parameters":
					fbit = 4
					var raw []byte
					raw, ok = p.Raw()
					t.Parameters = raw
				default:
					return false
				}
				if fseen&fbit != 0 {
					return false
				}
				fseen |= fbit
				return ok
			})
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
	return t, ok
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
	if c.Message != nil {
		b = append(b, `,"message":`...)
		b = appendOutMessage(b, c.Message)
	}
	if c.Delta != nil {
		b = append(b, `,"delta":`...)
		b = appendOutMessage(b, c.Delta)
	}
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
	if len(m.ToolCalls) > 0 {
		sep()
		b = append(b, `"tool_calls":[`...)
		for i := range m.ToolCalls {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCall(b, &m.ToolCalls[i])
		}
		b = append(b, ']')
	}
	return append(b, '}')
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

package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/crewai-go/crewai/llm/internal/wirejson"
)

// A non-streamed chat completion to OpenAI or an OpenAI-compatible server is
// sent by the Client itself rather than by go-openai: the request is written
// by appendChatRequest (the same JSON as go-openai's, without reflection and
// without go-openai's per-message MarshalJSON, whose output encoding/json
// parses again), and the reply is read into the few fields the Client uses
// (go-openai parses every message twice). The checks go-openai makes before
// sending (the reasoning-model validator, the completions-only models) and
// its error values (*openai.APIError, *openai.RequestError) are kept, so
// errors and retries are classified as before. Azure and streamed requests
// still go through go-openai.

// chatOnlyCompletionModels are the models go-openai refuses on the
// chat-completions endpoint (completions-only models); the Client leaves
// them to go-openai so that they fail the same way.
var chatOnlyCompletionModels = map[string]bool{
	openai.CodexCodeDavinci002: true, openai.CodexCodeCushman001: true, openai.CodexCodeDavinci001: true,
	openai.GPT3TextDavinci003: true, openai.GPT3TextDavinci002: true, openai.GPT3TextCurie001: true,
	openai.GPT3TextBabbage001: true, openai.GPT3TextAda001: true, openai.GPT3TextDavinci001: true,
	openai.GPT3DavinciInstructBeta: true, openai.GPT3Davinci: true, openai.GPT3CurieInstructBeta: true,
	openai.GPT3Curie: true, openai.GPT3Ada: true, openai.GPT3Babbage: true,
}

// chatReply is what the Client reads of a chat-completions reply.
type chatReply struct {
	ID      string        `json:"id"`
	Model   string        `json:"model"`
	Choices []replyChoice `json:"choices"`
	Usage   replyUsage    `json:"usage"`
}

type replyChoice struct {
	Message      replyMessage `json:"message"`
	FinishReason string       `json:"finish_reason"`
}

type replyMessage struct {
	Content   replyContent `json:"content"`
	Refusal   string       `json:"refusal"`
	ToolCalls []replyCall  `json:"tool_calls"`
}

type replyCall struct {
	ID       string `json:"id"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// replyUsage is the part of openai.Usage the Client reads.
type replyUsage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func (u *replyUsage) usage() Usage {
	ou := openai.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if d := u.PromptTokensDetails; d != nil {
		ou.PromptTokensDetails = &openai.PromptTokensDetails{CachedTokens: d.CachedTokens}
	}
	if d := u.CompletionTokensDetails; d != nil {
		ou.CompletionTokensDetails = &openai.CompletionTokensDetails{ReasoningTokens: d.ReasoningTokens}
	}
	return usageOf(&ou)
}

// replyContent is a message's content as go-openai reads it: a string; null
// or absent is ""; a list of parts is "" (go-openai keeps the parts apart,
// and the Client does not use them); anything else is an error.
type replyContent string

// UnmarshalJSON reads a string without a second pass when it has no escape,
// and refuses what go-openai refuses.
func (c *replyContent) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) >= 2 && b[0] == '"':
		if in := b[1 : len(b)-1]; bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
			*c = replyContent(in)
			return nil
		}
		var s string
		err := json.Unmarshal(b, &s)
		*c = replyContent(s)
		return err
	case string(b) == "null":
		*c = ""
		return nil
	}
	var parts []openai.ChatMessagePart
	*c = ""
	return json.Unmarshal(b, &parts)
}

// chat sends w (not streamed) to c.chatURL and reads the reply. Its errors
// are those go-openai returns in the same cases.
func (c *Client) chat(ctx context.Context, w *openai.ChatCompletionRequest) (*chatReply, error) {
	if err := openai.NewReasoningValidator().Validate(*w); err != nil {
		return nil, err
	}
	body := appendChatRequest(make([]byte, 0, c.requestSize(w)), w)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.chatURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	// the header values share one array; each slice has its capacity cut to
	// its length, so that an Add by a caller's transport copies it
	vals := [4]string{"application/json", "application/json", c.bearer, c.cfg.Organization}
	req.Header = make(http.Header, 4)
	req.Header["Content-Type"] = vals[0:1:1]
	req.Header["Accept"] = vals[1:2:2]
	if c.bearer != "" {
		req.Header["Authorization"] = vals[2:3:3]
	}
	if c.cfg.Organization != "" {
		req.Header["Openai-Organization"] = vals[3:4:4]
	}
	res, err := recordingDoer{c.hc}.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode < http.StatusOK || res.StatusCode >= http.StatusBadRequest {
		return nil, errorOf(res)
	}
	var src io.Reader = res.Body
	if n := res.ContentLength; n >= 0 && n <= maxFastReply {
		// a body of known length is read whole and decoded by
		// decodeReply; anything it does not handle by encoding/json
		body := make([]byte, n)
		if _, err := io.ReadFull(res.Body, body); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if r, ok := decodeReply(body); ok {
			return r, nil
		}
		src = bytes.NewReader(body)
	}
	var r chatReply
	if err := json.NewDecoder(src).Decode(&r); err != nil {
		return nil, err
	}
	// read what is left (at most a little white space) so that the
	// connection goes back to the pool
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
	return &r, nil
}

// maxFastReply bounds the replies read whole before decoding.
const maxFastReply = 1 << 20

// decodeReply decodes the reply b as json.Decoder.Decode would decode its
// first JSON value into a chatReply, or reports false for what it does not
// handle in exactly that way: a key spelled in another case, escaped or not
// ASCII, a duplicate, content that is neither a string nor null, a value
// of the wrong type, invalid JSON. Other members are skipped (after checking
// that they are valid JSON), and so is whatever follows the object, as the
// Decoder leaves it unread.
func decodeReply(b []byte) (*chatReply, bool) {
	p := &wirejson.Parser{B: b}
	r := &chatReply{}
	var seen uint8
	ok := p.Object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return once(&seen, 1) && nullOrStr(p, &r.ID)
		case "model":
			return once(&seen, 2) && nullOrStr(p, &r.Model)
		case "choices":
			if !once(&seen, 4) {
				return false
			}
			if p.Null() {
				return true
			}
			r.Choices = []replyChoice{} // as encoding/json: empty, not nil
			return p.Array(func() bool {
				r.Choices = append(r.Choices, replyChoice{})
				return decodeChoice(p, &r.Choices[len(r.Choices)-1])
			})
		case "usage":
			return once(&seen, 8) && decodeUsage(p, &r.Usage)
		}
		return skip(p, key, "id", "model", "choices", "usage")
	})
	return r, ok
}

func decodeChoice(p *wirejson.Parser, c *replyChoice) bool {
	var seen uint8
	return p.Object(func(key []byte) bool {
		switch string(key) {
		case "message":
			return once(&seen, 1) && decodeMessage(p, &c.Message)
		case "finish_reason":
			return once(&seen, 2) && nullOrStr(p, &c.FinishReason)
		}
		return skip(p, key, "message", "finish_reason")
	})
}

func decodeMessage(p *wirejson.Parser, m *replyMessage) bool {
	var seen uint8
	return p.Null() || p.Object(func(key []byte) bool {
		switch string(key) {
		case "content":
			var s string
			ok := once(&seen, 1) && nullOrStr(p, &s)
			m.Content = replyContent(s)
			return ok
		case "refusal":
			return once(&seen, 2) && nullOrStr(p, &m.Refusal)
		case "tool_calls":
			if !once(&seen, 4) {
				return false
			}
			if p.Null() {
				return true
			}
			m.ToolCalls = []replyCall{}
			return p.Array(func() bool {
				m.ToolCalls = append(m.ToolCalls, replyCall{})
				return decodeCall(p, &m.ToolCalls[len(m.ToolCalls)-1])
			})
		}
		return skip(p, key, "content", "refusal", "tool_calls")
	})
}

func decodeCall(p *wirejson.Parser, c *replyCall) bool {
	var seen uint8
	return p.Object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return once(&seen, 1) && nullOrStr(p, &c.ID)
		case "function":
			var fseen uint8
			return once(&seen, 2) && (p.Null() || p.Object(func(key []byte) bool {
				switch string(key) {
				case "name":
					return once(&fseen, 1) && nullOrStr(p, &c.Function.Name)
				case "arguments":
					return once(&fseen, 2) && nullOrStr(p, &c.Function.Arguments)
				}
				return skip(p, key, "name", "arguments")
			}))
		}
		return skip(p, key, "id", "function")
	})
}

func decodeUsage(p *wirejson.Parser, u *replyUsage) bool {
	var seen uint8
	return p.Null() || p.Object(func(key []byte) bool {
		switch string(key) {
		case "prompt_tokens":
			return once(&seen, 1) && nullOrInt(p, &u.PromptTokens)
		case "completion_tokens":
			return once(&seen, 2) && nullOrInt(p, &u.CompletionTokens)
		case "total_tokens":
			return once(&seen, 4) && nullOrInt(p, &u.TotalTokens)
		case "prompt_tokens_details":
			if !once(&seen, 8) {
				return false
			}
			if p.Null() {
				return true
			}
			u.PromptTokensDetails = &struct {
				CachedTokens int `json:"cached_tokens"`
			}{}
			var dseen uint8
			return p.Object(func(key []byte) bool {
				if string(key) == "cached_tokens" {
					return once(&dseen, 1) && nullOrInt(p, &u.PromptTokensDetails.CachedTokens)
				}
				return skip(p, key, "cached_tokens")
			})
		case "completion_tokens_details":
			if !once(&seen, 16) {
				return false
			}
			if p.Null() {
				return true
			}
			u.CompletionTokensDetails = &struct {
				ReasoningTokens int `json:"reasoning_tokens"`
			}{}
			var dseen uint8
			return p.Object(func(key []byte) bool {
				if string(key) == "reasoning_tokens" {
					return once(&dseen, 1) && nullOrInt(p, &u.CompletionTokensDetails.ReasoningTokens)
				}
				return skip(p, key, "reasoning_tokens")
			})
		}
		return skip(p, key, "prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details")
	})
}

// once marks bit in seen and reports whether it was not set yet.
func once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// nullOrStr reads a string into s; null leaves s as it is, as
// encoding/json does.
func nullOrStr(p *wirejson.Parser, s *string) bool {
	if p.Null() {
		return true
	}
	v, ok := p.Str()
	*s = v
	return ok
}

// nullOrInt reads an integer into n; null leaves n as it is.
func nullOrInt(p *wirejson.Parser, n *int) bool {
	if p.Null() {
		return true
	}
	v, ok := p.Int()
	*n = v
	return ok
}

// skip reads the value of a member the Client does not use, refusing a key
// that encoding/json could match to one of known (it matches names without
// regard to case, Unicode folding included: any key outside printable ASCII
// is refused too).
func skip(p *wirejson.Parser, key []byte, known ...string) bool {
	for _, c := range key {
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	for _, k := range known {
		if strings.EqualFold(string(key), k) {
			return false
		}
	}
	_, ok := p.Raw()
	return ok
}

// errorOf reads an error reply as go-openai does: an *openai.APIError when
// the body has an error object, an *openai.RequestError otherwise.
func errorOf(res *http.Response) error {
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("error, reading response body: %w", err)
	}
	var er openai.ErrorResponse
	err = json.Unmarshal(body, &er)
	if err != nil || er.Error == nil {
		return &openai.RequestError{HTTPStatus: res.Status, HTTPStatusCode: res.StatusCode, Err: err, Body: body}
	}
	er.Error.HTTPStatus = res.Status
	er.Error.HTTPStatusCode = res.StatusCode
	return er.Error
}

// requestSize estimates the length of w's JSON.
func (c *Client) requestSize(w *openai.ChatCompletionRequest) int {
	n := 128 + len(w.Model)
	for i := range w.Messages {
		m := &w.Messages[i]
		n += 64 + len(m.Content) + len(m.Name) + len(m.ToolCallID)
		for _, tc := range m.ToolCalls {
			n += 64 + len(tc.ID) + len(tc.Function.Name) + len(tc.Function.Arguments)
		}
	}
	for _, t := range w.Tools {
		if f := t.Function; f != nil {
			n += 64 + len(f.Name) + len(f.Description)
			if p, ok := f.Parameters.(json.RawMessage); ok {
				n += len(p)
			}
		}
	}
	return n + n/8
}

// appendChatRequest appends the JSON of w, a request made by buildRequest
// (not streamed), with the same members and values as go-openai writes.
func appendChatRequest(b []byte, w *openai.ChatCompletionRequest) []byte {
	b = append(b, `{"model":`...)
	b = appendJSONString(b, w.Model)
	b = append(b, `,"messages":[`...)
	for i := range w.Messages {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendChatMessage(b, &w.Messages[i])
	}
	b = append(b, ']')
	if w.MaxTokens != 0 {
		b = append(b, `,"max_tokens":`...)
		b = strconv.AppendInt(b, int64(w.MaxTokens), 10)
	}
	if w.MaxCompletionTokens != 0 {
		b = append(b, `,"max_completion_tokens":`...)
		b = strconv.AppendInt(b, int64(w.MaxCompletionTokens), 10)
	}
	if w.Temperature != 0 {
		t, _ := json.Marshal(w.Temperature) // encoding/json's float32 form
		b = append(b, `,"temperature":`...)
		b = append(b, t...)
	}
	b = append(b, `,"stream":false`...)
	if len(w.Stop) > 0 {
		b = append(b, `,"stop":[`...)
		for i, s := range w.Stop {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	}
	if rf := w.ResponseFormat; rf != nil {
		b = append(b, `,"response_format":{`...)
		comma := false
		if rf.Type != "" {
			b = append(b, `"type":`...)
			b = appendJSONString(b, string(rf.Type))
			comma = true
		}
		if s := rf.JSONSchema; s != nil {
			if comma {
				b = append(b, ',')
			}
			b = append(b, `"json_schema":{"name":`...)
			b = appendJSONString(b, s.Name)
			if s.Description != "" {
				b = append(b, `,"description":`...)
				b = appendJSONString(b, s.Description)
			}
			b = append(b, `,"schema":`...)
			b = appendRaw(b, s.Schema)
			b = append(b, `,"strict":`...)
			b = strconv.AppendBool(b, s.Strict)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	if len(w.Tools) > 0 {
		b = append(b, `,"tools":[`...)
		for i := range w.Tools {
			if i > 0 {
				b = append(b, ',')
			}
			t := &w.Tools[i]
			b = append(b, '{')
			if f := t.Function; f != nil {
				b = append(b, `"function":{"name":`...)
				b = appendJSONString(b, f.Name)
				if f.Description != "" {
					b = append(b, `,"description":`...)
					b = appendJSONString(b, f.Description)
				}
				if f.Strict {
					b = append(b, `,"strict":true`...)
				}
				b = append(b, `,"parameters":`...)
				p, _ := f.Parameters.(json.Marshaler)
				b = appendRaw(b, p)
				b = append(b, "},"...)
			}
			b = append(b, `"type":`...)
			b = appendJSONString(b, string(t.Type))
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendChatMessage(b []byte, m *openai.ChatCompletionMessage) []byte {
	b = append(b, `{"role":`...)
	b = appendJSONString(b, m.Role)
	if m.Content != "" {
		b = append(b, `,"content":`...)
		b = appendJSONString(b, m.Content)
	}
	if m.Name != "" {
		b = append(b, `,"name":`...)
		b = appendJSONString(b, m.Name)
	}
	if len(m.ToolCalls) > 0 {
		b = append(b, `,"tool_calls":[`...)
		for i := range m.ToolCalls {
			if i > 0 {
				b = append(b, ',')
			}
			tc := &m.ToolCalls[i]
			b = append(b, '{')
			if tc.ID != "" {
				b = append(b, `"id":`...)
				b = appendJSONString(b, tc.ID)
				b = append(b, ',')
			}
			b = append(b, `"type":`...)
			b = appendJSONString(b, string(tc.Type))
			b = append(b, `,"function":{`...)
			comma := false
			if tc.Function.Name != "" {
				b = append(b, `"name":`...)
				b = appendJSONString(b, tc.Function.Name)
				comma = true
			}
			if tc.Function.Arguments != "" {
				if comma {
					b = append(b, ',')
				}
				b = append(b, `"arguments":`...)
				b = appendJSONString(b, tc.Function.Arguments)
			}
			b = append(b, "}}"...)
		}
		b = append(b, ']')
	}
	if m.ToolCallID != "" {
		b = append(b, `,"tool_call_id":`...)
		b = appendJSONString(b, m.ToolCallID)
	}
	return append(b, '}')
}

// appendRaw appends the JSON of a schema: a json.RawMessage (what
// buildRequest puts there, checked to be a JSON object) as it is, anything
// else through encoding/json; nil, or a value that fails to encode, as null.
func appendRaw(b []byte, m json.Marshaler) []byte {
	if raw, ok := m.(json.RawMessage); ok && raw != nil {
		return append(b, raw...)
	}
	if m == nil {
		return append(b, "null"...)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it: <, > and & escaped as \u003c, \u003e and \u0026, U+2028 and
// U+2029 escaped, invalid UTF-8 replaced by \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

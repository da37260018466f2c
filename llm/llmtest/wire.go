package llmtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/crewai-go/crewai/llm"
)

// The OpenAI chat-completions wire format, as much of it as the fake server
// reads and writes.

type wireRequest struct {
	Model               string          `json:"model"`
	Messages            []wireInMessage `json:"messages"`
	Tools               []wireTool      `json:"tools"`
	Stop                json.RawMessage `json:"stop"`
	Temperature         *float64        `json:"temperature"`
	MaxTokens           int             `json:"max_tokens"`
	MaxCompletionTokens int             `json:"max_completion_tokens"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	ResponseFormat *struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

type wireInMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name"`
	ToolCalls  []wireCall      `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
}

type wireTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	} `json:"function"`
}

type wireCall struct {
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id,omitempty"`
	Type     string `json:"type,omitempty"`
	Function struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type wireResponse struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []wireChoice `json:"choices"`
	Usage   *wireUsage   `json:"usage,omitempty"`
}

// wireChoice is a choice of a reply (Message) or of a stream chunk (Delta).
// Logprobs is always null (logprobs are never requested), as OpenAI sends
// it.
type wireChoice struct {
	Index        int             `json:"index"`
	Message      *wireMessage    `json:"message,omitempty"`
	Delta        *wireOutMessage `json:"delta,omitempty"`
	Logprobs     *struct{}       `json:"logprobs"`
	FinishReason *string         `json:"finish_reason"`
}

// wireMessage is the message of a non-streamed reply: content and refusal
// are always present, null when there is none (content is null on a reply
// that only calls tools), as OpenAI sends them.
type wireMessage struct {
	Role      string     `json:"role"`
	Content   *string    `json:"content"`
	Refusal   *string    `json:"refusal"`
	ToolCalls []wireCall `json:"tool_calls,omitempty"`
}

// wireOutMessage is the delta of a stream chunk.
type wireOutMessage struct {
	Role      string     `json:"role,omitempty"`
	Content   *string    `json:"content,omitempty"`
	ToolCalls []wireCall `json:"tool_calls,omitempty"`
}

type wireUsage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// wireError is OpenAI's error body; param and code are always present, null
// when the error names none.
type wireError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// decodeRequest decodes a chat-completions request body into a
// ServerRequest (without the HTTP fields). It fails on anything that is not
// a JSON object of the expected shape, naming the field.
func decodeRequest(body []byte) (*ServerRequest, error) {
	var w wireRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("llmtest: the request body is not a chat-completions JSON object: %w", err)
	}
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return nil, errors.New("llmtest: the request body has data after the JSON object")
	}
	sr := &ServerRequest{Model: w.Model, Stream: w.Stream, MaxTokens: w.MaxTokens,
		MaxCompletionTokens: w.MaxCompletionTokens}
	if w.StreamOptions != nil {
		sr.IncludeUsage = w.StreamOptions.IncludeUsage
	}
	req := &sr.Request
	if len(w.Messages) > 0 {
		req.Messages = make([]llm.Message, len(w.Messages))
	}
	for i, m := range w.Messages {
		if ie := checkContent(i, m.Role, m.Content, len(m.ToolCalls) > 0); ie != nil {
			return nil, ie
		}
		text, parts, err := decodeContent(m.Content, i)
		if err != nil {
			var ie *invalidRequest
			if errors.As(err, &ie) {
				return nil, ie
			}
			return nil, fmt.Errorf("llmtest: messages[%d].content: %w", i, err)
		}
		msg := llm.Message{Role: llm.Role(m.Role), Content: text, ToolCallID: m.ToolCallID, Name: m.Name, Parts: parts}
		for _, c := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, llm.ToolCall{ID: c.ID, Name: c.Function.Name,
				Arguments: c.Function.Arguments})
		}
		req.Messages[i] = msg
	}
	for i, t := range w.Tools {
		if t.Type != "" && t.Type != "function" {
			return nil, fmt.Errorf("llmtest: tools[%d].type is %q; only \"function\" is served", i, t.Type)
		}
		req.Tools = append(req.Tools, llm.ToolDef{Name: t.Function.Name, Description: t.Function.Description,
			Parameters: t.Function.Parameters})
	}
	stop, err := decodeStop(w.Stop)
	if err != nil {
		return nil, err
	}
	req.Stop = stop
	req.Temperature = w.Temperature
	req.MaxTokens = max(w.MaxTokens, w.MaxCompletionTokens)
	if rf := w.ResponseFormat; rf != nil && rf.Type == "json_schema" && rf.JSONSchema != nil {
		req.ResponseFormat = &llm.ResponseFormat{Name: rf.JSONSchema.Name, Schema: rf.JSONSchema.Schema,
			Strict: rf.JSONSchema.Strict}
	}
	return sr, nil
}

// decodeStop reads stop: null or absent, a string, or a list of strings.
func decodeStop(raw json.RawMessage) ([]string, error) {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 || bytes.Equal(s, []byte("null")) {
		return nil, nil
	}
	if s[0] == '"' {
		var one string
		if err := json.Unmarshal(s, &one); err != nil {
			return nil, fmt.Errorf("llmtest: stop: %w", err)
		}
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(s, &list); err != nil {
		return nil, fmt.Errorf("llmtest: stop is neither a string nor a list of strings: %w", err)
	}
	return list, nil
}

// decodeContent reads the content of messages[i]: a string, null, or a
// list of parts whose text parts are joined and whose other parts (image_url,
// file, input_audio) are returned as llm parts. A part missing a field
// OpenAI requires is an *invalidRequest.
func decodeContent(raw json.RawMessage, i int) (string, []llm.Part, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil, nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, nil, err
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		ImageURL *struct {
			URL string `json:"url"`
		} `json:"image_url"`
		File *struct {
			Filename string `json:"filename"`
			FileData string `json:"file_data"`
			FileID   string `json:"file_id"`
		} `json:"file"`
		InputAudio *struct {
			Data   string `json:"data"`
			Format string `json:"format"`
		} `json:"input_audio"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", nil, fmt.Errorf("neither a string nor a list of parts: %w", err)
	}
	var b strings.Builder
	var out []llm.Part
	for j, p := range parts {
		at := fmt.Sprintf("messages[%d].content[%d]", i, j)
		switch p.Type {
		case "text":
			b.WriteString(p.Text)
		case "image_url":
			if p.ImageURL == nil || p.ImageURL.URL == "" {
				return "", nil, missingParam(at + ".image_url.url")
			}
			out = append(out, llm.Part{Kind: llm.PartImage, URL: p.ImageURL.URL})
		case "file":
			if p.File == nil || (p.File.FileData == "" && p.File.FileID == "") {
				return "", nil, missingParam(at + ".file.file_data")
			}
			out = append(out, llm.Part{Kind: llm.PartFile, Name: p.File.Filename, URL: p.File.FileData})
		case "input_audio":
			if p.InputAudio == nil || p.InputAudio.Data == "" {
				return "", nil, missingParam(at + ".input_audio.data")
			}
			if p.InputAudio.Format != "wav" && p.InputAudio.Format != "mp3" {
				return "", nil, &invalidRequest{param: at + ".input_audio.format", code: "invalid_value",
					msg: fmt.Sprintf("Invalid value: '%s'. Supported values are: 'wav' and 'mp3'.", p.InputAudio.Format)}
			}
			data, err := base64.StdEncoding.DecodeString(p.InputAudio.Data)
			if err != nil {
				return "", nil, &invalidRequest{param: at + ".input_audio.data", code: "invalid_value", msg: "Invalid base64 audio data."}
			}
			mt := "audio/wav"
			if p.InputAudio.Format == "mp3" {
				mt = "audio/mpeg"
			}
			out = append(out, llm.Part{Kind: llm.PartAudio, MediaType: mt, Data: data})
		default:
			return "", nil, &invalidRequest{param: at + ".type", code: "invalid_value",
				msg: fmt.Sprintf("Invalid value: '%s'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', 'audio', and 'file'.", p.Type)}
		}
	}
	return b.String(), out, nil
}

func wireUsageOf(u llm.Usage) *wireUsage {
	w := &wireUsage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	w.PromptTokensDetails.CachedTokens = u.CachedPromptTokens
	w.CompletionTokensDetails.ReasoningTokens = u.ReasoningTokens
	return w
}

func wireCallsOf(calls []llm.ToolCall) []wireCall {
	if len(calls) == 0 {
		return nil
	}
	out := make([]wireCall, len(calls))
	for i, c := range calls {
		out[i].ID, out[i].Type = c.ID, "function"
		out[i].Function.Name, out[i].Function.Arguments = c.Name, c.Arguments
	}
	return out
}

// appendJSON appends the JSON encoding of v (a wire type, which always
// encodes) to b.
func appendJSON(b []byte, v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		panic("llmtest: a wire value did not encode: " + err.Error())
	}
	return append(b, j...)
}

// splitHalf splits s near its middle on a rune boundary.
func splitHalf(s string) (string, string) {
	i := len(s) / 2
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i], s[i:]
}

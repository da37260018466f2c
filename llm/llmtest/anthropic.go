package llmtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/crewai-go/crewai/llm"
)

// NewAnthropicServer starts a fake of Anthropic's Messages API (POST
// /v1/messages, non-streamed and server-sent events) driven by cfg like
// [NewServer]. It checks what Anthropic checks and answers 400
// (invalid_request_error) the way Anthropic does: a missing x-api-key
// (401) or anthropic-version header, a missing model, max_tokens or
// messages, unknown fields, roles other than user and assistant, empty
// text blocks or contents, tool_use blocks not answered by tool_result
// blocks in the next user turn (and results answering no call), tools
// without an object input_schema or with a bad name; and, for extended
// thinking, a budget below 1024 or not below max_tokens, a temperature
// other than 1, top_k or a forced tool_choice with thinking on, a thinking
// block whose signature is not the one the fake gave it
// ([ThinkingSignature]), and a final tool_result turn whose assistant turn
// does not start with its thinking block while thinking is on. With
// thinking on, a reply's Thinking and RedactedThinking are sent as thinking
// (streamed as thinking_delta and signature_delta) and redacted_thinking
// blocks before the text. Faults are sent as
// Anthropic sends them: 429 rate_limit_error, 500 api_error, 529
// overloaded_error (FaultUnavailable), a 400 "prompt is too long" for
// FaultContextLength, an error event inside a stream for nothing else;
// FaultEmptyChoices answers a message with no content and no stop reason.
// ServerRequest.Request holds the request in the llm package's terms.
func NewAnthropicServer(cfg ServerConfig) *Server { return newServer(cfg, anthropicDialect{}) }

type anthropicDialect struct{}

// anthropicKnown lists the top-level fields of a Messages request.
var anthropicKnown = map[string]bool{"model": true, "messages": true, "max_tokens": true, "system": true,
	"stop_sequences": true, "stream": true, "temperature": true, "top_p": true, "top_k": true, "tools": true,
	"tool_choice": true, "metadata": true, "thinking": true, "output_config": true, "cache_control": true,
	"service_tier": true, "container": true, "inference_geo": true, "speed": true, "diagnostics": true,
	"mcp_servers": true, "context_management": true}

var anthropicToolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)

type anthBlock struct {
	Type      string          `json:"type"`
	Text      *string         `json:"text"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	IsError   bool            `json:"is_error"`
	Source    json.RawMessage `json:"source"`
	Thinking  *string         `json:"thinking"`
	Signature *string         `json:"signature"`
	Data      *string         `json:"data"`
}

type anthMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type anthRequest struct {
	Model         *string         `json:"model"`
	Messages      []anthMessage   `json:"messages"`
	MaxTokens     *int            `json:"max_tokens"`
	System        json.RawMessage `json:"system"`
	StopSequences []string        `json:"stop_sequences"`
	Stream        bool            `json:"stream"`
	Temperature   *float64        `json:"temperature"`
	TopK          *int            `json:"top_k"`
	Thinking      *struct {
		Type         string `json:"type"`
		BudgetTokens *int   `json:"budget_tokens"`
	} `json:"thinking"`
	ToolChoice *struct {
		Type string `json:"type"`
	} `json:"tool_choice"`
	Tools []struct {
		Type        string          `json:"type"`
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"input_schema"`
	} `json:"tools"`
	OutputConfig *struct {
		Format *struct {
			Type   string          `json:"type"`
			Schema json.RawMessage `json:"schema"`
		} `json:"format"`
	} `json:"output_config"`
}

func badAnth(format string, args ...any) *apiErr {
	return &apiErr{status: http.StatusBadRequest, typ: "invalid_request_error", msg: fmt.Sprintf(format, args...)}
}

func (anthropicDialect) decode(r *http.Request, body []byte) (*ServerRequest, *apiErr) {
	if r.URL.Path != "/v1/messages" {
		return nil, &apiErr{status: http.StatusNotFound, typ: "not_found_error", msg: "llmtest: no route " + r.URL.Path + "; the Anthropic fake serves POST /v1/messages"}
	}
	if r.Method != http.MethodPost {
		return nil, &apiErr{status: http.StatusMethodNotAllowed, typ: "invalid_request_error", msg: "llmtest: use POST, not " + r.Method}
	}
	if r.Header.Get("x-api-key") == "" && r.Header.Get("Authorization") == "" {
		return nil, &apiErr{status: http.StatusUnauthorized, typ: "authentication_error", msg: "x-api-key header is required"}
	}
	if r.Header.Get("anthropic-version") == "" {
		return nil, badAnth("anthropic-version: header is required")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, badAnth("the request body is not valid JSON: %v", err)
	}
	for k := range fields {
		if !anthropicKnown[k] {
			return nil, badAnth("%s: Extra inputs are not permitted", k)
		}
	}
	var w anthRequest
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, badAnth("the request body does not match the Messages schema: %v", err)
	}
	if w.Model == nil || *w.Model == "" {
		return nil, badAnth("model: Field required")
	}
	if w.MaxTokens == nil {
		return nil, badAnth("max_tokens: Field required")
	}
	if *w.MaxTokens < 1 {
		return nil, badAnth("max_tokens: Input should be greater than or equal to 1")
	}
	if len(w.Messages) == 0 {
		return nil, badAnth("messages: at least one message is required")
	}
	sr := &ServerRequest{Model: *w.Model, Stream: w.Stream, IncludeUsage: w.Stream, MaxTokens: *w.MaxTokens}
	sr.Authorized = true
	if ae := anthThinking(&w, sr); ae != nil {
		return nil, ae
	}
	thinking := sr.Thinking == "enabled" || sr.Thinking == "adaptive"
	req := &sr.Request
	req.MaxTokens, req.Stop, req.Temperature = *w.MaxTokens, w.StopSequences, w.Temperature
	if sys := bytes.TrimSpace(w.System); len(sys) > 0 && !bytes.Equal(sys, []byte("null")) {
		text, ae := anthText(sys, "system")
		if ae != nil {
			return nil, ae
		}
		req.Messages = append(req.Messages, llm.Message{Role: llm.RoleSystem, Content: text})
	}
	var pending map[string]bool // tool_use IDs the next user turn must answer
	for i, m := range w.Messages {
		where := "messages." + strconv.Itoa(i)
		if m.Role != "user" && m.Role != "assistant" {
			return nil, badAnth("%s.role: Input should be 'user' or 'assistant'", where)
		}
		blocks, ae := anthBlocks(m.Content, where)
		if ae != nil {
			return nil, ae
		}
		if m.Role == "user" && thinking && i == len(w.Messages)-1 && i > 0 && len(pending) > 0 {
			// The turn whose tool calls this final turn answers must keep
			// its thinking, first.
			if prev, _ := anthBlocks(w.Messages[i-1].Content, ""); len(prev) > 0 && prev[0].Type != "thinking" && prev[0].Type != "redacted_thinking" {
				return nil, badAnth("messages.%d.content.0.type: Expected `thinking` or `redacted_thinking`, but found `%s`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`.", i-1, prev[0].Type)
			}
		}
		if m.Role == "user" {
			answered := map[string]bool{}
			for j, b := range blocks {
				if b.Type != "tool_result" {
					continue
				}
				if !pending[b.ToolUseID] {
					return nil, badAnth("%s.content.%d: unexpected `tool_use_id` found in `tool_result` blocks: %s. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.", where, j, b.ToolUseID)
				}
				answered[b.ToolUseID] = true
			}
			for id := range pending {
				if !answered[id] {
					return nil, badAnth("%s: `tool_use` ids were found without `tool_result` blocks immediately after: %s. Each `tool_use` block must have a corresponding `tool_result` block in the next message.", where, id)
				}
			}
			pending = nil
		} else if len(pending) > 0 {
			return nil, badAnth("%s: `tool_use` ids were found without `tool_result` blocks immediately after", where)
		}
		var text strings.Builder
		var calls []llm.ToolCall
		var parts []llm.Part
		var reasoning []llm.Reasoning
		for j, b := range blocks {
			bw := where + ".content." + strconv.Itoa(j)
			switch b.Type {
			case "text":
				text.WriteString(*b.Text)
			case "image", "document":
				part, ae := anthSource(b.Type, b.Source, bw)
				if ae != nil {
					return nil, ae
				}
				parts = append(parts, part)
			case "tool_use":
				if m.Role != "assistant" {
					return nil, badAnth("%s: tool_use blocks are only allowed in assistant messages", bw)
				}
				if b.ID == "" || b.Name == "" {
					return nil, badAnth("%s: tool_use blocks need an id and a name", bw)
				}
				if !isObject(b.Input) {
					return nil, badAnth("%s.input: Input should be a valid dictionary", bw)
				}
				if pending == nil {
					pending = map[string]bool{}
				}
				pending[b.ID] = true
				var args bytes.Buffer
				_ = json.Compact(&args, b.Input)
				calls = append(calls, llm.ToolCall{ID: b.ID, Name: b.Name, Arguments: args.String()})
			case "tool_result":
				if m.Role != "user" {
					return nil, badAnth("%s: tool_result blocks are only allowed in user messages", bw)
				}
				content := ""
				if c := bytes.TrimSpace(b.Content); len(c) > 0 {
					t, ae := anthText(c, bw+".content")
					if ae != nil {
						return nil, ae
					}
					content = t
				}
				req.Messages = append(req.Messages, llm.Message{Role: llm.RoleTool, ToolCallID: b.ToolUseID, Content: content})
			case "thinking", "redacted_thinking":
				if m.Role != "assistant" {
					return nil, badAnth("%s: %s blocks are only allowed in assistant messages", bw, b.Type)
				}
				r, ae := anthReasoning(&b, bw)
				if ae != nil {
					return nil, ae
				}
				reasoning = append(reasoning, r)
			default:
				return nil, badAnth("%s.type: unknown content block type %q", bw, b.Type)
			}
		}
		if text.Len() > 0 || len(calls) > 0 || len(parts) > 0 || len(reasoning) > 0 {
			req.Messages = append(req.Messages, llm.Message{Role: llm.Role(m.Role), Content: text.String(), ToolCalls: calls,
				Parts: parts, Reasoning: reasoning})
		}
	}
	if len(pending) > 0 && w.Messages[len(w.Messages)-1].Role == "assistant" {
		// A final assistant turn with calls is a prefill the API refuses.
		return nil, badAnth("messages: the final assistant message has `tool_use` blocks without `tool_result` blocks")
	}
	for i, t := range w.Tools {
		where := "tools." + strconv.Itoa(i)
		if t.Type != "" && t.Type != "custom" {
			continue // a server tool: not checked here
		}
		if !anthropicToolName.MatchString(t.Name) {
			return nil, badAnth("%s.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'", where)
		}
		var schema struct {
			Type string `json:"type"`
		}
		if !isObject(t.InputSchema) || json.Unmarshal(t.InputSchema, &schema) != nil || schema.Type != "object" {
			return nil, badAnth("%s.input_schema.type: Input should be 'object'", where)
		}
		req.Tools = append(req.Tools, llm.ToolDef{Name: t.Name, Description: t.Description, Parameters: t.InputSchema})
	}
	if oc := w.OutputConfig; oc != nil && oc.Format != nil {
		if oc.Format.Type != "json_schema" || !isObject(oc.Format.Schema) {
			return nil, badAnth("output_config.format: type must be 'json_schema' with an object schema")
		}
		req.ResponseFormat = &llm.ResponseFormat{Name: "output", Schema: oc.Format.Schema, Strict: true}
	}
	return sr, nil
}

// anthThinking checks the thinking parameter as Anthropic does (a known
// type; for "enabled", a budget of at least 1024 below max_tokens) and the
// parameters thinking forbids (a temperature other than 1, top_k, a
// tool_choice that forces tool use), and records it in sr.
func anthThinking(w *anthRequest, sr *ServerRequest) *apiErr {
	th := w.Thinking
	if th == nil {
		return nil
	}
	switch th.Type {
	case "disabled":
		sr.Thinking = th.Type
		return nil
	case "adaptive":
	case "enabled":
		if th.BudgetTokens == nil {
			return badAnth("thinking.enabled.budget_tokens: Field required")
		}
		if *th.BudgetTokens < 1024 {
			return badAnth("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
		}
		if *th.BudgetTokens >= *w.MaxTokens {
			return badAnth("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size")
		}
		sr.ThinkingBudget = *th.BudgetTokens
	default:
		return badAnth("thinking: Input tag '%s' found using 'type' does not match any of the expected tags: 'adaptive', 'disabled', 'enabled'", th.Type)
	}
	sr.Thinking = th.Type
	if w.Temperature != nil && *w.Temperature != 1 {
		return badAnth("`temperature` may only be set to 1 when thinking is enabled or in adaptive mode. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility")
	}
	if w.TopK != nil {
		return badAnth("`top_k` must be unset when thinking is enabled or in adaptive mode. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility")
	}
	if tc := w.ToolChoice; tc != nil && (tc.Type == "any" || tc.Type == "tool") {
		return badAnth("Thinking may not be enabled when tool_choice forces tool use.")
	}
	return nil
}

// anthReasoning checks a thinking block (its text and the signature the
// fake gave it: a block altered or made up by the client is refused, as
// Anthropic refuses one whose signature does not verify) or a
// redacted_thinking block (its data).
func anthReasoning(b *anthBlock, where string) (llm.Reasoning, *apiErr) {
	if b.Type == "redacted_thinking" {
		if b.Data == nil || *b.Data == "" {
			return llm.Reasoning{}, badAnth("%s.data: Field required", where)
		}
		return llm.Reasoning{Redacted: *b.Data}, nil
	}
	if b.Thinking == nil {
		return llm.Reasoning{}, badAnth("%s.thinking: Field required", where)
	}
	if b.Signature == nil {
		return llm.Reasoning{}, badAnth("%s.signature: Field required", where)
	}
	if *b.Signature != ThinkingSignature(*b.Thinking) {
		return llm.Reasoning{}, badAnth("%s: Invalid `signature` in `thinking` block", where)
	}
	return llm.Reasoning{Text: *b.Thinking, Signature: *b.Signature}, nil
}

// anthBlocks reads a message's content: a non-empty string or a non-empty
// list of blocks whose text blocks are not empty.
func anthBlocks(raw json.RawMessage, where string) ([]anthBlock, *apiErr) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, badAnth("%s.content: Field required", where)
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, badAnth("%s.content: %v", where, err)
		}
		if s == "" {
			return nil, badAnth("%s: all messages must have non-empty content except for the optional final assistant message", where)
		}
		return []anthBlock{{Type: "text", Text: &s}}, nil
	}
	var blocks []anthBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, badAnth("%s.content: Input should be a valid list or string: %v", where, err)
	}
	if len(blocks) == 0 {
		return nil, badAnth("%s: all messages must have non-empty content except for the optional final assistant message", where)
	}
	for j, b := range blocks {
		if b.Type == "text" && (b.Text == nil || *b.Text == "") {
			return nil, badAnth("%s.content.%d.text: text content blocks must be non-empty", where, j)
		}
	}
	return blocks, nil
}

// anthText reads a system prompt or tool result: a string or a list of text
// blocks (joined).
func anthText(raw json.RawMessage, where string) (string, *apiErr) {
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", badAnth("%s: %v", where, err)
		}
		return s, nil
	}
	blocks, ae := anthBlocks(raw, where)
	if ae != nil {
		return "", ae
	}
	var b strings.Builder
	for _, bl := range blocks {
		if bl.Text != nil {
			b.WriteString(*bl.Text)
		}
	}
	return b.String(), nil
}

func isObject(b json.RawMessage) bool {
	s := bytes.TrimSpace(b)
	return len(s) > 0 && s[0] == '{' && json.Valid(s)
}

func (anthropicDialect) writeError(w http.ResponseWriter, e *apiErr) {
	typ := e.typ
	if typ == "" {
		typ = anthropicErrorType(e.status)
	}
	b, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]string{"type": typ, "message": e.msg},
		"request_id": "req_llmtest"})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", "req_llmtest")
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

func anthropicErrorType(status int) string {
	switch status {
	case 400:
		return "invalid_request_error"
	case 401:
		return "authentication_error"
	case 403:
		return "permission_error"
	case 404:
		return "not_found_error"
	case 413:
		return "request_too_large"
	case 429:
		return "rate_limit_error"
	case 529:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

func (anthropicDialect) faultError(r *Reply) *apiErr {
	status, _, _, msg, ok := r.Fault.httpError(r)
	if !ok {
		return nil
	}
	switch r.Fault {
	case FaultUnavailable:
		status = 529
		if r.Message == "" {
			msg = "llmtest fault: Overloaded"
		}
	case FaultContextLength:
		if r.Message == "" {
			msg = "prompt is too long: 250000 tokens > 200000 maximum"
		}
	}
	return &apiErr{status: status, typ: anthropicErrorType(status), msg: msg}
}

// anthStop maps a finish reason of the llm package to Anthropic's.
func anthStop(finish string) string {
	switch finish {
	case "stop":
		return "end_turn"
	case "tool_calls":
		return "tool_use"
	case "length":
		return "max_tokens"
	case "content_filter":
		return "refusal"
	}
	return finish
}

// anthUsage is Anthropic's usage: input_tokens excludes cache reads and
// writes.
func anthUsage(u llm.Usage) map[string]any {
	in := max(u.PromptTokens-u.CachedPromptTokens-u.CacheWriteTokens, 0)
	return map[string]any{"input_tokens": in, "output_tokens": u.CompletionTokens,
		"cache_creation_input_tokens": u.CacheWriteTokens, "cache_read_input_tokens": u.CachedPromptTokens,
		"cache_creation":        map[string]int{"ephemeral_5m_input_tokens": u.CacheWriteTokens, "ephemeral_1h_input_tokens": 0},
		"output_tokens_details": map[string]int{"thinking_tokens": u.ReasoningTokens},
		"server_tool_use":       nil, "service_tier": "standard", "inference_geo": "global"}
}

func anthBlocksOf(resp *llm.Response) []map[string]any {
	blocks := []map[string]any{}
	for _, r := range resp.Reasoning {
		if r.Redacted != "" {
			blocks = append(blocks, map[string]any{"type": "redacted_thinking", "data": r.Redacted})
		} else {
			blocks = append(blocks, map[string]any{"type": "thinking", "thinking": r.Text, "signature": r.Signature})
		}
	}
	if resp.Content != "" {
		blocks = append(blocks, map[string]any{"type": "text", "text": resp.Content, "citations": nil})
	}
	for _, c := range resp.ToolCalls {
		input := json.RawMessage(c.Arguments)
		if !isObject(input) {
			input = json.RawMessage("{}")
		}
		blocks = append(blocks, map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": input})
	}
	return blocks
}

func (anthropicDialect) answer(w http.ResponseWriter, sr *ServerRequest, reply *Reply, resp *llm.Response) {
	id := "msg_llmtest_" + strconv.FormatInt(sr.Seq, 10)
	if sr.Thinking != "enabled" && sr.Thinking != "adaptive" && len(resp.Reasoning) > 0 {
		resp.Reasoning = nil // no thinking without the parameter
		if reply.Usage == (llm.Usage{}) {
			u := &resp.Usage // the estimate counted the thinking
			u.CompletionTokens -= u.ReasoningTokens
			u.TotalTokens -= u.ReasoningTokens
			u.ReasoningTokens = 0
		}
	}
	var stop any = anthStop(resp.FinishReason)
	msg := map[string]any{"id": id, "type": "message", "role": "assistant", "model": resp.Model,
		"content": anthBlocksOf(resp), "stop_reason": stop, "stop_sequence": nil, "stop_details": nil,
		"container": nil, "usage": anthUsage(resp.Usage)}
	if reply.Fault == FaultEmptyChoices {
		msg["content"], msg["stop_reason"] = []any{}, nil
	}
	if sr.Stream {
		anthStream(w, reply, resp, msg)
		return
	}
	b, _ := json.Marshal(msg)
	w.Header().Set("Content-Type", "application/json")
	switch reply.Fault {
	case FaultMalformedJSON:
		b = []byte(`{"id":"` + id + `","type":"message","content":[<html>not json</html>]}`)
	case FaultTruncated:
		truncate(w, b)
	}
	_, _ = w.Write(b)
}

// anthStream sends the message as Anthropic's server-sent events.
func anthStream(w http.ResponseWriter, reply *Reply, resp *llm.Response, msg map[string]any) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	send := func(typ string, data any) bool {
		b, _ := json.Marshal(data)
		if _, err := io.WriteString(w, "event: "+typ+"\ndata: "+string(b)+"\n\n"); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	start := map[string]any{}
	for k, v := range msg {
		start[k] = v
	}
	u := anthUsage(resp.Usage)
	startUsage := map[string]any{}
	for k, v := range u {
		startUsage[k] = v
	}
	startUsage["output_tokens"] = 1
	start["content"], start["stop_reason"], start["usage"] = []any{}, nil, startUsage
	if !send("message_start", map[string]any{"type": "message_start", "message": start}) {
		return
	}
	if reply.Fault == FaultMalformedJSON {
		_, _ = io.WriteString(w, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",<html>not json\n\n")
		_ = rc.Flush()
		return
	}
	send("ping", map[string]string{"type": "ping"})
	// The body events: the text block (its pieces), then each tool call
	// as a block whose input arrives in two halves.
	type ev struct {
		typ  string
		data map[string]any
	}
	var events []ev
	idx := 0
	if reply.Fault != FaultEmptyChoices {
		for _, r := range resp.Reasoning {
			if r.Redacted != "" {
				events = append(events,
					ev{"content_block_start", map[string]any{"type": "content_block_start", "index": idx,
						"content_block": map[string]any{"type": "redacted_thinking", "data": r.Redacted}}},
					ev{"content_block_stop", map[string]any{"type": "content_block_stop", "index": idx}})
				idx++
				continue
			}
			events = append(events, ev{"content_block_start", map[string]any{"type": "content_block_start", "index": idx,
				"content_block": map[string]any{"type": "thinking", "thinking": "", "signature": ""}}})
			for _, p := range splitWords(r.Text) {
				events = append(events, ev{"content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
					"delta": map[string]any{"type": "thinking_delta", "thinking": p}}})
			}
			events = append(events,
				ev{"content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
					"delta": map[string]any{"type": "signature_delta", "signature": r.Signature}}},
				ev{"content_block_stop", map[string]any{"type": "content_block_stop", "index": idx}})
			idx++
		}
		if resp.Content != "" {
			events = append(events, ev{"content_block_start", map[string]any{"type": "content_block_start", "index": idx,
				"content_block": map[string]any{"type": "text", "text": "", "citations": nil}}})
			for _, p := range reply.pieces() {
				events = append(events, ev{"content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
					"delta": map[string]any{"type": "text_delta", "text": p}}})
			}
			events = append(events, ev{"content_block_stop", map[string]any{"type": "content_block_stop", "index": idx}})
			idx++
		}
		for _, c := range resp.ToolCalls {
			args := c.Arguments
			if !isObject(json.RawMessage(args)) {
				args = "{}"
			}
			a1, a2 := splitHalf(args)
			events = append(events,
				ev{"content_block_start", map[string]any{"type": "content_block_start", "index": idx,
					"content_block": map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": map[string]any{}}}},
				ev{"content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
					"delta": map[string]any{"type": "input_json_delta", "partial_json": a1}}},
				ev{"content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
					"delta": map[string]any{"type": "input_json_delta", "partial_json": a2}}},
				ev{"content_block_stop", map[string]any{"type": "content_block_stop", "index": idx}})
			idx++
		}
	}
	if reply.Fault == FaultTruncated {
		for _, e := range events[:len(events)/2] {
			if !send(e.typ, e.data) {
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	for _, e := range events {
		if !send(e.typ, e.data) {
			return
		}
	}
	delta := map[string]any{"stop_reason": msg["stop_reason"], "stop_sequence": nil, "stop_details": nil}
	if !send("message_delta", map[string]any{"type": "message_delta", "delta": delta, "usage": u}) {
		return
	}
	send("message_stop", map[string]string{"type": "message_stop"})
}

// anthSource checks and decodes the source of an image or document block:
// base64 (with a media type Anthropic takes for that block), url, or text
// (documents).
func anthSource(typ string, raw json.RawMessage, where string) (llm.Part, *apiErr) {
	var src struct {
		Type      string `json:"type"`
		MediaType string `json:"media_type"`
		Data      string `json:"data"`
		URL       string `json:"url"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &src) != nil {
		return llm.Part{}, badAnth("%s.source: Field required", where)
	}
	kind := llm.PartImage
	if typ == "document" {
		kind = llm.PartFile
	}
	switch src.Type {
	case "url":
		if src.URL == "" {
			return llm.Part{}, badAnth("%s.source.url: Field required", where)
		}
		return llm.Part{Kind: kind, URL: src.URL}, nil
	case "text":
		if typ != "document" {
			return llm.Part{}, badAnth("%s.source.type: Input tag 'text' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'", where)
		}
		return llm.Part{Kind: kind, MediaType: "text/plain", Data: []byte(src.Data)}, nil
	case "base64":
		ok := src.MediaType == "application/pdf"
		if typ == "image" {
			ok = src.MediaType == "image/jpeg" || src.MediaType == "image/png" || src.MediaType == "image/gif" || src.MediaType == "image/webp"
		}
		if !ok {
			return llm.Part{}, badAnth("%s.source.media_type: Input should be a supported media type, not %q", where, src.MediaType)
		}
		data, err := base64.StdEncoding.DecodeString(src.Data)
		if err != nil || len(data) == 0 {
			return llm.Part{}, badAnth("%s.source.data: the base64 data is empty or invalid", where)
		}
		return llm.Part{Kind: kind, MediaType: src.MediaType, Data: data}, nil
	}
	return llm.Part{}, badAnth("%s.source.type: unknown source type %q", where, src.Type)
}

// Package anthropic is the native [llm.LLM] client of Anthropic's Messages
// API, built on the official SDK (github.com/anthropics/anthropic-sdk-go/v2).
// A program that imports it links that SDK and nothing of the other
// providers.
//
// [New] takes a [Config]; empty settings come from the environment, read
// once by New:
//
//   - ANTHROPIC_API_KEY: the key (required; a missing key is an ErrAuth
//     error from New, and from every Generate).
//   - ANTHROPIC_BASE_URL: the base URL; default https://api.anthropic.com.
//
// The key is never shown: not in errors (provider messages that echo it are
// scrubbed), not by fmt on a Client or a Config.
//
// # Mapping
//
// System messages become the request's system blocks; tool messages become
// tool_result blocks of one user turn (parallel calls answered together);
// consecutive messages of one role are merged into one turn. A tool result
// with empty text is sent without content (Anthropic rejects empty text
// blocks). Tools are sent with their JSON schemas; a [llm.ResponseFormat]
// uses Anthropic's native structured output (output_config.format). The
// API version the SDK speaks has no sampling temperature: Temperature is not
// sent. MaxTokens, required by Anthropic, defaults to [Config].MaxTokens.
// Stop sequences are sent unless the capability table says the model
// rejects them. A request whose max_tokens the SDK deems too large for a
// non-streamed reply (one that may run past ten minutes) is streamed even
// without OnChunk. With [Config].PromptCaching the request is marked for
// automatic prompt caching (cache_control on the request).
//
// Responses: text blocks are joined into Content, tool_use blocks become
// tool calls in order. FinishReason is
// normalised to the values of the OpenAI client: end_turn and stop_sequence
// are "stop", tool_use is "tool_calls", max_tokens and
// model_context_window_exceeded are "length", refusal is "content_filter";
// other reasons pass through. Usage: PromptTokens counts every input token
// (input_tokens plus cache reads and cache writes), CachedPromptTokens the
// cache reads, CacheWriteTokens the cache writes, ReasoningTokens the
// thinking tokens.
//
// # Extended thinking
//
// [Config].ThinkingBudget turns on extended thinking: every request
// carries thinking {type: enabled, budget_tokens}. Anthropic takes a
// budget of at least 1024 tokens below max_tokens; when the request's
// max_tokens (Request.MaxTokens, else Config.MaxTokens) is not above the
// budget, the client sends the budget plus that limit, so that the answer
// keeps its own allowance instead of the request being refused. Thinking
// forbids a temperature other than 1 and top_k: the client sends neither.
// Models the capability table marks NoThinking (Claude before 3.7) are
// refused by New, naming the field.
//
// The reply's thinking blocks (text and signature) and redacted_thinking
// blocks are returned in [llm.Response].Reasoning, in order; their text is
// not part of Content, and streamed thinking does not reach OnChunk. An
// assistant [llm.Message] carrying them in Reasoning (an agent copies
// them from the reply) sends them back unchanged before its text and
// tool_use blocks, as Anthropic requires of the turn whose tool calls the
// next message answers. Without thinking on, Reasoning is not sent.
// The thinking tokens are counted in Usage.ReasoningTokens.
//
// Retries and errors follow [llm.RetryPolicy], as for the OpenAI client:
// the SDK's own retries are turned off. Every error is an [*llm.Error];
// Anthropic's 529 (overloaded) is an ErrServer and is retried. The SDK's
// own OpenTelemetry spans are turned off: the crew's tracing already records
// each model call.
//
// A [Client] is safe for concurrent use; its configuration does not change
// after New. The zero values of [Config] (with a Model and a key) and of
// [llm.Request] fields are useful.
package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/internal/provider"
)

// ProviderName is the gen_ai.provider.name the client reports.
const ProviderName = "anthropic"

// DefaultBaseURL is the base URL of Anthropic's API.
const DefaultBaseURL = "https://api.anthropic.com"

// DefaultMaxTokens is the max_tokens sent when neither the request nor the
// Config sets one (Anthropic requires it).
const DefaultMaxTokens = 4096

// MinThinkingBudget is the smallest thinking budget Anthropic accepts.
const MinThinkingBudget = 1024

// Config configures a [Client]. Empty fields take their value from the
// environment, read once by [New], and then from the defaults. A Config is a
// plain value; its String method never shows the API key. New copies it.
type Config struct {
	// Model is the model name, such as "claude-sonnet-4-5" (required).
	Model string
	// APIKey is the key. Empty: ANTHROPIC_API_KEY.
	APIKey string
	// BaseURL is the API's base URL. Empty: ANTHROPIC_BASE_URL, then
	// [DefaultBaseURL].
	BaseURL string
	// MaxTokens is the max_tokens of requests that set none. 0 means
	// [DefaultMaxTokens].
	MaxTokens int
	// ThinkingBudget, if positive, turns on extended thinking with this
	// many tokens of budget (at least 1024; see the package doc). 0 means
	// no thinking.
	ThinkingBudget int
	// PromptCaching marks every request for Anthropic's automatic prompt
	// caching (cache writes cost more than plain input, cache reads much
	// less; see the Usage fields).
	PromptCaching bool
	// Timeout bounds each attempt; 0 means [llm.DefaultTimeout], a negative
	// value none.
	Timeout time.Duration
	// HTTPClient sends the requests. Nil: a client with a pool sized for
	// concurrent agents.
	HTTPClient *http.Client
	// Retry is the retry policy; the zero value is the default one.
	Retry llm.RetryPolicy
	// ContextWindow overrides the context size of the capability table.
	ContextWindow int
	// Capabilities, if not nil, replaces the capability table's entry for
	// the model.
	Capabilities *llm.Capabilities
}

// String describes the configuration without its API key.
func (c Config) String() string {
	return fmt.Sprintf("anthropic.Config{Model: %q, BaseURL: %q, APIKey: %s}", c.Model, c.BaseURL, provider.KeyState(c.APIKey))
}

// GoString is String, so that %#v does not show the API key either.
func (c Config) GoString() string { return c.String() }

// Client is the Anthropic [llm.LLM]. Build it with [New]. It is safe for
// concurrent use. The zero value is not usable.
type Client struct {
	cfg  Config
	core provider.Core
	sdk  sdk.Client
}

// New returns a client for cfg, with empty fields filled from the
// environment and the defaults. It returns an [*llm.Error] (ErrAuth for a
// missing key, ErrBadRequest for other problems) when cfg cannot work; the
// client it returns alongside still answers Info and fails every Generate
// with that error.
func New(cfg Config) (*Client, error) {
	c := &Client{}
	if e := c.configure(cfg); e != nil {
		c.core.Err = e
		return c, e
	}
	return c, nil
}

func (c *Client) configure(cfg Config) *llm.Error {
	cfg.Model = strings.TrimSpace(cfg.Model)
	if cfg.APIKey == "" {
		cfg.APIKey = os.Getenv("ANTHROPIC_API_KEY")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = os.Getenv("ANTHROPIC_BASE_URL")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.MaxTokens == 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = llm.DefaultTimeout
	}
	c.cfg = cfg
	var e *llm.Error
	c.core, e = provider.Configure(provider.Setup{Package: "anthropic", Provider: ProviderName, Model: cfg.Model,
		Example: "claude-sonnet-4-5", BaseURL: cfg.BaseURL, BaseFrom: "Config.BaseURL or ANTHROPIC_BASE_URL",
		Retry: cfg.Retry, ContextWindow: cfg.ContextWindow, Capabilities: cfg.Capabilities})
	if e != nil {
		return e
	}
	bad := c.core.Fail
	if cfg.MaxTokens < 0 {
		return bad(llm.ErrBadRequest, "anthropic: Config.MaxTokens is %d; use a positive number, or 0 for %d", cfg.MaxTokens, DefaultMaxTokens)
	}
	if cfg.ThinkingBudget != 0 && cfg.ThinkingBudget < MinThinkingBudget {
		return bad(llm.ErrBadRequest, "anthropic: Config.ThinkingBudget is %d; use at least %d tokens, or 0 for no thinking", cfg.ThinkingBudget, MinThinkingBudget)
	}
	if cfg.ThinkingBudget > 0 && c.core.Caps.NoThinking {
		return bad(llm.ErrBadRequest, "anthropic: Config.ThinkingBudget is set but %s has no extended thinking; set it to 0, or use a model that thinks (claude-3-7-sonnet or later)", cfg.Model)
	}
	if cfg.APIKey == "" {
		return bad(llm.ErrAuth, "anthropic: no API key: set ANTHROPIC_API_KEY (or Config.APIKey)")
	}
	c.core.HC = provider.HTTPClient(cfg.HTTPClient)
	c.sdk = sdk.NewClient(
		option.WithoutEnvironmentDefaults(),
		option.WithAPIKey(cfg.APIKey),
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(c.core.HC),
		option.WithMaxRetries(0),
		option.WithoutOpenTelemetry(),
	)
	return nil
}

// Info describes the model; it does no I/O.
func (c *Client) Info() llm.Info { return c.core.Info }

// Check returns the configuration error that every Generate returns (an
// *llm.Error: ErrAuth for a missing key, ErrBadRequest for another bad
// setting), or nil when c can be used. It does no I/O; a crew's validation
// calls it through [llm.Check].
func (c *Client) Check() error { return c.core.Check() }

// CloseIdleConnections closes the idle connections of the client's HTTP
// client.
func (c *Client) CloseIdleConnections() { c.core.CloseIdleConnections() }

// String describes the client without its API key.
func (c *Client) String() string { return c.core.Describe("anthropic.Client") }

// GoString is String, so that %#v does not show the API key either.
func (c *Client) GoString() string { return c.String() }

// Generate sends req and returns the reply, retrying as [llm.RetryPolicy]
// says. With req.OnChunk set the reply is streamed and OnChunk receives each
// piece of text in order on the calling goroutine.
func (c *Client) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if c.core.Err != nil {
		return nil, c.core.Err
	}
	if req == nil {
		return nil, c.badRequest("anthropic: Generate called with a nil *llm.Request")
	}
	params, e := c.buildParams(req)
	if e != nil {
		return nil, e
	}
	return c.cfg.Retry.Do(ctx, c.core.Info, func(ctx context.Context) (*llm.Response, *llm.Error, bool) {
		return c.attempt(ctx, &params, req.OnChunk)
	})
}

func (c *Client) badRequest(format string, args ...any) *llm.Error {
	return c.core.Fail(llm.ErrBadRequest, format, args...)
}

func (c *Client) attempt(ctx context.Context, params *sdk.MessageNewParams, onChunk func(string)) (*llm.Response, *llm.Error, bool) {
	actx, cancel, rec := provider.AttemptContext(ctx, c.cfg.Timeout)
	defer cancel()
	if onChunk != nil {
		return c.stream(ctx, actx, params, rec, onChunk)
	}
	if _, err := sdk.CalculateNonStreamingTimeout(int(params.MaxTokens), params.Model, nil); err != nil {
		// The SDK refuses a non-streamed request that may run past ten
		// minutes (a large max_tokens, as thinking budgets make): stream
		// it, delivering nothing.
		return c.stream(ctx, actx, params, rec, nil)
	}
	msg, err := c.sdk.Messages.New(actx, *params)
	if err != nil {
		e, retry := c.classify(ctx, rec, err)
		return nil, e, retry
	}
	return c.response(msg, rec)
}

func (c *Client) stream(ctx, actx context.Context, params *sdk.MessageNewParams, rec *provider.Attempt, onChunk func(string)) (*llm.Response, *llm.Error, bool) {
	st := c.sdk.Messages.NewStreaming(actx, *params)
	defer st.Close()
	var msg sdk.Message
	delivered, stopped := false, false
	for st.Next() {
		ev := st.Current()
		if err := msg.Accumulate(ev); err != nil {
			e := &llm.Error{Kind: llm.ErrTransport, Model: c.cfg.Model, Provider: ProviderName, Status: rec.Status,
				Message: "the stream is inconsistent: " + err.Error(), Err: err}
			return nil, provider.Redact(e, c.cfg.APIKey), !delivered
		}
		switch ev.Type {
		case "content_block_delta":
			if onChunk != nil && ev.Delta.Type == "text_delta" && ev.Delta.Text != "" {
				delivered = true
				onChunk(ev.Delta.Text)
			}
		case "message_stop":
			stopped = true
		}
	}
	if err := st.Err(); err != nil {
		e, retry := c.classify(ctx, rec, err)
		return nil, e, retry && !delivered
	}
	if !stopped {
		e := &llm.Error{Kind: llm.ErrTransport, Model: c.cfg.Model, Provider: ProviderName, Status: rec.Status,
			Message: "the stream ended before the reply was complete (no message_stop)"}
		return nil, e, !delivered
	}
	return c.response(&msg, rec)
}

// response maps a complete message.
func (c *Client) response(msg *sdk.Message, rec *provider.Attempt) (*llm.Response, *llm.Error, bool) {
	resp := &llm.Response{ID: msg.ID, Model: msg.Model, FinishReason: FinishReason(string(msg.StopReason))}
	var text strings.Builder
	for i := range msg.Content {
		b := &msg.Content[i]
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "thinking":
			resp.Reasoning = append(resp.Reasoning, llm.Reasoning{Text: b.Thinking, Signature: b.Signature})
		case "redacted_thinking":
			resp.Reasoning = append(resp.Reasoning, llm.Reasoning{Redacted: b.Data})
		case "tool_use":
			args := string(b.Input)
			if strings.TrimSpace(args) == "" {
				args = "{}"
			}
			resp.ToolCalls = append(resp.ToolCalls, llm.ToolCall{ID: b.ID, Name: b.Name, Arguments: args})
		}
	}
	resp.Content = text.String()
	u := &msg.Usage
	resp.Usage = llm.Usage{
		PromptTokens:       int(u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens),
		CachedPromptTokens: int(u.CacheReadInputTokens),
		CacheWriteTokens:   int(u.CacheCreationInputTokens),
		CompletionTokens:   int(u.OutputTokens),
		ReasoningTokens:    int(u.OutputTokensDetails.ThinkingTokens),
		Requests:           1,
	}
	resp.Usage.TotalTokens = resp.Usage.PromptTokens + resp.Usage.CompletionTokens
	if len(msg.Content) == 0 && msg.StopReason == "" {
		return nil, &llm.Error{Kind: llm.ErrEmptyResponse, Model: c.cfg.Model, Provider: ProviderName, Status: rec.Status,
			Message: "the reply has no content and no stop reason"}, false
	}
	return resp, nil, false
}

// FinishReason normalises an Anthropic stop reason to the values of the
// OpenAI client (see the package doc).
func FinishReason(stop string) string {
	switch stop {
	case "end_turn", "stop_sequence":
		return "stop"
	case "tool_use":
		return "tool_calls"
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "refusal":
		return "content_filter"
	}
	return stop
}

// classify maps an SDK or transport error.
func (c *Client) classify(parent context.Context, rec *provider.Attempt, err error) (*llm.Error, bool) {
	var apiErr *sdk.Error
	var e *llm.Error
	var retry bool
	if parent.Err() == nil && errors.As(err, &apiErr) {
		msg := apiErr.Message
		if msg == "" {
			msg = strings.TrimSpace(apiErr.RawJSON())
		}
		if msg == "" {
			msg = http.StatusText(apiErr.StatusCode)
		}
		e, retry = provider.APIError(c.core.Info, rec, apiErr.StatusCode, string(apiErr.Type()), msg, err)
		if apiErr.Type() == "overloaded_error" {
			e.Kind, retry = llm.ErrServer, true
		}
	} else {
		e, retry = provider.Failure(parent, c.core.Info, rec, c.cfg.Timeout, err)
	}
	return provider.Redact(e, c.cfg.APIKey), retry
}

// buildParams maps req to the SDK's request.
func (c *Client) buildParams(req *llm.Request) (sdk.MessageNewParams, *llm.Error) {
	p := sdk.MessageNewParams{Model: c.cfg.Model, MaxTokens: int64(c.cfg.MaxTokens)}
	if len(req.Messages) == 0 {
		return p, c.badRequest("anthropic: Request.Messages is empty; send at least one message")
	}
	if req.MaxTokens < 0 {
		return p, c.badRequest("anthropic: Request.MaxTokens is %d; use a positive number, or 0 for the default", req.MaxTokens)
	}
	if req.MaxTokens > 0 {
		p.MaxTokens = int64(req.MaxTokens)
	}
	for i, m := range req.Messages {
		var role string
		var blocks []sdk.ContentBlockParamUnion
		if len(m.Parts) > 0 && m.Role != llm.RoleUser {
			return p, c.badRequest("anthropic: Request.Messages[%d] has Parts but role %q; only user messages carry them", i, m.Role)
		}
		switch m.Role {
		case llm.RoleSystem:
			if m.Content != "" {
				p.System = append(p.System, sdk.TextBlockParam{Text: m.Content})
			}
			continue
		case llm.RoleUser:
			if m.Content == "" && len(m.Parts) == 0 {
				return p, c.badRequest("anthropic: Request.Messages[%d] is a user message with empty content; Anthropic rejects empty text", i)
			}
			if len(m.ToolCalls) > 0 {
				return p, c.badRequest("anthropic: Request.Messages[%d] has tool calls but role %q; only assistant messages carry them", i, m.Role)
			}
			role = "user"
			if m.Content != "" {
				blocks = append(blocks, sdk.NewTextBlock(m.Content))
			}
			for j, part := range m.Parts {
				b, err := partBlock(part)
				if err != nil {
					return p, c.badRequest("anthropic: Request.Messages[%d].Parts[%d]: %v", i, j, err)
				}
				blocks = append(blocks, b)
			}
		case llm.RoleAssistant:
			role = "assistant"
			if c.cfg.ThinkingBudget > 0 {
				for j, r := range m.Reasoning {
					switch {
					case r.Redacted != "":
						blocks = append(blocks, sdk.NewRedactedThinkingBlock(r.Redacted))
					case r.Signature != "":
						blocks = append(blocks, sdk.NewThinkingBlock(r.Signature, r.Text))
					default:
						return p, c.badRequest("anthropic: Request.Messages[%d].Reasoning[%d] has neither a Signature nor Redacted data; Anthropic takes back only the blocks it signed", i, j)
					}
				}
			}
			if m.Content != "" {
				blocks = append(blocks, sdk.NewTextBlock(m.Content))
			}
			for j, tc := range m.ToolCalls {
				if tc.ID == "" || tc.Name == "" {
					return p, c.badRequest("anthropic: Request.Messages[%d].ToolCalls[%d] needs an ID and a Name", i, j)
				}
				var input any = json.RawMessage(tc.Arguments)
				if !provider.IsJSONObject(json.RawMessage(tc.Arguments)) {
					input = map[string]any{} // the model wrote arguments that are no JSON object
				}
				blocks = append(blocks, sdk.NewToolUseBlock(tc.ID, input, tc.Name))
			}
			if len(blocks) == 0 {
				continue // an empty assistant turn says nothing
			}
		case llm.RoleTool:
			if m.ToolCallID == "" {
				return p, c.badRequest("anthropic: Request.Messages[%d] is a tool message without a ToolCallID", i)
			}
			role = "user"
			res := sdk.ToolResultBlockParam{ToolUseID: m.ToolCallID}
			if m.Content != "" {
				res.Content = []sdk.ToolResultBlockParamContentUnion{{OfText: &sdk.TextBlockParam{Text: m.Content}}}
			}
			blocks = []sdk.ContentBlockParamUnion{{OfToolResult: &res}}
		default:
			return p, c.badRequest("anthropic: Request.Messages[%d].Role is %q; use system, user, assistant or tool", i, m.Role)
		}
		// Consecutive turns of one role are merged (tool results of
		// parallel calls go back in one user turn).
		if n := len(p.Messages); n > 0 && roleOf(&p.Messages[n-1]) == role {
			last := &p.Messages[n-1]
			if role == "user" {
				last.OfUser.Content = append(last.OfUser.Content, blocks...)
			} else {
				last.OfAssistant.Content = append(last.OfAssistant.Content, blocks...)
			}
			continue
		}
		if role == "user" {
			p.Messages = append(p.Messages, sdk.NewUserMessage(blocks...))
		} else {
			p.Messages = append(p.Messages, sdk.NewAssistantMessage(blocks...))
		}
	}
	if len(p.Messages) == 0 {
		return p, c.badRequest("anthropic: Request.Messages holds only system messages; Anthropic needs at least one user message")
	}
	for i, t := range req.Tools {
		if t.Name == "" {
			return p, c.badRequest("anthropic: Request.Tools[%d].Name is empty", i)
		}
		schema, err := inputSchema(t.Parameters)
		if err != nil {
			return p, c.badRequest("anthropic: Request.Tools[%d] (%q): %v", i, t.Name, err)
		}
		tp := sdk.ToolParam{Name: t.Name, InputSchema: schema}
		if t.Description != "" {
			tp.Description = sdk.String(t.Description)
		}
		p.Tools = append(p.Tools, sdk.ToolUnionParam{OfTool: &tp})
	}
	if len(req.Stop) > 0 && !c.core.Caps.NoStop {
		p.StopSequences = append([]string(nil), req.Stop...)
	}
	if rf := req.ResponseFormat; rf != nil {
		var schema map[string]any
		if !provider.IsJSONObject(rf.Schema) || json.Unmarshal(rf.Schema, &schema) != nil {
			return p, c.badRequest("anthropic: Request.ResponseFormat.Schema is not a JSON object schema: %.80q", rf.Schema)
		}
		p.OutputConfig.Format = sdk.JSONOutputFormatParam{Schema: schema}
	}
	if b := int64(c.cfg.ThinkingBudget); b > 0 {
		p.Thinking = sdk.ThinkingConfigParamOfEnabled(b)
		if p.MaxTokens <= b {
			p.MaxTokens += b
		}
	}
	if c.cfg.PromptCaching {
		p.CacheControl = sdk.NewCacheControlEphemeralParam()
	}
	return p, nil
}

func roleOf(m *sdk.MessageParam) string {
	switch {
	case m.OfUser != nil:
		return "user"
	case m.OfAssistant != nil:
		return "assistant"
	}
	return ""
}

// inputSchema splits a tool's JSON schema into the SDK's input schema: an
// object schema's properties and required list, the rest kept as extra
// fields. An empty schema is an object without properties.
func inputSchema(raw json.RawMessage) (sdk.ToolInputSchemaParam, error) {
	var s sdk.ToolInputSchemaParam
	if len(strings.TrimSpace(string(raw))) == 0 {
		s.Properties = map[string]any{}
		return s, nil
	}
	var m map[string]any
	if !provider.IsJSONObject(raw) || json.Unmarshal(raw, &m) != nil {
		return s, fmt.Errorf("parameters are not a JSON object schema: %.80q", raw)
	}
	if t, ok := m["type"]; ok && t != "object" {
		return s, fmt.Errorf("parameters have type %v; Anthropic takes object schemas only", t)
	}
	s.Properties = m["properties"]
	if s.Properties == nil {
		s.Properties = map[string]any{}
	}
	if req, ok := m["required"].([]any); ok {
		for _, r := range req {
			if name, ok := r.(string); ok {
				s.Required = append(s.Required, name)
			}
		}
	}
	for k, v := range m {
		switch k {
		case "type", "properties", "required":
			continue
		}
		if s.ExtraFields == nil {
			s.ExtraFields = map[string]any{}
		}
		s.ExtraFields[k] = v
	}
	return s, nil
}

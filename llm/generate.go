package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// emptyObjectSchema is sent for a tool whose definition has no parameters.
var emptyObjectSchema = json.RawMessage(`{"type":"object","properties":{}}`)

// Generate sends req to the model and returns its reply, retrying as the
// [Client] documents. With req.OnChunk set the reply is streamed (usage is
// requested with stream_options.include_usage) and OnChunk receives each
// piece of text in order on the calling goroutine; the Response is complete
// when Generate returns.
//
// Request mapping: Stop is dropped for models that reject it (Info.NoStop);
// MaxTokens is sent as max_completion_tokens to reasoning models (o-series,
// gpt-5) and as max_tokens to others; reasoning models get no temperature. A
// temperature of 0 is sent as the smallest positive float32, because
// go-openai omits a zero temperature. An empty Content is sent as "" on
// system, user and tool messages and on assistant messages without tool
// calls (OpenAI requires it there; go-openai would leave it out), and not at
// all on an assistant message that only calls tools. A refusal is returned
// as Content.
func (c *Client) Generate(ctx context.Context, req *Request) (*Response, error) {
	if c.err != nil {
		return nil, c.err
	}
	if req == nil {
		return nil, c.badRequest("llm: Generate called with a nil *Request")
	}
	wreq, rw, berr := c.buildRequest(req)
	if berr != nil {
		return nil, berr
	}
	return c.policy().Do(ctx, c.info, func(ctx context.Context) (*Response, *Error, bool) {
		return c.attempt(ctx, wreq, rw, req.OnChunk)
	})
}

// policy returns the client's retry policy.
func (c *Client) policy() RetryPolicy {
	return RetryPolicy{MaxAttempts: c.cfg.MaxAttempts, BackoffBase: c.cfg.BackoffBase, BackoffMax: c.cfg.BackoffMax,
		MaxWait: c.cfg.MaxWait, Sleep: c.sleep}
}

func (c *Client) badRequest(format string, args ...any) *Error {
	return &Error{Kind: ErrBadRequest, Model: c.cfg.Model, Provider: c.info.Provider, Message: fmt.Sprintf(format, args...)}
}

// buildRequest maps req to go-openai's request, checking what go-openai
// would otherwise fail on with an unclear message. It also returns what the
// HTTP layer must change in go-openai's encoding (see rewrite).
func (c *Client) buildRequest(req *Request) (openai.ChatCompletionRequest, rewrite, *Error) {
	w := openai.ChatCompletionRequest{Model: c.cfg.Model}
	var rw rewrite
	if len(req.Messages) == 0 {
		return w, rw, c.badRequest("llm: Request.Messages is empty; send at least one message")
	}
	w.Messages = make([]openai.ChatCompletionMessage, len(req.Messages))
	for i, m := range req.Messages {
		switch m.Role {
		case RoleSystem, RoleUser, RoleAssistant, RoleTool:
		default:
			return w, rw, c.badRequest("llm: Request.Messages[%d].Role is %q; use system, user, assistant or tool", i, m.Role)
		}
		if m.Role == RoleTool && m.ToolCallID == "" {
			return w, rw, c.badRequest("llm: Request.Messages[%d] is a tool message without a ToolCallID", i)
		}
		om := openai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content, ToolCallID: m.ToolCallID}
		if m.Role == RoleTool {
			om.Name = m.Name
		}
		if len(m.Parts) > 0 {
			if m.Role != RoleUser {
				return w, rw, c.badRequest("llm: Request.Messages[%d] has Parts but role %q; only user messages carry them", i, m.Role)
			}
			mc, extra, err := multiContent(m, rw.parts)
			if err != nil {
				return w, rw, c.badRequest("llm: Request.Messages[%d].%v", i, err)
			}
			om.Content, om.MultiContent, rw.parts = "", mc, extra
		} else if m.Content == "" && (m.Role != RoleAssistant || len(m.ToolCalls) == 0) {
			rw.emptyContent = append(rw.emptyContent, i) // OpenAI requires content here, even ""
		}
		if len(m.ToolCalls) > 0 {
			if m.Role != RoleAssistant {
				return w, rw, c.badRequest("llm: Request.Messages[%d] has tool calls but role %q; only assistant messages carry them", i, m.Role)
			}
			om.ToolCalls = make([]openai.ToolCall, len(m.ToolCalls))
			for j, tc := range m.ToolCalls {
				om.ToolCalls[j] = openai.ToolCall{ID: tc.ID, Type: openai.ToolTypeFunction,
					Function: openai.FunctionCall{Name: tc.Name, Arguments: tc.Arguments}}
			}
		}
		w.Messages[i] = om
	}
	if len(req.Tools) > 0 {
		w.Tools = make([]openai.Tool, len(req.Tools))
		for i, t := range req.Tools {
			if t.Name == "" {
				return w, rw, c.badRequest("llm: Request.Tools[%d].Name is empty", i)
			}
			params := t.Parameters
			if len(params) == 0 {
				params = emptyObjectSchema
			} else if !isJSONObject(params) {
				return w, rw, c.badRequest("llm: Request.Tools[%d] (%q): Parameters is not a JSON object schema: %.80q", i, t.Name, params)
			}
			w.Tools[i] = openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
				Name: t.Name, Description: t.Description, Parameters: params}}
		}
	}
	if len(req.Stop) > 0 && !c.caps.NoStop {
		w.Stop = append([]string(nil), req.Stop...)
	}
	temp := req.Temperature
	if temp == nil {
		temp = c.cfg.Temperature
	}
	if temp != nil && !c.caps.Reasoning {
		t := *temp
		if math.IsNaN(t) || t < 0 || t > 2 {
			return w, rw, c.badRequest("llm: temperature %v is out of range; use 0 to 2", t)
		}
		w.Temperature = float32(t)
		if w.Temperature == 0 {
			w.Temperature = math.SmallestNonzeroFloat32
		}
	}
	if req.MaxTokens < 0 {
		return w, rw, c.badRequest("llm: Request.MaxTokens is %d; use a positive number, or 0 for no limit", req.MaxTokens)
	}
	if req.MaxTokens > 0 {
		if c.caps.Reasoning {
			w.MaxCompletionTokens = req.MaxTokens
		} else {
			//lint:ignore SA1019 OpenAI-compatible servers (Ollama, vLLM, LM Studio, older Azure API versions) accept only max_tokens; reasoning models get max_completion_tokens above
			w.MaxTokens = req.MaxTokens
		}
	}
	if rf := req.ResponseFormat; rf != nil {
		if !isJSONObject(rf.Schema) {
			return w, rw, c.badRequest("llm: Request.ResponseFormat.Schema is not a JSON object schema: %.80q", rf.Schema)
		}
		w.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: schemaName(rf.Name),
				Schema: rf.Schema, Strict: rf.Strict},
		}
	}
	if req.OnChunk != nil {
		w.Stream = true
		w.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	return w, rw, nil
}

func isJSONObject(b json.RawMessage) bool {
	s := strings.TrimSpace(string(b))
	return strings.HasPrefix(s, "{") && json.Valid(b)
}

// schemaName makes a response-format name acceptable to OpenAI: letters,
// digits, '_' and '-', at most 64 characters, "response" when empty.
func schemaName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "response"
	}
	return b.String()
}

// attempt makes one request. It returns the response, or the error and
// whether it may be retried.
func (c *Client) attempt(ctx context.Context, w openai.ChatCompletionRequest, rw rewrite, onChunk func(string)) (*Response, *Error, bool) {
	actx := ctx
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	rec := &attempt{rewrite: rw}
	actx = context.WithValue(actx, attemptKey{}, rec)
	if w.Stream {
		return c.stream(ctx, actx, w, rec, onChunk)
	}
	r, err := c.oa.CreateChatCompletion(actx, w)
	if err != nil {
		e, retry := c.classify(ctx, err, rec)
		return nil, e, retry
	}
	if len(r.Choices) == 0 {
		return nil, &Error{Kind: ErrEmptyResponse, Model: c.cfg.Model, Provider: c.info.Provider, Status: rec.status,
			Message: "the reply has no choices"}, false
	}
	ch := r.Choices[0]
	resp := &Response{Content: ch.Message.Content, FinishReason: string(ch.FinishReason), ID: r.ID, Model: r.Model,
		Usage: usageOf(&r.Usage)}
	if resp.Content == "" && ch.Message.Refusal != "" {
		resp.Content = ch.Message.Refusal
	}
	if len(ch.Message.ToolCalls) > 0 {
		resp.ToolCalls = make([]ToolCall, len(ch.Message.ToolCalls))
		for i, tc := range ch.Message.ToolCalls {
			resp.ToolCalls[i] = ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments}
		}
	}
	return resp, nil, false
}

func usageOf(u *openai.Usage) Usage {
	out := Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens,
		Requests: 1}
	if u.PromptTokensDetails != nil {
		out.CachedPromptTokens = u.PromptTokensDetails.CachedTokens
	}
	if u.CompletionTokensDetails != nil {
		out.ReasoningTokens = u.CompletionTokensDetails.ReasoningTokens
	}
	if out.TotalTokens == 0 {
		out.TotalTokens = out.PromptTokens + out.CompletionTokens
	}
	return out
}

// stream makes one streamed request. A failure after text was delivered to
// onChunk is not retryable.
func (c *Client) stream(ctx, actx context.Context, w openai.ChatCompletionRequest, rec *attempt, onChunk func(string)) (*Response, *Error, bool) {
	st, err := c.oa.CreateChatCompletionStream(actx, w)
	if err != nil {
		e, retry := c.classify(ctx, err, rec)
		return nil, e, retry
	}
	defer st.Close()
	var acc streamAccumulator
	for {
		chunk, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			e, retry := c.classify(ctx, err, rec)
			if acc.delivered {
				e.Interrupted, retry = retry, false
			}
			return nil, e, retry
		}
		acc.add(&chunk, onChunk)
	}
	resp, problem := acc.response()
	if problem != nil {
		kind := ErrTransport
		if errors.Is(problem, errNoChoices) {
			kind = ErrEmptyResponse
		}
		e := &Error{Kind: kind, Model: c.cfg.Model, Provider: c.info.Provider, Status: rec.status,
			Message: problem.Error(), Interrupted: kind == ErrTransport && acc.delivered}
		return nil, e, kind == ErrTransport && !acc.delivered
	}
	return resp, nil, false
}

var (
	errNoChoices = errors.New("the streamed reply has no choices")
	errTruncated = errors.New("the stream ended before the reply was complete (no finish reason)")
)

// streamAccumulator assembles a streamed reply from its chunks. The zero
// value is an empty reply.
type streamAccumulator struct {
	content   strings.Builder
	refusal   strings.Builder
	calls     []ToolCall
	byIndex   map[int]int // tool-call index in the stream → position in calls
	finish    string
	id, model string
	usage     *openai.Usage
	choices   bool // some chunk had a choice
	delivered bool // some text went to onChunk
}

func (a *streamAccumulator) add(ch *openai.ChatCompletionStreamResponse, onChunk func(string)) {
	if a.id == "" {
		a.id = ch.ID
	}
	if a.model == "" {
		a.model = ch.Model
	}
	if ch.Usage != nil {
		a.usage = ch.Usage
	}
	for i := range ch.Choices {
		choice := &ch.Choices[i]
		if choice.Index != 0 {
			continue // only the first choice is used (n is never set)
		}
		a.choices = true
		d := &choice.Delta
		if d.Content != "" {
			a.content.WriteString(d.Content)
			if onChunk != nil {
				a.delivered = true
				onChunk(d.Content)
			}
		}
		a.refusal.WriteString(d.Refusal)
		for j := range d.ToolCalls {
			a.addCall(&d.ToolCalls[j], j)
		}
		if choice.FinishReason != "" && choice.FinishReason != openai.FinishReasonNull {
			a.finish = string(choice.FinishReason)
		}
	}
}

// addCall merges one tool-call delta: the first delta of an index carries
// the ID and name, later ones append to the arguments.
func (a *streamAccumulator) addCall(tc *openai.ToolCall, pos int) {
	idx := pos
	if tc.Index != nil {
		idx = *tc.Index
	}
	if a.byIndex == nil {
		a.byIndex = make(map[int]int)
	}
	k, ok := a.byIndex[idx]
	if !ok || (tc.ID != "" && a.calls[k].ID != "" && tc.ID != a.calls[k].ID) {
		a.calls = append(a.calls, ToolCall{})
		k = len(a.calls) - 1
		a.byIndex[idx] = k
	}
	call := &a.calls[k]
	if tc.ID != "" {
		call.ID = tc.ID
	}
	if tc.Function.Name != "" {
		call.Name += tc.Function.Name
	}
	call.Arguments += tc.Function.Arguments
}

func (a *streamAccumulator) response() (*Response, error) {
	if !a.choices {
		if a.usage == nil && a.id == "" {
			return nil, errTruncated
		}
		return nil, errNoChoices
	}
	if a.finish == "" {
		return nil, errTruncated
	}
	resp := &Response{Content: a.content.String(), FinishReason: a.finish, ID: a.id, Model: a.model,
		ToolCalls: a.calls}
	if resp.Content == "" {
		resp.Content = a.refusal.String()
	}
	if a.usage != nil {
		resp.Usage = usageOf(a.usage)
	} else {
		resp.Usage = Usage{Requests: 1}
	}
	return resp, nil
}

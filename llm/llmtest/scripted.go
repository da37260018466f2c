// Package llmtest provides models for tests, examples and benchmarks that need
// no network and no API key: [Scripted], an in-process model that plays a
// script of replies and records the requests it saw, and [Server], an
// OpenAI-compatible fake HTTP server on a loopback port driven by the same
// scripts, against which the real client (go-openai underneath) runs.
//
// A [Reply] is an answer (text, tool calls, usage, stream pieces) or, with
// its Fault field, an injected failure: 429 with or without Retry-After,
// 500, 503, any status, a 400 context-length error, 401, a connection reset,
// a hang until the client gives up, malformed JSON, an empty choices list, a
// truncated body or stream. One script mixes faults and answers, so a test
// can say "fail twice, then answer" in three lines. For concurrent use, give
// a Respond function instead of a sequence.
//
// The server is built for load tests as well: no goroutine beyond net/http's
// per connection, latency waits that end with the request, and request
// recording bounded by [ServerConfig].MaxRecorded (negative: none).
package llmtest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/crewai-go/crewai/llm"
)

// Reply is one scripted answer of a model. The zero value is an empty
// answer (no text, no tool calls, no usage). It is a plain value: a script
// may be shared by concurrent calls and servers while no one modifies it.
type Reply struct {
	// Content is the text of the reply.
	Content string
	// ToolCalls are the tool calls the reply asks for.
	ToolCalls []llm.ToolCall
	// FinishReason defaults to "tool_calls" when ToolCalls is set, else "stop".
	FinishReason string
	// Usage is reported as the call's usage; when zero, a small usage is
	// computed from the lengths of the request and the reply.
	Usage llm.Usage
	// Err, if set, is returned instead of a response. The fake [Server]
	// answers it with a 400 error whose message is Err's text.
	Err error
	// Delay is waited (honouring ctx) before answering.
	Delay time.Duration

	// Fault, if not FaultNone, replaces the answer with an injected failure
	// (see [Fault]). [Scripted] returns the error the real client would
	// return for it; the fake [Server] produces it on the wire.
	Fault Fault
	// Status is the HTTP status of a FaultStatus reply.
	Status int
	// Message replaces the provider message of an error fault.
	Message string
	// RetryAfter, if set, is sent as the Retry-After header of the reply
	// (delay seconds such as "2", or an HTTP date).
	RetryAfter string
	// Header holds more headers to send with the reply (such as
	// "retry-after-ms").
	Header map[string]string
	// Thinking, if set, is reasoning text the reply carries in
	// Response.Reasoning, signed by [ThinkingSignature]. The Anthropic fake
	// sends it as a thinking block (streamed as thinking_delta and
	// signature_delta events) when the request turned thinking on, and
	// drops it otherwise, as Anthropic does; the Gemini fake signs the
	// reply's first function call with that signature (a thoughtSignature);
	// the other fakes ignore it.
	Thinking string
	// RedactedThinking, if set, is opaque data the reply carries as a
	// redacted reasoning block (Response.Reasoning, after Thinking); the
	// Anthropic fake sends it as a redacted_thinking block when thinking is
	// on.
	RedactedThinking string
	// Chunks are the pieces of text a streamed reply sends. When empty, the
	// content is streamed word by word. When Content is empty it is taken
	// to be the concatenation of Chunks.
	Chunks []string
}

// text returns the reply's full text.
func (r *Reply) text() string {
	if r.Content != "" || len(r.Chunks) == 0 {
		return r.Content
	}
	return strings.Join(r.Chunks, "")
}

// pieces returns the pieces a streamed reply sends.
func (r *Reply) pieces() []string {
	if len(r.Chunks) > 0 {
		return r.Chunks
	}
	return splitWords(r.Content)
}

// splitWords splits s after each space, so that the pieces concatenate to s.
func splitWords(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.SplitAfter(s, " ")
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Scripted is an in-process [llm.LLM] that answers with Replies in order, or
// with Respond when it is set. It records every request it receives. The zero
// value answers every request with an error saying the script is empty.
// A Scripted is safe for concurrent use; do not change its fields after the
// first call.
type Scripted struct {
	// Model is the model name it reports (default "scripted-model").
	Model string
	// Provider is the provider name it reports (default "scripted").
	Provider string
	// NoTools makes it report a model without native tool calling.
	NoTools bool
	// Replies are played in order, one per call.
	Replies []Reply
	// Respond, if set, computes the reply to each request instead of Replies.
	// It must be safe for concurrent use.
	Respond func(req *llm.Request) Reply

	mu       sync.Mutex
	next     int
	requests []llm.Request
}

// ErrScriptExhausted is returned when a Scripted model has played all its
// replies.
var ErrScriptExhausted = errors.New("llmtest: the script has no more replies")

// Info describes the scripted model.
func (s *Scripted) Info() llm.Info {
	info := llm.Info{Model: s.Model, Provider: s.Provider, NoTools: s.NoTools}
	if info.Model == "" {
		info.Model = "scripted-model"
	}
	if info.Provider == "" {
		info.Provider = "scripted"
	}
	return info
}

// Generate records req and returns the next scripted reply.
func (s *Scripted) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, errors.New("llmtest: Scripted.Generate called with a nil *llm.Request")
	}
	cp := *req
	cp.Messages = append([]llm.Message(nil), req.Messages...)
	s.mu.Lock()
	s.requests = append(s.requests, cp)
	var r Reply
	var ok bool
	if s.Respond == nil {
		if s.next < len(s.Replies) {
			r, ok = s.Replies[s.next], true
			s.next++
		}
	}
	s.mu.Unlock()
	if s.Respond != nil {
		r, ok = s.Respond(&cp), true
	}
	if !ok {
		return nil, fmt.Errorf("%w (model %s, call %d)", ErrScriptExhausted, s.Info().Model, len(s.Requests()))
	}
	if r.Delay > 0 {
		t := time.NewTimer(r.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	if r.Err != nil {
		return nil, r.Err
	}
	info := s.Info()
	if r.Fault != FaultNone {
		return nil, r.Fault.err(ctx, info, req, &r)
	}
	if req.OnChunk != nil {
		for _, p := range r.pieces() {
			req.OnChunk(p)
		}
	}
	return ResponseFor(info.Model, req, r), nil
}

// ResponseFor builds the response a scripted reply stands for: the finish
// reason and a usage estimate are filled in when the reply leaves them empty,
// and tool calls without an ID get "call_1", "call_2"...
func ResponseFor(model string, req *llm.Request, r Reply) *llm.Response {
	resp := &llm.Response{Content: r.text(), FinishReason: r.FinishReason, Model: model, Usage: r.Usage,
		ID: "resp-scripted"}
	if len(r.ToolCalls) > 0 {
		resp.ToolCalls = make([]llm.ToolCall, len(r.ToolCalls))
		for i, c := range r.ToolCalls {
			if c.ID == "" {
				c.ID = fmt.Sprintf("call_%d", i+1)
			}
			resp.ToolCalls[i] = c
		}
	}
	if r.Thinking != "" {
		resp.Reasoning = append(resp.Reasoning, llm.Reasoning{Text: r.Thinking, Signature: ThinkingSignature(r.Thinking)})
	}
	if r.RedactedThinking != "" {
		resp.Reasoning = append(resp.Reasoning, llm.Reasoning{Redacted: r.RedactedThinking})
	}
	if resp.FinishReason == "" {
		resp.FinishReason = "stop"
		if len(resp.ToolCalls) > 0 {
			resp.FinishReason = "tool_calls"
		}
	}
	if resp.Usage == (llm.Usage{}) {
		in := 0
		for _, m := range req.Messages {
			in += len(m.Content)/4 + 4
		}
		out := len(resp.Content)/4 + 1
		for _, c := range r.ToolCalls {
			out += (len(c.Name)+len(c.Arguments))/4 + 1
		}
		thought := 0
		if r.Thinking != "" {
			thought = len(r.Thinking)/4 + 1
		}
		out += thought
		resp.Usage = llm.Usage{PromptTokens: in, CompletionTokens: out, ReasoningTokens: thought, TotalTokens: in + out}
	}
	resp.Usage.Requests = 1
	return resp
}

// ThinkingSignature is the signature the fakes put on a reasoning block
// with text: an opaque-looking digest of the text, so that a fake can tell
// a block sent back unchanged from one a client altered or made up.
func ThinkingSignature(text string) string {
	sum := sha256.Sum256([]byte("llmtest thinking\x00" + text))
	return "llmtest-sig-" + base64.StdEncoding.EncodeToString(sum[:])
}

// validThinkingSignature reports whether sig is a signature
// [ThinkingSignature] could have made.
func validThinkingSignature(sig string) bool {
	rest, ok := strings.CutPrefix(sig, "llmtest-sig-")
	if !ok {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	return err == nil && len(b) == sha256.Size
}

// Requests returns copies of the requests received so far, in order.
func (s *Scripted) Requests() []llm.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]llm.Request(nil), s.requests...)
}

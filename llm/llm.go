// Package llm is the model layer of crewai-go: the small [LLM] interface that
// every agent talks to (messages and tool definitions in; text or tool calls
// plus token usage out), and an OpenAI-compatible client built on
// github.com/sashabaranov/go-openai that works with OpenAI, Azure OpenAI,
// Ollama, vLLM, LM Studio and any other server that speaks the OpenAI chat
// completions API.
//
// Implementations of [LLM] do not need to emit events: the agent that calls
// them announces every call on the event bus, so user-written models are
// traced like the built-in client.
//
// # The OpenAI-compatible client
//
// [New] builds a [*Client] from a [Config]. Empty settings come
// from the environment, read once at construction:
//
//   - OPENAI_API_KEY: the key; required for api.openai.com and for Azure
//     (AZURE_OPENAI_API_KEY first), not for local servers. A missing key is
//     an ErrAuth error from New, and from every Generate of the client New
//     returns alongside it (no request is sent).
//   - OPENAI_BASE_URL, then OPENAI_API_BASE: the base URL, such as
//     http://localhost:11434/v1 (Ollama), http://localhost:8000/v1 (vLLM) or
//     http://localhost:1234/v1 (LM Studio); default https://api.openai.com/v1.
//   - OPENAI_ORG_ID: the organisation.
//   - Azure (Config.Azure): AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION.
//
// The key is never shown: not in errors (provider messages that echo it are
// scrubbed), not in events, not by fmt on a Client or a Config.
//
// Retries: 429, 5xx and transport failures are retried with jittered
// exponential backoff (between half and all of BackoffBase·2^n, capped at
// BackoffMax) that honours Retry-After and retry-after-ms, up to
// MaxAttempts requests, and never past the ctx's deadline: when the next
// wait would end after it, Generate returns the last error at once (it also
// matches context.DeadlineExceeded). Other 4xx are not retried, nor is an
// empty choices list, nor a stream that fails after text reached OnChunk.
// Every wait emits [event.Retry] (and [event.RateLimitWait] for a 429).
// This is the model call's whole retry budget: an agent does not run an
// attempt again after an [*Error] the client returned (package agent), so
// during an outage one model call sends at most MaxAttempts requests.
//
// Errors: every failure is an [*Error] whose Kind is one of the sentinel
// errors (ErrRateLimit, ErrContextWindow, ErrAuth, ErrBadRequest, ErrServer,
// ErrTransport, ErrEmptyResponse). A call abandoned because its ctx ended is
// an ErrTransport that also matches the ctx's error.
//
// Capabilities: [CapabilitiesOf] knows which models reject the stop
// parameter (o-series, gpt-5 family: it is dropped), which take
// max_completion_tokens and no temperature (the same reasoning models), and
// the context windows of common OpenAI, Anthropic and Gemini models. The
// table is data (capabilities.go), read by every client of this module;
// Config.Capabilities (here and in the native clients) replaces its entry
// for one client.
//
// Concurrency: a [Client] and the package's functions are safe for concurrent
// use. Configs, requests, responses and errors are plain values: they may be
// shared between goroutines while no one modifies them, and the library never
// modifies one it was given or has returned.
package llm

import (
	"context"
	"encoding/json"

	"github.com/crewai-go/crewai/chat"
)

// LLM is a chat model. Generate sends one request and returns the model's
// reply. Implementations must be safe for concurrent use: agents of one crew
// and concurrent kickoffs share an LLM value. The zero LLM is nil; agents
// refuse it with a validation error naming the field.
type LLM interface {
	// Generate sends req to the model and returns its reply. It must honour
	// ctx's deadline and cancellation.
	Generate(ctx context.Context, req *Request) (*Response, error)
	// Info describes the model (name, provider and capabilities); it must be
	// cheap and must not do I/O.
	Info() Info
}

// Checker is implemented by an [LLM] that can tell, without any I/O,
// whether it is configured to work at all (an API key, a well-formed base
// URL): Check returns the error its every call would fail with, or nil. A
// crew's validation calls it (through [Check]) before the first model call,
// so that no task spends tokens before an unusable model of a later task is
// found, as tool.Check does for tools.
type Checker interface {
	Check() error
}

// Check returns m.Check() when m is a [Checker], and nil otherwise.
func Check(m LLM) error {
	if c, ok := m.(Checker); ok {
		return c.Check()
	}
	return nil
}

// Info describes a model. The zero value is an unnamed model of an unknown
// provider that supports tool calling, stop words and any context size.
type Info struct {
	// Model is the model name sent to the provider, such as "gpt-4o-mini".
	Model string
	// Provider is the gen_ai.provider.name of the service, such as "openai".
	Provider string
	// ServerAddress is the host the client talks to, if any.
	ServerAddress string
	// ServerPort is the port the client talks to, 0 if none or unknown.
	ServerPort int
	// NoTools is true for models without native function calling; agents
	// then use a text protocol.
	NoTools bool
	// NoStop is true for models that reject the stop parameter.
	NoStop bool
	// ContextWindow is the model's context size in tokens, 0 if unknown.
	ContextWindow int
}

// Role, Message, ToolCall, ToolDef and Usage are the types of package chat,
// re-exported so that code that calls or implements a model imports llm only.
// They are the types the events of a model call carry: the agent announces a
// call with the request's own slices, without copying them.
type (
	// Role is the author of a message; see [chat.Role].
	Role = chat.Role
	// Message is one chat message; see [chat.Message]. A Message that is
	// being sent must not be modified until Generate returns.
	Message = chat.Message
	// ToolCall is a call of a tool requested by the model; see
	// [chat.ToolCall].
	ToolCall = chat.ToolCall
	// ToolDef offers a tool to the model; see [chat.ToolDef]. The client
	// refuses a ToolDef without a name, naming the field.
	ToolDef = chat.ToolDef
	// Usage counts the tokens of calls; see [chat.Usage].
	Usage = chat.Usage
	// Reasoning is a block of a model's reasoning (text and signature, or
	// redacted data) that a reply carries and a later request sends back;
	// see [chat.Reasoning].
	Reasoning = chat.Reasoning
	// Part is a multimodal part of a user message (an image, a document,
	// audio, text); see [chat.Part] and its constructors chat.Image,
	// chat.ImageURL, chat.File, chat.Audio.
	Part = chat.Part
	// PartKind is the kind of a Part; see [chat.PartKind].
	PartKind = chat.PartKind
)

// The kinds of multimodal parts.
const (
	PartText  = chat.PartText
	PartImage = chat.PartImage
	PartFile  = chat.PartFile
	PartAudio = chat.PartAudio
)

// The roles of the chat format.
const (
	RoleSystem    = chat.RoleSystem
	RoleUser      = chat.RoleUser
	RoleAssistant = chat.RoleAssistant
	RoleTool      = chat.RoleTool
)

// ResponseFormat asks the model for JSON that follows a schema. The zero
// value names no schema: Schema must be set to a JSON object schema, else
// Generate fails with an ErrBadRequest naming ResponseFormat.Schema.
type ResponseFormat struct {
	// Name names the schema (letters, digits, '_' and '-').
	Name string
	// Schema is the JSON schema of the reply.
	Schema json.RawMessage
	// Strict asks the provider to enforce the schema exactly.
	Strict bool
}

// Request is one call of a model. The zero value is an empty request; a useful
// one has at least one message. A Request is not modified by Generate. One
// Request may be sent by several goroutines at once as long as no one modifies
// it (OnChunk is then called from each).
type Request struct {
	// Messages is the conversation so far, in order (required).
	Messages []Message
	// Tools are offered for native function calling.
	Tools []ToolDef
	// Stop lists stop sequences; clients drop them for models that reject
	// them (see Info.NoStop).
	Stop []string
	// Temperature, if not nil, sets the sampling temperature.
	Temperature *float64
	// MaxTokens, if positive, caps the completion length.
	MaxTokens int
	// ResponseFormat, if not nil, asks for JSON following a schema.
	ResponseFormat *ResponseFormat
	// OnChunk, if not nil, asks for a streamed reply and receives each piece
	// of text as it arrives, in order, on the calling goroutine. The
	// Response is still complete when Generate returns.
	OnChunk func(text string)
}

// Response is a model's reply. The zero value is an empty reply. Generate
// returns a new Response that the caller owns.
type Response struct {
	// Content is the text of the reply (may be empty when ToolCalls is not).
	Content string
	// ToolCalls are the tool calls the model asks for, in order.
	ToolCalls []ToolCall
	// Reasoning holds the reasoning blocks the model returned (Anthropic's
	// extended thinking), in order; the text is not part of Content. An
	// agent copies them into the assistant message it keeps, so that the
	// client sends them back with the turn's tool results.
	Reasoning []Reasoning
	// FinishReason is the provider's finish reason ("stop", "tool_calls",
	// "length", ...).
	FinishReason string
	// ID is the provider's response ID.
	ID string
	// Model is the model that answered, as the provider reports it.
	Model string
	// Usage counts the tokens of this call; Requests is 1.
	Usage Usage
}

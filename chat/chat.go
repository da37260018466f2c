// Package chat holds the vocabulary of a conversation with a model: messages,
// the tool calls a model asks for, the tools offered to it, and token usage.
// It is a leaf package (it imports nothing of crewai-go), so that the model
// layer (package llm) and the event bus (package event) share one definition
// and a model call is announced on the bus without converting anything: the
// events of a call carry the very slices sent to and returned by the model.
//
// Package llm re-exports these types under the same names (llm.Message is
// chat.Message), so that code that calls or implements a model imports llm
// only.
//
// All types here are plain data. A value handed to a model or carried by an
// event is shared, not copied: it must not be modified until the call returns,
// and never once it was emitted in an event.
package chat

import "encoding/json"

// Role is the author of a message. The zero Role is empty; model clients
// refuse it.
type Role string

// The roles of the chat format.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool"
)

// Message is one chat message. The zero value is an empty message with no
// role.
//
// Content is the message's text. A multimodal user message adds Parts
// (images, documents, audio; see [Part]) after it; Content stays the text,
// so that code that reads only text keeps working.
type Message struct {
	// Role is the author: RoleSystem, RoleUser, RoleAssistant or RoleTool.
	Role Role `json:"role"`
	// Content is the text of the message (may be empty on an assistant
	// message that only calls tools).
	Content string `json:"content,omitempty"`
	// Parts are the multimodal parts of a user message, sent after Content
	// in order. Model clients refuse them on other roles, naming the field.
	Parts []Part `json:"parts,omitempty"`
	// ToolCalls are the calls an assistant message asks for.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// Reasoning is, on an assistant message, the reasoning the model
	// returned with it (see [Reasoning]): copied from the reply, it is
	// sent back unchanged by the client of the provider that made it
	// (Anthropic's extended thinking requires it on the turn whose tool
	// calls are answered). It is not part of Content.
	Reasoning []Reasoning `json:"reasoning,omitempty"`
	// ToolCallID is, on a tool message, the ID of the call it answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
	// Name is, on a tool message, the name of the tool that answered.
	Name string `json:"name,omitempty"`
}

// Reasoning is one block of a model's reasoning, as the provider returned
// it with a reply: the reasoning text with the provider's signature of it,
// or, for reasoning the provider withholds, its opaque encrypted form. The
// signature and the redacted data are opaque provider data: a client sends
// them back byte for byte or not at all (a provider refuses a block whose
// text no longer matches its signature). The zero value is an empty block.
type Reasoning struct {
	// Text is the reasoning text (on some models a summary of it); empty
	// for a redacted block.
	Text string `json:"text,omitempty"`
	// Signature is the provider's opaque signature of Text.
	Signature string `json:"signature,omitempty"`
	// Redacted is the provider's opaque encrypted reasoning of a block
	// whose text is withheld (Anthropic's redacted_thinking).
	Redacted string `json:"redacted,omitempty"`
}

// ToolCall is a call of a tool requested by a model. The zero value is a call
// with no name.
type ToolCall struct {
	// ID is the provider's identifier of the call, echoed in the tool
	// message that answers it.
	ID string `json:"id,omitempty"`
	// Name is the tool's name.
	Name string `json:"name"`
	// Arguments is the raw JSON text the model produced (it may be invalid).
	Arguments string `json:"arguments"`
}

// ToolDef offers a tool to a model. The zero value is a tool with no name,
// which model clients refuse naming the field.
type ToolDef struct {
	// Name is the tool's name, as the model must write it (letters, digits,
	// '_' and '-').
	Name string `json:"name"`
	// Description tells the model what the tool does and when to use it.
	Description string `json:"description,omitempty"`
	// Parameters is the JSON schema of the arguments (an object schema).
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// Usage counts the tokens of one or more model calls. The zero value counts
// nothing.
type Usage struct {
	// PromptTokens counts the tokens of the prompts.
	PromptTokens int `json:"prompt_tokens"`
	// CachedPromptTokens counts the prompt tokens served from the provider's
	// cache (part of PromptTokens).
	CachedPromptTokens int `json:"cached_prompt_tokens"`
	// CacheWriteTokens counts the prompt tokens written to the provider's
	// cache by this call (part of PromptTokens), when the provider bills
	// them apart (Anthropic, Bedrock).
	CacheWriteTokens int `json:"cache_write_tokens,omitempty"`
	// CompletionTokens counts the generated tokens.
	CompletionTokens int `json:"completion_tokens"`
	// ReasoningTokens counts the reasoning tokens (part of CompletionTokens),
	// when the provider reports them.
	ReasoningTokens int `json:"reasoning_tokens,omitempty"`
	// TotalTokens counts prompt and completion tokens together.
	TotalTokens int `json:"total_tokens"`
	// Requests counts successful requests.
	Requests int `json:"successful_requests"`
}

// Add returns the field-wise sum of u and o.
func (u Usage) Add(o Usage) Usage {
	return Usage{
		PromptTokens:       u.PromptTokens + o.PromptTokens,
		CachedPromptTokens: u.CachedPromptTokens + o.CachedPromptTokens,
		CacheWriteTokens:   u.CacheWriteTokens + o.CacheWriteTokens,
		CompletionTokens:   u.CompletionTokens + o.CompletionTokens,
		ReasoningTokens:    u.ReasoningTokens + o.ReasoningTokens,
		TotalTokens:        u.TotalTokens + o.TotalTokens,
		Requests:           u.Requests + o.Requests,
	}
}

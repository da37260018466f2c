package event

import (
	"fmt"
	"time"

	"github.com/crewai-go/crewai/chat"
)

// Kind names an event type, such as "task_started". Its zero value names no
// type. Kinds are stable strings, safe to log, to compare and to share
// between goroutines.
type Kind string

// Phase tells whether an event opens a step, closes one, or stands alone. It
// is set by [Begin], [End] and [Emit]; its zero value is [Point].
type Phase uint8

const (
	// Point marks an event that is not part of a start/end pair.
	Point Phase = iota
	// Start marks the event that opens a step.
	Start
	// Finish marks the one event that closes a step (completed or failed).
	Finish
)

// String returns "point", "start" or "end".
func (p Phase) String() string {
	switch p {
	case Start:
		return "start"
	case Finish:
		return "end"
	default:
		return "point"
	}
}

// RunID identifies one run (the tree below a top-level kickoff). It is 16
// random bytes, the size of an OpenTelemetry trace ID. The zero value means
// "no run".
type RunID [16]byte

// String returns the ID as 32 lower-case hexadecimal digits.
func (r RunID) String() string {
	const hex = "0123456789abcdef"
	var b [32]byte
	for i, v := range r {
		b[2*i] = hex[v>>4]
		b[2*i+1] = hex[v&0x0f]
	}
	return string(b[:])
}

// IsZero reports whether r is the zero RunID.
func (r RunID) IsZero() bool { return r == RunID{} }

// Header is the part every event shares. The emitting functions fill it in;
// an emitter sets at most Source.
type Header struct {
	// ID identifies the event within its run; it equals Seq.
	ID uint64
	// ParentID is the ID of the start event of the enclosing step, or 0 at the
	// top of a run.
	ParentID uint64
	// StartID is, on an end event, the ID of the matching start event.
	StartID uint64
	// Seq is the event's position in its run: 1, 2, 3... in emission order.
	Seq uint64
	// Run is the run the event belongs to.
	Run RunID
	// Time is when the event was emitted (wall clock with a monotonic reading).
	Time time.Time
	// Phase says whether the event opens a step, closes one, or stands alone.
	Phase Phase
	// Source names what emitted the event, such as "crew:Research Crew" or
	// "agent:Senior Research Analyst". Emitters may leave it empty.
	Source string
}

// EventHeader returns h itself, so that every event type that embeds Header
// satisfies [Event].
func (h *Header) EventHeader() *Header { return h }

// Event is implemented by every event type: a struct that embeds [Header] and
// names its [Kind]. Subscribers receive pointers (*TaskStarted, ...) and must
// not modify them; several subscribers may read one event at the same time.
// The zero Event is nil.
type Event interface {
	// EventHeader returns the event's header (its ID, parent, run, time).
	EventHeader() *Header
	// Kind names the event's type, such as KindTaskStarted.
	Kind() Kind
}

// Failure is embedded in every failed event: the error and, when the failure
// was a recovered panic, its stack. The zero value is no failure. Once
// emitted it is read-only, like the event that carries it.
type Failure struct {
	// Err is the error that ended the step; never nil on a failed event.
	Err error
	// Panic is true when Err was made from a recovered panic.
	Panic bool
	// Stack is the goroutine's stack at the panic, when Panic is true.
	Stack string
}

// PanicError is the error of a step that panicked: an agent's model call or
// callback, a flow method. The agent and flow packages return it (wrapped)
// and the failed event's [Failure] records it with Panic set; test for it with
// errors.As. A tool's panic is a tool result instead (tool.PanicError), which
// the model sees. Unwrap returns the panic value when it is an error, so
// errors.Is sees through a panic(err).
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the stack of the panicking goroutine.
	Stack string
}

// Error returns "panic: <value>".
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns Value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Kinds of every event of this package.
const (
	KindCrewStarted         Kind = "crew_kickoff_started"
	KindCrewCompleted       Kind = "crew_kickoff_completed"
	KindCrewFailed          Kind = "crew_kickoff_failed"
	KindTaskStarted         Kind = "task_started"
	KindTaskCompleted       Kind = "task_completed"
	KindTaskFailed          Kind = "task_failed"
	KindAgentStarted        Kind = "agent_execution_started"
	KindAgentCompleted      Kind = "agent_execution_completed"
	KindAgentFailed         Kind = "agent_execution_failed"
	KindLLMCallStarted      Kind = "llm_call_started"
	KindLLMCallCompleted    Kind = "llm_call_completed"
	KindLLMCallFailed       Kind = "llm_call_failed"
	KindLLMStreamChunk      Kind = "llm_stream_chunk"
	KindToolStarted         Kind = "tool_usage_started"
	KindToolFinished        Kind = "tool_usage_finished"
	KindToolFailed          Kind = "tool_usage_failed"
	KindGuardrailStarted    Kind = "guardrail_started"
	KindGuardrailCompleted  Kind = "guardrail_completed"
	KindDelegationStarted   Kind = "delegation_started"
	KindDelegationCompleted Kind = "delegation_completed"
	KindDelegationFailed    Kind = "delegation_failed"
	KindRetry               Kind = "retry"
	KindRateLimitWait       Kind = "rate_limit_wait"
	KindFlowStarted         Kind = "flow_started"
	KindFlowFinished        Kind = "flow_finished"
	KindFlowFailed          Kind = "flow_failed"
	KindMethodStarted       Kind = "method_execution_started"
	KindMethodFinished      Kind = "method_execution_finished"
	KindMethodFailed        Kind = "method_execution_failed"
)

// CrewStarted opens a crew kickoff.
type CrewStarted struct {
	Header
	// Crew is the crew's name.
	Crew string
	// Process is the crew's process ("sequential" or "hierarchical").
	Process string
	// Inputs are the kickoff inputs.
	Inputs map[string]any
	// Tracing is true when the kickoff was asked to be traced.
	Tracing bool
}

// CrewCompleted closes a crew kickoff that succeeded.
type CrewCompleted struct {
	Header
	// Crew is the crew's name.
	Crew string
	// Output is the text of the crew's final output.
	Output string
	// Usage counts the tokens of every model call inside the step.
	Usage chat.Usage
}

// CrewFailed closes a crew kickoff that failed.
type CrewFailed struct {
	Header
	// Crew is the crew's name.
	Crew string
	Failure
	// Usage is what the calls made before the failure cost.
	Usage chat.Usage
}

// TaskStarted opens the execution of one task.
type TaskStarted struct {
	Header
	// Task is the task's display name.
	Task string
	// Description is the task's description, inputs filled in.
	Description string
	// ExpectedOutput is the task's expected output, inputs filled in.
	ExpectedOutput string
	// Agent is the role of the agent that works on the task.
	Agent string
	// Async is true for a task that runs concurrently with the following ones.
	Async bool
	// Context is the text of earlier task outputs handed to this task.
	Context string
}

// TaskCompleted closes a task that succeeded.
type TaskCompleted struct {
	Header
	// Task is the task's display name.
	Task string
	// Agent is the role of the agent that produced the output.
	Agent string
	// Output is the task's output as text.
	Output string
	// Usage counts the tokens of every model call inside the step.
	Usage chat.Usage
}

// TaskFailed closes a task that failed.
type TaskFailed struct {
	Header
	// Task is the task's display name.
	Task string
	// Agent is the role of the agent that worked on the task.
	Agent string
	Failure
}

// AgentStarted opens one execution of an agent (a prompt worked through with
// tools until a final answer).
type AgentStarted struct {
	Header
	// Role is the agent's role, inputs filled in.
	Role string
	// AgentID is the agent's stable identifier (gen_ai.agent.id).
	AgentID string
	// Goal is the agent's goal, inputs filled in.
	Goal string
	// Backstory is the agent's backstory, inputs filled in.
	Backstory string
	// Tools lists the names of the tools the agent may call.
	Tools []string
	// Model is the model name the call was sent to.
	Model string
	// Provider is the provider's gen_ai.provider.name, such as "openai".
	Provider string
	// Prompt is the user message the agent starts from.
	Prompt string
	// Attempt counts executions of the same prompt: 1, then 2... on retries.
	Attempt int
}

// AgentCompleted closes an agent execution that produced a final answer.
type AgentCompleted struct {
	Header
	// Role is the agent's role, inputs filled in.
	Role string
	// AgentID is the agent's stable identifier (gen_ai.agent.id).
	AgentID string
	// Output is the agent's final answer.
	Output string
	// Iterations counts the model calls of the execution.
	Iterations int
	// Usage counts the tokens of every model call inside the step.
	Usage chat.Usage
}

// AgentFailed closes an agent execution that failed.
type AgentFailed struct {
	Header
	// Role is the agent's role, inputs filled in.
	Role string
	// AgentID is the agent's stable identifier (gen_ai.agent.id).
	AgentID string
	Failure
}

// LLMCallStarted opens one call of a model.
type LLMCallStarted struct {
	Header
	// Model is the model name the call was sent to.
	Model string
	// Provider is the provider's gen_ai.provider.name, such as "openai".
	Provider string
	// ServerAddress is the host the client talks to, if known.
	ServerAddress string
	// Messages are the messages sent, in order.
	Messages []chat.Message
	// Tools are the tool definitions offered to the model.
	Tools []chat.ToolDef
	// Temperature is the sampling temperature, nil for the provider's default.
	Temperature *float64
	// MaxTokens caps the completion length, 0 for none.
	MaxTokens int
	// Stop lists the stop sequences sent.
	Stop []string
	// ResponseFormat is the name of the JSON schema asked for, empty for free
	// text.
	ResponseFormat string
	// Stream is true for a streamed call.
	Stream bool
	// Agent is the role of the agent making the call, if any.
	Agent string
}

// LLMCallCompleted closes a model call that returned a response.
type LLMCallCompleted struct {
	Header
	// Model is the model name the call was sent to.
	Model string
	// ResponseModel is the model that answered, as the provider reports it.
	ResponseModel string
	// ResponseID is the provider's response ID.
	ResponseID string
	// FinishReason is the provider's finish reason ("stop", "tool_calls",
	// "length", ...).
	FinishReason string
	// Content is the text of the reply.
	Content string
	// ToolCalls are the tool calls the model asked for, in order.
	ToolCalls []chat.ToolCall
	// Reasoning is the reasoning the model returned with its reply
	// (Anthropic's thinking blocks), in order; traced as reasoning parts of
	// the output message (text only: signatures and redacted blocks never
	// are).
	Reasoning []chat.Reasoning
	// Usage counts the tokens of this call.
	Usage chat.Usage
	// Cost is the estimated price of the call in US dollars, or 0 if unknown.
	Cost float64
}

// LLMCallFailed closes a model call that failed (after any retries).
type LLMCallFailed struct {
	Header
	// Model is the model name the call was sent to.
	Model string
	// Blocked is the reason a hook gave for blocking the call, empty when
	// no hook blocked it.
	Blocked string
	Failure
}

// LLMStreamChunk reports one piece of a streamed reply.
type LLMStreamChunk struct {
	Header
	// Model is the model name the call was sent to.
	Model string
	// Chunk is the piece of text received.
	Chunk string
	// ToolCall is set when the chunk is a piece of a tool call.
	ToolCall *chat.ToolCall
}

// ToolStarted opens one tool call.
type ToolStarted struct {
	Header
	// Tool is the tool's name.
	Tool string
	// CallID is the model's ID of the call, if it gave one.
	CallID string
	// Arguments is the raw JSON arguments the model produced.
	Arguments string
	// Agent is the role of the agent making the call.
	Agent string
	// Attempt counts uses of this tool by the same agent execution, from 1.
	Attempt int
}

// ToolFinished closes a tool call that returned a result (which may be an
// error text meant for the model, see IsError).
type ToolFinished struct {
	Header
	// Tool is the tool's name.
	Tool string
	// CallID is the model's ID of the call, if it gave one.
	CallID string
	// Result is the text returned to the model.
	Result string
	// CacheHit is true when the result came from the tool's cache.
	CacheHit bool
	// Repeated is true when the call repeated the previous identical call and
	// was answered from its result without running the tool again.
	Repeated bool
	// IsError is true when Result tells the model about a problem (bad
	// arguments, an unknown tool, a usage limit) rather than a real result.
	IsError bool
	// Blocked is the reason a hook gave for blocking the call (the tool did
	// not run) or its result, empty when no hook blocked it.
	Blocked string
}

// ToolFailed closes a tool call whose tool returned an error or panicked.
type ToolFailed struct {
	Header
	// Tool is the tool's name.
	Tool string
	// CallID is the model's ID of the call, if it gave one.
	CallID string
	Failure
}

// GuardrailStarted opens the check of a task output by its guardrail, or
// of a standalone agent's answer by the agent's guardrail.
type GuardrailStarted struct {
	Header
	// Task is the task's display name; empty for an agent's guardrail.
	Task string
	// Agent is the role of the agent whose standalone answer is checked;
	// empty for a task's guardrail.
	Agent string
	// Attempt counts the checks of the same task: 1, 2, ...
	Attempt int
	// Guardrail names the guardrail (its Name, else "guardrail N").
	Guardrail string
	// Index is the guardrail's position in the task's list, from 0.
	Index int
	// Rule is the plain-language rule of a guardrail checked by a model,
	// empty for a Go function.
	Rule string
}

// GuardrailCompleted closes a guardrail check.
type GuardrailCompleted struct {
	Header
	// Task is the task's display name; empty for an agent's guardrail.
	Task string
	// Agent is the agent's role, for an agent's guardrail.
	Agent string
	// Attempt counts the checks of the same task: 1, 2, ...
	Attempt int
	// Success is true when the guardrail accepted the output.
	Success bool
	// Feedback is the guardrail's reason for rejecting the output, empty on
	// success.
	Feedback string
	// Guardrail names the guardrail, as in GuardrailStarted.
	Guardrail string
	// Transformed is true when the guardrail accepted the output and passed
	// a changed output on.
	Transformed bool
}

// DelegationStarted opens a delegation from one agent to a coworker.
type DelegationStarted struct {
	Header
	// From is the role of the delegating agent.
	From string
	// To is the role of the coworker.
	To string
	// Question is true for "ask a question", false for "delegate work".
	Question bool
	// Task is the work or question handed to the coworker.
	Task string
	// Context is the context the delegating agent passed along.
	Context string
}

// DelegationCompleted closes a delegation that returned the coworker's answer.
type DelegationCompleted struct {
	Header
	// From is the role of the delegating agent.
	From string
	// To is the role of the coworker.
	To string
	// Result is the coworker's answer.
	Result string
}

// DelegationFailed closes a delegation that failed.
type DelegationFailed struct {
	Header
	// From is the role of the delegating agent.
	From string
	// To is the role of the coworker.
	To string
	Failure
}

// Retry reports that an operation failed and will be tried again after Wait.
type Retry struct {
	Header
	// Operation names what is retried, such as "chat gpt-4o-mini" or "agent
	// Researcher".
	Operation string
	// Attempt is the attempt that failed: 1 for the first.
	Attempt int
	// Wait is how long the wait lasts.
	Wait time.Duration
	// Err is the error that caused the retry.
	Err error
}

// RateLimitWait reports a wait imposed by a rate limit (MaxRPM, or a
// provider's Retry-After).
type RateLimitWait struct {
	Header
	// Limiter names the limit: "agent", "crew" or "provider".
	Limiter string
	// Wait is how long the wait lasts.
	Wait time.Duration
}

// FlowStarted opens a flow kickoff.
type FlowStarted struct {
	Header
	// Flow is the flow's name.
	Flow string
	// StateID is the ID of the flow's state (its persistence key).
	StateID string
	// Inputs are the kickoff inputs.
	Inputs map[string]any
	// Tracing is true when the kickoff was asked to be traced.
	Tracing bool
	// Restored is true when the kickoff resumed a saved state (an "id"
	// input with a store).
	Restored bool
	// RunsCarried is, for a kickoff that resumed an unfinished one, the
	// number of method runs that had completed and are not run again; 0
	// otherwise.
	RunsCarried int
}

// FlowFinished closes a flow kickoff that succeeded.
type FlowFinished struct {
	Header
	// Flow is the flow's name.
	Flow string
	// Result is the value the flow returned (its last method's result).
	Result any
	// State is a snapshot of the flow's final state.
	State any
	// Usage counts the tokens of every model call of the flow.
	Usage chat.Usage
}

// FlowFailed closes a flow kickoff that failed.
type FlowFailed struct {
	Header
	// Flow is the flow's name.
	Flow string
	Failure
}

// MethodStarted opens one run of a flow method.
type MethodStarted struct {
	Header
	// Flow is the flow's name.
	Flow string
	// Method is the method's name.
	Method string
	// State is a snapshot of the flow's state before the method.
	State any
	// Trigger is what made the method run: "start", or the method or router
	// label whose completion triggered it.
	Trigger string
	// TriggeredBy is the ID of the event whose completion made the method
	// run: the MethodFinished of the method (or of the router, for a
	// label) that triggered it, and for an And the one that completed it
	// last, as CrewAI's triggered_by_event_id. 0 for a method run at
	// kickoff, or when the triggering method ran in another kickoff or
	// process (a resumed run, a Temporal activity).
	TriggeredBy uint64
}

// MethodFinished closes a flow method that succeeded.
type MethodFinished struct {
	Header
	// Flow is the flow's name.
	Flow string
	// Method is the method's name.
	Method string
	// Result is the value the method returned.
	Result any
	// RouterLabel is the label a router returned, or empty.
	RouterLabel string
	// State is a snapshot of the flow's state after the method.
	State any
}

// MethodFailed closes a flow method that failed.
type MethodFailed struct {
	Header
	// Flow is the flow's name.
	Flow string
	// Method is the method's name.
	Method string
	Failure
}

// Kind returns KindCrewStarted.
func (*CrewStarted) Kind() Kind { return KindCrewStarted }

// Kind returns KindCrewCompleted.
func (*CrewCompleted) Kind() Kind { return KindCrewCompleted }

// Kind returns KindCrewFailed.
func (*CrewFailed) Kind() Kind { return KindCrewFailed }

// Kind returns KindTaskStarted.
func (*TaskStarted) Kind() Kind { return KindTaskStarted }

// Kind returns KindTaskCompleted.
func (*TaskCompleted) Kind() Kind { return KindTaskCompleted }

// Kind returns KindTaskFailed.
func (*TaskFailed) Kind() Kind { return KindTaskFailed }

// Kind returns KindAgentStarted.
func (*AgentStarted) Kind() Kind { return KindAgentStarted }

// Kind returns KindAgentCompleted.
func (*AgentCompleted) Kind() Kind { return KindAgentCompleted }

// Kind returns KindAgentFailed.
func (*AgentFailed) Kind() Kind { return KindAgentFailed }

// Kind returns KindLLMCallStarted.
func (*LLMCallStarted) Kind() Kind { return KindLLMCallStarted }

// Kind returns KindLLMCallCompleted.
func (*LLMCallCompleted) Kind() Kind { return KindLLMCallCompleted }

// Kind returns KindLLMCallFailed.
func (*LLMCallFailed) Kind() Kind { return KindLLMCallFailed }

// Kind returns KindLLMStreamChunk.
func (*LLMStreamChunk) Kind() Kind { return KindLLMStreamChunk }

// Kind returns KindToolStarted.
func (*ToolStarted) Kind() Kind { return KindToolStarted }

// Kind returns KindToolFinished.
func (*ToolFinished) Kind() Kind { return KindToolFinished }

// Kind returns KindToolFailed.
func (*ToolFailed) Kind() Kind { return KindToolFailed }

// Kind returns KindGuardrailStarted.
func (*GuardrailStarted) Kind() Kind { return KindGuardrailStarted }

// Kind returns KindGuardrailCompleted.
func (*GuardrailCompleted) Kind() Kind { return KindGuardrailCompleted }

// Kind returns KindDelegationStarted.
func (*DelegationStarted) Kind() Kind { return KindDelegationStarted }

// Kind returns KindDelegationCompleted.
func (*DelegationCompleted) Kind() Kind { return KindDelegationCompleted }

// Kind returns KindDelegationFailed.
func (*DelegationFailed) Kind() Kind { return KindDelegationFailed }

// Kind returns KindRetry.
func (*Retry) Kind() Kind { return KindRetry }

// Kind returns KindRateLimitWait.
func (*RateLimitWait) Kind() Kind { return KindRateLimitWait }

// Kind returns KindFlowStarted.
func (*FlowStarted) Kind() Kind { return KindFlowStarted }

// Kind returns KindFlowFinished.
func (*FlowFinished) Kind() Kind { return KindFlowFinished }

// Kind returns KindFlowFailed.
func (*FlowFailed) Kind() Kind { return KindFlowFailed }

// Kind returns KindMethodStarted.
func (*MethodStarted) Kind() Kind { return KindMethodStarted }

// Kind returns KindMethodFinished.
func (*MethodFinished) Kind() Kind { return KindMethodFinished }

// Kind returns KindMethodFailed.
func (*MethodFailed) Kind() Kind { return KindMethodFailed }

// FailureOf returns the Failure carried by a failed event, or nil for any
// other event.
func FailureOf(e Event) *Failure {
	switch v := e.(type) {
	case *CrewFailed:
		return &v.Failure
	case *TaskFailed:
		return &v.Failure
	case *AgentFailed:
		return &v.Failure
	case *LLMCallFailed:
		return &v.Failure
	case *ToolFailed:
		return &v.Failure
	case *DelegationFailed:
		return &v.Failure
	case *FlowFailed:
		return &v.Failure
	case *MethodFailed:
		return &v.Failure
	case *MCPCallFailed:
		return &v.Failure
	case *MCPServeFailed:
		return &v.Failure
	case *EmbeddingFailed:
		return &v.Failure
	case *RetrievalFailed:
		return &v.Failure
	case *MemorySaveFailed:
		return &v.Failure
	case *PlanningFailed:
		return &v.Failure
	case *ReasoningFailed:
		return &v.Failure
	case *HumanInputFailed:
		return &v.Failure
	}
	return nil
}

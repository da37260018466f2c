package event

import (
	"encoding/json"
	"time"
)

// Kind names an event type, such as "task_started". Its zero value names no
// type. Kinds are stable strings, safe to log and to compare.
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
// an emitter sets at most Source. The zero value is an event not yet emitted.
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
// not modify them.
type Event interface {
	EventHeader() *Header
	Kind() Kind
}

// Usage counts the tokens of one or more LLM calls. The zero value counts
// nothing. It is a plain value, safe to copy.
type Usage struct {
	PromptTokens       int `json:"prompt_tokens"`
	CachedPromptTokens int `json:"cached_prompt_tokens"`
	CompletionTokens   int `json:"completion_tokens"`
	ReasoningTokens    int `json:"reasoning_tokens,omitempty"`
	TotalTokens        int `json:"total_tokens"`
	// Requests counts successful requests.
	Requests int `json:"successful_requests"`
}

// Add returns the field-wise sum of u and o.
func (u Usage) Add(o Usage) Usage {
	return Usage{
		PromptTokens:       u.PromptTokens + o.PromptTokens,
		CachedPromptTokens: u.CachedPromptTokens + o.CachedPromptTokens,
		CompletionTokens:   u.CompletionTokens + o.CompletionTokens,
		ReasoningTokens:    u.ReasoningTokens + o.ReasoningTokens,
		TotalTokens:        u.TotalTokens + o.TotalTokens,
		Requests:           u.Requests + o.Requests,
	}
}

// Message is one chat message as events report it: a copy of what was sent
// to or received from a model. The zero value is an empty message.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content,omitempty"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// ToolCall is one tool call requested by a model, as events report it.
type ToolCall struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ToolDef is a tool offered to a model, as events report it.
type ToolDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// Failure is embedded in every failed event: the error and, when the failure
// was a recovered panic, its stack.
type Failure struct {
	// Err is the error that ended the step; never nil on a failed event.
	Err error
	// Panic is true when Err was made from a recovered panic.
	Panic bool
	// Stack is the goroutine's stack at the panic, when Panic is true.
	Stack string
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
	Crew    string
	Process string
	Inputs  map[string]any
	// Tracing is true when the kickoff was asked to be traced.
	Tracing bool
}

// CrewCompleted closes a crew kickoff that succeeded.
type CrewCompleted struct {
	Header
	Crew   string
	Output string
	Usage  Usage
}

// CrewFailed closes a crew kickoff that failed.
type CrewFailed struct {
	Header
	Crew string
	Failure
	// Usage is what the calls made before the failure cost.
	Usage Usage
}

// TaskStarted opens the execution of one task.
type TaskStarted struct {
	Header
	Task           string
	Description    string
	ExpectedOutput string
	Agent          string
	Async          bool
	// Context is the text of earlier task outputs handed to this task.
	Context string
}

// TaskCompleted closes a task that succeeded.
type TaskCompleted struct {
	Header
	Task   string
	Agent  string
	Output string
	Usage  Usage
}

// TaskFailed closes a task that failed.
type TaskFailed struct {
	Header
	Task  string
	Agent string
	Failure
}

// AgentStarted opens one execution of an agent (a prompt worked through with
// tools until a final answer).
type AgentStarted struct {
	Header
	Role      string
	AgentID   string
	Goal      string
	Backstory string
	Tools     []string
	Model     string
	Provider  string
	// Prompt is the user message the agent starts from.
	Prompt string
	// Attempt counts executions of the same prompt: 1, then 2... on retries.
	Attempt int
}

// AgentCompleted closes an agent execution that produced a final answer.
type AgentCompleted struct {
	Header
	Role       string
	AgentID    string
	Output     string
	Iterations int
	Usage      Usage
}

// AgentFailed closes an agent execution that failed.
type AgentFailed struct {
	Header
	Role    string
	AgentID string
	Failure
}

// LLMCallStarted opens one call of a model.
type LLMCallStarted struct {
	Header
	Model          string
	Provider       string
	ServerAddress  string
	Messages       []Message
	Tools          []ToolDef
	Temperature    *float64
	MaxTokens      int
	Stop           []string
	ResponseFormat string
	Stream         bool
	// Agent is the role of the agent making the call, if any.
	Agent string
}

// LLMCallCompleted closes a model call that returned a response.
type LLMCallCompleted struct {
	Header
	Model         string
	ResponseModel string
	ResponseID    string
	FinishReason  string
	Content       string
	ToolCalls     []ToolCall
	Usage         Usage
	// Cost is the estimated price of the call in US dollars, or 0 if unknown.
	Cost float64
}

// LLMCallFailed closes a model call that failed (after any retries).
type LLMCallFailed struct {
	Header
	Model string
	Failure
}

// LLMStreamChunk reports one piece of a streamed reply.
type LLMStreamChunk struct {
	Header
	Model string
	Chunk string
	// ToolCall is set when the chunk is a piece of a tool call.
	ToolCall *ToolCall
}

// ToolStarted opens one tool call.
type ToolStarted struct {
	Header
	Tool      string
	CallID    string
	Arguments string
	Agent     string
	// Attempt counts uses of this tool by the same agent execution, from 1.
	Attempt int
}

// ToolFinished closes a tool call that returned a result (which may be an
// error text meant for the model, see IsError).
type ToolFinished struct {
	Header
	Tool     string
	CallID   string
	Result   string
	CacheHit bool
	// Repeated is true when the call repeated the previous identical call and
	// was answered from its result without running the tool again.
	Repeated bool
	// IsError is true when Result tells the model about a problem (bad
	// arguments, an unknown tool, a usage limit) rather than a real result.
	IsError bool
}

// ToolFailed closes a tool call whose tool returned an error or panicked.
type ToolFailed struct {
	Header
	Tool   string
	CallID string
	Failure
}

// GuardrailStarted opens the check of a task output by its guardrail.
type GuardrailStarted struct {
	Header
	Task    string
	Attempt int
}

// GuardrailCompleted closes a guardrail check.
type GuardrailCompleted struct {
	Header
	Task     string
	Attempt  int
	Success  bool
	Feedback string
}

// DelegationStarted opens a delegation from one agent to a coworker.
type DelegationStarted struct {
	Header
	From string
	To   string
	// Question is true for "ask a question", false for "delegate work".
	Question bool
	Task     string
	Context  string
}

// DelegationCompleted closes a delegation that returned the coworker's answer.
type DelegationCompleted struct {
	Header
	From   string
	To     string
	Result string
}

// DelegationFailed closes a delegation that failed.
type DelegationFailed struct {
	Header
	From string
	To   string
	Failure
}

// Retry reports that an operation failed and will be tried again after Wait.
type Retry struct {
	Header
	Operation string
	Attempt   int
	Wait      time.Duration
	Err       error
}

// RateLimitWait reports a wait imposed by a rate limit (MaxRPM, or a
// provider's Retry-After).
type RateLimitWait struct {
	Header
	Limiter string
	Wait    time.Duration
}

// FlowStarted opens a flow kickoff.
type FlowStarted struct {
	Header
	Flow    string
	StateID string
	Inputs  map[string]any
	Tracing bool
}

// FlowFinished closes a flow kickoff that succeeded.
type FlowFinished struct {
	Header
	Flow   string
	Result any
	State  any
	Usage  Usage
}

// FlowFailed closes a flow kickoff that failed.
type FlowFailed struct {
	Header
	Flow string
	Failure
}

// MethodStarted opens one run of a flow method.
type MethodStarted struct {
	Header
	Flow   string
	Method string
	State  any
	// Trigger is what made the method run: "start", or the method or router
	// label whose completion triggered it.
	Trigger string
}

// MethodFinished closes a flow method that succeeded.
type MethodFinished struct {
	Header
	Flow   string
	Method string
	Result any
	// RouterLabel is the label a router returned, or empty.
	RouterLabel string
	State       any
}

// MethodFailed closes a flow method that failed.
type MethodFailed struct {
	Header
	Flow   string
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
	}
	return nil
}

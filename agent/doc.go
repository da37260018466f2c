// Package agent defines Agent, a role played by a model, and its executor: the
// loop that sends a [Job] to the model, runs the tools the model asks for and
// feeds their results back, until the model gives a final answer.
//
// # The loop
//
// The system message says who the agent is (role, backstory, goal; or
// Agent.SystemTemplate); the user message states the job (description, the
// expected output, the context of earlier work; or Agent.TaskTemplate). Then
// each iteration is one model call:
//
//   - Native tool calling is used when the model supports it
//     (llm.Info.NoTools false): the tools are offered as function
//     definitions; the calls of one reply run concurrently (at most 8 at a
//     time), each as its own tool step on the event bus, and their results go
//     back as tool messages in the order of the calls. A reply without tool
//     calls is the final answer; an empty reply is sent back to the model.
//   - Models without tool calling get the tools and a reply format in the
//     system prompt (see internal/textproto: Thought, Action, Action Input,
//     Final Answer) and the stop word "\nObservation:" unless they reject stop
//     words. A reply that is neither an action nor a final answer, or both,
//     or whose input is not one JSON object, is sent back to the model with
//     what was wrong; it is never taken as the final answer.
//   - Tool problems (unknown tool, invalid arguments, a tool's error or
//     panic, a usage limit) are observations for the model, not errors of
//     the execution. A call identical to an earlier one of the same
//     execution (same tool, same arguments) is answered from its result with
//     a note and not run again. A tool marked ResultAsAnswer ends the
//     execution with its output.
//   - After MaxIter iterations (default 25) the model is asked once, without
//     tools, for its best final answer.
//   - When the provider says the conversation exceeds the context window
//     (llm.ErrContextWindow), the messages after the system and task
//     messages are summarised by the model (in pieces of about half the
//     model's context, or 32 KiB when unknown) and replaced by the summary;
//     if the call still does not fit, the execution fails.
//
// # Reasoning, hooks and tool failures
//
// With Reasoning, before its attempts the agent writes a plan (one model
// call, the tools named) and refines it until its last line says READY or
// MaxReasoningAttempts plans are written; the plan is appended to the user
// prompt of every attempt. It is a reasoning step on the bus, with its model
// calls inside. Hooks (see package hook) run around every model and tool
// call, the process's first, then the Job's, then the agent's; with none
// registered nothing is wrapped. ToolFailurePolicy (the agent's, else the
// Job's, else warn) decides what a tool's own error does: warn and ignore
// give it to the model, raise ends the execution with a *ToolFailureError,
// never retried; so is a *hook.BlockedError.
//
// # Limits and retries
//
// MaxExecutionTime is a deadline on the whole execution. A failed execution
// is run again from the start up to MaxRetryLimit times (default 2), except
// after cancellation, the deadline, an invalid definition, a panic, or a
// model error ([*llm.Error]) other than an empty reply. A model call has one
// retry budget, its client's: llm's client already retries rate limits,
// server and transport failures (up to Config.MaxAttempts requests), so the
// agent does not multiply them; during an outage one step sends at most
// MaxAttempts requests, not (MaxRetryLimit+1)·MaxAttempts. The agent runs an
// attempt again only for what the client cannot retry: an empty reply, a
// stream cut after its text was delivered, an answer it cannot use, or an
// error from a model that is not an *llm.Error. MaxRPM is a token bucket per
// Agent (shared by its concurrent executions); Job.Limiter is a bucket shared
// by a crew. Every model call waits for both, honouring ctx; a wait that
// blocks is announced as an event.RateLimitWait.
//
// A tool that ignores its context cannot hold an execution: when the context
// ends (cancellation, the kickoff's deadline, MaxExecutionTime) while tool
// calls run, Execute returns at once with an *Error wrapping a
// [*ToolAbandonedError] (and ErrTimeout under MaxExecutionTime). Go cannot
// stop the tool's goroutine; it runs on until the tool returns, counted by
// [AbandonedToolCalls] and reported once as a slog warning. Its tool step
// ends on the bus when it returns, after the agent step.
//
// # Delegation
//
// An agent with AllowDelegation (or running a Job as a crew's Manager) and a
// Job with Coworkers gets two tools,
// delegate_work (coworker, task, context) and ask_question (coworker,
// question, context). The coworker is found by role, ignoring case, spaces
// and punctuation; Agent.Delegates restricts whom it may be. The coworker
// executes a new job (without coworkers of its own, so delegation does not
// recurse) as a delegation step nested under the tool call, and its answer
// is the observation. Its token usage is added to the delegating execution's.
//
// # Events
//
// Every attempt is an agent step (event.AgentStarted, then exactly one
// AgentCompleted or AgentFailed, also on panic and cancellation), with the
// model calls (LLMCallStarted/Completed/Failed, and LLMStreamChunk when
// Agent.Stream is set), tool calls (ToolStarted/Finished/Failed) and
// delegations inside it. So models and tools written by users are traced
// without doing anything. With no subscriber, nothing is built for events.
//
// # Standalone kickoff
//
// [Agent.Kickoff] runs one agent without a crew, on a prompt or a
// conversation ([KickoffInput]), and returns its answer with the usage
// ([KickoffOutput]), decoded into a Go value when an [OutputSchema] is given:
// *task.Schema is one, so task.As[T]() gives an agent alone the same typed
// path as a task (the schema as ResponseFormat, lenient decoding, one
// repair). A kickoff opens a run of its own (Agent.Bus, Agent.Tracing and
// Agent.Tracer, Verbose) unless ctx carries one. Its root step is an agent
// step that stands for the first attempt, so a traced kickoff has one root
// span, "invoke_agent {role}", with the model and tool calls directly under
// it; a retry or a repair is an invoke_agent span under the root.
//
// Job.Messages continues a conversation after the task message: a task
// with HumanInput sends the agent's earlier turns and the person's
// feedback this way.
//
// # Usage
//
// Result.Usage counts every model call of Execute exactly once: failed
// attempts, summaries, the forced answer and delegated work included. An
// *Error carries the usage spent before the failure.
//
// # Concurrency
//
// An [Agent] is a definition that running it never modifies: one Agent may
// execute many jobs at once. Its methods are safe for concurrent use; so must
// be the callbacks, tools, knowledge and memory it is given. A Result or an
// [*Error] belongs to the caller and is not modified once returned.
package agent

// Package human asks a person: for feedback on a task's answer
// (task.Task.HumanInput), for a decision in a flow step (flow human
// feedback), or for anything a step wants to know (flow Ask).
//
// # Providers
//
// Where a question goes is a [Provider]: [Console] (a prompt on a writer,
// the answer read as one line from a reader; standard error and standard
// input by default, so it works with a pipe), [Func] (a Go callback: a web
// form, a chat message, a queue), or any type with an Ask method. The
// provider of a question is the one its consumer names (Task.HumanProvider,
// a flow feedback's Provider), else the one in the context ([WithProvider],
// so concurrent kickoffs can each ask their own person), else [Default], a
// Console on the process's standard streams.
//
// # Answers and errors
//
// An answer is free text; an empty answer (after trimming spaces) means
// "accepted, nothing to change". A provider that cannot answer returns an
// error; [Ask] wraps it in an [*Error] naming the question and the time
// waited, and classifies it: [ErrTimeout] (the provider's own timeout,
// Console.Timeout, or the ctx deadline), [ErrClosed] (the input ended
// before an answer), [ErrPending] (the provider will answer later: a flow
// with a store pauses, see package flow). Callers branch with errors.Is and
// errors.As.
//
// # Events and spans
//
// Every question is a human-input step on the event bus
// (event.HumanInputStarted, then HumanInputCompleted or HumanInputFailed),
// which package tracing turns into a span named "human_input {where}"
// (gen_ai.operation.name "human_input", a project name: the GenAI
// conventions have no operation for a person; openinference.span.kind
// CHAIN), carrying the question, the answer (when content is captured), the
// outcome and the wait in milliseconds. It is a sibling of the agent's
// steps, never inside a model call, so time spent waiting for a person is
// never counted as model latency.
//
// # Outcomes
//
// [Collapse] turns a free-text answer into one of a fixed list of outcomes
// (a flow router's labels) with one model call, as CrewAI's human_feedback
// does with its emit list; an answer that already names an outcome needs no
// call, and an empty answer gives the default outcome.
package human

// Package hook lets user code act on every model call and every tool call
// an agent makes: inspect it, rewrite it (the messages sent to the model,
// its reply, a tool's arguments, a tool's result) or block it with a
// reason. It is how PII filters, policy checks and audits plug in.
//
// # Hooks
//
// [Hooks] is a struct of optional functions, in the style of adk-go's
// callbacks: BeforeModel, AfterModel, BeforeTool, AfterTool. A hook gets the
// call as a pointer and rewrites it in place; it blocks the call by
// returning an error, whose text is the reason. Adding a field to Hooks
// later breaks no one.
//
// Hooks are registered at three levels, and run in this order for every
// call, each seeing what the previous one rewrote; the first that blocks
// stops the others:
//
//  1. for the process, with [Register] (a documented process default, like
//     http.DefaultClient: meant for program setup, not per request);
//  2. for a crew (crew.Crew.Hooks, passed to its agents' jobs);
//  3. for an agent (agent.Agent.Hooks).
//
// # What a block does
//
//   - BeforeTool blocks: the tool does not run; the model gets an error
//     result that names the tool and gives the reason, and goes on (it may
//     try something else). The call is still a tool step (an execute_tool
//     span) whose result carries the reason (crewai.hook.blocked,
//     crewai.hook.reason).
//   - AfterTool blocks: the tool ran, but its result is withheld; the model
//     gets the reason instead, as above.
//   - BeforeModel or AfterModel blocks: the execution ends with a
//     [*BlockedError] carrying the reason (not retried; a crew's task fails
//     with it). The call is a chat span with error status and the reason.
//     A model call cannot be skipped and the loop go on: the reply is what
//     drives the agent.
//
// A hook that panics blocks its call, with the panic as the reason.
//
// # Cost
//
// With no hook registered anywhere, an agent pays one atomic load per
// execution: nothing is allocated and no call is wrapped.
//
// Hook functions may be called from several goroutines at once (parallel
// tool calls, concurrent kickoffs): they must be safe for concurrent use.
package hook

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/crewai-go/crewai/llm"
)

// ModelCall is one model call as hooks see it. The zero value is an empty
// call. A hook rewrites it in place.
type ModelCall struct {
	// Agent is the role of the agent making the call.
	Agent string
	// Model is the model's name.
	Model string
	// Messages are the messages sent to the model. BeforeModel may replace
	// them or any of their elements: the rewritten messages are sent, and
	// appear in events and traces, while the agent's own conversation keeps
	// what it had (so a redaction applies to every call). The slice is the
	// hook's own copy; the strings it points to are shared and immutable.
	Messages []llm.Message
	// Response is the model's reply, for AfterModel (nil before the
	// call). AfterModel may change its Content and ToolCalls: the agent
	// goes on with what it leaves.
	Response *llm.Response
}

// ToolCall is one tool call as hooks see it. The zero value is an empty
// call. A hook rewrites it in place.
type ToolCall struct {
	// Agent is the role of the agent making the call.
	Agent string
	// Tool is the tool's name as the model gave it.
	Tool string
	// CallID is the model's ID of the call.
	CallID string
	// Arguments is the call's JSON arguments; BeforeTool may rewrite them.
	Arguments string
	// Result is what the tool returned, for AfterTool (empty before the
	// call); AfterTool may rewrite it.
	Result string
	// IsError is true, for AfterTool, when Result tells the model about a
	// problem rather than being a real result.
	IsError bool
}

// Hooks are optional functions called around model and tool calls (see the
// package doc). A nil field is skipped. The zero value does nothing.
type Hooks struct {
	// BeforeModel is called before each model call.
	BeforeModel func(ctx context.Context, call *ModelCall) error
	// AfterModel is called after each model call that returned a reply.
	AfterModel func(ctx context.Context, call *ModelCall) error
	// BeforeTool is called before each tool call (delegations included).
	BeforeTool func(ctx context.Context, call *ToolCall) error
	// AfterTool is called after each tool call that ran.
	AfterTool func(ctx context.Context, call *ToolCall) error
}

// BlockedError is the error of an execution whose model call a hook
// blocked. It is read-only once returned.
type BlockedError struct {
	// Stage is "before model" or "after model".
	Stage string
	// Model is the model's name.
	Model string
	// Reason is the blocking hook's error text.
	Reason string
	// Err is the blocking hook's error.
	Err error
}

// Error names the stage and gives the reason.
func (e *BlockedError) Error() string {
	return "hook: the model call to " + strconv.Quote(e.Model) + " was blocked " + e.Stage + ": " + e.Reason
}

// Unwrap returns the hook's error.
func (e *BlockedError) Unwrap() error { return e.Err }

var (
	mu     sync.Mutex
	global atomic.Pointer[[]*Hooks]
)

// Register adds h to the process-wide hooks, which run before a crew's and
// an agent's for every call of every agent in the process, and returns a
// function that removes it (safe to call more than once). It is safe for
// concurrent use; an execution already running keeps the hooks it started
// with.
func Register(h Hooks) (unregister func()) {
	p := &h
	mu.Lock()
	defer mu.Unlock()
	var cur []*Hooks
	if old := global.Load(); old != nil {
		cur = *old
	}
	next := append(slices.Clip(cur), p)
	global.Store(&next)
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			var cur []*Hooks
			if old := global.Load(); old != nil {
				cur = *old
			}
			next := slices.DeleteFunc(slices.Clone(cur), func(x *Hooks) bool { return x == p })
			if len(next) == 0 {
				global.Store(nil)
				return
			}
			global.Store(&next)
		})
	}
}

// Registered returns the process-wide hooks, in registration order (nil
// when there are none). The slice is shared: do not modify it.
func Registered() []*Hooks {
	if p := global.Load(); p != nil {
		return *p
	}
	return nil
}

package agent

import (
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/hook"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

// Agent is a role played by a model: who it is (Role, Goal, Backstory), what
// it can use (LLM, Tools) and its limits. An Agent is a definition: running
// it never modifies its exported fields, so one Agent may execute many jobs
// at once, from many goroutines. Its zero value is not runnable (it needs at
// least Role and LLM). An Agent must not be copied after its first Execute
// (it holds the token bucket of MaxRPM and its prepared tools).
type Agent struct {
	// Role names the agent ("Senior Research Analyst"); it may hold
	// {placeholders} filled from the kickoff inputs. Required.
	Role string
	// Goal is what the agent works towards; it may hold {placeholders}.
	Goal string
	// Backstory gives the agent its voice; it may hold {placeholders}.
	Backstory string
	// LLM is the model the agent thinks with. Required.
	LLM llm.LLM
	// Tools the agent may call.
	Tools []tool.Tool
	// MCPs are sources of more tools, acquired at the start of each
	// execution and added to Tools (or to the Job's tools): MCP servers
	// (*mcp.Server, the CrewAI "mcps" idea) or any other [tool.Source]. In
	// a crew or flow kickoff a source is opened once for the whole run and
	// closed at its end; a standalone execution closes it when it returns.
	// A source that cannot be acquired fails the execution with its error.
	MCPs []tool.Source
	// MaxIter caps the model calls of one execution; when reached, the model
	// is asked once, without tools, for its best final answer. 0 means 25.
	MaxIter int
	// MaxRPM, if positive, caps this agent's model calls per minute: a token
	// bucket shared by all its executions, refilled at MaxRPM per minute,
	// holding at most MaxRPM calls. Zero means no limit of its own; a
	// negative value is an error.
	MaxRPM int
	// MaxExecutionTime, if positive, bounds one execution, retries included
	// (a ctx deadline). Reaching it is an error matching [ErrTimeout]. Zero
	// means no limit; a negative value is an error.
	MaxExecutionTime time.Duration
	// MaxRetryLimit is how many times a failed execution is run again. 0
	// means 2; a negative value means no retry. Cancellation, timeouts,
	// invalid definitions, panics and model errors that the model client
	// has classified (an *llm.Error, which its own retries already
	// covered; an empty reply excepted) are never run again.
	MaxRetryLimit int
	// AllowDelegation gives the agent the tools to delegate work to, and ask
	// questions of, the coworkers named in a Job.
	AllowDelegation bool
	// Delegates, if not empty, lists the roles this agent may delegate to
	// (matched like coworker names: case, spaces and punctuation ignored);
	// other coworkers are refused. Empty means every coworker.
	Delegates []string
	// Verbose prints this agent's executions (its model calls, tool calls
	// and answers) to standard error through the console printer, an event
	// handler; inside a verbose crew it changes nothing.
	Verbose bool
	// Stream asks the model for a streamed reply; each piece is announced as
	// an event.LLMStreamChunk.
	Stream bool
	// ID, if set, is the agent's stable identifier in events
	// (gen_ai.agent.id); when empty, a hash of the role, goal and backstory
	// is used.
	ID string
	// StepCallback, if set, is called after each step of an execution, on
	// the executing goroutine. It must be safe for concurrent use when the
	// agent runs several jobs at once.
	StepCallback func(Step)
	// SystemTemplate, if set, replaces the system prompt. It may use
	// {role}, {goal} and {backstory}; any other placeholder is an error.
	SystemTemplate string
	// Knowledge, if set, is searched before each job: the model first turns
	// the job's description into a search query (unless NoQueryRewrite),
	// and the passages found go into the user prompt, after the context and
	// what memory recalled (a *knowledge.Knowledge). A Job's Knowledge (a
	// crew's) is searched after it.
	Knowledge Knowledge
	// NoQueryRewrite searches knowledge with the job's description as it
	// is, instead of a query the model writes from it (one model call less
	// per job).
	NoQueryRewrite bool
	// Memory, if set, is this agent's memory, used instead of the Job's (a
	// crew's): what it recalls for a job goes into the user prompt, the
	// agent gets its tools, and a task remembers its result in it (a
	// *memory.Memory).
	Memory Memory
	// Tracing asks for the agent's standalone kickoffs (Kickoff) to be
	// traced (see package tracing; CREWAI_TRACING_ENABLED also turns it
	// on). Inside a crew or flow, theirs decides.
	Tracing bool
	// Tracer is where traced standalone kickoffs send their spans; nil
	// means tracing.Default().
	Tracer *tracing.Tracer
	// Bus receives the events of standalone kickoffs; nil means
	// event.Default().
	Bus *event.Bus
	// TaskTemplate, if set, replaces the layout of the user prompt. It may
	// use {description}, {expected_output} and {context}; any other
	// placeholder is an error.
	TaskTemplate string
	// ToolFailurePolicy says what happens when one of the agent's tools
	// fails (returns an error or panics): ToolFailureWarn (the default,
	// unless the Job names another), ToolFailureIgnore or ToolFailureRaise.
	ToolFailurePolicy ToolFailurePolicy
	// Hooks act on this agent's model and tool calls (see package hook),
	// after the process's and the Job's.
	Hooks []hook.Hooks
	// Reasoning makes the agent plan before each job: it writes a plan and
	// refines it until it judges itself ready or has written
	// MaxReasoningAttempts plans, then works with the plan in its prompt
	// (one to MaxReasoningAttempts model calls more per job; a reasoning
	// step on the bus and a "reason {role}" span).
	Reasoning bool
	// MaxReasoningAttempts caps the plans written with Reasoning; 0 means
	// DefaultMaxReasoningAttempts; a negative value is an error.
	MaxReasoningAttempts int
	// Guardrails check the answer of a standalone Kickoff, in order,
	// before it is returned; a rejection makes the agent answer again with
	// the feedback (see [Guardrail]). They do not apply when the agent
	// works on a task (the task's guardrails do).
	Guardrails []Guardrail
	// GuardrailMaxRetries is each guardrail's retry budget when its own
	// MaxRetries is 0. 0 means DefaultGuardrailMaxRetries; a negative value
	// means no retry.
	GuardrailMaxRetries int

	rpm     rpmLimiter
	runners runnerCache
}

// runnerCache keeps the tool runners of the agent's own tools and of the
// last job-level tool list, with the tool definitions offered to the model
// and the tool names, so that argument schemas are compiled and definitions
// built once, not at every execution. The cache is keyed by the tools
// themselves: a cached runner is used only while the slice holds the same
// tools, compared one by one with the copy the runner was made from, so a
// tool replaced in place (even in the same backing array) makes a new
// runner. Tools are compared with ==, so a pointer tool is the same tool as
// long as the pointer is, and a value tool as long as its value is; a list
// holding a tool whose dynamic type cannot be compared (a struct with a
// slice or map field, say) gets a new runner at every execution.
type runnerCache struct {
	own atomic.Pointer[cachedRunner]
	job atomic.Pointer[cachedRunner]
}

// cachedRunner is a runner over a tool slice and what is derived from it;
// it is read-only once made, and shared by concurrent executions.
type cachedRunner struct {
	tools []tool.Tool // the tools it was made from (a copy)
	r     *tool.Runner
	defs  []llm.ToolDef // the runner's tools as offered to the model
	names []string      // their names
}

// noTools is the cachedRunner of an empty tool list; it holds nothing that
// changes.
var noTools = &cachedRunner{r: tool.NewRunner(nil)}

// runnerFor returns a runner over tools, from slot when it was made for the
// same tools.
func runnerFor(slot *atomic.Pointer[cachedRunner], tools []tool.Tool) *cachedRunner {
	if len(tools) == 0 {
		return noTools
	}
	cacheable := comparableTools(tools)
	if c := slot.Load(); cacheable && c != nil && sameTools(c.tools, tools) {
		return c
	}
	r := tool.NewRunner(tools)
	c := &cachedRunner{tools: slices.Clone(tools), r: r}
	if ts := r.Tools(); len(ts) > 0 {
		c.defs = make([]llm.ToolDef, len(ts))
		c.names = make([]string, len(ts))
		for i, t := range ts {
			c.defs[i] = llm.ToolDef{Name: t.Name(), Description: t.Description(), Parameters: t.Schema()}
			c.names[i] = c.defs[i].Name
		}
	}
	if cacheable {
		slot.Store(c)
	}
	return c
}

// comparableTools reports whether every tool's dynamic type can be compared
// with == (nil tools included).
func comparableTools(tools []tool.Tool) bool {
	for _, t := range tools {
		if t != nil && !reflect.TypeOf(t).Comparable() {
			return false
		}
	}
	return true
}

// sameTools reports whether a and b hold the same tools. A comparable struct
// may still hold an interface field whose value cannot be compared; that
// comparison panics, and such lists are taken as different.
func sameTools(a, b []tool.Tool) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return slices.Equal(a, b)
}

// rpmLimiter is the agent's own token bucket, made on first use.
type rpmLimiter struct {
	once sync.Once
	lim  *rate.Limiter
}

// limiter returns the agent's token bucket, or nil without MaxRPM.
func (a *Agent) limiter() *rate.Limiter {
	if a.MaxRPM <= 0 {
		return nil
	}
	a.rpm.once.Do(func() {
		a.rpm.lim = rate.NewLimiter(rate.Every(time.Minute/time.Duration(a.MaxRPM)), a.MaxRPM)
	})
	return a.rpm.lim
}

// Step is one step of an execution (one model call and what followed from it),
// as given to StepCallback. The zero value is an empty step. A Step is handed
// to the callback by value and not used by the agent afterwards: the callback
// may keep it and read it from any goroutine, but must not modify its slices.
type Step struct {
	// Iteration counts model calls in this execution, from 1.
	Iteration int
	// Thought is the model's text for this step (may be empty).
	Thought string
	// ToolCalls are the calls made in this step with their results.
	ToolCalls []ToolCallResult
	// FinalAnswer is set on the last step.
	FinalAnswer string
}

// ToolCallResult is one tool call of a step and what it returned. Repeated
// is true when the call repeated an earlier identical call and was answered
// from its result without running the tool. The zero value is an empty call
// with an empty result.
type ToolCallResult struct {
	// Call is the call the model asked for.
	Call llm.ToolCall
	// Result is what the call returned (an error text for the model when
	// Result.IsError).
	Result tool.Result
	// Repeated is true when the call repeated the previous identical call
	// and was answered from its result without running the tool again.
	Repeated bool
}

// Job is one piece of work for an agent. The zero value is an empty job. A Job
// is read, never modified, by Execute. One Job may be executed by several
// goroutines at once while no one modifies it.
type Job struct {
	// Description says what to do; ExpectedOutput what the answer must be.
	Description    string
	ExpectedOutput string
	// Context is earlier work handed to this job (may be empty).
	Context string
	// Inputs fill {placeholders} in the agent's role, goal and backstory.
	Inputs map[string]any
	// Tools, if not nil, replace the agent's own tools for this job.
	Tools []tool.Tool
	// ResponseFormat, if set, asks the model for JSON following a schema.
	ResponseFormat *llm.ResponseFormat
	// Coworkers are the agents this one may delegate to, when it allows
	// delegation (or runs as a Manager). The agent itself is ignored if
	// listed.
	Coworkers []*Agent
	// Manager runs the agent as the manager of a hierarchical crew: it gets
	// the delegation tools for Coworkers whatever its AllowDelegation says,
	// as CrewAI forces delegation on for a crew's manager.
	Manager bool
	// Limiter, if not nil, is a token bucket shared with other agents (a
	// crew's MaxRPM): every model call waits for it, as well as for the
	// agent's own MaxRPM bucket. It is passed on to delegated coworkers.
	Limiter *rate.Limiter
	// StepCallback, if set, is called after each step of the execution, after
	// the Agent's own StepCallback (a crew's StepCallback arrives this way).
	// It is passed on to delegated coworkers. It must be safe for concurrent
	// use when jobs run at once.
	StepCallback func(Step)
	// Crew names the crew the job is done for: the scope of memories.
	Crew string
	// Knowledge, if set, is searched after the agent's own (a crew's).
	Knowledge Knowledge
	// Memory is used when the agent has no Memory of its own (a crew's).
	Memory Memory
	// ToolFailurePolicy applies when the agent has none of its own (a
	// crew's).
	ToolFailurePolicy ToolFailurePolicy
	// Files are images, documents or audio for the model to look at (a
	// task's Files): they go with the job's first user message, after its
	// text, mapped by the model client (see [llm.Part]).
	Files []llm.Part
	// Messages, if set, continue the conversation after the task message
	// (the system and user prompts built from the job): earlier turns and
	// a person's feedback, as a task with HumanInput sends them. With an
	// empty Description and no ExpectedOutput, Context or TaskTemplate they
	// replace the task message: the conversation is the system prompt
	// followed by Messages (Agent.Kickoff with messages).
	Messages []llm.Message
	// Hooks act on the execution's model and tool calls (a crew's), after
	// the process's and before the agent's own (see package hook).
	Hooks []hook.Hooks
}

// Result is what an execution produced. Execute returns a new Result that the
// caller owns; the zero value is an empty result.
type Result struct {
	// Output is the final answer.
	Output string
	// Messages is the conversation of the successful attempt, in order,
	// ending with the model's final reply.
	Messages []llm.Message
	// Usage counts the tokens of every model call made by Execute, each
	// exactly once: failed attempts, summaries, the forced final answer and
	// the work of delegated coworkers included.
	Usage llm.Usage
	// Iterations counts the model calls of the successful attempt (the
	// forced final answer included, summaries not).
	Iterations int
}

package crew

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/hook"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

// Process is how a crew works through its tasks. The zero Process (empty)
// means Sequential.
type Process string

// The processes.
const (
	// Sequential runs the tasks in order, each by its own agent. It is the
	// default (the zero Process means Sequential).
	Sequential Process = "sequential"
	// Hierarchical gives every task to a manager agent that delegates the
	// work to the crew's agents.
	Hierarchical Process = "hierarchical"
)

// DefaultMemoryDrainTimeout is how long a kickoff waits for its background
// memory saves when Crew.MemoryDrainTimeout is 0.
const DefaultMemoryDrainTimeout = 30 * time.Second

// DefaultConcurrency is how many kickoffs KickoffForEach runs at once when
// Crew.Concurrency is 0.
const DefaultConcurrency = 8

// Crew is a team of agents and the tasks they work through. It is a
// definition: kickoffs never modify it, so it is safe for concurrent use as
// long as nobody changes its fields meanwhile. It must not be copied after
// its first kickoff (it holds the MaxRPM token bucket shared by all its
// kickoffs). The zero value has no tasks and does not validate.
type Crew struct {
	// Name names the crew in events, traces and errors (default "crew").
	Name string
	// Agents are the crew's members: the coworkers of a hierarchical crew's
	// manager. Tasks may also name agents that are not listed.
	Agents []*agent.Agent
	// Tasks are worked through in order.
	Tasks []*task.Task
	// Process is Sequential (the default) or Hierarchical.
	Process Process
	// Verbose prints a live account of each kickoff to standard error.
	Verbose bool
	// MaxRPM, if positive, caps the model calls per minute of all the crew's
	// agents together, across all its kickoffs (a token bucket; every wait
	// is a rate_limit_wait event). Agents' own MaxRPM limits apply too.
	MaxRPM int
	// TaskCallback, if set, is called with every task output once the task
	// has succeeded (after the task's own Callback), on the goroutine that
	// ran the task: it must be safe for concurrent use with async tasks and
	// concurrent kickoffs.
	TaskCallback func(task.TaskOutput)
	// StepCallback, if set, is called after each step of every agent
	// execution of a kickoff (after the agent's own StepCallback), delegated
	// coworkers included. It must be safe for concurrent use.
	StepCallback func(agent.Step)
	// BeforeKickoff, if set, may rewrite the inputs of each kickoff before
	// validation; an error ends the kickoff before any model call. It gets a
	// copy of the inputs. A panic of the hook is an error of the kickoff.
	BeforeKickoff func(ctx context.Context, inputs map[string]any) (map[string]any, error)
	// AfterKickoff, if set, may rewrite the output of each successful
	// kickoff; an error fails the kickoff, and so does a panic of the hook
	// (the crew's failed event then carries the panic's stack).
	AfterKickoff func(ctx context.Context, out *CrewOutput) (*CrewOutput, error)
	// Tracing asks for the kickoffs to be traced (see package tracing; the
	// CREWAI_TRACING_ENABLED environment variable also turns it on).
	Tracing bool
	// Tracer is where traced kickoffs send their spans; nil means
	// tracing.Default(), built from the environment on the first traced
	// run. Setting it does not turn tracing on: Tracing does.
	Tracer *tracing.Tracer
	// Bus receives the events of the crew's kickoffs; nil means
	// event.Default(). A kickoff inside a run (a flow method) uses that run's
	// bus.
	Bus *event.Bus
	// ManagerLLM is the model of the manager a hierarchical crew builds.
	ManagerLLM llm.LLM
	// ManagerAgent, if set, is the manager of a hierarchical crew instead of
	// one built on ManagerLLM. It must have an LLM and no tools of its own,
	// and must not be one of Agents. It gets the delegation tools whatever
	// its AllowDelegation says, as CrewAI forces delegation on a manager.
	ManagerAgent *agent.Agent
	// Concurrency caps how many kickoffs KickoffForEach runs at once; 0
	// means DefaultConcurrency.
	Concurrency int
	// Memory, if set, is the crew's memory (a *memory.Memory): before each
	// task the agent recalls what is relevant into its prompt and gets the
	// memory tools, and after each task its result is remembered, in the
	// background; a kickoff waits for its saves (at most
	// MemoryDrainTimeout) before it returns. Agents with a Memory of their
	// own use theirs.
	Memory agent.Memory
	// Knowledge, if set, is searched before every task, after the agent's
	// own knowledge (a *knowledge.Knowledge).
	Knowledge agent.Knowledge
	// MemoryDrainTimeout bounds the wait for background memory saves at the
	// end of a kickoff; 0 means DefaultMemoryDrainTimeout. Saves still
	// running then go on, and a warning says so.
	MemoryDrainTimeout time.Duration
	// ToolFailurePolicy is the tool failure policy of the agents that have
	// none of their own (see agent.ToolFailurePolicy); empty means
	// agent.ToolFailureWarn.
	ToolFailurePolicy agent.ToolFailurePolicy
	// Hooks act on every model and tool call of the crew's agents (the
	// manager and delegated coworkers included), after the process's hooks
	// and before each agent's own (see package hook).
	Hooks []hook.Hooks
	// Planning makes each kickoff plan before its tasks run: a planner
	// writes a step plan for every task from the tasks' descriptions,
	// expected outputs, agents, tools and knowledge, and each plan is added
	// to its task's description, as CrewAI's planning (one extra model
	// execution per kickoff; a "plan {crew}" span; shown by Verbose).
	Planning bool
	// PlanningLLM is the planner's model; nil means the model of the first
	// task's agent (else the manager's).
	PlanningLLM llm.LLM
	// OutputLogFile, if set, is a file each task's output is appended to as
	// the task completes (skipped tasks too): one JSON object a line when
	// the name ends in ".json" or ".jsonl", else text. A failure to write
	// is logged (slog) and the run goes on.
	OutputLogFile string

	rpmOnce sync.Once
	rpm     *rate.Limiter
}

// CrewOutput is what a kickoff produced. The zero value is an empty
// output.
type CrewOutput struct {
	// Raw is the text of the last task output that is not empty.
	Raw string
	// Value and JSON are that output's decoded structured value and its
	// JSON, or nil for raw output.
	Value any
	JSON  json.RawMessage
	// Tasks holds every task's output, in task order.
	Tasks []task.TaskOutput
	// Usage is the sum of the tasks' usages.
	Usage llm.Usage
	// Inputs are the inputs the kickoff ran with (after BeforeKickoff), kept
	// for [Crew.ReplayFrom].
	Inputs map[string]any
	// Plans holds, with Crew.Planning, the plan written for each task, in
	// task order; nil without planning.
	Plans []string
	// Cost is the estimated price of the kickoff's model calls in US
	// dollars, from the built-in price table: each task's usage at its
	// agent's model (the manager's in a hierarchical crew), plus the
	// planning at the planning model. Work a task hands to another model
	// (a coworker, a guardrail's judge) is priced at the task's model.
	// CostKnown is false when some model's price is unknown; Cost then
	// counts only what is known.
	Cost      float64
	CostKnown bool
}

// name returns the crew's display name.
func (c *Crew) name() string {
	if c.Name == "" {
		return "crew"
	}
	return c.Name
}

func (c *Crew) process() Process {
	if c.Process == "" {
		return Sequential
	}
	return c.Process
}

// limiter returns the crew-wide token bucket, or nil without MaxRPM.
func (c *Crew) limiter() *rate.Limiter {
	if c.MaxRPM <= 0 {
		return nil
	}
	c.rpmOnce.Do(func() {
		c.rpm = rate.NewLimiter(rate.Every(time.Minute/time.Duration(c.MaxRPM)), c.MaxRPM)
	})
	return c.rpm
}

// Validate checks the crew's definition with inputs, without any model call.
// It returns a *ValidationError naming the first problem found. Each agent
// is checked once, by [agent.Agent.Validate] (the agent's own checks, its
// model client's configuration through llm.Check, its tools through
// tool.Check), however many tasks name it; a task by [task.Task.Validate].
// Nothing is cached between calls, so a definition changed between
// kickoffs is checked afresh, and a crew that is fine costs no allocation
// (as long as it has at most 16 distinct agents and no OutputFile with
// placeholders).
func (c *Crew) Validate(inputs map[string]any) error {
	name := c.name()
	bad := func(field fieldRef, format string, args ...any) error {
		return &ValidationError{Crew: name, Field: field.String(), Reason: fmt.Sprintf(format, args...)}
	}
	proc := c.process()
	if proc != Sequential && proc != Hierarchical {
		return bad(fieldRef{name: "Process"}, "%q is not a process; use crew.Sequential or crew.Hierarchical", string(c.Process))
	}
	if len(c.Tasks) == 0 {
		return bad(fieldRef{name: "Tasks"}, "the crew has no tasks; add at least one")
	}
	if c.Concurrency < 0 {
		return bad(fieldRef{name: "Concurrency"}, "%d is negative; use 0 for the default (%d) or a positive limit", c.Concurrency, DefaultConcurrency)
	}
	if c.MaxRPM < 0 {
		return bad(fieldRef{name: "MaxRPM"}, "%d is negative; use 0 for no limit or a positive rate", c.MaxRPM)
	}
	switch c.ToolFailurePolicy {
	case "", agent.ToolFailureWarn, agent.ToolFailureIgnore, agent.ToolFailureRaise:
	default:
		return bad(fieldRef{name: "ToolFailurePolicy"}, "%q is not a policy; use %q, %q or %q (empty means %q)",
			string(c.ToolFailurePolicy), agent.ToolFailureIgnore, agent.ToolFailureWarn, agent.ToolFailureRaise, agent.ToolFailureWarn)
	}
	var seen [16]*agent.Agent
	checked := seen[:0]
	checkAgent := func(field fieldRef, a *agent.Agent) error {
		if a == nil {
			return bad(field, "is nil")
		}
		if slices.Contains(checked, a) {
			return nil // checked once per call
		}
		checked = append(checked, a)
		if err := a.Validate(inputs); err != nil {
			return &ValidationError{Crew: name, Field: field.String(), Reason: err.Error(), Err: err}
		}
		return nil
	}
	for i, a := range c.Agents {
		if err := checkAgent(fieldRef{name: "Agents", i: i, indexed: true}, a); err != nil {
			return err
		}
	}
	if proc == Hierarchical {
		mf := fieldRef{name: "ManagerAgent"}
		switch {
		case c.ManagerAgent != nil:
			if err := checkAgent(mf, c.ManagerAgent); err != nil {
				return err
			}
			if len(c.ManagerAgent.Tools) > 0 {
				return bad(mf.with("Tools"), "the manager %q has %d tools; a manager works only through delegation, so give it none",
					c.ManagerAgent.Role, len(c.ManagerAgent.Tools))
			}
			for i, a := range c.Agents {
				if a == c.ManagerAgent {
					return bad(fieldRef{name: "Agents", i: i, indexed: true}, "is the ManagerAgent %q; the manager must not be one of the crew's agents", a.Role)
				}
			}
		case c.ManagerLLM == nil:
			return bad(fieldRef{name: "ManagerLLM"}, "a hierarchical crew needs ManagerLLM or ManagerAgent; set one")
		default:
			if err := llm.Check(c.ManagerLLM); err != nil {
				return &ValidationError{Crew: name, Field: "ManagerLLM", Reason: err.Error(), Err: err}
			}
		}
		if !c.hasCoworkers() {
			return bad(fieldRef{name: "Agents"}, "a hierarchical crew needs agents for its manager to delegate to")
		}
	}
	for i, t := range c.Tasks {
		field := fieldRef{name: "Tasks", i: i, indexed: true}
		if t == nil {
			return bad(field, "is nil")
		}
		if j := slices.Index(c.Tasks[:i], t); j >= 0 {
			return bad(field, "task %q is listed twice", t.DisplayName())
		}
		if err := tool.Check(t.Tools); err != nil {
			return &ValidationError{Crew: name, Field: field.with("Tools").String(), Reason: err.Error(), Err: err}
		}
		if t.Name != "" {
			for j, u := range c.Tasks[:i] {
				if u.Name == t.Name {
					return bad(field.with("Name"), "%q is also the name of Tasks[%d]; task names must be unique", t.Name, j)
				}
			}
		}
		if t.Agent == nil && proc == Sequential {
			return bad(field.with("Agent"), "task %q has no agent; a sequential crew needs an agent on every task", t.DisplayName())
		}
		if t.Agent != nil {
			if err := checkAgent(field.with("Agent"), t.Agent); err != nil {
				return err
			}
		}
		if err := t.Validate(inputs); err != nil {
			return &ValidationError{Crew: name, Field: field.String(), Reason: err.Error(), Err: err}
		}
	}
	if err := c.validateConditions(); err != nil {
		return err
	}
	for i, t := range c.Tasks {
		for k, ct := range t.Context {
			field := fieldRef{name: "Tasks", i: i, indexed: true, sub: "Context", k: k, subIndexed: true}
			j := slices.Index(c.Tasks, ct)
			switch {
			case j < 0:
				return bad(field, "task %q is not one of the crew's tasks", ct.DisplayName())
			case j >= i:
				return bad(field, "task %q (Tasks[%d]) does not run before task %q (Tasks[%d]); a context may only name earlier tasks",
					ct.DisplayName(), j, t.DisplayName(), i)
			}
			if t.Async && ct.Async {
				running := true
				for m := j + 1; m < i; m++ {
					if !c.Tasks[m].Async {
						running = false
						break
					}
				}
				if running {
					return bad(field, "async task %q names async task %q, which is still running when it starts; put a synchronous task between them or make one synchronous",
						t.DisplayName(), ct.DisplayName())
				}
			}
		}
	}
	return nil
}

// fieldRef names a field of a crew, such as "Tasks[2].Agent" or
// "Tasks[1].Context[0]", formatted only when a problem is reported.
type fieldRef struct {
	name       string
	i          int
	indexed    bool
	sub        string
	k          int
	subIndexed bool
}

func (f fieldRef) with(sub string) fieldRef { f.sub = sub; return f }

func (f fieldRef) String() string {
	s := f.name
	if f.indexed {
		s += "[" + strconv.Itoa(f.i) + "]"
	}
	if f.sub != "" {
		s += "." + f.sub
		if f.subIndexed {
			s += "[" + strconv.Itoa(f.k) + "]"
		}
	}
	return s
}

// hasCoworkers reports whether the manager has someone to delegate to.
func (c *Crew) hasCoworkers() bool {
	for _, a := range c.Agents {
		if a != nil && a != c.ManagerAgent {
			return true
		}
	}
	return false
}

// coworkers returns who the manager may delegate t to: t's agent, or every
// agent of the crew (for a nil or agentless task).
func (c *Crew) coworkers(t *task.Task) []*agent.Agent {
	if t != nil && t.Agent != nil {
		return []*agent.Agent{t.Agent}
	}
	out := make([]*agent.Agent, 0, len(c.Agents))
	for _, a := range c.Agents {
		if a != nil && a != c.ManagerAgent {
			out = append(out, a)
		}
	}
	return out
}

package crew

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/console"
	"github.com/crewai-go/crewai/internal/usagemeter"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

// The manager a hierarchical crew builds on ManagerLLM.
const (
	managerRole      = "Crew Manager"
	managerGoal      = "Get each task done well by handing the work to the best-suited teammate and checking what comes back."
	managerBackstory = "You lead a team of specialists. You do not do the work yourself: you explain each job in full " +
		"to the right teammate, since they know nothing else about it, review the result, and ask again until it " +
		"meets the expected output."
)

// Kickoff runs the crew once with inputs (which fill the {placeholders} of
// tasks and agents) and returns every task's output. The definition is
// checked first (a *ValidationError, before any model call). A failed task
// ends the kickoff with a *TaskError; the output returned with it holds the
// tasks completed so far. ctx bounds the whole kickoff.
func (c *Crew) Kickoff(ctx context.Context, inputs map[string]any) (*CrewOutput, error) {
	return c.kickoff(ctx, inputs, nil)
}

func (c *Crew) kickoff(ctx context.Context, inputs map[string]any, seeded []task.TaskOutput) (*CrewOutput, error) {
	inputs = maps.Clone(inputs)
	if inputs == nil {
		inputs = map[string]any{}
	}
	if c.BeforeKickoff != nil {
		var err error
		func() {
			defer recoverHook(&err, nil)
			inputs, err = c.BeforeKickoff(ctx, inputs)
		}()
		if err != nil {
			return nil, fmt.Errorf("crew %q: BeforeKickoff: %w", c.name(), err)
		}
	}
	if err := c.Validate(inputs); err != nil {
		return nil, err
	}
	ctx = event.StartRun(ctx, c.Bus)
	ctx, finish := tracing.Attach(ctx, c.Tracer, tracing.Requested(c.Tracing))
	defer finish()
	ctx = tool.WithRunState(ctx)
	ctx, endScope := tool.WithScope(ctx)
	defer endScope()
	if c.Verbose {
		ctx = console.Attach(ctx, os.Stderr)
	}
	name := c.name()
	ctx, step := event.Begin(ctx, event.CrewStarted{Header: event.Header{Source: "crew:" + name},
		Crew: name, Process: string(c.process()), Inputs: inputs, Tracing: c.Tracing})
	out := &CrewOutput{Inputs: inputs}
	ended := false
	defer func() {
		if !ended {
			p := recover()
			event.End(step, event.CrewFailed{Crew: name, Usage: out.Usage, Failure: event.Failure{
				Err: fmt.Errorf("crew %q panicked: %v", name, p), Panic: true, Stack: string(debug.Stack())}})
			panic(p)
		}
	}()
	var meter *usagemeter.Meter
	if c.usesRetrieval() {
		ctx, meter = usagemeter.With(ctx)
	}
	err := c.run(ctx, inputs, seeded, out)
	c.drainMemories(ctx)
	if meter != nil {
		out.Usage = out.Usage.Add(meter.Usage())
	}
	var stack string
	if err == nil && c.AfterKickoff != nil {
		var after *CrewOutput
		func() {
			defer recoverHook(&err, &stack)
			after, err = c.AfterKickoff(ctx, out)
		}()
		if err != nil {
			err = fmt.Errorf("crew %q: AfterKickoff: %w", name, err)
		} else if after != nil {
			out = after
		}
	}
	ended = true
	if err != nil {
		event.End(step, event.CrewFailed{Crew: name, Usage: out.Usage,
			Failure: event.Failure{Err: err, Panic: stack != "", Stack: stack}})
		return out, err
	}
	event.End(step, event.CrewCompleted{Crew: name, Output: out.Raw, Usage: out.Usage})
	return out, nil
}

// errHookPanicked marks the error of a BeforeKickoff or AfterKickoff hook
// that panicked.
var errHookPanicked = errors.New("panicked")

// recoverHook, deferred around a call of a user's hook, turns a panic of the
// hook into *err (and its stack into *stack, when not nil), so that a
// panicking hook fails the kickoff instead of crashing the program.
func recoverHook(err *error, stack *string) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w: %v", errHookPanicked, p)
		if stack != nil {
			*stack = string(debug.Stack())
		}
	}
}

// slot is one task's place in a kickoff.
type slot struct {
	out  *task.TaskOutput
	done bool
}

// run works through the tasks, filling out.
func (c *Crew) run(ctx context.Context, inputs map[string]any, seeded []task.TaskOutput, out *CrewOutput) error {
	n := len(c.Tasks)
	slots := make([]slot, n)
	for i := range seeded {
		o := seeded[i]
		slots[i] = slot{out: &o, done: true}
	}
	var manager *agent.Agent
	if c.process() == Hierarchical {
		manager = c.ManagerAgent
		if manager == nil {
			manager = &agent.Agent{Role: managerRole, Goal: managerGoal, Backstory: managerBackstory,
				LLM: c.ManagerLLM, AllowDelegation: true}
		}
	}
	// Async tasks run in a group owned by this function; every path below
	// waits for it.
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var group *errgroup.Group
	var gctx context.Context
	wait := func() error {
		if group == nil {
			return nil
		}
		err := group.Wait()
		group = nil
		return err
	}
	collect := func() {
		out.Tasks = out.Tasks[:0]
		out.Usage = llm.Usage{}
		for i := range slots {
			if slots[i].done {
				o := *slots[i].out
				out.Tasks = append(out.Tasks, o)
				out.Usage = out.Usage.Add(o.Usage)
				if o.Raw != "" {
					out.Raw, out.Value, out.JSON = o.Raw, o.Value, o.JSON
				}
			}
		}
	}
	fail := func(err error) error {
		cancel()
		if werr := wait(); werr != nil && !errors.Is(werr, context.Canceled) {
			err = errors.Join(err, werr)
		}
		collect()
		out.Usage = out.Usage.Add(failedUsage(err))
		return err
	}
	for i := len(seeded); i < n; i++ {
		t := c.Tasks[i]
		if t.Async {
			ctxText := c.contextFor(i, slots, true)
			if group == nil {
				group, gctx = errgroup.WithContext(actx)
			}
			g := gctx
			group.Go(func() error {
				o, err := c.runTask(g, i, inputs, ctxText, manager)
				if err != nil {
					return err
				}
				slots[i] = slot{out: o, done: true}
				return nil
			})
			continue
		}
		if err := wait(); err != nil {
			return fail(err)
		}
		o, err := c.runTask(actx, i, inputs, c.contextFor(i, slots, false), manager)
		if err != nil {
			return fail(err)
		}
		slots[i] = slot{out: o, done: true}
	}
	if err := wait(); err != nil {
		return fail(err)
	}
	collect()
	for _, o := range out.Tasks {
		if strings.TrimSpace(o.Raw) != "" || o.Value != nil {
			return nil
		}
	}
	return fmt.Errorf("%w: crew %q ran %d tasks and none gave any output; check the agents' models and prompts",
		ErrEmptyOutput, c.name(), len(out.Tasks))
}

// contextFor builds the context text of task i from the finished outputs.
func (c *Crew) contextFor(i int, slots []slot, async bool) string {
	t := c.Tasks[i]
	var picked []*task.TaskOutput
	switch {
	case t.Context != nil:
		for _, ct := range t.Context {
			for j := 0; j < i; j++ {
				if c.Tasks[j] == ct && slots[j].done {
					picked = append(picked, slots[j].out)
				}
			}
		}
	case async:
		// Only the last synchronous output before the task.
		for j := i - 1; j >= 0; j-- {
			if !c.Tasks[j].Async && slots[j].done {
				picked = append(picked, slots[j].out)
				break
			}
		}
	default:
		for j := 0; j < i; j++ {
			if slots[j].done {
				picked = append(picked, slots[j].out)
			}
		}
	}
	var b strings.Builder
	for k, o := range picked {
		if k > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "Output of the task %q:\n%s", o.Name, o.String())
	}
	return b.String()
}

// runTask executes task i and calls the crew's TaskCallback.
func (c *Crew) runTask(ctx context.Context, i int, inputs map[string]any, ctxText string, manager *agent.Agent) (o *task.TaskOutput, err error) {
	t := c.Tasks[i]
	run := task.Run{Inputs: inputs, Context: ctxText, Limiter: c.limiter(), Crew: c.name(), Memory: c.Memory,
		Knowledge: c.Knowledge}
	exec := t.Agent
	if manager != nil {
		exec = manager
		run.Agent = manager
		run.Coworkers = c.coworkers(t)
		run.Manager = true
	}
	run.StepCallback = c.StepCallback
	o, err = t.Execute(ctx, run)
	if err != nil {
		te := &TaskError{Crew: c.name(), Task: t.DisplayName(), Agent: task.RoleOf(exec, inputs),
			Model: modelOf(err, exec.LLM.Info().Model), Err: err}
		if o != nil {
			te.Usage = o.Usage
		}
		return nil, te
	}
	if c.TaskCallback != nil {
		defer func() {
			if p := recover(); p != nil {
				o, err = nil, &TaskError{Crew: c.name(), Task: t.DisplayName(), Agent: task.RoleOf(exec, inputs),
					Model: exec.LLM.Info().Model, Err: fmt.Errorf("crew: TaskCallback panicked: %v", p)}
			}
		}()
		c.TaskCallback(*o)
	}
	return o, nil
}

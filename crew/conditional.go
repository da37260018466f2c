package crew

import (
	"context"
	"fmt"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/task"
)

// validateConditions checks the conditional tasks as CrewAI does: the first
// task cannot be conditional (there is no previous output to judge), a
// conditional task cannot be async, and a crew needs at least one task
// that is not conditional. It allocates nothing when all is well.
func (c *Crew) validateConditions() error {
	plain := false
	for i, t := range c.Tasks {
		if t == nil || t.Condition == nil {
			plain = true
			continue
		}
		field := fieldRef{name: "Tasks", i: i, indexed: true, sub: "Condition"}
		if i == 0 {
			return &ValidationError{Crew: c.name(), Field: field.String(), Reason: fmt.Sprintf(
				"task %q is conditional but is the first task; a condition judges the previous task's output, so put the conditional task after another", t.DisplayName())}
		}
		if t.Async {
			return &ValidationError{Crew: c.name(), Field: field.String(), Reason: fmt.Sprintf(
				"task %q is both conditional and Async; a conditional task must be synchronous (unset Async or Condition)", t.DisplayName())}
		}
	}
	if !plain {
		return &ValidationError{Crew: c.name(), Field: "Tasks", Reason: fmt.Sprintf(
			"all %d tasks are conditional; a crew needs at least one task without a Condition", len(c.Tasks))}
	}
	return nil
}

// previousOutput returns the output of the last task before i that ran
// (skipped tasks are passed over), and whether there is one.
func previousOutput(i int, slots []slot) (task.TaskOutput, bool) {
	for j := i - 1; j >= 0; j-- {
		if slots[j].done && !slots[j].out.Skipped {
			return *slots[j].out, true
		}
	}
	return task.TaskOutput{}, false
}

// decide calls task i's Condition on the previous output. A panic of the
// condition is an error of the task. When the task is skipped, it returns
// the skipped output and announces a task_skipped event.
func (c *Crew) decide(ctx context.Context, i int, inputs map[string]any, slots []slot) (skipped *task.TaskOutput, err error) {
	t := c.Tasks[i]
	prev, _ := previousOutput(i, slots)
	var run bool
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = &TaskError{Crew: c.name(), Task: t.DisplayName(), Agent: task.RoleOf(t.Agent, inputs),
					Err: fmt.Errorf("crew: the Condition of task %q panicked: %v", t.DisplayName(), p)}
			}
		}()
		run = t.Condition(prev)
	}()
	if err != nil || run {
		return nil, err
	}
	name, role := t.DisplayName(), task.RoleOf(t.Agent, inputs)
	out := &task.TaskOutput{Name: name, Agent: role, Skipped: true, Format: task.FormatRaw}
	if f, ferr := t.Fill(inputs); ferr == nil {
		out.Description, out.ExpectedOutput = f.Description, f.ExpectedOutput
	}
	event.Emit(ctx, event.TaskSkipped{Header: event.Header{Source: "task:" + name}, Task: name, Agent: role, Index: i})
	return out, nil
}

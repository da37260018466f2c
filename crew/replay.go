package crew

import (
	"context"
	"fmt"
)

// ReplayFrom runs the crew again from the task named taskName (its Name, or
// its display name when it has none), reusing last's outputs of the tasks
// before it, which are not run again: they are the context of the tasks
// that follow, and appear in the new output as they were. inputs nil means
// last.Inputs. last must come from a kickoff of a crew with the same tasks
// (at least the outputs of the tasks before taskName). The replay is a new
// run, with its own events.
func (c *Crew) ReplayFrom(ctx context.Context, last *CrewOutput, taskName string, inputs map[string]any) (*CrewOutput, error) {
	if last == nil {
		return nil, &ValidationError{Crew: c.name(), Field: "last", Reason: "ReplayFrom needs the output of an earlier kickoff; got nil"}
	}
	idx := -1
	for i, t := range c.Tasks {
		if t == nil {
			continue
		}
		if t.DisplayName() == taskName {
			idx = i
			break
		}
	}
	if idx < 0 {
		return nil, &ValidationError{Crew: c.name(), Field: "taskName",
			Reason: fmt.Sprintf("no task is named %q; the tasks are %q", taskName, c.taskNames())}
	}
	if len(last.Tasks) < idx {
		return nil, &ValidationError{Crew: c.name(), Field: "last.Tasks",
			Reason: fmt.Sprintf("replaying from task %q (Tasks[%d]) needs the outputs of the %d tasks before it; last has %d",
				taskName, idx, idx, len(last.Tasks))}
	}
	for i := 0; i < idx; i++ {
		if got, want := last.Tasks[i].Name, c.Tasks[i].DisplayName(); got != want {
			return nil, &ValidationError{Crew: c.name(), Field: fmt.Sprintf("last.Tasks[%d]", i),
				Reason: fmt.Sprintf("is the output of task %q, but the crew's task %d is %q; last comes from another crew", got, i, want)}
		}
	}
	if inputs == nil {
		inputs = last.Inputs
	}
	return c.kickoff(ctx, inputs, last.Tasks[:idx])
}

func (c *Crew) taskNames() []string {
	out := make([]string, 0, len(c.Tasks))
	for _, t := range c.Tasks {
		if t != nil {
			out = append(out, t.DisplayName())
		}
	}
	return out
}

package project

import (
	"fmt"

	"github.com/crewai-go/crewai/task"
)

// RestoreError is a replay whose logged output of a task with a structured
// output type no longer decodes into that type (the type changed since the
// kickoff was logged, or the output was logged as text). Match it with
// errors.As. It is a plain value, not modified once returned.
type RestoreError struct {
	// Kickoff is the logged kickoff being replayed.
	Kickoff int64
	// Task is the task's name.
	Task string
	// Type is the Go type of the task's Output.
	Type string
	// Err is why it does not decode.
	Err error
}

// Error names the kickoff, the task, the type and what to do.
func (e *RestoreError) Error() string {
	return fmt.Sprintf("project: replay: the output of task %q logged by kickoff %d does not decode into its output type %s: %v; "+
		"replay from %q or an earlier task, or run the crew again", e.Task, e.Kickoff, e.Type, e.Err, e.Task)
}

// Unwrap returns the cause.
func (e *RestoreError) Unwrap() error { return e.Err }

// restoreValues gives the logged outputs of the tasks before index upto
// their Go values back: each output of a task with an Output type is
// decoded from its JSON into that type (the log keeps JSON only). It
// returns the outputs to seed the replay with, a copy; k is not modified.
func restoreValues(tasks []*task.Task, k *Kickoff, upto int) ([]task.TaskOutput, error) {
	outs := append([]task.TaskOutput(nil), k.Tasks...)
	for i := 0; i < upto && i < len(outs) && i < len(tasks); i++ {
		t := tasks[i]
		if t == nil || t.Output == nil || outs[i].Skipped {
			continue
		}
		typ := fmt.Sprint(t.Output.Type())
		if len(outs[i].JSON) == 0 {
			return nil, &RestoreError{Kickoff: k.ID, Task: outs[i].Name, Type: typ,
				Err: fmt.Errorf("it was logged as text (%s), not JSON", oneLine(outs[i].Raw, 60))}
		}
		v, err := t.Output.DecodeJSON(outs[i].JSON)
		if err != nil {
			return nil, &RestoreError{Kickoff: k.ID, Task: outs[i].Name, Type: typ, Err: err}
		}
		outs[i].Value, outs[i].Format = v, task.FormatJSON
	}
	return outs, nil
}

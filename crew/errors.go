package crew

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/crewai-go/crewai/llm"
)

// ErrEmptyOutput is matched (errors.Is) by the error of a kickoff in which
// every task's output is empty (blank text and no structured value), as
// CrewAI refuses to build a crew output from nothing; the CrewOutput
// returned with it still holds the tasks' outputs and usage.
var ErrEmptyOutput = errors.New("crew: every task output is empty")

// ValidationError reports a crew definition or inputs that cannot run. It is
// returned before any model call. Field names the offending field, such as
// "Tasks[1].Agent". The zero value is not meaningful.
type ValidationError struct {
	// Crew is the crew's name.
	Crew string
	// Field is the path of the offending field.
	Field string
	// Reason says what is wrong and what is accepted.
	Reason string
	// Err is the underlying error, if any (such as an
	// *interpolate.MissingError).
	Err error
}

// Error names the crew, the field and what is wrong with it.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("crew %q: %s: %s", e.Crew, e.Field, e.Reason)
}

// Unwrap returns the underlying error.
func (e *ValidationError) Unwrap() error { return e.Err }

// TaskError reports a task that failed during a kickoff, naming the crew, the
// task, the agent that ran it and its model. Err wraps the cause (the agent's
// error, which wraps an *llm.Error when the model failed; or a
// *task.GuardrailError, *task.OutputError, ...). The zero value is not
// meaningful.
type TaskError struct {
	// Crew is the crew's name.
	Crew string
	// Task is the failed task's display name.
	Task string
	// Agent is the role of the agent that ran the task.
	Agent string
	// Model is the agent's model name.
	Model string
	// Err is the cause.
	Err error
	// Usage is what the failed task's model calls cost before it failed.
	Usage llm.Usage
}

// failedUsage sums the Usage of every *TaskError in err's tree (errors.Join
// of concurrent failures included), each once.
func failedUsage(err error) llm.Usage {
	switch e := err.(type) {
	case nil:
		return llm.Usage{}
	case *TaskError:
		return e.Usage
	case interface{ Unwrap() []error }:
		var u llm.Usage
		for _, x := range e.Unwrap() {
			u = u.Add(failedUsage(x))
		}
		return u
	case interface{ Unwrap() error }:
		return failedUsage(e.Unwrap())
	}
	return llm.Usage{}
}

// Error names the crew, the task, the agent, the model and the cause, each
// once: the cause's own leading "task: task <name>:" or "agent <role>:" is
// left out, since the message names them already.
func (e *TaskError) Error() string {
	cause := "<nil>"
	if e.Err != nil {
		cause = e.Err.Error()
	}
	for _, p := range []string{
		"task: task " + strconv.Quote(e.Task) + ": ", "task " + strconv.Quote(e.Task) + ": ", "task: ",
		"agent " + strconv.Quote(e.Agent) + ": ",
	} {
		cause = strings.TrimPrefix(cause, p)
	}
	return fmt.Sprintf("crew %q: task %q (agent %q, model %q) failed: %s", e.Crew, e.Task, e.Agent, e.Model, cause)
}

// Unwrap returns the cause.
func (e *TaskError) Unwrap() error { return e.Err }

// ForEachError reports the failure of one input of [Crew.KickoffForEach]. The
// zero value is not meaningful.
type ForEachError struct {
	// Index is the position of the input in the list given.
	Index int
	// Err is the kickoff's error.
	Err error
}

// Error names the input by its index and gives the cause.
func (e *ForEachError) Error() string {
	return fmt.Sprintf("crew: input %d: %v", e.Index, e.Err)
}

// Unwrap returns the kickoff's error.
func (e *ForEachError) Unwrap() error { return e.Err }

// modelOf returns the model named by an *llm.Error in err, else fallback.
func modelOf(err error, fallback string) string {
	var le *llm.Error
	if errors.As(err, &le) && le.Model != "" {
		return le.Model
	}
	return fallback
}

package agent

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/crewai-go/crewai/llm"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrInvalid: the agent or the job cannot run (nil LLM, empty role, a
	// bad template, a {placeholder} without input). Nothing was sent to the
	// model; the error names the field and the value.
	ErrInvalid = errors.New("invalid agent")
	// ErrTimeout: the execution reached Agent.MaxExecutionTime.
	ErrTimeout = errors.New("execution time limit reached")
	// ErrNoAnswer: the model gave no usable final answer, even when asked
	// for one after MaxIter steps.
	ErrNoAnswer = errors.New("the model gave no final answer")
)

// Error is a failed execution. It names the agent's role and counts what was
// spent before the failure; Err says what failed and wraps the cause (an
// [*llm.Error], a context error, [ErrInvalid]...), so errors.Is and errors.As
// see through it. The zero value is not meaningful.
type Error struct {
	// Role is the agent's role, placeholders filled when possible.
	Role string
	// Attempts counts the executions tried (1 when it was not retried).
	Attempts int
	// Usage counts the tokens of every model call made before the failure.
	Usage llm.Usage
	// Err is the cause.
	Err error
}

// Error returns `agent "<role>": <cause>`.
func (e *Error) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return "agent " + strconv.Quote(e.Role) + ": " + msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

package task

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/crewai-go/crewai/llm"
)

// Format says how a task output is shaped. The zero Format is empty, read as
// FormatRaw.
type Format string

// The output formats.
const (
	// FormatRaw is plain text (the default).
	FormatRaw Format = "raw"
	// FormatJSON is structured output: JSON decoded into a Go value.
	FormatJSON Format = "json"
)

// TaskOutput is what a task produced.
type TaskOutput struct {
	// Name is the task's display name.
	Name string
	// Description and ExpectedOutput are the task's, with the inputs filled
	// in.
	Description    string
	ExpectedOutput string
	// Raw is the agent's final answer, as text.
	Raw string
	// Value is the decoded structured output (a value of the type given to
	// [As]), or nil for raw output.
	Value any
	// JSON is the structured output as compact JSON, or nil.
	JSON json.RawMessage
	// Agent is the role of the agent that produced the output (the manager's
	// in a hierarchical crew).
	Agent string
	// Format is FormatJSON for structured output, else FormatRaw.
	Format Format
	// Messages is the conversation of the agent's last execution.
	Messages []llm.Message
	// Usage counts the tokens of every model call made for the task
	// (retries, repairs and delegated work included).
	Usage llm.Usage
	// Skipped is true for a conditional task whose condition was false: it
	// did not run, and Raw is empty.
	Skipped bool
}

// String returns the output as text: the JSON for structured output, else
// Raw.
func (o TaskOutput) String() string {
	if o.Format == FormatJSON && len(o.JSON) > 0 {
		return string(o.JSON)
	}
	return o.Raw
}

// OutputError reports a structured output that was still invalid after the
// repair round trip. The zero value is not meaningful.
type OutputError struct {
	// Task is the task's display name.
	Task string
	// Type is the Go type asked for, such as "main.Report".
	Type string
	// Raw is the last reply.
	Raw string
	// Err says what is wrong with it.
	Err error
}

// Error names the task, the expected type and the decoding error.
func (e *OutputError) Error() string {
	return fmt.Sprintf("task: task %q: the output is not a valid %s after one repair attempt: %v", e.Task, e.Type, e.Err)
}

// Unwrap returns what is wrong with the reply.
func (e *OutputError) Unwrap() error { return e.Err }

// GuardrailError reports a task one of whose guardrails rejected the output
// more times than its budget allows. The zero value is not meaningful.
type GuardrailError struct {
	// Task is the task's display name.
	Task string
	// Guardrail names the guardrail (its Name, else "guardrail N").
	Guardrail string
	// Index is the guardrail's position in the task's Guardrails.
	Index int
	// Attempts counts the outputs this guardrail rejected.
	Attempts int
	// Err is the guardrail's last rejection (a *RuleError for a rule).
	Err error
}

// Error names the task, the guardrail, the number of attempts and the last
// feedback.
func (e *GuardrailError) Error() string {
	return fmt.Sprintf("task: task %q: %s rejected all %d attempts; last feedback: %v", e.Task, e.Guardrail, e.Attempts, e.Err)
}

// Unwrap returns the guardrail's last rejection.
func (e *GuardrailError) Unwrap() error { return e.Err }

// ErrOutsideDir is matched (errors.Is) by the error of an OutputFile that
// leaves the working directory without AllowOutsideDir.
var ErrOutsideDir = errors.New("task: output file outside the working directory")

package task

import (
	"errors"
	"fmt"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/internal/interpolate"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
)

// DefaultGuardrailMaxRetries is how many times a task whose output a
// guardrail rejects is tried again, per guardrail, when neither the
// guardrail's MaxRetries nor the task's GuardrailMaxRetries is set.
const DefaultGuardrailMaxRetries = 3

// Task is one piece of work for an agent. It is a definition: running it
// never modifies it, so it is safe for concurrent use by many kickoffs as long
// as nobody changes its fields meanwhile. The zero value is not runnable: a
// task needs a Description and, in a sequential crew, an Agent.
type Task struct {
	// Name identifies the task in outputs, events, errors and replays. When
	// empty, the first words of the description stand in for it.
	Name string
	// Description says what to do. It may hold {placeholders}.
	Description string
	// ExpectedOutput describes what the answer must be. It may hold
	// {placeholders}.
	ExpectedOutput string
	// Agent is who does the work. Required in a sequential crew; in a
	// hierarchical crew it restricts the manager's delegation to this agent.
	Agent *agent.Agent
	// Context selects the earlier outputs handed to this task: nil means
	// every earlier output of the run, a list means those tasks' outputs,
	// and an empty non-nil list ([NoContext]) means none.
	Context []*Task
	// Output, if set (with [As]), asks for structured output decoded into a
	// Go type.
	Output *Schema
	// Files attaches images, documents or audio (chat.Image, chat.File,
	// chat.Audio...) for the agent's model to look at; they go with the
	// task's prompt, mapped by the model client, which refuses what its
	// provider does not take.
	Files []llm.Part
	// Guardrails check each output, in order, before it is accepted; each
	// may pass it on, transform it, or reject it with feedback for the
	// agent (see "Guardrails" in the package doc).
	Guardrails []Guardrail
	// GuardrailMaxRetries is each guardrail's retry budget when its own
	// MaxRetries is 0. 0 means DefaultGuardrailMaxRetries; a negative value
	// means no retry.
	GuardrailMaxRetries int
	// OutputFile, if set, is the file the output is written to. It may hold
	// {placeholders}; directories are created. Validate refuses a ".."
	// segment, a leading "~", an environment reference, shell characters
	// and placeholders that are not valid names (see "Output files" in the
	// package doc).
	OutputFile string
	// AllowOutsideDir lets OutputFile be an absolute path, or lead out of
	// the working directory through a symbolic link.
	AllowOutsideDir bool
	// Callback, if set, is called with the output once the task succeeds,
	// on the goroutine that ran the task.
	Callback func(TaskOutput)
	// Markdown asks the agent to format its answer in Markdown.
	Markdown bool
	// Tools, if not nil, replace the agent's tools for this task (an empty
	// non-nil list means no tools).
	Tools []tool.Tool
	// Async lets a crew run this task concurrently with the tasks that follow
	// it, until a synchronous task needs its output.
	Async bool
	// Condition, if set, makes the task conditional (CrewAI's
	// ConditionalTask): a crew calls it with the output of the last task
	// that ran before this one, and skips the task when it returns false
	// (see "Conditional tasks" in the package doc).
	Condition func(prev TaskOutput) bool
	// HumanInput asks a person for feedback on each final answer of the
	// agent; feedback goes back to the agent, which revises, until the
	// person answers with nothing (see "Human input" in the package doc).
	HumanInput bool
	// HumanProvider is where the questions of HumanInput go; nil means the
	// provider in the kickoff's context (human.WithProvider), else the
	// console (human.Default).
	HumanProvider human.Provider
}

// NoContext returns an empty, non-nil task list: as a Task's Context it means
// that the task sees no earlier output.
func NoContext() []*Task { return []*Task{} }

// DisplayName returns the task's Name, or when it is empty the first words of
// its description (uninterpolated), or "task" for an empty task.
func (t *Task) DisplayName() string {
	if t.Name != "" {
		return t.Name
	}
	words := strings.Fields(t.Description)
	if len(words) == 0 {
		return "task"
	}
	if len(words) > 8 {
		return strings.Join(words[:8], " ") + "..."
	}
	return strings.Join(words, " ")
}

// Filled is a task's text with the kickoff inputs written in. It is a plain
// value; the zero value is an empty task text. It is safe to read from many
// goroutines.
type Filled struct {
	// Description is the task's Description, inputs filled in.
	Description string
	// ExpectedOutput is the task's ExpectedOutput, inputs filled in.
	ExpectedOutput string
	// OutputFile is the task's OutputFile, inputs filled in.
	OutputFile string
}

// Fill writes inputs into the task's Description, ExpectedOutput and
// OutputFile without modifying the task. A placeholder without an input is
// an error naming the placeholder and the field (see
// interpolate.MissingError).
func (t *Task) Fill(inputs map[string]any) (Filled, error) {
	var f Filled
	var err error
	where := fmt.Sprintf("task %q", t.DisplayName())
	if f.Description, err = interpolate.Fill(where+" Description", t.Description, inputs); err != nil {
		return Filled{}, fmt.Errorf("task: %w", err)
	}
	if f.ExpectedOutput, err = interpolate.Fill(where+" ExpectedOutput", t.ExpectedOutput, inputs); err != nil {
		return Filled{}, fmt.Errorf("task: %w", err)
	}
	if f.OutputFile, err = interpolate.Fill(where+" OutputFile", t.OutputFile, inputs); err != nil {
		return Filled{}, fmt.Errorf("task: %w", err)
	}
	return f, nil
}

// Validate checks the task's definition with inputs before anything runs: a
// description, placeholders that all have inputs, a usable output schema and
// output file, a non-negative-or-default retry count. It does not require an
// Agent (a task of a hierarchical crew has none; the crew checks its agents);
// Execute refuses a task without an Agent with an LLM. It makes no model call,
// and allocates nothing when the task is fine (an OutputFile with placeholders
// excepted: it is filled to be checked).
func (t *Task) Validate(inputs map[string]any) error {
	if strings.TrimSpace(t.Description) == "" {
		return fmt.Errorf("task: task %q has an empty Description; describe the work to do", t.DisplayName())
	}
	if t.Output != nil && t.Output.err != nil {
		return fmt.Errorf("task: task %q Output: %w", t.DisplayName(), t.Output.err)
	}
	for _, f := range [...]struct{ name, text string }{{"Description", t.Description}, {"ExpectedOutput", t.ExpectedOutput}} {
		if err := interpolate.Check(f.text, inputs); err != nil {
			var me *interpolate.MissingError
			if errors.As(err, &me) {
				me.Field = fmt.Sprintf("task %q %s", t.DisplayName(), f.name)
			}
			return fmt.Errorf("task: %w", err)
		}
	}
	if t.OutputFile != "" {
		name := t.DisplayName()
		if err := checkOutputFile(name, t.OutputFile); err != nil {
			return err
		}
		file, err := interpolate.Fill(fmt.Sprintf("task %q OutputFile", name), t.OutputFile, inputs)
		if err != nil {
			return fmt.Errorf("task: %w", err)
		}
		if _, err := resolveOutputFile(name, file, t.AllowOutsideDir); err != nil {
			return err
		}
	}
	if err := t.validateGuardrails(); err != nil {
		return err
	}
	for i, c := range t.Context {
		if c == nil {
			return fmt.Errorf("task: task %q Context[%d] is nil", t.DisplayName(), i)
		}
		if c == t {
			return fmt.Errorf("task: task %q lists itself in its Context", t.DisplayName())
		}
	}
	return nil
}

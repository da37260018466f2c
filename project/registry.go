package project

import (
	"slices"
	"sort"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/models"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// Registry holds what YAML cannot carry: the Go values that agents.yaml and
// tasks.yaml name. The program fills it before loading; the loader only
// reads it. The zero value registers nothing: model strings then go through
// package models, and any tool, output type, guardrail or callback named in
// the YAML is an error listing what is registered (nothing).
type Registry struct {
	// Tools by the name agents.yaml and tasks.yaml use under "tools".
	Tools map[string]tool.Tool
	// Outputs are the structured output types named by a task's
	// output_json or output_pydantic (task.As[T]()).
	Outputs map[string]*task.Schema
	// Guardrails are the checks named by a task's guardrail.
	Guardrails map[string]task.Guardrail
	// Callbacks are the functions named by a task's callback.
	Callbacks map[string]func(task.TaskOutput)
	// StepCallbacks are the functions named by an agent's step_callback.
	StepCallbacks map[string]func(agent.Step)
	// Models are models by the name an agent's llm gives. A name that is
	// not here is a model string ("openai/gpt-4o-mini",
	// "anthropic/claude-sonnet-4-5", a bare OpenAI name) turned into a
	// client by package models (or by NewModel).
	Models map[string]llm.LLM
	// NewModel, if set, turns a model string that is not in Models into a
	// client instead of models.LLM. A scaffold's offline mode sets it to
	// return its scripted model.
	NewModel func(name string) llm.LLM
	// DefaultModel is the model of an agent without an llm key. Empty
	// means $MODEL, else $OPENAI_MODEL_NAME, else "gpt-4.1-mini", as
	// CrewAI does.
	DefaultModel string
	// Human, if set, is where the questions of tasks with human_input: true
	// go (their Task.HumanProvider); nil means the provider in the
	// kickoff's context, else the console (see package human).
	Human human.Provider
}

// model returns the client for an agent's llm value, and whether the name
// could be parsed (an unknown provider prefix is reported at load time).
func (r *Registry) model(name string) (llm.LLM, error) {
	if m, ok := r.Models[name]; ok && m != nil {
		return m, nil
	}
	if r.NewModel != nil {
		return r.NewModel(name), nil
	}
	if _, err := models.Parse(name); err != nil {
		return nil, err
	}
	return models.LLM(name), nil
}

// keys returns a map's keys, sorted; an empty non-nil slice for an empty
// map (so that errors say "none registered").
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sortedCopy returns a sorted copy of names.
func sortedCopy(names []string) []string {
	out := slices.Clone(names)
	sort.Strings(out)
	return out
}

// Package tool defines the tools agents can call: the small [Tool] interface,
// and the [Runner] that an agent uses to execute the calls a model asks for
// (lookup by name, argument validation, usage limits, result caching, panic
// recovery), turning every problem into a clear text for the model.
package tool

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
)

// Tool is something an agent can call. Implementations must be safe for
// concurrent use: parallel tool calls and concurrent kickoffs share tools.
type Tool interface {
	// Name is the name the model calls the tool by.
	Name() string
	// Description tells the model what the tool does and when to use it.
	Description() string
	// Schema is the JSON schema (an object schema) of the arguments.
	Schema() json.RawMessage
	// Run executes the tool with the model's arguments (a JSON object that
	// has already been checked against Schema by a Runner) and returns the
	// text the model will see.
	Run(ctx context.Context, args json.RawMessage) (string, error)
}

// Result is the outcome of one tool call made through a [Runner]. The zero
// value is an empty, successful result.
type Result struct {
	// Output is the text given back to the model.
	Output string
	// IsError is true when Output tells the model about a problem (invalid
	// arguments, an unknown tool, a tool error, a usage limit).
	IsError bool
	// Err is the error the tool itself returned or the panic it raised, if
	// any (nil for problems with the call, which are only in Output).
	Err error
	// Panic is true when Err was made from a recovered panic; Stack holds the
	// stack trace then.
	Panic bool
	Stack string
	// CacheHit is true when Output came from the result cache.
	CacheHit bool
	// ResultAsAnswer is true when the tool's result is to be the agent's
	// final answer.
	ResultAsAnswer bool
}

// Runner executes tool calls for one agent execution. Create one with
// [NewRunner]; a Runner is safe for concurrent use (parallel tool calls).
type Runner struct {
	tools []Tool
}

// NewRunner returns a Runner over tools. Nil tools are skipped.
func NewRunner(tools []Tool) *Runner {
	r := &Runner{}
	for _, t := range tools {
		if t != nil {
			r.tools = append(r.tools, t)
		}
	}
	return r
}

// Tools returns the runner's tools, in the order given.
func (r *Runner) Tools() []Tool { return r.tools }

// Lookup finds a tool by name, forgivingly (case and separators ignored).
func (r *Runner) Lookup(name string) (Tool, bool) {
	key := normalize(name)
	for _, t := range r.tools {
		if t.Name() == name {
			return t, true
		}
	}
	for _, t := range r.tools {
		if normalize(t.Name()) == key {
			return t, true
		}
	}
	return nil, false
}

// Run executes one call of the tool named name with the model's raw
// arguments. It never panics and never returns a Go error: every problem is a
// Result whose Output explains it to the model.
func (r *Runner) Run(ctx context.Context, name, args string) (res Result) {
	t, ok := r.Lookup(name)
	if !ok {
		names := make([]string, len(r.tools))
		for i, t := range r.tools {
			names[i] = t.Name()
		}
		return Result{IsError: true, Output: fmt.Sprintf(
			"Error: there is no tool named %q. Available tools: %s.", name, strings.Join(names, ", "))}
	}
	raw := json.RawMessage(strings.TrimSpace(args))
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	if !json.Valid(raw) {
		return Result{IsError: true, Output: fmt.Sprintf(
			"Error: the arguments for tool %q are not valid JSON: %s. Send a JSON object.", t.Name(), args)}
	}
	defer func() {
		if p := recover(); p != nil {
			res = Result{IsError: true, Panic: true, Stack: string(debug.Stack()),
				Err:    fmt.Errorf("tool: %s panicked: %v", t.Name(), p),
				Output: fmt.Sprintf("Error: tool %q failed unexpectedly: %v", t.Name(), p)}
		}
	}()
	out, err := t.Run(ctx, raw)
	if err != nil {
		return Result{IsError: true, Err: err, Output: fmt.Sprintf("Error: tool %q failed: %v", t.Name(), err)}
	}
	return Result{Output: out}
}

func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == ' ' || r == '_' || r == '-' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

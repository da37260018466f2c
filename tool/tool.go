// Package tool defines the tools agents can call: the small [Tool] interface,
// typed tools made from Go functions ([New]), and the [Runner] that an agent
// uses to execute the calls a model asks for, turning every problem into a
// clear text for the model.
//
// # Typed tools
//
// [New] makes a tool from a func(ctx, In) (Out, error). The JSON schema of
// the arguments is generated from In (github.com/invopop/jsonschema), with
// descriptions, required fields and enums taken from field tags; the name is
// made acceptable to providers by [SanitizeName]; Out is rendered as text.
//
// # What a Runner does with a call
//
//  1. It finds the tool by name: an exact match first, then a forgiving one
//     that ignores case, spaces, '_' and '-' ("Search_Tool" finds
//     "search tool"). An unknown name is answered with the list of tools.
//  2. It parses the arguments: empty arguments mean {}; a JSON string
//     holding an object (arguments encoded twice) is unwrapped. Anything
//     else that is not JSON is answered with the parse error.
//  3. It validates them against the tool's schema
//     (github.com/santhosh-tekuri/jsonschema/v6, compiled once per tool)
//     before the tool runs: each problem is reported naming the field, what
//     was given and what is expected, followed by a summary of the expected
//     arguments.
//  4. It answers from the run's cache ([Cache], [CacheKey]) if it can,
//     then enforces [MaxUsage], then runs the tool, recovering a panic.
//  5. It marks a successful result of a [ResultAsAnswer] tool.
//
// Run never panics and never returns a Go error; [Result] says what
// happened. Usage counts and the cache belong to a run, carried by the
// context ([WithRunState]), never to a Tool, so one Tool serves concurrent
// runs with separate counts. Events for tool calls are emitted by the agent
// that owns the Runner, not by this package.
//
// Concurrency: a [Runner], a [RunState], a [Func] whose function is, and the
// package's functions are safe for concurrent use. Results, options and
// errors are plain values, read-only once made.
package tool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
)

// Tool is something an agent can call. Implementations must be safe for
// concurrent use: parallel tool calls and concurrent kickoffs share tools. The
// zero Tool is nil; agents and crews refuse it with an error naming the slot
// (Tools[i]).
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

// Problem classifies what went wrong with a tool call, for callers that branch
// on it (events, retries, metrics); the zero value, the empty Problem, means
// the call succeeded.
type Problem string

// The problems a [Result] can report.
const (
	// ProblemUnknownTool: no tool has the name the model used.
	ProblemUnknownTool Problem = "unknown_tool"
	// ProblemInvalidArgs: the arguments are not JSON or do not fit the
	// schema; the tool did not run.
	ProblemInvalidArgs Problem = "invalid_arguments"
	// ProblemUsageLimit: the tool reached its MaxUsage in this run.
	ProblemUsageLimit Problem = "usage_limit"
	// ProblemCanceled: the context ended before the tool ran.
	ProblemCanceled Problem = "canceled"
	// ProblemToolError: the tool returned an error (Result.Err), or could
	// not be built (see [Func.Err]).
	ProblemToolError Problem = "tool_error"
	// ProblemPanic: the tool panicked (Result.Err is a [*PanicError]).
	ProblemPanic Problem = "panic"
)

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
	// Tool is the name of the tool that was found for the call (which may
	// differ from the name the model used, see [Runner.Lookup]); empty for
	// an unknown tool.
	Tool string
	// Problem classifies the problem when IsError is true; it is empty on
	// success.
	Problem Problem
}

// PanicError is the Result.Err of a tool that panicked. Test for it with
// errors.As; if the panic value was an error, errors.Is and errors.As see it
// through Unwrap. The zero value describes a panic with a nil value.
type PanicError struct {
	// Tool is the tool's name.
	Tool string
	// Value is the value the tool panicked with.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack string
}

// Error returns "tool: NAME panicked: VALUE".
func (e *PanicError) Error() string { return fmt.Sprintf("tool: %s panicked: %v", e.Tool, e.Value) }

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Runner executes tool calls for one agent execution. Create one with
// [NewRunner]; the zero value is a Runner with no tools.
type Runner struct {
	tools   []Tool
	schemas []lazySchema // for tools that do not carry a compiled schema

	once  sync.Once
	state *RunState // used when ctx carries no RunState
}

type lazySchema struct {
	once sync.Once
	s    *argsSchema

	keyOnce sync.Once
	key     any // the tool's key in a RunState (see toolKey)
}

// NewRunner returns a Runner over tools. Nil tools are skipped; the slice is
// copied.
func NewRunner(tools []Tool) *Runner {
	r := &Runner{}
	for _, t := range tools {
		if t != nil {
			r.tools = append(r.tools, t)
		}
	}
	r.schemas = make([]lazySchema, len(r.tools))
	return r
}

// Tools returns the runner's tools, in the order given. The caller must not
// modify the returned slice.
func (r *Runner) Tools() []Tool { return r.tools }

// Lookup finds a tool by name: an exact match first, then a forgiving one
// that ignores case, spaces, '_' and '-' (the first tool in order wins).
func (r *Runner) Lookup(name string) (Tool, bool) {
	_, t, ok := r.lookup(name)
	return t, ok
}

func (r *Runner) lookup(name string) (int, Tool, bool) {
	for i, t := range r.tools {
		if t.Name() == name {
			return i, t, true
		}
	}
	key := normalize(name)
	if key == "" {
		return -1, nil, false
	}
	for i, t := range r.tools {
		if normalize(t.Name()) == key {
			return i, t, true
		}
	}
	return -1, nil, false
}

func (r *Runner) schemaOf(i int, t Tool) *argsSchema {
	if h, ok := t.(schemaHolder); ok {
		if s := h.argsSchema(); s != nil {
			return s
		}
	}
	ls := &r.schemas[i]
	ls.once.Do(func() { ls.s = compileToolSchema(t) })
	return ls.s
}

// keyOf returns toolKey(t) for the runner's tool i, computed once.
func (r *Runner) keyOf(i int, t Tool) any {
	ls := &r.schemas[i]
	ls.keyOnce.Do(func() { ls.key = toolKey(t) })
	return ls.key
}

func (r *Runner) runState(ctx context.Context) *RunState {
	if s := RunStateFrom(ctx); s != nil {
		return s
	}
	r.once.Do(func() { r.state = newRunState() })
	return r.state
}

// Run executes one call of the tool named name with the model's raw
// arguments. It never panics and never returns a Go error: every problem is a
// Result whose Output explains it to the model (see the package doc for the
// steps).
func (r *Runner) Run(ctx context.Context, name, args string) (res Result) {
	if r == nil {
		r = &Runner{}
	}
	tname := name
	defer func() {
		if p := recover(); p != nil {
			stack := string(debug.Stack())
			res = Result{Tool: tname, IsError: true, Panic: true, Stack: stack, Problem: ProblemPanic,
				Err:    &PanicError{Tool: tname, Value: p, Stack: stack},
				Output: fmt.Sprintf("Error: tool %q failed unexpectedly: %v. Try different arguments or another approach.", tname, p)}
		}
	}()
	i, t, ok := r.lookup(name)
	if !ok {
		return r.unknown(name)
	}
	tname = t.Name()
	if e, ok := t.(interface{ Err() error }); ok {
		if err := e.Err(); err != nil {
			return Result{Tool: tname, IsError: true, Err: err, Problem: ProblemToolError,
				Output: fmt.Sprintf("Error: tool %q cannot be used: %v. Do not call it again.", tname, err)}
		}
	}
	schema := r.schemaOf(i, t)
	raw, doc, err := parseArgs(args)
	if err != nil {
		ae := &ArgsError{Tool: tname, Syntax: true, Expected: schema.brief,
			Problems: []string{fmt.Sprintf("%v (given: %s)", err, clip(args, 200))}}
		return Result{Tool: tname, IsError: true, Problem: ProblemInvalidArgs, Output: ae.ModelText()}
	}
	if problems := schema.check(doc); problems != nil {
		ae := &ArgsError{Tool: tname, Problems: problems, Expected: schema.brief}
		return Result{Tool: tname, IsError: true, Problem: ProblemInvalidArgs, Output: ae.ModelText()}
	}
	if err := ctx.Err(); err != nil {
		return Result{Tool: tname, IsError: true, Err: err, Problem: ProblemCanceled,
			Output: fmt.Sprintf("Error: tool %q was not run: %v.", tname, err)}
	}
	opts := optionsOf(t)
	st := r.runState(ctx)
	key := r.keyOf(i, t)
	cacheKey := ""
	if opts.Cache {
		canonical, err := canonicalArgs(doc)
		if err != nil {
			canonical = raw
		}
		cacheKey = string(canonical)
		if opts.CacheKey != nil {
			cacheKey = opts.CacheKey(canonical)
		}
		if cacheKey != "" {
			if out, ok := st.cached(key, cacheKey); ok {
				return Result{Tool: tname, Output: out, CacheHit: true, ResultAsAnswer: opts.ResultAsAnswer}
			}
		}
	}
	if !st.claim(key, opts.MaxUsage) {
		return Result{Tool: tname, IsError: true, Problem: ProblemUsageLimit, Output: fmt.Sprintf(
			"Error: tool %q has reached its limit of %s in this run and cannot be used again. Continue without it.",
			tname, uses(opts.MaxUsage))}
	}
	var out string
	if cr, ok := t.(checkedRunner); ok {
		out, err = cr.runChecked(ctx, raw)
	} else {
		out, err = t.Run(ctx, raw)
	}
	if err != nil {
		if ae, ok := errors.AsType[*ArgsError](err); ok {
			return Result{Tool: tname, IsError: true, Problem: ProblemInvalidArgs, Err: err, Output: ae.ModelText()}
		}
		return Result{Tool: tname, IsError: true, Err: err, Problem: ProblemToolError,
			Output: fmt.Sprintf("Error: tool %q failed: %v", tname, err)}
	}
	if cacheKey != "" {
		st.store(key, cacheKey, out)
	}
	return Result{Tool: tname, Output: out, ResultAsAnswer: opts.ResultAsAnswer}
}

func (r *Runner) unknown(name string) Result {
	if len(r.tools) == 0 {
		return Result{IsError: true, Problem: ProblemUnknownTool, Output: fmt.Sprintf(
			"Error: there is no tool named %q; no tools are available, so answer without calling tools.", clip(name, 100))}
	}
	names := make([]string, len(r.tools))
	for i, t := range r.tools {
		names[i] = safeName(t)
	}
	return Result{IsError: true, Problem: ProblemUnknownTool, Output: fmt.Sprintf(
		"Error: there is no tool named %q. Available tools: %s. Call one of them by its exact name.",
		clip(name, 100), strings.Join(names, ", "))}
}

// safeName returns t.Name(), or a placeholder if Name panics.
func safeName(t Tool) (name string) {
	defer func() {
		if recover() != nil {
			name = fmt.Sprintf("%T", t)
		}
	}()
	return t.Name()
}

func uses(n int) string {
	if n == 1 {
		return "1 use"
	}
	return fmt.Sprintf("%d uses", n)
}

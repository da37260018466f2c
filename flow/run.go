package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"runtime/debug"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

// Result is what a kickoff produced. The zero value is an empty result.
type Result[S any] struct {
	// Output is the output of the method that completed last (a router's
	// output is its label). Listeners run concurrently, so with parallel
	// branches this is the branch that finished last.
	Output any
	// Method names the method that produced Output.
	Method string
	// State is the final state.
	State S
	// StateID is the state's ID (pass it as the "id" input to resume it
	// from a Store).
	StateID string
	// Usage sums the token usage of every LLM call made inside the flow (as
	// their events report it) and what methods added with State.AddUsage.
	Usage event.Usage
}

// Trigger tells a method why it runs; get it with [TriggerOf]. The zero value
// means the method runs because the flow was kicked off.
type Trigger struct {
	// Name is the trigger that fired: a method name or a router label
	// (empty for a start method).
	Name string
	// Method is the method whose completion fired it (for a label, the
	// router that returned it).
	Method string
	// Output is that method's output.
	Output any
}

type triggerKey struct{}

// TriggerOf returns what made the method running with ctx run: the trigger
// (method or label) and the output of the method that completed. A start
// method gets the zero Trigger.
func TriggerOf(ctx context.Context) Trigger {
	t, _ := ctx.Value(triggerKey{}).(Trigger)
	return t
}

// Kickoff runs the flow once. In order, it:
//   - checks the definition (a [DefinitionError] before anything runs);
//   - if inputs["id"] is set and Persist is not nil, restores that saved
//     state (an error matching ErrStateNotFound, or a *CorruptStateError);
//     without Persist, inputs["id"] only sets the new state's ID;
//   - merges the other inputs into the state by field name (JSON name, Go
//     name, then case-insensitively) or map key, converting JSON-like
//     values (an *InputError names a bad field, its value and the type
//     wanted);
//   - gives the state an ID (a random UUID unless given), also stored in a
//     string field named ID / tagged json:"id", or a map state's "id" key;
//   - runs the start methods concurrently, then each listener whose
//     condition a completion satisfies, concurrently with the others
//     triggered by the same completion (at most MaxConcurrency at a time),
//     saving the state after each method when Persist is set;
//   - returns when no method is running, with the output of the method that
//     completed last.
//
// The first failure (a method's error or panic as a *MethodError, ctx
// cancelled) cancels the ctx of the running methods, starts nothing more and
// fails the kickoff; the Result then holds the state as it was. Methods stop
// promptly only if they honour ctx. Every method that started ends, with a
// MethodFinished or MethodFailed event.
//
// Kickoff emits FlowStarted, then MethodStarted / MethodFinished /
// MethodFailed for every method run (children of the flow), then
// FlowFinished or FlowFailed. A crew kicked off with a method's ctx is a
// child of that method. Kickoff is safe for concurrent use.
func (f *Flow[S]) Kickoff(ctx context.Context, inputs map[string]any) (*Result[S], error) {
	g, err := f.compiled()
	if err != nil {
		return nil, err
	}
	st, err := f.newState(ctx, g, inputs)
	if err != nil {
		return nil, err
	}

	ctx = event.StartRun(ctx, f.Bus)
	ctx, finish := tracing.Attach(ctx, f.Tracer, f.Tracing)
	defer finish()
	ctx = tool.WithRunState(ctx)
	var um sync.Mutex
	var llmUsage event.Usage
	ctx = event.WithHandler(ctx, event.HandlerFunc(func(e event.Event) {
		if c, ok := e.(*event.LLMCallCompleted); ok {
			um.Lock()
			llmUsage = llmUsage.Add(c.Usage)
			um.Unlock()
		}
	}))

	fctx, step := event.Begin(ctx, event.FlowStarted{Header: event.Header{Source: "flow:" + g.name},
		Flow: g.name, StateID: st.id, Inputs: maps.Clone(inputs), Tracing: f.Tracing})

	r := &runner[S]{g: g, st: st, store: f.Persist, sem: make(chan struct{}, g.maxConc),
		runs: map[string]int{}, conds: map[string]*condState{}}
	runErr := r.run(fctx)

	res := &Result[S]{Output: r.last, Method: r.lastMethod, State: st.v, StateID: st.id}
	um.Lock()
	res.Usage = llmUsage.Add(st.addedUsage())
	um.Unlock()
	if runErr != nil {
		event.End(step, event.FlowFailed{Header: event.Header{Source: "flow:" + g.name}, Flow: g.name,
			Failure: failure(runErr)})
		return res, runErr
	}
	var snap any
	if step.Active() {
		snap = deepCopy(st.v)
	}
	event.End(step, event.FlowFinished{Header: event.Header{Source: "flow:" + g.name}, Flow: g.name,
		Result: res.Output, State: snap, Usage: res.Usage})
	return res, nil
}

// newState builds the kickoff's state: initial or restored, inputs merged,
// ID set.
func (f *Flow[S]) newState(ctx context.Context, g *graph[S], inputs map[string]any) (*State[S], error) {
	st := &State[S]{v: deepCopy(f.Initial)}
	if raw, ok := inputs["id"]; ok {
		id, isStr := raw.(string)
		if !isStr || id == "" {
			return nil, &InputError{Field: "id", Value: raw, Want: "is not a valid state ID (a non-empty string)"}
		}
		st.id = id
		if f.Persist != nil {
			rec, err := f.Persist.Load(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("flow %q: resume: %w", g.name, err)
			}
			if rec.Flow != g.name {
				return nil, fmt.Errorf("flow %q: resume: state %q was saved by flow %q", g.name, id, rec.Flow)
			}
			var v S
			if err := json.Unmarshal(rec.State, &v); err != nil {
				return nil, &CorruptStateError{StateID: id, Method: rec.Method, Err: err}
			}
			st.v = v
		}
	} else {
		st.id = newID()
	}
	rv := reflect.ValueOf(&st.v).Elem()
	prepare(rv)
	if err := mergeInputs(rv, inputs); err != nil {
		return nil, err
	}
	setID(rv, st.id)
	return st, nil
}

func failure(err error) event.Failure {
	fl := event.Failure{Err: err}
	var pe *PanicError
	if errors.As(err, &pe) {
		fl.Panic, fl.Stack = true, pe.Stack
	}
	return fl
}

// runner is the state of one kickoff.
type runner[S any] struct {
	g     *graph[S]
	st    *State[S]
	store Store
	sem   chan struct{}
	grp   *errgroup.Group

	mu         sync.Mutex
	runs       map[string]int
	conds      map[string]*condState
	round      int
	last       any
	lastMethod string
}

// condState is what a listener's condition has seen.
type condState struct {
	seen   map[string]bool
	rounds map[int]bool
}

// fire is one method run to start.
type fire[S any] struct {
	m     *method[S]
	trig  Trigger
	round int
}

func (r *runner[S]) run(ctx context.Context) error {
	grp, gctx := errgroup.WithContext(ctx)
	r.grp = grp
	r.mu.Lock()
	var todo []fire[S]
	var err error
	for _, m := range r.g.starts {
		if err = r.count(m); err != nil {
			break
		}
		todo = append(todo, fire[S]{m: m})
	}
	r.mu.Unlock()
	if err == nil {
		r.spawn(gctx, todo)
	}
	werr := grp.Wait()
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flow %q: %w", r.g.name, err)
	}
	return nil
}

// count records one more run of m; the caller holds r.mu.
func (r *runner[S]) count(m *method[S]) error {
	r.runs[m.spec.name]++
	if n := r.runs[m.spec.name]; n > r.g.maxRuns {
		return &MethodError{Flow: r.g.name, Method: m.spec.name,
			Err: fmt.Errorf("%w: it would run a %dth time (MaxMethodRuns is %d)", ErrMaxMethodRuns, n, r.g.maxRuns)}
	}
	return nil
}

func (r *runner[S]) spawn(ctx context.Context, todo []fire[S]) {
	for _, x := range todo {
		r.grp.Go(func() error { return r.exec(ctx, x) })
	}
}

// exec runs one method, then starts the listeners its completion triggers.
func (r *runner[S]) exec(ctx context.Context, x fire[S]) error {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("flow %q: %w", r.g.name, ctx.Err())
	}
	defer func() { <-r.sem }()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flow %q: %w", r.g.name, err)
	}
	name := x.m.spec.name
	src := event.Header{Source: "flow:" + r.g.name}
	trigger := x.trig.Name
	if trigger == "" {
		trigger = "start"
	}
	var snap any
	if event.Enabled(ctx) {
		snap = r.st.Get()
	}
	mctx, step := event.Begin(ctx, event.MethodStarted{Header: src, Flow: r.g.name, Method: name,
		State: snap, Trigger: trigger})
	mctx = context.WithValue(mctx, triggerKey{}, x.trig)

	out, label, err := r.call(mctx, x.m)
	if err == nil && label != "" && x.m.spec.emits && !slices.Contains(x.m.spec.labels, label) {
		err = fmt.Errorf("router returned label %q, which it does not declare (Emits: %q)", label, x.m.spec.labels)
	}
	if err == nil && r.store != nil {
		err = r.save(ctx, name)
	}
	if err != nil {
		merr := &MethodError{Flow: r.g.name, Method: name, Err: err}
		event.End(step, event.MethodFailed{Header: src, Flow: r.g.name, Method: name, Failure: failure(merr)})
		return merr
	}
	if step.Active() {
		snap = r.st.Get()
	}
	event.End(step, event.MethodFinished{Header: src, Flow: r.g.name, Method: name, Result: out,
		RouterLabel: label, State: snap})
	return r.complete(ctx, x, out, label)
}

// call runs the method's function, turning a panic into a *PanicError.
func (r *runner[S]) call(ctx context.Context, m *method[S]) (out any, label string, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, label, err = nil, "", &PanicError{Value: p, Stack: string(debug.Stack())}
		}
	}()
	if m.router {
		label, err = m.route(ctx, r.st)
		return label, label, err
	}
	out, err = m.step(ctx, r.st)
	return out, "", err
}

func (r *runner[S]) save(ctx context.Context, method string) error {
	data, err := r.st.marshal()
	if err != nil {
		return fmt.Errorf("persist state: %w", err)
	}
	if err := r.store.Save(ctx, r.g.name, r.st.id, method, data); err != nil {
		return fmt.Errorf("persist state: %w", err)
	}
	return nil
}

// complete records the completion of x.m and starts the listeners it
// triggers: those of the method's name (in its round) and of the label (in
// a new round). A listener runs at most once per completion.
func (r *runner[S]) complete(ctx context.Context, x fire[S], out any, label string) error {
	name := x.m.spec.name
	r.mu.Lock()
	r.last, r.lastMethod = out, name
	type trig struct {
		name  string
		round int
	}
	trigs := []trig{{name, x.round}}
	if label != "" {
		r.round++
		trigs = append(trigs, trig{label, r.round})
	}
	var todo []fire[S]
	fired := map[int]bool{}
	var err error
	for _, t := range trigs {
		for _, i := range r.g.listeners[t.name] {
			m := r.g.methods[i]
			if fired[i] || !r.offer(m, t.name, t.round) {
				continue
			}
			fired[i] = true
			if err = r.count(m); err != nil {
				break
			}
			todo = append(todo, fire[S]{m: m, round: t.round,
				trig: Trigger{Name: t.name, Method: name, Output: out}})
		}
		if err != nil {
			break
		}
	}
	r.mu.Unlock()
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil // the first error, or the caller's cancellation, is reported by run
	}
	r.spawn(ctx, todo)
	return nil
}

// offer tells m's condition that trigger completed in round; it reports
// whether m must run. The caller holds r.mu.
func (r *runner[S]) offer(m *method[S], trigger string, round int) bool {
	c := m.spec.cond
	cs := r.conds[m.spec.name]
	if cs == nil {
		cs = &condState{seen: map[string]bool{}, rounds: map[int]bool{}}
		r.conds[m.spec.name] = cs
	}
	cs.seen[trigger] = true
	if !c.holds(cs.seen) {
		return false
	}
	clear(cs.seen)
	if c.hasAnd() {
		return true
	}
	if cs.rounds[round] {
		return false
	}
	cs.rounds[round] = true
	return true
}

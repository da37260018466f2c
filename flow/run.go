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
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/chat"
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
	// Label is the label Method returned when it is a router (then also
	// its Output), or empty.
	Label string
	// State is the final state.
	State S
	// StateID is the state's ID (pass it as the "id" input to resume it
	// from a Store).
	StateID string
	// Usage sums the token usage of every LLM call made inside the flow (as
	// their events report it) and what methods added with State.AddUsage.
	Usage chat.Usage
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
	// Event is the ID of that completion's MethodFinished event in the
	// kickoff's run (see event.MethodStarted.TriggeredBy), or 0 when no
	// one listened to the run's events or the completion happened in an
	// earlier kickoff.
	Event uint64
}

type triggerKey struct{}

// TriggerOf returns what made the method running with ctx run: the trigger
// (method or label) and the output of the method that completed. A start
// method gets the zero Trigger.
func TriggerOf(ctx context.Context) Trigger {
	r, _ := ctx.Value(triggerKey{}).(running)
	return r.trig
}

// running is what a method's ctx says of it: its trigger and its name.
type running struct {
	trig   Trigger
	method string
}

// Kickoff runs the flow once. In order, it:
//   - checks the definition (a [DefinitionError] before anything runs);
//   - if inputs["id"] is set and Persist is not nil, restores that saved
//     state (an error matching ErrStateNotFound, or a *CorruptStateError),
//     and, when the kickoff that saved it had not finished, its progress:
//     the methods it completed are skipped and the runs it left undone run
//     first (see "Persistence and resume" in the package doc); without
//     Persist, inputs["id"] only sets the new state's ID;
//   - merges the other inputs into the state by field name (JSON name, Go
//     name, then case-insensitively) or map key, converting JSON-like
//     values (an *InputError names a bad field, its value and the type
//     wanted);
//   - gives the state an ID (a random UUID unless given), also stored in a
//     string field named ID / tagged json:"id", or a map state's "id" key;
//   - runs the start methods concurrently, then each listener whose
//     condition a completion satisfies, concurrently with the others
//     triggered by the same completion (at most MaxConcurrency at a time),
//     saving the state and progress after each method, and once more at
//     the end, when Persist is set;
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
// child of that method.
func (f *Flow[S]) Kickoff(ctx context.Context, inputs map[string]any) (*Result[S], error) {
	return f.kickoff(ctx, inputs, false)
}

// Resume is Kickoff with inputs["id"] set to stateID, for a caller that
// means to continue a saved state: a state ID the store does not hold is an
// error matching [ErrStateNotFound] (where Kickoff starts a fresh run with
// that ID), and so is a flow without Persist. Like Kickoff, it fails with
// an error matching [ErrStateBusy] while another kickoff runs that state.
func (f *Flow[S]) Resume(ctx context.Context, stateID string, inputs map[string]any) (*Result[S], error) {
	if f.Persist == nil {
		return nil, fmt.Errorf("flow %q: resume state %q: the flow has no Persist store: %w", f.name(), stateID, ErrStateNotFound)
	}
	in := make(map[string]any, len(inputs)+1)
	for k, v := range inputs {
		in[k] = v
	}
	in["id"] = stateID
	return f.kickoff(ctx, in, true)
}

func (f *Flow[S]) kickoff(ctx context.Context, inputs map[string]any, explicit bool) (*Result[S], error) {
	g, err := f.compiled()
	if err != nil {
		return nil, err
	}
	if id, ok := inputs["id"].(string); ok && id != "" && f.Persist != nil {
		release, err := f.lease(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("flow %q: state %q: %w", g.name, id, err)
		}
		defer release()
	}
	st, done, err := f.newState(ctx, g, inputs, explicit)
	if err != nil {
		return nil, err
	}
	r := &runner[S]{g: g, st: st, store: f.Persist, sem: make(chan struct{}, g.maxConc),
		keep: newOutputKeeper()}
	if err := r.plan(done); err != nil {
		return nil, err
	}

	ctx, usage, finish := f.openRun(ctx)
	defer finish()
	if g.reviews {
		ctx = withFeedbackLog(ctx)
	}

	_, hasID := inputs["id"]
	fctx, step := event.Begin(ctx, event.FlowStarted{Header: event.Header{Source: "flow:" + g.name},
		Flow: g.name, StateID: st.id, Inputs: maps.Clone(inputs), Tracing: f.Tracing,
		Restored: hasID && st.restored, RunsCarried: len(r.done)})

	runErr := r.run(fctx)
	if runErr == nil && r.store != nil {
		runErr = r.finish(fctx)
	} else if runErr != nil {
		runErr = r.pause(fctx, runErr)
	}

	res := &Result[S]{Output: r.last, Method: r.lastMethod, Label: r.lastLabel, State: st.v, StateID: st.id,
		Usage: usage().Add(st.addedUsage())}
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

// savedRuns are the runs a saved, unfinished kickoff completed; waves is
// false when they come from a version 1 progress.
type savedRuns struct {
	runs  []doneRun
	waves bool
}

// newState builds the kickoff's state: initial or restored, inputs merged,
// ID set. When restored, it also returns the runs the saved kickoff had
// completed.
func (f *Flow[S]) newState(ctx context.Context, g *graph[S], inputs map[string]any, explicit bool) (*State[S], savedRuns, error) {
	st := &State[S]{v: deepCopy(f.Initial)}
	var done savedRuns
	if raw, ok := inputs["id"]; ok {
		id, isStr := raw.(string)
		if !isStr || id == "" {
			return nil, savedRuns{}, &InputError{Field: "id", Value: raw, Want: "is not a valid state ID (a non-empty string)"}
		}
		st.id = id
		var rec *Record
		if f.Persist != nil {
			var err error
			rec, err = f.Persist.Load(ctx, id)
			if errors.Is(err, ErrStateNotFound) && !explicit {
				// No saved state: a fresh run whose state has this ID, as
				// CrewAI does (Resume insists on a saved one).
				rec, err = nil, nil
			}
			if err != nil {
				return nil, savedRuns{}, fmt.Errorf("flow %q: resume: %w", g.name, err)
			}
		}
		if rec != nil {
			var err error
			st.restored = true
			if rec.Flow != g.name {
				return nil, savedRuns{}, fmt.Errorf("flow %q: resume: state %q was saved by flow %q", g.name, id, rec.Flow)
			}
			var v S
			if err := json.Unmarshal(rec.State, &v); err != nil {
				return nil, savedRuns{}, &CorruptStateError{StateID: id, Method: rec.Method, Err: err}
			}
			if done.runs, done.waves, err = decodeProgress(rec.Progress); err != nil {
				return nil, savedRuns{}, &CorruptStateError{StateID: id, Method: rec.Method, Err: err}
			}
			st.v = v
		}
	} else {
		st.id = newID()
	}
	rv := reflect.ValueOf(&st.v).Elem()
	prepare(rv)
	if err := mergeInputs(rv, inputs); err != nil {
		return nil, savedRuns{}, err
	}
	setID(rv, st.id)
	return st, done, nil
}

func failure(err error) event.Failure {
	fl := event.Failure{Err: err}
	var pe *event.PanicError
	if errors.As(err, &pe) {
		fl.Panic, fl.Stack = true, pe.Stack
	}
	return fl
}

// openRun joins the run ctx carries or starts one on f.Bus, attaches
// tracing (see tracing.Attach) and a tool run state, and counts the token
// usage of the LLM calls made under the returned ctx. usage returns the
// count so far; finish must be called once, after the run's last event.
func (f *Flow[S]) openRun(ctx context.Context) (_ context.Context, usage func() chat.Usage, finish func()) {
	ctx = event.StartRun(ctx, f.Bus)
	ctx, endTrace := tracing.Attach(ctx, f.Tracer, tracing.Requested(f.Tracing))
	ctx = tool.WithRunState(ctx)
	// tool sources (MCP servers) acquired in the run close at its end
	ctx, endScope := tool.WithScope(ctx)
	finish = func() {
		endScope()
		endTrace()
	}
	var mu sync.Mutex
	var total chat.Usage
	ctx = event.WithHandler(ctx, event.HandlerFunc(func(e event.Event) {
		if c, ok := e.(*event.LLMCallCompleted); ok {
			mu.Lock()
			total = total.Add(c.Usage)
			mu.Unlock()
		}
	}))
	return ctx, func() chat.Usage {
		mu.Lock()
		defer mu.Unlock()
		return total
	}, finish
}

// RunMethod runs the method name once, on its own, as Kickoff runs each
// method: MethodStarted, then MethodFinished or MethodFailed (its error
// or panic as a *[MethodError], an *[event.PanicError] inside for a panic, and a
// router's undeclared label refused), with [TriggerOf] returning trig in
// the method's ctx. It is for runners that schedule the flow's methods
// themselves with a [Scheduler], such as a Temporal workflow running each
// method as an activity on whichever worker picks it up.
//
// The method works on a deep copy of state (the caller's value is not
// modified) with ID stateID (a new random ID when empty, written to the
// state's ID field or "id" key as Kickoff does). The Result holds the
// method's output and label, the state it left, and the token usage of the
// LLM calls made inside it plus what it added with [State.AddUsage]; on
// failure it holds the state as the method left it, next to the error.
// Persist is not used: the caller owns the state.
//
// Like Kickoff, RunMethod joins the run ctx carries (a method of an outer
// flow, say) or starts one on Flow.Bus, and attaches tracing as Kickoff
// does (Flow.Tracing, Flow.Tracer): there is no flow step around the
// method, so in a ctx that carries no run its invoke_node span is a child
// of the OpenTelemetry span in ctx (the activity's span, for a Temporal
// activity), and it is flushed before RunMethod returns.
//
// The definition is checked first (a [DefinitionError]), and an unknown
// name is an error listing the flow's methods. RunMethod is safe for
// concurrent use.
func (f *Flow[S]) RunMethod(ctx context.Context, name, stateID string, state S, trig Trigger) (*Result[S], error) {
	g, err := f.compiled()
	if err != nil {
		return nil, err
	}
	m := g.byName[name]
	if m == nil {
		names := make([]string, len(g.methods))
		for i, x := range g.methods {
			names[i] = x.spec.name
		}
		return nil, fmt.Errorf("flow %q: RunMethod: no method named %q (methods: %s)", g.name, name, strings.Join(names, ", "))
	}
	if stateID == "" {
		stateID = newID()
	}
	st := &State[S]{v: deepCopy(state), id: stateID}
	rv := reflect.ValueOf(&st.v).Elem()
	prepare(rv)
	setID(rv, stateID)
	res := &Result[S]{Method: name, StateID: stateID}
	if err := ctx.Err(); err != nil {
		res.State = st.v
		return res, fmt.Errorf("flow %q: %w", g.name, err)
	}
	ctx, usage, finish := f.openRun(ctx)
	res.Output, res.Label, _, err = g.invoke(ctx, m, st, trig, nil)
	finish()
	res.State, res.Usage = st.v, usage().Add(st.addedUsage())
	return res, err
}

// invoke runs m once on st, as the method of a run of g: its events, its
// trigger in ctx, panic recovery and the label check. after, if not nil,
// runs once the method has returned without error, before its end event,
// with the method's output and label; its error fails the method (Kickoff
// schedules the next runs and saves the state there).
func (g *graph[S]) invoke(ctx context.Context, m *method[S], st *State[S], trig Trigger, after func(out any, label string) error) (_ any, _ string, finished uint64, _ error) {
	name := m.spec.name
	src := event.Header{Source: "flow:" + g.name}
	trigger := trig.Name
	if trigger == "" {
		trigger = "start"
	}
	var snap any
	if event.Enabled(ctx) {
		snap = st.Get()
	}
	mctx, step := event.Begin(ctx, event.MethodStarted{Header: src, Flow: g.name, Method: name,
		State: snap, Trigger: trigger, TriggeredBy: trig.Event})
	mctx = context.WithValue(mctx, triggerKey{}, running{trig: trig, method: name})

	out, label, err := m.call(mctx, st)
	if err == nil {
		err = labelErr(m.spec, m.router, label)
	}
	if err == nil && after != nil {
		err = after(out, label)
	}
	if err != nil {
		merr := &MethodError{Flow: g.name, Method: name, Err: err}
		event.End(step, event.MethodFailed{Header: src, Flow: g.name, Method: name, Failure: failure(merr)})
		return nil, "", 0, merr
	}
	if step.Active() {
		snap = st.Get()
	}
	id := event.End(step, event.MethodFinished{Header: src, Flow: g.name, Method: name, Result: out,
		RouterLabel: label, State: snap})
	return out, label, id, nil
}

// call runs the method's function, turning a panic into a *event.PanicError.
func (m *method[S]) call(ctx context.Context, st *State[S]) (out any, label string, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, label, err = nil, "", &event.PanicError{Value: p, Stack: string(debug.Stack())}
		}
	}()
	if m.router {
		label, err = m.route(ctx, st)
		return label, label, err
	}
	out, err = m.step(ctx, st)
	return out, "", err
}

// runner is the state of one kickoff.
type runner[S any] struct {
	g     *graph[S]
	st    *State[S]
	store Store
	sem   chan struct{}
	grp   *errgroup.Group

	todo []Activation // the runs to start

	mu         sync.Mutex
	sched      *Scheduler
	done       []doneRun // the runs completed, in order (kept only with a store)
	keep       *outputKeeper
	last       any
	lastMethod string
	lastLabel  string
}

// plan sets the scheduler and the first runs: the start methods, or, when
// the kickoff resumes a saved one that had runs left to do, those runs,
// with the saved progress carried on.
func (r *runner[S]) plan(saved savedRuns) error {
	if done := saved.runs; len(done) > 0 {
		sched, pending, from, err := r.g.plan.replay(done, saved.waves)
		if err != nil {
			return fmt.Errorf("flow %q: resume state %q: %w", r.g.name, r.st.id, err)
		}
		if len(pending) > 0 {
			last := done[len(done)-1]
			r.sched, r.todo, r.done = sched, pending, done
			r.last, r.lastMethod, r.lastLabel = last.output(), last.Method, last.Label
			for i, a := range pending {
				r.keep.triggered(from[i], []Activation{a})
			}
			return nil
		}
	}
	r.sched = r.g.plan.scheduler()
	r.todo = r.sched.Start()
	return nil
}

func (r *runner[S]) run(ctx context.Context) error {
	grp, gctx := errgroup.WithContext(ctx)
	r.grp = grp
	r.spawn(gctx, r.todo)
	if err := grp.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flow %q: %w", r.g.name, err)
	}
	return nil
}

func (r *runner[S]) spawn(ctx context.Context, todo []Activation) {
	for _, a := range todo {
		r.grp.Go(func() error { return r.exec(ctx, a) })
	}
}

// exec runs one method, then starts the listeners its completion triggers.
func (r *runner[S]) exec(ctx context.Context, a Activation) error {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("flow %q: %w", r.g.name, ctx.Err())
	}
	defer func() { <-r.sem }()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flow %q: %w", r.g.name, err)
	}
	// The completion is scheduled, and with a store saved, before the
	// method's end event and under r.mu, so that the saved progress lists
	// the runs in the order the Scheduler saw them.
	var next []Activation
	var schedErr error
	completed := func(out any, label string) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		// Saved first, so that the Scheduler never counts a completion
		// the saved progress lacks.
		if r.store != nil {
			if err := r.save(ctx, a, out, label); err != nil {
				return err
			}
		}
		next, schedErr = r.sched.Completed(a, label)
		if r.store != nil {
			r.keep.triggered(len(r.done)-1, next)
		}
		r.last, r.lastMethod, r.lastLabel = out, a.Method, label
		return nil
	}
	out, _, finished, err := r.g.invoke(ctx, r.g.byName[a.Method], r.st, a.Trigger, completed)
	if err != nil {
		return err
	}
	if schedErr != nil {
		return schedErr
	}
	if ctx.Err() != nil {
		return nil // the first error, or the caller's cancellation, is reported by run
	}
	for i := range next {
		next[i].Trigger.Output, next[i].Trigger.Event = out, finished
	}
	r.spawn(ctx, next)
	return nil
}

// save saves the state and the progress after run a completed; r.mu is
// held. The run joins r.done only once saved.
func (r *runner[S]) save(ctx context.Context, a Activation, out any, label string) error {
	data, err := r.st.marshal()
	if err != nil {
		return fmt.Errorf("persist state: %w", err)
	}
	done := append(slices.Clip(r.done), newDoneRun(a, label, out))
	r.keep.completing(a, len(done)-1, done)
	if err := r.store.Save(ctx, r.record(a.Method, data, progress{Runs: done})); err != nil {
		return fmt.Errorf("persist state: %w", err)
	}
	r.done = done
	return nil
}

// finish saves, after a kickoff that succeeded, the final state marked as
// finished: resuming it runs the graph again from its start methods.
func (r *runner[S]) finish(ctx context.Context) error {
	data, err := r.st.marshal()
	if err != nil {
		return fmt.Errorf("flow %q: persist final state: %w", r.g.name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.store.Save(ctx, r.record(r.lastMethod, data, progress{Finished: true, Runs: r.done})); err != nil {
		return fmt.Errorf("flow %q: persist final state: %w", r.g.name, err)
	}
	return nil
}

func (r *runner[S]) record(method string, state []byte, p progress) Record {
	p.Version = progressVersion
	prog, _ := json.Marshal(p) // cannot fail: strings, ints and valid raw JSON
	return Record{Flow: r.g.name, StateID: r.st.id, Method: method, State: state, Progress: prog}
}

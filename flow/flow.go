package flow

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/tracing"
)

// DefaultMaxMethodRuns is how many times one method may run in one kickoff
// when Flow.MaxMethodRuns is 0.
const DefaultMaxMethodRuns = 100

// DefaultMaxConcurrency is how many methods of one kickoff may run at the
// same time when Flow.MaxConcurrency is 0.
const DefaultMaxConcurrency = 16

// StepFunc is the body of a plain method. Its result becomes the method's
// output (the flow's output if it is the last method to complete) and is
// handed to the listeners it triggers (see [TriggerOf]). It must honour ctx.
// A nil StepFunc is refused by Flow.Step as a definition error. A flow may
// call it from several goroutines at once (concurrent listeners, concurrent
// kickoffs): share data through the State, which locks.
type StepFunc[S any] func(ctx context.Context, s *State[S]) (any, error)

// RouterFunc is the body of a router. The label it returns triggers the
// listeners of that label; an empty label triggers nothing but the listeners
// of the router's own name. The label is also the router's output.
// A nil RouterFunc is refused by Flow.Router as a definition error. A flow
// may call it from several goroutines at once (concurrent listeners,
// concurrent kickoffs): share data through the State, which locks.
type RouterFunc[S any] func(ctx context.Context, s *State[S]) (string, error)

// Flow is an event-driven graph of methods over a state of type S (a struct,
// a pointer to one, or a map with string keys such as map[string]any).
//
// Define it by setting its fields and registering methods with [Flow.Step]
// and [Flow.Router], then run it with [Flow.Kickoff]. The zero value (plus a
// Name and methods) is ready to use. Registration must be finished before the
// first Kickoff: a Flow is safe for concurrent use by any number of Kickoff,
// Validate and Graph calls, and a run never modifies the
// definition. A method registered after the first Kickoff is refused: it
// makes every later Kickoff and Validate fail with a [DefinitionError].
//
// Do not copy a Flow after its first use.
type Flow[S any] struct {
	// Name names the flow in events, spans, errors and saved records. Empty
	// means "Flow".
	Name string
	// Tracing asks for this flow's runs to be traced (see package tracing;
	// CREWAI_TRACING_ENABLED turns tracing on for every run too).
	Tracing bool
	// Tracer builds the spans of a traced run; nil means tracing.Default()
	// (built from the environment on the first traced run).
	Tracer *tracing.Tracer
	// Bus receives the flow's events; nil means event.Default(). A flow
	// kicked off inside another run (a flow method, say) joins that run and
	// its bus.
	Bus *event.Bus
	// Initial is the state every kickoff starts from, deep-copied per
	// kickoff (its zero value is the zero S; a nil map becomes an empty
	// one).
	Initial S
	// Persist, if not nil, saves the state and the kickoff's progress after
	// every method that completes, and lets a kickoff with an "id" input
	// resume a saved state, skipping the methods an unfinished kickoff had
	// completed. See [Store], package flow/sqlitestore and the package doc.
	Persist Store
	// MaxMethodRuns caps how many times one method may run in one kickoff
	// (loops through routers); when a method would run once more the flow
	// fails with an error matching [ErrMaxMethodRuns]. 0 means
	// DefaultMaxMethodRuns; a negative value is a definition error.
	MaxMethodRuns int
	// MaxConcurrency caps how many methods of one kickoff run at the same
	// time. 0 means DefaultMaxConcurrency; a negative value is a definition
	// error.
	MaxConcurrency int

	mu      sync.Mutex
	running map[string]bool // state IDs leased by this Flow (a Persist that is not a Leaser)
	methods []*method[S]
	late    []string // methods registered after the first kickoff
	frozen  *graph[S]
	ferr    error
}

// Spec names a method and says when it runs. Build one with [Start],
// [Listen]; a router may declare its labels with [Spec.Emits]. The
// zero value is not a valid spec.
// Its methods do not modify it (Emits returns a new Spec), so it is safe for
// concurrent use.
type Spec struct {
	name   string
	start  bool
	cond   *Condition
	labels []string
	emits  bool
	trig   bool // TriggeredBy was called
}

// Start is the spec of a start method, which runs when the flow is kicked
// off. Several start methods run concurrently. With [Spec.TriggeredBy] it
// becomes a conditional start.
func Start(name string) Spec { return Spec{name: name, start: true} }

// TriggeredBy makes a [Start] spec a conditional start, CrewAI's
// @start("label"): the method runs at kickoff only when the flow has no
// unconditional start, and it runs again each time c holds (a method it
// names completes, or a router returns a label it names), counted against
// Flow.MaxMethodRuns like any run. A router that returns such a label can
// loop back into it. TriggeredBy on a spec that is not a Start spec is a
// definition error.
func (s Spec) TriggeredBy(c Condition) Spec {
	s.cond, s.trig = &c, true
	return s
}

// Listen is the spec of a method that runs when the condition c holds:
// [On] one trigger (a method, step or router, or a label a router returns),
// or [Or] and [And] over conditions.
func Listen(name string, c Condition) Spec { return Spec{name: name, cond: &c} }

// Emits declares the labels a router may return. Declared labels are drawn
// in the plot and checked: a router that returns an undeclared label fails.
// Listeners on a label are accepted only if some router declares it or some
// router declares nothing. Emits on a plain step is a definition error.
func (s Spec) Emits(labels ...string) Spec {
	s.labels = append(append([]string(nil), s.labels...), labels...)
	s.emits = true
	return s
}

// Name returns the method name the spec registers.
func (s Spec) Name() string { return s.name }

type condOp uint8

const (
	opTrigger condOp = iota
	opOr
	opAnd
)

// Condition says which completions make a listener run: a trigger (a method
// name or a router label), or an Or / And of conditions. The zero value is
// an empty trigger, which is a definition error. Conditions are immutable
// values, safe for concurrent use.
//
// A listener on an Or of two or more parts runs once per dispatch wave and
// is re-armed by a router label of another wave or by a loop; a router or a
// conditional start on an Or runs each time a part holds; an And fires once
// every one of its parts has held since it last fired, then starts
// collecting again (see "Scheduling rules" in the package doc).
type Condition struct {
	op      condOp
	trigger string
	subs    []Condition
}

// On is the condition "trigger completed", where trigger is a method name or
// a router label.
func On(trigger string) Condition { return Condition{op: opTrigger, trigger: trigger} }

// Or is the condition "any of conds holds", such as Or(On("a"), On("b"));
// a listener on an Or of two or more parts runs once per dispatch wave (see
// [Condition]).
func Or(conds ...Condition) Condition {
	return Condition{op: opOr, subs: append([]Condition(nil), conds...)}
}

// And is the condition "every one of conds holds", such as
// And(On("a"), Or(On("b"), On("c"))); it fires once all have held, then
// starts collecting again.
func And(conds ...Condition) Condition {
	return Condition{op: opAnd, subs: append([]Condition(nil), conds...)}
}

// String renders the condition as Or(a, And(b, c)).
func (c Condition) String() string {
	switch c.op {
	case opTrigger:
		return fmt.Sprintf("%q", c.trigger)
	case opOr, opAnd:
		parts := make([]string, len(c.subs))
		for i, s := range c.subs {
			parts[i] = s.String()
		}
		name := "Or"
		if c.op == opAnd {
			name = "And"
		}
		return name + "(" + strings.Join(parts, ", ") + ")"
	}
	return "?"
}

// triggers appends every trigger named in c.
func (c Condition) triggers(dst []string) []string {
	if c.op == opTrigger {
		return append(dst, c.trigger)
	}
	for _, s := range c.subs {
		dst = s.triggers(dst)
	}
	return dst
}

// holds reports whether c is satisfied by the set of triggers seen.
func (c Condition) holds(seen map[string]bool) bool {
	switch c.op {
	case opTrigger:
		return seen[c.trigger]
	case opOr:
		for _, s := range c.subs {
			if s.holds(seen) {
				return true
			}
		}
		return false
	default:
		for _, s := range c.subs {
			if !s.holds(seen) {
				return false
			}
		}
		return len(c.subs) > 0
	}
}

func (c Condition) check(method string) error {
	switch c.op {
	case opTrigger:
		if c.trigger == "" {
			return &DefinitionError{Method: method, Reason: "listens to an empty trigger name"}
		}
	default:
		if len(c.subs) == 0 {
			return &DefinitionError{Method: method, Reason: "has an Or/And condition with no triggers"}
		}
		for _, s := range c.subs {
			if err := s.check(method); err != nil {
				return err
			}
		}
	}
	return nil
}

type method[S any] struct {
	spec   Spec
	router bool
	step   StepFunc[S]
	route  RouterFunc[S]
	review bool // registered by Review
}

// Step registers a plain method: it runs as spec says, and its completion
// triggers the listeners of its name. Problems (a nil fn, a duplicate name)
// are reported by [Flow.Validate] and [Flow.Kickoff], naming the method.
func (f *Flow[S]) Step(spec Spec, fn StepFunc[S]) {
	f.add(&method[S]{spec: spec, step: fn})
}

// Router registers a router: it runs as spec says, and its completion
// triggers the listeners of its name and of the label it returns. Declare
// its labels with [Spec.Emits] so that they are checked and plotted.
// Problems are reported by [Flow.Validate] and [Flow.Kickoff].
func (f *Flow[S]) Router(spec Spec, fn RouterFunc[S]) {
	f.add(&method[S]{spec: spec, router: true, route: fn})
}

func (f *Flow[S]) add(m *method[S]) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frozen != nil || f.ferr != nil {
		f.late = append(f.late, m.spec.name)
		return
	}
	f.methods = append(f.methods, m)
}

// lease takes the lease of a state ID for one kickoff: from Persist when it
// is a Leaser, else from the Flow itself.
func (f *Flow[S]) lease(ctx context.Context, id string) (func(), error) {
	if l, ok := f.Persist.(Leaser); ok {
		return l.Lease(ctx, id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running[id] {
		return nil, fmt.Errorf("%w (Persist holds no lease: this Flow value is running it)", ErrStateBusy)
	}
	if f.running == nil {
		f.running = map[string]bool{}
	}
	f.running[id] = true
	return func() {
		f.mu.Lock()
		delete(f.running, id)
		f.mu.Unlock()
	}, nil
}

func (f *Flow[S]) name() string {
	if f.Name == "" {
		return "Flow"
	}
	return f.Name
}

// Validate checks the definition without running anything and returns a
// [DefinitionError] (several joined with errors.Join) naming each faulty
// method: a nil function, an empty or duplicate name, a listener on a name
// that no method or router label produces, Emits on a plain step, no start
// method, a negative limit, a method registered after the first kickoff.
func (f *Flow[S]) Validate() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.late) > 0 {
		return f.lateErr()
	}
	if f.frozen != nil || f.ferr != nil {
		return f.ferr
	}
	_, err := f.compileLocked()
	return err
}

func (f *Flow[S]) lateErr() error {
	return &DefinitionError{Flow: f.name(), Method: strings.Join(f.late, ", "),
		Reason: "registered after the first Kickoff; register every method before running the flow"}
}

// graph is the compiled, immutable definition shared by runs.
type graph[S any] struct {
	name    string
	methods []*method[S]
	byName  map[string]*method[S]
	plan    *plan
	maxConc int
	reviews bool // some method is a Review: kickoffs keep a feedback log
}

// compiled returns the frozen graph, compiling it on first use.
func (f *Flow[S]) compiled() (*graph[S], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.late) > 0 {
		return nil, f.lateErr()
	}
	if f.frozen == nil && f.ferr == nil {
		f.frozen, f.ferr = f.compileLocked()
	}
	return f.frozen, f.ferr
}

func (f *Flow[S]) compileLocked() (*graph[S], error) {
	g := &graph[S]{name: f.name(), byName: map[string]*method[S]{}, maxConc: f.MaxConcurrency}
	for _, m := range f.methods {
		g.reviews = g.reviews || m.review
	}
	p := &plan{name: g.name, index: map[string]int{}, listeners: map[string][]int{}, maxRuns: f.MaxMethodRuns}
	g.plan = p
	labels := map[string]map[string]bool{} // router -> its declared labels
	var errs []error
	fail := func(m, reason string, args ...any) {
		errs = append(errs, &DefinitionError{Flow: g.name, Method: m, Reason: fmt.Sprintf(reason, args...)})
	}
	if f.MaxMethodRuns < 0 {
		fail("", "MaxMethodRuns is %d; use 0 for the default (%d) or a positive number", f.MaxMethodRuns, DefaultMaxMethodRuns)
	}
	if f.MaxConcurrency < 0 {
		fail("", "MaxConcurrency is %d; use 0 for the default (%d) or a positive number", f.MaxConcurrency, DefaultMaxConcurrency)
	}
	if p.maxRuns == 0 {
		p.maxRuns = DefaultMaxMethodRuns
	}
	if g.maxConc == 0 {
		g.maxConc = DefaultMaxConcurrency
	}
	undeclared := false // some router declares no labels
	var allStarts []int
	for _, m := range f.methods {
		n := m.spec.name
		switch {
		case n == "":
			fail("", "a method has an empty name")
			continue
		case g.byName[n] != nil:
			fail(n, "is registered twice; method names must be unique")
			continue
		}
		if (m.router && m.route == nil) || (!m.router && m.step == nil) {
			fail(n, "has a nil function")
		}
		if !m.spec.start && m.spec.cond == nil {
			fail(n, "has an empty Spec; build it with Start or Listen")
		}
		if m.spec.trig && !m.spec.start {
			fail(n, "uses TriggeredBy on a listener spec; TriggeredBy makes a conditional start of a Start spec (use Listen for a listener)")
		}
		if m.spec.cond != nil {
			if err := m.spec.cond.check(n); err != nil {
				var de *DefinitionError
				if errors.As(err, &de) {
					de.Flow = g.name
				}
				errs = append(errs, err)
			}
		}
		if m.spec.emits && !m.router {
			fail(n, "is a plain step but declares labels with Emits; register it with Router")
		}
		if m.router {
			if !m.spec.emits {
				undeclared = true
			}
			set := map[string]bool{}
			for _, l := range m.spec.labels {
				if l == "" {
					fail(n, "declares an empty label")
				}
				set[l] = true
			}
			labels[n] = set
		}
		if m.spec.start {
			allStarts = append(allStarts, len(g.methods))
			if m.spec.cond == nil {
				p.starts = append(p.starts, len(g.methods))
			}
		}
		p.index[n] = len(g.methods)
		p.specs = append(p.specs, m.spec)
		p.routers = append(p.routers, m.router)
		// The Or once-rule: a listener (not a router, not a conditional
		// start) on an Or of two or more parts.
		p.once = append(p.once, !m.router && !m.spec.start && m.spec.cond != nil &&
			m.spec.cond.op == opOr && len(m.spec.cond.subs) > 1)
		g.byName[n] = m
		g.methods = append(g.methods, m)
	}
	if len(p.starts) == 0 {
		p.starts = allStarts // only conditional starts: they all run at kickoff
	}
	if len(g.methods) > 0 && len(p.starts) == 0 {
		fail("", "has no start method; register one with Start")
	}
	if len(f.methods) == 0 {
		fail("", "has no methods")
	}
	declared := map[string]bool{}
	for _, set := range labels {
		for l := range set {
			declared[l] = true
		}
	}
	for i, m := range g.methods {
		if m.spec.cond == nil {
			continue
		}
		seen := map[string]bool{}
		for _, t := range m.spec.cond.triggers(nil) {
			if t == "" || seen[t] {
				continue
			}
			seen[t] = true
			if t == m.spec.name {
				fail(m.spec.name, "listens to its own name %q: its completion would trigger it again, for ever; "+
					"listen to another method or label, or rename the method", t)
				continue
			}
			p.listeners[t] = append(p.listeners[t], i)
			if g.byName[t] == nil && !declared[t] && !undeclared {
				known := make([]string, 0, len(g.byName)+len(declared))
				for k := range g.byName {
					known = append(known, k)
				}
				for k := range declared {
					known = append(known, k)
				}
				sort.Strings(known)
				fail(m.spec.name, "listens to %q, which is neither a method nor a label a router declares (known: %s)",
					t, strings.Join(known, ", "))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return g, nil
}

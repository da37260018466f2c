package crewtemporal

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/crewai-go/crewai/flow"
)

// Flow is a [flow.Flow] whose methods can run as Temporal activities. Build
// it with [NewFlow] and register every method through [Flow.Step] and
// [Flow.Router] (they register on the wrapped flow.Flow too, so the same
// definition still runs in one process with flow.Flow.Kickoff). Then hand it
// to [Register] on the workers and to [StartFlow] or [RunFlow] on the client.
//
// The zero value is not usable; call NewFlow. Registration must be finished
// before the first Register, StartFlow or Kickoff; after that a Flow is safe
// for concurrent use.
type Flow[S any] struct {
	f *flow.Flow[S]

	mu    sync.Mutex
	funcs map[string]methodFunc[S]
	order []string
}

// methodFunc is a registered method's body: exactly one of step and route is
// set.
type methodFunc[S any] struct {
	step  flow.StepFunc[S]
	route flow.RouterFunc[S]
	spec  flow.Spec
}

// NewFlow wraps f, which must have no methods registered yet (its methods
// are registered through the returned Flow, which keeps their functions so
// that a worker can call one method at a time). f's Name names the Temporal
// workflow type and, with the method's name, each method's activity type;
// Tracing, Tracer, Bus and Initial apply to every method run; MaxMethodRuns and
// MaxConcurrency apply to the workflow; Persist is not used on Temporal (the
// workflow's history is the persistence). A nil f is replaced by an empty
// flow named "Flow".
func NewFlow[S any](f *flow.Flow[S]) *Flow[S] {
	if f == nil {
		f = &flow.Flow[S]{}
	}
	return &Flow[S]{f: f, funcs: map[string]methodFunc[S]{}}
}

// Step registers a plain method on the flow (see [flow.Flow.Step]).
func (w *Flow[S]) Step(spec flow.Spec, fn flow.StepFunc[S]) {
	w.record(spec, methodFunc[S]{step: fn, spec: spec})
	w.f.Step(spec, fn)
}

// Router registers a router on the flow (see [flow.Flow.Router]).
func (w *Flow[S]) Router(spec flow.Spec, fn flow.RouterFunc[S]) {
	w.record(spec, methodFunc[S]{route: fn, spec: spec})
	w.f.Router(spec, fn)
}

func (w *Flow[S]) record(spec flow.Spec, m methodFunc[S]) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, dup := w.funcs[spec.Name()]; dup {
		return // flow.Flow reports the duplicate
	}
	w.funcs[spec.Name()] = m
	w.order = append(w.order, spec.Name())
}

// Flow returns the wrapped flow.Flow, to kick it off in one process, plot it
// or validate it.
func (w *Flow[S]) Flow() *flow.Flow[S] { return w.f }

// Name returns the flow's name ("Flow" when flow.Flow.Name is empty), which
// is also the name of its Temporal workflow type.
func (w *Flow[S]) Name() string {
	if w.f.Name == "" {
		return "Flow"
	}
	return w.f.Name
}

// ActivityName returns the Temporal activity type that runs method.
func (w *Flow[S]) ActivityName(method string) string { return w.Name() + "." + method }

func (w *Flow[S]) initActivityName() string { return w.Name() + "#init" }

// Validate checks the flow's definition (flow.Flow.Validate) and that every
// method was registered through this wrapper.
func (w *Flow[S]) Validate() error {
	if err := w.f.Validate(); err != nil {
		return err
	}
	_, err := w.graph()
	return err
}

func (w *Flow[S]) lookup(name string) (methodFunc[S], bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m, ok := w.funcs[name]
	return m, ok
}

// condOp mirrors the flow package's conditions.
type condOp uint8

const (
	opTrigger condOp = iota
	opOr
	opAnd
)

// cond is a listener's condition, rebuilt from the flow's Graph.
type cond struct {
	op      condOp
	trigger string
	subs    []*cond
}

func (c *cond) holds(seen map[string]bool) bool {
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

func (c *cond) hasAnd() bool {
	if c.op == opAnd {
		return true
	}
	for _, s := range c.subs {
		if s.hasAnd() {
			return true
		}
	}
	return false
}

func (c *cond) triggers(dst []string) []string {
	if c.op == opTrigger {
		return append(dst, c.trigger)
	}
	for _, s := range c.subs {
		dst = s.triggers(dst)
	}
	return dst
}

// gmethod is one method of the workflow's graph.
type gmethod struct {
	name   string
	start  bool
	router bool
	labels []string
	cond   *cond
}

// fgraph is the part of a flow's definition the workflow needs: plain data,
// identical on every worker that registers the same definition.
type fgraph struct {
	name      string
	methods   []gmethod
	listeners map[string][]int
	maxRuns   int
	maxConc   int
}

// graph rebuilds the flow's methods and conditions from flow.Flow.Graph.
func (w *Flow[S]) graph() (*fgraph, error) {
	g := w.f.Graph()
	byID := map[string]flow.Node{}
	for _, n := range g.Nodes {
		byID[n.ID] = n
	}
	in := map[string][]flow.Edge{}
	for _, e := range g.Edges {
		in[e.To] = append(in[e.To], e)
	}
	var build func(id string) *cond
	build = func(id string) *cond {
		var subs []*cond
		seen := map[string]bool{}
		for _, e := range in[id] {
			from := byID[e.From]
			if from.Kind == flow.NodeOr || from.Kind == flow.NodeAnd {
				subs = append(subs, build(e.From))
				continue
			}
			t := from.Name
			if e.Label != "" {
				t = e.Label
			}
			if !seen[t] {
				seen[t] = true
				subs = append(subs, &cond{op: opTrigger, trigger: t})
			}
		}
		n := byID[id]
		switch n.Kind {
		case flow.NodeAnd:
			return &cond{op: opAnd, subs: subs}
		case flow.NodeOr:
			return &cond{op: opOr, subs: subs}
		}
		if len(subs) == 1 {
			return subs[0]
		}
		return &cond{op: opOr, subs: subs}
	}
	fg := &fgraph{name: w.Name(), listeners: map[string][]int{}, maxRuns: w.f.MaxMethodRuns, maxConc: w.f.MaxConcurrency}
	if fg.maxRuns <= 0 {
		fg.maxRuns = flow.DefaultMaxMethodRuns
	}
	if fg.maxConc <= 0 {
		fg.maxConc = flow.DefaultMaxConcurrency
	}
	var missing []string
	for _, n := range g.Nodes {
		if n.Kind != flow.NodeMethod {
			continue
		}
		if _, ok := w.lookup(n.Name); !ok {
			missing = append(missing, n.Name)
		}
		m := gmethod{name: n.Name, start: n.Start, router: n.Router, labels: append([]string(nil), n.Labels...)}
		if !n.Start || len(in[n.ID]) > 0 {
			m.cond = build(n.ID)
		}
		i := len(fg.methods)
		fg.methods = append(fg.methods, m)
		if m.cond != nil {
			seen := map[string]bool{}
			for _, t := range m.cond.triggers(nil) {
				if !seen[t] {
					seen[t] = true
					fg.listeners[t] = append(fg.listeners[t], i)
				}
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("crewtemporal: flow %q: methods %s were registered on the flow.Flow directly; register every method through crewtemporal.Flow.Step or Router so that a worker can run it",
			fg.name, strings.Join(missing, ", "))
	}
	return fg, nil
}

type triggerKey struct{}

// TriggerOf returns what made the method running with ctx run: on a Temporal
// worker, the trigger the workflow recorded (the output of the method that
// completed arrives decoded from JSON: a map[string]any, []any, string,
// float64 or bool); otherwise it is [flow.TriggerOf]. Methods that read
// their trigger and must run both in one process and on Temporal call this
// function instead of flow.TriggerOf.
func TriggerOf(ctx context.Context) flow.Trigger {
	if t, ok := ctx.Value(triggerKey{}).(flow.Trigger); ok {
		return t
	}
	return flow.TriggerOf(ctx)
}

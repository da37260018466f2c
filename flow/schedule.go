package flow

import (
	"fmt"
	"slices"
)

// Activation is one method run that a [Scheduler] asks for: which method,
// why, and in which round. It is a plain value, safe to copy. The zero
// value names no method.
// A plain value: reading it from several goroutines is safe; changing it
// while another goroutine reads it is not.
type Activation struct {
	// Method is the name of the method to run.
	Method string
	// Trigger says why it runs (the zero Trigger for a start method). The
	// Scheduler sets Name and Method and leaves Output nil: the caller,
	// which holds the output of the completion it reported, fills it in
	// before handing the Trigger to the method.
	Trigger Trigger
	// Round is the round the run belongs to: 0 at kickoff, then one more
	// for each label a router returns (see [Condition]). Hand the
	// Activation back to [Scheduler.Completed] unchanged.
	Round int
}

// Scheduler is the scheduling logic of one flow run, as plain data: which
// methods start, and which listeners each completion triggers, with the
// rules [Flow.Kickoff] follows (rounds, an Or firing once per round, an And
// collecting its parts then starting again, a router's label opening a new
// round, Flow.MaxMethodRuns). It runs no method, starts no goroutine, reads
// no clock and does not depend on map iteration order: the same calls give
// the same answers, in the same order, every time, which is what a
// Temporal workflow replaying its history needs. Kickoff drives one
// Scheduler per kickoff; a runner that runs methods elsewhere (each as a
// Temporal activity, say) drives its own, and runs each method with
// [Flow.RunMethod].
//
// Get one with [Flow.Scheduler]; the zero value is not usable. A Scheduler
// is not safe for concurrent use: the caller serializes its calls.
type Scheduler struct {
	p     *plan
	runs  []int       // runs per method index
	conds []condState // per method index
	round int
	begun bool
}

// plan is the part of a compiled flow the scheduling rules read: immutable,
// shared by every Scheduler of the flow.
type plan struct {
	name      string
	specs     []Spec // by method index, in registration order
	routers   []bool // by method index
	index     map[string]int
	starts    []int
	listeners map[string][]int // trigger -> indexes of its listeners, in registration order
	maxRuns   int
}

// condState is what a listener's condition has seen.
type condState struct {
	seen   map[string]bool
	rounds map[int]bool
}

// Scheduler returns a new Scheduler for one run of the flow, after checking
// the definition like Kickoff does (a [DefinitionError]); it freezes the
// definition, as the first Kickoff does. Each call returns an independent
// Scheduler. Safe for concurrent use.
func (f *Flow[S]) Scheduler() (*Scheduler, error) {
	g, err := f.compiled()
	if err != nil {
		return nil, err
	}
	return g.plan.scheduler(), nil
}

func (p *plan) scheduler() *Scheduler {
	return &Scheduler{p: p, runs: make([]int, len(p.specs)), conds: make([]condState, len(p.specs))}
}

// Start returns the start methods to run, in registration order, all in
// round 0. Only the first call returns them; later calls return nil.
func (s *Scheduler) Start() []Activation {
	if s.begun {
		return nil
	}
	s.begun = true
	out := make([]Activation, 0, len(s.p.starts))
	for _, i := range s.p.starts {
		s.runs[i]++ // MaxMethodRuns is at least 1: a start always fits
		out = append(out, Activation{Method: s.p.specs[i].name})
	}
	return out
}

// Completed records that the run a completed, its router having returned
// label (empty for a plain step, or a router that returned none), and
// returns the runs that completion triggers, in a deterministic order: the
// listeners of a.Method in a.Round, then those of label in a new round, each
// in registration order, a listener at most once. It fails with a
// *[MethodError] when a listener would run more than MaxMethodRuns times
// (matching [ErrMaxMethodRuns]) or when label is one a.Method cannot return
// (a plain step, or a router that declares other labels), and with an
// error naming the method when the flow has no method a.Method; on error
// it triggers nothing.
func (s *Scheduler) Completed(a Activation, label string) ([]Activation, error) {
	p := s.p
	mi, ok := p.index[a.Method]
	if !ok {
		return nil, fmt.Errorf("flow %q: Scheduler.Completed: no method named %q", p.name, a.Method)
	}
	if err := labelErr(p.specs[mi], p.routers[mi], label); err != nil {
		return nil, &MethodError{Flow: p.name, Method: a.Method, Err: err}
	}
	type trig struct {
		name  string
		round int
	}
	trigs := []trig{{a.Method, a.Round}}
	if label != "" {
		s.round++
		trigs = append(trigs, trig{label, s.round})
	}
	var out []Activation
	var fired []int
	for _, t := range trigs {
		for _, i := range p.listeners[t.name] {
			if slices.Contains(fired, i) || !s.offer(i, t.name, t.round) {
				continue
			}
			fired = append(fired, i)
			name := p.specs[i].name
			s.runs[i]++
			if n := s.runs[i]; n > p.maxRuns {
				return nil, &MethodError{Flow: p.name, Method: name,
					Err: fmt.Errorf("%w: it would run a %dth time (MaxMethodRuns is %d)", ErrMaxMethodRuns, n, p.maxRuns)}
			}
			out = append(out, Activation{Method: name, Round: t.round, Trigger: Trigger{Name: t.name, Method: a.Method}})
		}
	}
	return out, nil
}

// offer tells listener i's condition that trigger completed in round; it
// reports whether the listener must run.
func (s *Scheduler) offer(i int, trigger string, round int) bool {
	c := s.p.specs[i].cond
	cs := &s.conds[i]
	if cs.seen == nil {
		cs.seen, cs.rounds = map[string]bool{}, map[int]bool{}
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

// labelErr checks the label a method returned against its definition.
func labelErr(spec Spec, router bool, label string) error {
	switch {
	case label == "":
		return nil
	case !router:
		return fmt.Errorf("is a plain step and cannot return label %q", label)
	case spec.emits && !slices.Contains(spec.labels, label):
		return fmt.Errorf("router returned label %q, which it does not declare (Emits: %q)", label, spec.labels)
	}
	return nil
}

package flow

import (
	"fmt"
	"slices"
	"strconv"
)

// Activation is one method run that a [Scheduler] asks for: which method,
// why, and in which wave. The zero value names no method.
type Activation struct {
	// Method is the name of the method to run.
	Method string
	// Trigger says why it runs (the zero Trigger for a start method run at
	// kickoff). The Scheduler sets Name and Method and leaves Output and
	// Event empty: the caller, which holds the output and the finish event
	// of the completion it reported, fills them in before handing the
	// Trigger to the method.
	Trigger Trigger
	// Wave is the dispatch wave the run belongs to (see "Scheduling rules"
	// in the package doc): 0 at kickoff; a router's label opens a new wave
	// unless the router itself ran because of a label, and every other
	// run belongs to the wave of the completion that triggered it. Hand
	// the Activation back to [Scheduler.Completed] unchanged.
	Wave int
}

// Scheduler is the scheduling logic of one flow run, as plain data: which
// methods start, and which listeners each completion triggers, with the
// rules [Flow.Kickoff] follows (see "Scheduling rules" in the package doc:
// conditional starts, waves, an Or listener firing once per wave, routers
// and conditional starts exempt from that, an And collecting its parts then
// starting again, Flow.MaxMethodRuns). It runs no method,
// starts no goroutine, reads no clock and does not depend on map iteration
// order: the same calls give the same answers, in the same order, every
// time, which is what a Temporal workflow replaying its history needs.
// Kickoff drives one Scheduler per kickoff; a runner that runs methods
// elsewhere (each as a Temporal activity, say) drives its own, and runs
// each method with [Flow.RunMethod].
//
// Get one with [Flow.Scheduler]; the zero value is not usable. A Scheduler
// is not safe for concurrent use: the caller serializes its calls.
type Scheduler struct {
	p     *plan
	runs  []int       // runs per method index
	conds []condState // per method index
	wave  int         // the last wave opened
	begun bool
}

// plan is the part of a compiled flow the scheduling rules read: immutable,
// shared by every Scheduler of the flow.
type plan struct {
	name      string
	specs     []Spec // by method index, in registration order
	routers   []bool // by method index
	once      []bool // by method index: an Or listener that fires once per wave
	index     map[string]int
	starts    []int            // the methods run at kickoff
	listeners map[string][]int // trigger -> indexes of its listeners (conditional starts included), in registration order
	maxRuns   int
}

// condState is what a listener's condition has seen, and for an Or
// listener the waves in which it fired.
type condState struct {
	seen  map[string]bool
	waves map[int]bool
}

// Scheduler returns a new Scheduler for one run of the flow, after checking
// the definition like Kickoff does (a [DefinitionError]); it freezes the
// definition, as the first Kickoff does. Each call returns an independent
// Scheduler.
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

// Start returns the methods to run at kickoff, in registration order, all
// in wave 0: the unconditional start methods, or, when the flow has none,
// every start method (conditional ones included). Only the first call
// returns them; later calls return nil.
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
// listeners of a.Method, then those of label, each in registration order,
// a listener at most once. It fails with a *[MethodError] when a listener
// would run more than MaxMethodRuns times (matching [ErrMaxMethodRuns]) or
// when label is one a.Method cannot return (a plain step, or a router that
// declares other labels), and with an error naming the method when the
// flow has no method a.Method; on error it triggers nothing, and the run
// is over (the Scheduler is not meant to be used further).
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
		name string
		wave int
	}
	trigs := [2]trig{{a.Method, a.Wave}}
	if label != "" {
		// A router that runs because of a label carries that label's wave
		// on (a chain of routers is one wave); any other router's label
		// opens a new wave.
		w := a.Wave
		if a.Trigger.Name == "" || a.Trigger.Name == a.Trigger.Method {
			s.wave++
			w = s.wave
		}
		trigs[1] = trig{label, w}
	}
	var out []Activation
	var fired []int
	for _, t := range trigs {
		if t.name == "" {
			continue
		}
		for _, i := range p.listeners[t.name] {
			if slices.Contains(fired, i) || !s.offer(i, t.name, t.wave) {
				continue
			}
			fired = append(fired, i)
			name := p.specs[i].name
			s.runs[i]++
			if n := s.runs[i]; n > p.maxRuns {
				return nil, &MethodError{Flow: p.name, Method: name,
					Err: fmt.Errorf("%w: it would run a %s time (MaxMethodRuns is %d)", ErrMaxMethodRuns, ordinal(n), p.maxRuns)}
			}
			out = append(out, Activation{Method: name, Wave: t.wave, Trigger: Trigger{Name: t.name, Method: a.Method}})
		}
	}
	return out, nil
}

// offer tells listener i's condition that trigger completed (or was
// returned as a label) in wave; it reports whether the listener must run.
func (s *Scheduler) offer(i int, trigger string, wave int) bool {
	once := s.p.once[i]
	cs := &s.conds[i]
	if once && cs.waves[wave] {
		return false // an Or listener that fired in this wave
	}
	if cs.seen == nil {
		cs.seen = map[string]bool{}
	}
	cs.seen[trigger] = true
	if !s.p.specs[i].cond.holds(cs.seen) {
		return false
	}
	clear(cs.seen)
	if once {
		if cs.waves == nil {
			cs.waves = map[int]bool{}
		}
		cs.waves[wave] = true
	}
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

// ordinal writes n as an English ordinal: 1st, 2nd, 3rd, 4th, 11th, 101st.
func ordinal(n int) string {
	suffix := "th"
	switch n % 100 {
	case 11, 12, 13:
	default:
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

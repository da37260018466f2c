package crewtemporal

import (
	"github.com/crewai-go/crewai/flow"
)

// Flow is a [flow.Flow] that runs on Temporal: the handle that [Register]
// puts on the workers and [StartFlow] or [RunFlow] starts from a client. Its
// graph runs as workflow code driven by the flow's [flow.Scheduler], and
// each method run as an activity through [flow.Flow.RunMethod], so the same
// definition runs in one process with flow.Flow.Kickoff and on Temporal by
// the same rules.
//
// The zero value is not usable; call NewFlow. Registration must be finished
// before the first Register, StartFlow or Kickoff; after that a Flow is safe
// for concurrent use.
type Flow[S any] struct {
	f *flow.Flow[S]
}

// NewFlow wraps f, whose methods may be registered before or after (through
// f itself or through [Flow.Step] and [Flow.Router]), but before the first
// Register, StartFlow or Kickoff. f's Name names the Temporal workflow type
// and, with the method's name, each method's activity type; Tracing,
// Tracer, Bus and Initial apply to every method run; MaxMethodRuns and
// MaxConcurrency apply to the workflow; Persist is not used on Temporal (the
// workflow's history is the persistence). A nil f is replaced by an empty
// flow named "Flow".
func NewFlow[S any](f *flow.Flow[S]) *Flow[S] {
	if f == nil {
		f = &flow.Flow[S]{}
	}
	return &Flow[S]{f: f}
}

// Step registers a plain method on the flow (see [flow.Flow.Step]).
func (w *Flow[S]) Step(spec flow.Spec, fn flow.StepFunc[S]) { w.f.Step(spec, fn) }

// Router registers a router on the flow (see [flow.Flow.Router]).
func (w *Flow[S]) Router(spec flow.Spec, fn flow.RouterFunc[S]) { w.f.Router(spec, fn) }

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

// Validate checks the flow's definition (flow.Flow.Validate).
func (w *Flow[S]) Validate() error { return w.f.Validate() }

// methods returns the names of the flow's methods, in registration order.
func (w *Flow[S]) methods() []string {
	var out []string
	for _, n := range w.f.Graph().Nodes {
		if n.Kind == flow.NodeMethod {
			out = append(out, n.Name)
		}
	}
	return out
}

// maxConcurrency is the flow's effective MaxConcurrency.
func (w *Flow[S]) maxConcurrency() int {
	if w.f.MaxConcurrency > 0 {
		return w.f.MaxConcurrency
	}
	return flow.DefaultMaxConcurrency
}

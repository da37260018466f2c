package crewtemporal

import (
	"errors"
	"fmt"
	"io"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/tracing"
)

// Defaults of [Options].
const (
	// DefaultStartToCloseTimeout bounds one attempt of one method or crew
	// kickoff.
	DefaultStartToCloseTimeout = time.Hour
	// DefaultHeartbeatTimeout is how long Temporal waits without a heartbeat
	// before it considers the worker running an activity dead and retries
	// the activity elsewhere. Activities heartbeat every third of it.
	DefaultHeartbeatTimeout = 30 * time.Second
	// DefaultMaximumAttempts is how many times a method or a crew kickoff is
	// tried, the first time included, when Options.RetryPolicy is nil.
	DefaultMaximumAttempts = 5
	// ForEachWorkflow is the workflow type of [RunCrewForEach].
	ForEachWorkflow = "crewai.KickoffForEach"
)

// Options tunes the activities of the flows and crews a worker registers.
// Workflow code reads them, so every worker of a task queue must register
// the same definitions with the same Options. The zero value uses the
// defaults above. Options is a plain value, safe to copy and to read from
// several goroutines.
type Options struct {
	// StartToCloseTimeout bounds one attempt of one activity (0:
	// DefaultStartToCloseTimeout).
	StartToCloseTimeout time.Duration
	// HeartbeatTimeout is how long an activity may go without a heartbeat
	// before Temporal retries it on another worker (0:
	// DefaultHeartbeatTimeout). Heartbeats are sent every third of it;
	// they also carry a workflow's cancellation to the running methods and
	// crews, whose ctx is then cancelled.
	HeartbeatTimeout time.Duration
	// RetryPolicy is the retry policy of every activity; nil means an
	// initial interval of 1s, a backoff coefficient of 2, a maximum interval
	// of 1m and DefaultMaximumAttempts attempts. Errors for which
	// IsNonRetryable or NonRetryable is true are never retried.
	RetryPolicy *temporal.RetryPolicy
	// NonRetryable, if set, marks more errors as not worth retrying (see
	// IsNonRetryable for those that already are). It must be safe for
	// concurrent use.
	NonRetryable func(error) bool
}

func (o Options) heartbeatTimeout() time.Duration {
	if o.HeartbeatTimeout > 0 {
		return o.HeartbeatTimeout
	}
	return DefaultHeartbeatTimeout
}

func (o Options) activityOptions() workflow.ActivityOptions {
	ao := workflow.ActivityOptions{
		StartToCloseTimeout: o.StartToCloseTimeout,
		HeartbeatTimeout:    o.heartbeatTimeout(),
		RetryPolicy:         o.RetryPolicy,
		WaitForCancellation: true,
	}
	if ao.StartToCloseTimeout <= 0 {
		ao.StartToCloseTimeout = DefaultStartToCloseTimeout
	}
	if ao.RetryPolicy == nil {
		ao.RetryPolicy = &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute, MaximumAttempts: DefaultMaximumAttempts}
	}
	return ao
}

func (o Options) check() error {
	var errs []error
	if o.StartToCloseTimeout < 0 {
		errs = append(errs, fmt.Errorf("crewtemporal: Options.StartToCloseTimeout is %v; use 0 for the default (%v) or a positive duration", o.StartToCloseTimeout, DefaultStartToCloseTimeout))
	}
	if o.HeartbeatTimeout < 0 {
		errs = append(errs, fmt.Errorf("crewtemporal: Options.HeartbeatTimeout is %v; use 0 for the default (%v) or a positive duration", o.HeartbeatTimeout, DefaultHeartbeatTimeout))
	}
	if p := o.RetryPolicy; p != nil && (p.MaximumAttempts < 0 || p.InitialInterval < 0 || (p.BackoffCoefficient != 0 && p.BackoffCoefficient < 1)) {
		errs = append(errs, fmt.Errorf("crewtemporal: Options.RetryPolicy is invalid (MaximumAttempts %d, InitialInterval %v, BackoffCoefficient %v); use attempts >= 0, a non-negative interval and a coefficient >= 1",
			p.MaximumAttempts, p.InitialInterval, p.BackoffCoefficient))
	}
	return errors.Join(errs...)
}

// FlowDefinition is a flow that [Register] can put on a worker: a *[Flow]
// of any state type. It is implemented only by this package; a nil
// FlowDefinition is refused by Register. Its methods are safe for concurrent
// use.
type FlowDefinition interface {
	// Name returns the flow's name, which is its workflow type.
	Name() string
	register(r *registrar) error
}

// Registry is everything a worker runs: flows (each as a workflow, its
// methods as activities) and crews (each kickoff as an activity, plus the
// fan-out workflow of [RunCrewForEach] when there is at least one crew). The
// zero value registers nothing. Register only reads it; do not change it
// while a Register call is running.
type Registry struct {
	Flows []FlowDefinition
	// Crews are registered by their Name ("crew" when empty); names must
	// be unique.
	Crews []*crew.Crew
	// Options tunes every activity.
	Options Options
}

// registrar checks names before anything touches the worker, whose own
// registration panics on a duplicate.
type registrar struct {
	opts      Options
	workflows map[string]bool
	acts      map[string]bool
	pending   []pendingReg
	quiet     *tracing.Tracer
}

func (r *registrar) workflow(name string, fn any) error {
	if _, dup := r.workflows[name]; dup {
		return fmt.Errorf("crewtemporal: workflow type %q is registered twice; flow names must be unique", name)
	}
	r.workflows[name] = true
	r.pending = append(r.pending, pendingReg{workflow: true, name: name, fn: fn})
	return nil
}

// Register puts every flow and crew of reg on w (a worker.Worker) in one
// call: the flows' workflows and method activities, the crews' activities
// and the fan-out workflow. It checks everything first (flow definitions,
// unique names, Options) and registers nothing when something is wrong; it
// never panics on bad input. It freezes each flow's definition, as a first
// Kickoff does.
func Register(w worker.Registry, reg Registry) error {
	if w == nil {
		return errors.New("crewtemporal: Register: the worker is nil")
	}
	r, err := plan(reg)
	if err != nil {
		return err
	}
	for _, p := range r.pending {
		if p.workflow {
			w.RegisterWorkflowWithOptions(p.fn, workflow.RegisterOptions{Name: p.name})
		} else {
			w.RegisterActivityWithOptions(p.fn, activity.RegisterOptions{Name: p.name})
		}
	}
	return nil
}

// WorkflowRegistrar is what [RegisterWorkflows] needs: a
// worker.WorkflowReplayer or a worker.Worker. A nil WorkflowRegistrar is
// refused; whether it is safe for concurrent use is up to the
// implementation (the SDK's are registered from one goroutine).
type WorkflowRegistrar interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// RegisterWorkflows registers only the workflows of reg on r, after the same
// checks as Register: use it with worker.NewWorkflowReplayer to replay a
// run's history against the current definitions (a determinism check).
func RegisterWorkflows(r WorkflowRegistrar, reg Registry) error {
	if r == nil {
		return errors.New("crewtemporal: RegisterWorkflows: the registrar is nil")
	}
	p, err := plan(reg)
	if err != nil {
		return err
	}
	for _, x := range p.pending {
		if x.workflow {
			r.RegisterWorkflowWithOptions(x.fn, workflow.RegisterOptions{Name: x.name})
		}
	}
	return nil
}

type pendingReg struct {
	workflow bool
	name     string
	fn       any
}

func plan(reg Registry) (*registrar, error) {
	if err := reg.Options.check(); err != nil {
		return nil, err
	}
	// The init activity's one-step kickoff must make no spans even when
	// CREWAI_TRACING_ENABLED traces every flow: its tracer drops them.
	quiet, err := tracing.New(tracing.WithTracerProvider(noop.NewTracerProvider()), tracing.WithNotice(io.Discard))
	if err != nil {
		return nil, fmt.Errorf("crewtemporal: %w", err)
	}
	r := &registrar{opts: reg.Options, workflows: map[string]bool{}, acts: map[string]bool{}, quiet: quiet}
	var errs []error
	for i, f := range reg.Flows {
		if f == nil {
			errs = append(errs, fmt.Errorf("crewtemporal: Registry.Flows[%d] is nil", i))
			continue
		}
		if err := f.register(r); err != nil {
			errs = append(errs, err)
		}
	}
	crews := map[string]*crew.Crew{}
	for i, c := range reg.Crews {
		if c == nil {
			errs = append(errs, fmt.Errorf("crewtemporal: Registry.Crews[%d] is nil", i))
			continue
		}
		name := crewName(c)
		if _, dup := crews[name]; dup {
			errs = append(errs, fmt.Errorf("crewtemporal: Registry.Crews[%d]: a crew named %q is already registered; crew names must be unique", i, name))
			continue
		}
		crews[name] = c
		if err := r.activity(CrewActivityName(name), crewActivity(c, r.opts.heartbeatTimeout()/3, r.opts.NonRetryable)); err != nil {
			errs = append(errs, err)
		}
	}
	if len(crews) > 0 {
		if err := r.workflow(ForEachWorkflow, forEachWorkflow(r.opts)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *registrar) activity(name string, fn any) error {
	if _, dup := r.acts[name]; dup {
		return fmt.Errorf("crewtemporal: activity type %q is registered twice; flow, method and crew names must be unique", name)
	}
	r.acts[name] = true
	r.pending = append(r.pending, pendingReg{name: name, fn: fn})
	return nil
}

func crewName(c *crew.Crew) string {
	if c.Name == "" {
		return "crew"
	}
	return c.Name
}

// CrewActivityName returns the activity type that kicks off the crew named
// name: "crew:" + name.
func CrewActivityName(name string) string { return "crew:" + name }

func (w *Flow[S]) register(r *registrar) error {
	// Scheduler checks the definition and freezes it, so that every run of
	// the workflow sees the same graph.
	if _, err := w.f.Scheduler(); err != nil {
		return fmt.Errorf("crewtemporal: flow %q: %w", w.Name(), err)
	}
	var errs []error
	if err := r.workflow(w.Name(), w.workflowFunc(r.opts)); err != nil {
		errs = append(errs, err)
	}
	if err := r.activity(w.initActivityName(), w.initActivity(r.quiet, r.opts.NonRetryable)); err != nil {
		errs = append(errs, err)
	}
	for _, m := range w.methods() {
		if err := r.activity(w.ActivityName(m), w.methodActivity(m, r.opts.heartbeatTimeout()/3, r.opts.NonRetryable)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

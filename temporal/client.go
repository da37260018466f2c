package crewtemporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/flow"
)

// FlowRun is a flow run started on Temporal. The zero value is not usable;
// StartFlow returns one. It is safe for concurrent use.
type FlowRun[S any] struct {
	f   *Flow[S]
	run client.WorkflowRun
}

// ID returns the run's workflow ID.
func (r *FlowRun[S]) ID() string { return r.run.GetID() }

// RunID returns the run's Temporal run ID.
func (r *FlowRun[S]) RunID() string { return r.run.GetRunID() }

// Get waits for the run to end and returns its result like
// flow.Flow.Kickoff: the final state, the state ID, the usage, and the
// output of the method that completed last, decoded from JSON (a
// map[string]any, []any, string, float64, bool or nil). A failed method is a
// *MethodError naming it, with its error's type and text; a cancelled run
// is a *temporal.CanceledError; ctx only bounds the wait.
func (r *FlowRun[S]) Get(ctx context.Context) (*flow.Result[S], error) {
	var out FlowOutput
	err := r.run.Get(ctx, &out)
	if err != nil {
		return nil, flowError(r.f.Name(), err)
	}
	return r.f.result(&out)
}

func (w *Flow[S]) result(out *FlowOutput) (*flow.Result[S], error) {
	res := &flow.Result[S]{Method: out.Method, StateID: out.StateID, Usage: out.Usage}
	if len(out.State) > 0 {
		if err := json.Unmarshal(out.State, &res.State); err != nil {
			return nil, &flow.CorruptStateError{StateID: out.StateID, Method: out.Method, Err: err}
		}
	}
	if len(out.Output) > 0 {
		v, err := decodeJSON(out.Output)
		if err != nil {
			return nil, fmt.Errorf("crewtemporal: flow %q: output of method %q: %w", w.Name(), out.Method, err)
		}
		res.Output = plainNumbers(v)
	}
	return res, nil
}

// flowError turns the error of a flow's workflow into a *MethodError when a
// method (or the inputs) failed.
func flowError(flowName string, err error) error {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.HasDetails() {
		var me MethodError
		if derr := ae.Details(&me); derr == nil && me.Flow != "" {
			me.Err = err
			return &me
		}
	}
	return fmt.Errorf("crewtemporal: flow %q: %w", flowName, err)
}

// StartFlow starts f on Temporal with inputs (as flow.Flow.Kickoff takes
// them) and returns at once. opts must name the TaskQueue that workers
// running f poll; its ID, if empty, is chosen by Temporal. The definition is
// checked first (a *flow.DefinitionError before anything is sent); the
// inputs are checked by the first activity (a *MethodError of type
// "*flow.InputError" from FlowRun.Get). The workflow carries the OTel span
// context of ctx when the client has the OpenTelemetry tracing interceptor.
func StartFlow[S any](ctx context.Context, c client.Client, f *Flow[S], inputs map[string]any, opts client.StartWorkflowOptions) (*FlowRun[S], error) {
	if c == nil {
		return nil, errors.New("crewtemporal: StartFlow: the client is nil")
	}
	if f == nil {
		return nil, errors.New("crewtemporal: StartFlow: the flow is nil")
	}
	if opts.TaskQueue == "" {
		return nil, fmt.Errorf("crewtemporal: StartFlow %q: StartWorkflowOptions.TaskQueue is empty; name the task queue the workers poll", f.Name())
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	run, err := c.ExecuteWorkflow(ctx, opts, f.Name(), FlowInput{Inputs: inputs})
	if err != nil {
		return nil, fmt.Errorf("crewtemporal: start flow %q: %w", f.Name(), err)
	}
	return &FlowRun[S]{f: f, run: run}, nil
}

// RunFlow starts f on Temporal and waits for its result: StartFlow then
// FlowRun.Get.
func RunFlow[S any](ctx context.Context, c client.Client, f *Flow[S], inputs map[string]any, opts client.StartWorkflowOptions) (*flow.Result[S], error) {
	run, err := StartFlow(ctx, c, f, inputs, opts)
	if err != nil {
		return nil, err
	}
	return run.Get(ctx)
}

// RunCrewForEach kicks off the crew named crewName once per input across the
// worker fleet (each kickoff an activity of the ForEachWorkflow workflow), at
// most concurrency at a time (0: crew.DefaultConcurrency), and waits. Like
// crew.Crew.KickoffForEach, it returns every output in input order and the
// total usage, and a failed input does not stop the others: the error is
// then the errors.Join of a *crew.ForEachError per failed input, each wrapping
// a *CrewError, and the batch still holds every other output. opts must name
// the task queue.
func RunCrewForEach(ctx context.Context, c client.Client, crewName string, inputs []map[string]any, concurrency int, opts client.StartWorkflowOptions) (*crew.BatchOutput, error) {
	if c == nil {
		return nil, errors.New("crewtemporal: RunCrewForEach: the client is nil")
	}
	if crewName == "" {
		return nil, errors.New("crewtemporal: RunCrewForEach: the crew name is empty")
	}
	if concurrency < 0 {
		return nil, fmt.Errorf("crewtemporal: RunCrewForEach: concurrency is %d; use 0 for the default (%d) or a positive number", concurrency, crew.DefaultConcurrency)
	}
	if opts.TaskQueue == "" {
		return nil, errors.New("crewtemporal: RunCrewForEach: StartWorkflowOptions.TaskQueue is empty; name the task queue the workers poll")
	}
	run, err := c.ExecuteWorkflow(ctx, opts, ForEachWorkflow, ForEachInput{Crew: crewName, Inputs: inputs, Concurrency: concurrency})
	if err != nil {
		return nil, fmt.Errorf("crewtemporal: start KickoffForEach %q: %w", crewName, err)
	}
	var out ForEachOutput
	if err := run.Get(ctx, &out); err != nil {
		return nil, fmt.Errorf("crewtemporal: KickoffForEach %q: %w", crewName, err)
	}
	return out.batch()
}

// batch converts the workflow's result to crew's shape.
func (o *ForEachOutput) batch() (*crew.BatchOutput, error) {
	b := &crew.BatchOutput{Outputs: o.Outputs, Usage: o.Usage}
	var errs []error
	for i, e := range o.Errors {
		if e != nil {
			errs = append(errs, &crew.ForEachError{Index: i, Err: e})
		}
	}
	return b, errors.Join(errs...)
}

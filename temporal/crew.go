package crewtemporal

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
)

// ForEachInput is the input of the fan-out workflow (see [RunCrewForEach]):
// the crew's name, one kickoff's inputs per item, and how many kickoffs may
// run at the same time across the worker fleet (0 means
// crew.DefaultConcurrency). The zero value names no crew. It is a plain
// value, safe for concurrent reads.
type ForEachInput struct {
	Crew        string           `json:"crew"`
	Inputs      []map[string]any `json:"inputs"`
	Concurrency int              `json:"concurrency,omitempty"`
}

// ForEachOutput is the result of a fan-out: one output per input, in input
// order (nil for an input that failed), one error per input (nil for an
// input that succeeded), and the usage of the kickoffs that succeeded. The
// zero value is an empty batch. It is a plain value, safe for concurrent
// reads.
type ForEachOutput struct {
	Outputs []*crew.CrewOutput `json:"outputs"`
	Errors  []*CrewError       `json:"errors"`
	Usage   llm.Usage          `json:"usage"`
}

// Failed returns the indexes of the inputs that failed, in order.
func (o *ForEachOutput) Failed() []int {
	var out []int
	for i, e := range o.Errors {
		if e != nil {
			out = append(out, i)
		}
	}
	return out
}

// KickoffCrew kicks off the crew named crewName once, as an activity, from
// workflow code. Its activity options come from ctx
// (workflow.WithActivityOptions); with none set, it uses those of the
// zero Options. A failed kickoff is a *CrewError wrapping nothing: the
// kickoff's error type and text.
func KickoffCrew(ctx workflow.Context, crewName string, inputs map[string]any) (*crew.CrewOutput, error) {
	ctx = withDefaultActivityOptions(ctx, Options{})
	var out crew.CrewOutput
	if err := workflow.ExecuteActivity(ctx, CrewActivityName(crewName), CrewInput{Inputs: inputs}).Get(ctx, &out); err != nil {
		typ, msg, nr := remoteFailure(err)
		return nil, &CrewError{Crew: crewName, Type: typ, Message: msg, NonRetryable: nr}
	}
	return &out, nil
}

// KickoffForEach kicks off the crew named crewName once per input, each as
// its own activity (so across every worker polling the task queue), at most
// concurrency at a time (0: crew.DefaultConcurrency), from workflow code.
// Outputs are in input order; a failed input is recorded in Errors and does
// not stop the others. The error is not nil only when ctx was cancelled
// (what completed is still in the output) or the arguments are invalid.
func KickoffForEach(ctx workflow.Context, crewName string, inputs []map[string]any, concurrency int) (*ForEachOutput, error) {
	if crewName == "" {
		return nil, fmt.Errorf("crewtemporal: KickoffForEach: the crew name is empty")
	}
	if concurrency < 0 {
		return nil, fmt.Errorf("crewtemporal: KickoffForEach: concurrency is %d; use 0 for the default (%d) or a positive number", concurrency, crew.DefaultConcurrency)
	}
	if concurrency == 0 {
		concurrency = crew.DefaultConcurrency
	}
	out := &ForEachOutput{Outputs: make([]*crew.CrewOutput, len(inputs)), Errors: make([]*CrewError, len(inputs))}
	type end struct {
		i   int
		out *crew.CrewOutput
		err error
	}
	ends := workflow.NewChannel(ctx)
	next, running := 0, 0
	for next < len(inputs) || running > 0 {
		for running < concurrency && next < len(inputs) && ctx.Err() == nil {
			i := next
			next++
			running++
			workflow.Go(ctx, func(gctx workflow.Context) {
				o, err := KickoffCrew(gctx, crewName, inputs[i])
				ends.Send(gctx, end{i: i, out: o, err: err})
			})
		}
		if running == 0 {
			break
		}
		var e end
		ends.Receive(ctx, &e)
		running--
		if e.err != nil {
			ce, _ := e.err.(*CrewError)
			out.Errors[e.i] = ce
			continue
		}
		out.Outputs[e.i] = e.out
		out.Usage = out.Usage.Add(e.out.Usage)
	}
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("crewtemporal: KickoffForEach %q: %w", crewName, err)
	}
	return out, nil
}

// withDefaultActivityOptions sets opts' activity options on ctx unless ctx
// already has a StartToCloseTimeout or ScheduleToCloseTimeout.
func withDefaultActivityOptions(ctx workflow.Context, opts Options) workflow.Context {
	cur := workflow.GetActivityOptions(ctx)
	if cur.StartToCloseTimeout > 0 || cur.ScheduleToCloseTimeout > 0 {
		return ctx
	}
	return workflow.WithActivityOptions(ctx, opts.activityOptions())
}

// forEachWorkflow is the fan-out workflow registered with the crews.
func forEachWorkflow(opts Options) func(ctx workflow.Context, in ForEachInput) (*ForEachOutput, error) {
	return func(ctx workflow.Context, in ForEachInput) (*ForEachOutput, error) {
		ctx = workflow.WithActivityOptions(ctx, opts.activityOptions())
		return KickoffForEach(ctx, in.Crew, in.Inputs, in.Concurrency)
	}
}

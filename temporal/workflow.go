package crewtemporal

import (
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/flow"
)

// FlowInput is the input of a flow's workflow: the kickoff inputs, as
// flow.Flow.Kickoff takes them ("id" names the state). The zero value runs
// the flow with no inputs. It is a plain value, safe for concurrent reads.
type FlowInput struct {
	Inputs map[string]any `json:"inputs,omitempty"`
}

// FlowOutput is the result of a flow's workflow, as JSON: the output of the
// method that completed last, its name, the final state, the state's ID and
// the token usage of every method. The zero value is an empty result. It
// is a plain value, safe for concurrent reads.
type FlowOutput struct {
	Output  json.RawMessage `json:"output,omitempty"`
	Method  string          `json:"method,omitempty"`
	State   json.RawMessage `json:"state"`
	StateID string          `json:"state_id"`
	Usage   chat.Usage      `json:"usage"`
}

// fire is one method run to start: what the flow's Scheduler asked for,
// with the output of the completion that triggered it, as JSON.
type fire struct {
	a      flow.Activation
	output json.RawMessage
}

// done is the end of one method's activity.
type done struct {
	x   fire
	out methodOutput
	err error
}

// workflowFunc returns the flow's workflow: the init activity, then every
// method as an activity, scheduled by the graph, with the state travelling
// as JSON between them.
//
// The graph logic is the flow's own flow.Scheduler, which is deterministic
// (no goroutines, clock or map order), as workflow code must be.
func (w *Flow[S]) workflowFunc(opts Options) func(ctx workflow.Context, in FlowInput) (*FlowOutput, error) {
	name, maxConc := w.Name(), w.maxConcurrency()
	return func(ctx workflow.Context, in FlowInput) (*FlowOutput, error) {
		actx := workflow.WithActivityOptions(ctx, opts.activityOptions())
		var init initOutput
		if err := workflow.ExecuteActivity(actx, w.initActivityName(), initInput(in)).Get(ctx, &init); err != nil {
			if ctx.Err() != nil {
				return nil, temporal.NewCanceledError(fmt.Sprintf("flow %q cancelled", name))
			}
			typ, msg, nr := remoteFailure(err)
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("flow %q: inputs: %s", name, msg), typ, err,
				MethodError{Flow: name, Method: "", Type: typ, Message: msg, NonRetryable: nr})
		}
		res := &FlowOutput{State: init.State, StateID: init.StateID}
		sched, err := w.f.Scheduler()
		if err != nil {
			return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("flow %q: %v", name, err), ErrorType(err), err)
		}
		var queue []fire
		for _, a := range sched.Start() {
			queue = append(queue, fire{a: a})
		}

		cctx, cancel := workflow.WithCancel(actx)
		defer cancel()
		ends := workflow.NewChannel(ctx)
		running := 0
		launch := func() {
			for running < maxConc && len(queue) > 0 {
				x := queue[0]
				queue = queue[1:]
				running++
				input := methodInput{StateID: res.StateID, State: res.State}
				if t := x.a.Trigger; t.Name != "" {
					input.Trigger = &triggerWire{Name: t.Name, Method: t.Method, Output: x.output}
				}
				workflow.Go(cctx, func(gctx workflow.Context) {
					var out methodOutput
					err := workflow.ExecuteActivity(gctx, w.ActivityName(x.a.Method), input).Get(gctx, &out)
					ends.Send(ctx, done{x: x, out: out, err: err})
				})
			}
		}
		launch()
		var first error
		for running > 0 {
			var d done
			ends.Receive(ctx, &d)
			running--
			method := d.x.a.Method
			if d.err != nil {
				if first == nil {
					first = methodFailure(name, method, d.err)
					cancel()
				}
				continue
			}
			// A method that completed after another failed still changed
			// the state, as in one process; nothing more starts.
			if len(d.out.Patch) > 0 {
				st, err := mergePatch(res.State, d.out.Patch)
				if err != nil && first == nil {
					first = temporal.NewNonRetryableApplicationError(fmt.Sprintf("flow %q: method %q: %v", name, method, err), "StatePatchError", err)
					cancel()
					continue
				}
				res.State = st
			}
			res.Usage = res.Usage.Add(d.out.Usage)
			if first != nil {
				continue
			}
			res.Output, res.Method = d.out.Output, method
			next, err := sched.Completed(d.x.a, d.out.Label)
			if err != nil {
				first = scheduleFailure(name, err)
				cancel()
				continue
			}
			for _, a := range next {
				queue = append(queue, fire{a: a, output: d.out.Output})
			}
			launch()
		}
		if first != nil {
			if ctx.Err() != nil {
				return res, temporal.NewCanceledError(fmt.Sprintf("flow %q cancelled", name))
			}
			return res, first
		}
		if ctx.Err() != nil {
			return res, temporal.NewCanceledError(fmt.Sprintf("flow %q cancelled", name))
		}
		return res, nil
	}
}

// scheduleFailure is the workflow's error for a completion the flow's
// Scheduler refused (a method would exceed MaxMethodRuns): non-retryable,
// of type "ErrMaxMethodRuns" for the run limit, with a MethodError as
// details for the client.
func scheduleFailure(flowName string, err error) error {
	var me *flow.MethodError
	if !errors.As(err, &me) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("flow %q: %v", flowName, err), ErrorType(err), err)
	}
	typ := ErrorType(err)
	if errors.Is(err, flow.ErrMaxMethodRuns) {
		typ = "ErrMaxMethodRuns"
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), typ, nil,
		MethodError{Flow: flowName, Method: me.Method, Type: typ, Message: me.Err.Error(), NonRetryable: true})
}

// methodFailure is the workflow's error for a method whose activity failed:
// non-retryable (the activity had its retries), with the method's error type
// and text, and a MethodError as details for the client.
func methodFailure(flowName, method string, err error) error {
	typ, msg, nr := remoteFailure(err)
	var ce *temporal.CanceledError
	if errors.As(err, &ce) {
		return err
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("flow %q: method %q: %s", flowName, method, msg), typ, err,
		MethodError{Flow: flowName, Method: method, Type: typ, Message: msg, NonRetryable: nr})
}

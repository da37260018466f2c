package crewtemporal

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/tracing"
)

// initInput and initOutput are the payloads of a flow's init activity,
// which builds the first state from the kickoff inputs.
type initInput struct {
	Inputs map[string]any `json:"inputs,omitempty"`
}

type initOutput struct {
	StateID string          `json:"state_id"`
	State   json.RawMessage `json:"state"`
}

// methodInput and methodOutput are the payloads of a method's activity.
type methodInput struct {
	StateID string          `json:"state_id"`
	State   json.RawMessage `json:"state"`
	Trigger *triggerWire    `json:"trigger,omitempty"`
}

type triggerWire struct {
	Name   string          `json:"name"`
	Method string          `json:"method"`
	Output json.RawMessage `json:"output,omitempty"`
}

type methodOutput struct {
	// Patch is the JSON merge patch from the input state to the state the
	// method left (empty when it changed nothing).
	Patch  json.RawMessage `json:"patch,omitempty"`
	Output json.RawMessage `json:"output,omitempty"`
	Label  string          `json:"label,omitempty"`
	Usage  chat.Usage      `json:"usage"`
}

// heartbeat records a heartbeat every interval until the returned stop
// function is called; stop waits for the heartbeat goroutine to end. The
// heartbeats tell Temporal the worker is alive (so a dead worker's activity
// is retried elsewhere after the heartbeat timeout) and bring the
// workflow's cancellation back into ctx.
func heartbeat(ctx context.Context, interval time.Duration) (stop func()) {
	if interval <= 0 || !activity.IsActivity(ctx) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// initActivity builds the first state of a run: the flow's Initial, the
// inputs merged as flow.Flow.Kickoff merges them, and an ID. It emits no
// events and no spans (it runs on a private bus with a tracer that exports
// nothing).
func (w *Flow[S]) initActivity(quiet *tracing.Tracer, extra func(error) bool) func(ctx context.Context, in initInput) (*initOutput, error) {
	return func(ctx context.Context, in initInput) (*initOutput, error) {
		one := &flow.Flow[S]{Name: w.f.Name, Initial: w.f.Initial, Bus: &event.Bus{}, Tracer: quiet}
		one.Step(flow.Start("init"), func(context.Context, *flow.State[S]) (any, error) { return nil, nil })
		res, err := one.Kickoff(ctx, in.Inputs)
		if err != nil {
			return nil, activityError(ctx, err, extra)
		}
		data, err := json.Marshal(res.State)
		if err != nil {
			return nil, activityError(ctx, NonRetryable(fmt.Errorf("crewtemporal: flow %q: the state (%T) cannot travel as JSON: %w", w.Name(), res.State, err)), extra)
		}
		return &initOutput{StateID: res.StateID, State: data}, nil
	}
}

// methodActivity runs one method of the flow on the state it is given,
// with flow.Flow.RunMethod: the method's events and its invoke_node span
// (a child of the activity's span when the worker has the OpenTelemetry
// interceptor), and flow.TriggerOf returning the trigger the workflow
// recorded.
func (w *Flow[S]) methodActivity(name string, hb time.Duration, extra func(error) bool) func(ctx context.Context, in methodInput) (*methodOutput, error) {
	return func(ctx context.Context, in methodInput) (*methodOutput, error) {
		var v S
		if err := json.Unmarshal(in.State, &v); err != nil {
			return nil, activityError(ctx, NonRetryable(&flow.CorruptStateError{StateID: in.StateID, Method: name, Err: err}), extra)
		}
		var trig flow.Trigger
		if in.Trigger != nil {
			trig = flow.Trigger{Name: in.Trigger.Name, Method: in.Trigger.Method}
			if len(in.Trigger.Output) > 0 {
				out, err := decodeJSON(in.Trigger.Output)
				if err != nil {
					return nil, activityError(ctx, NonRetryable(fmt.Errorf("crewtemporal: flow %q: method %q: trigger output: %w", w.Name(), name, err)), extra)
				}
				trig.Output = plainNumbers(out)
			}
		}
		stop := heartbeat(ctx, hb)
		res, err := w.f.RunMethod(ctx, name, in.StateID, v, trig)
		stop()
		if err != nil {
			return nil, activityError(ctx, err, extra)
		}
		after, err := json.Marshal(res.State)
		if err != nil {
			return nil, activityError(ctx, NonRetryable(fmt.Errorf("crewtemporal: flow %q: method %q: the state (%T) cannot travel as JSON: %w", w.Name(), name, res.State, err)), extra)
		}
		patch, err := mergeDiff(in.State, after)
		if err != nil {
			return nil, activityError(ctx, NonRetryable(err), extra)
		}
		out := &methodOutput{Patch: patch, Label: res.Label, Usage: res.Usage}
		if res.Output != nil {
			data, err := json.Marshal(res.Output)
			if err != nil {
				return nil, activityError(ctx, NonRetryable(fmt.Errorf("crewtemporal: flow %q: method %q: its output (%T) cannot travel as JSON: %w", w.Name(), name, res.Output, err)), extra)
			}
			out.Output = data
		}
		return out, nil
	}
}

// plainNumbers turns the json.Number values of a decoded JSON value into
// float64, as encoding/json decodes numbers into an any by default.
func plainNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = plainNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = plainNumbers(e)
		}
	}
	return v
}

// CrewInput is the payload of a crew's activity: the kickoff inputs. The
// zero value kicks the crew off with no inputs. It is a plain value, safe
// for concurrent reads.
type CrewInput struct {
	Inputs map[string]any `json:"inputs,omitempty"`
}

// crewActivity kicks c off once.
func crewActivity(c *crew.Crew, hb time.Duration, extra func(error) bool) func(ctx context.Context, in CrewInput) (*crew.CrewOutput, error) {
	return func(ctx context.Context, in CrewInput) (*crew.CrewOutput, error) {
		stop := heartbeat(ctx, hb)
		out, err := c.Kickoff(ctx, in.Inputs)
		stop()
		if err != nil {
			return nil, activityError(ctx, err, extra)
		}
		return out, nil
	}
}

package crewtemporal

import (
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crewai-go/crewai/event"
)

// FlowInput is the input of a flow's workflow: the kickoff inputs, as
// flow.Flow.Kickoff takes them ("id" names the state). The zero value runs
// the flow with no inputs.
type FlowInput struct {
	Inputs map[string]any `json:"inputs,omitempty"`
}

// FlowOutput is the result of a flow's workflow, as JSON: the output of the
// method that completed last, its name, the final state, the state's ID and
// the token usage of every method. The zero value is an empty result.
type FlowOutput struct {
	Output  json.RawMessage `json:"output,omitempty"`
	Method  string          `json:"method,omitempty"`
	State   json.RawMessage `json:"state"`
	StateID string          `json:"state_id"`
	Usage   event.Usage     `json:"usage"`
}

// fire is one method run to start.
type fire struct {
	m     int
	trig  *triggerWire
	round int
}

// done is the end of one method's activity.
type done struct {
	x   fire
	out methodOutput
	err error
}

// condState is what a listener's condition has seen.
type condState struct {
	seen   map[string]bool
	rounds map[int]bool
}

// scheduler is the deterministic graph logic of one flow run: the same
// rules as flow.Flow.Kickoff (rounds, Or once per round, And collecting,
// MaxMethodRuns, MaxConcurrency), driven by the completions of activities.
type scheduler struct {
	g     *fgraph
	runs  map[string]int
	conds map[string]*condState
	round int
}

func newScheduler(g *fgraph) *scheduler {
	return &scheduler{g: g, runs: map[string]int{}, conds: map[string]*condState{}}
}

// starts returns the start methods, in registration order.
func (s *scheduler) starts() ([]fire, error) {
	var todo []fire
	for i, m := range s.g.methods {
		if !m.start {
			continue
		}
		if err := s.count(i); err != nil {
			return nil, err
		}
		todo = append(todo, fire{m: i})
	}
	return todo, nil
}

// count records one more run of method i.
func (s *scheduler) count(i int) error {
	name := s.g.methods[i].name
	s.runs[name]++
	if n := s.runs[name]; n > s.g.maxRuns {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("flow %q: method %q: flow: method run limit reached: it would run a %dth time (MaxMethodRuns is %d)", s.g.name, name, n, s.g.maxRuns),
			"ErrMaxMethodRuns", nil, MethodError{Flow: s.g.name, Method: name, Type: "ErrMaxMethodRuns",
				Message: fmt.Sprintf("flow: method run limit reached: it would run a %dth time (MaxMethodRuns is %d)", n, s.g.maxRuns), NonRetryable: true})
	}
	return nil
}

// complete records the completion of x and returns the listeners it
// triggers.
func (s *scheduler) complete(x fire, output json.RawMessage, label string) ([]fire, error) {
	name := s.g.methods[x.m].name
	type trig struct {
		name  string
		round int
	}
	trigs := []trig{{name, x.round}}
	if label != "" {
		s.round++
		trigs = append(trigs, trig{label, s.round})
	}
	var todo []fire
	fired := map[int]bool{}
	for _, t := range trigs {
		for _, i := range s.g.listeners[t.name] {
			if fired[i] || !s.offer(i, t.name, t.round) {
				continue
			}
			fired[i] = true
			if err := s.count(i); err != nil {
				return nil, err
			}
			todo = append(todo, fire{m: i, round: t.round, trig: &triggerWire{Name: t.name, Method: name, Output: output}})
		}
	}
	return todo, nil
}

// offer tells method i's condition that trigger completed in round; it
// reports whether the method must run.
func (s *scheduler) offer(i int, trigger string, round int) bool {
	m := s.g.methods[i]
	cs := s.conds[m.name]
	if cs == nil {
		cs = &condState{seen: map[string]bool{}, rounds: map[int]bool{}}
		s.conds[m.name] = cs
	}
	cs.seen[trigger] = true
	if !m.cond.holds(cs.seen) {
		return false
	}
	clear(cs.seen)
	if m.cond.hasAnd() {
		return true
	}
	if cs.rounds[round] {
		return false
	}
	cs.rounds[round] = true
	return true
}

// workflowFunc returns the flow's workflow: the init activity, then every
// method as an activity, scheduled by the graph, with the state travelling
// as JSON between them.
func (w *Flow[S]) workflowFunc(g *fgraph, opts Options) func(ctx workflow.Context, in FlowInput) (*FlowOutput, error) {
	return func(ctx workflow.Context, in FlowInput) (*FlowOutput, error) {
		actx := workflow.WithActivityOptions(ctx, opts.activityOptions())
		var init initOutput
		if err := workflow.ExecuteActivity(actx, w.initActivityName(), initInput(in)).Get(ctx, &init); err != nil {
			if ctx.Err() != nil {
				return nil, temporal.NewCanceledError(fmt.Sprintf("flow %q cancelled", g.name))
			}
			typ, msg, nr := remoteFailure(err)
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("flow %q: inputs: %s", g.name, msg), typ, err,
				MethodError{Flow: g.name, Method: "", Type: typ, Message: msg, NonRetryable: nr})
		}
		res := &FlowOutput{State: init.State, StateID: init.StateID}
		sched := newScheduler(g)
		queue, err := sched.starts()
		if err != nil {
			return res, err
		}

		cctx, cancel := workflow.WithCancel(actx)
		defer cancel()
		ends := workflow.NewChannel(ctx)
		running := 0
		launch := func() {
			for running < g.maxConc && len(queue) > 0 {
				x := queue[0]
				queue = queue[1:]
				running++
				m := g.methods[x.m]
				input := methodInput{StateID: res.StateID, State: res.State, Trigger: x.trig}
				workflow.Go(cctx, func(gctx workflow.Context) {
					var out methodOutput
					err := workflow.ExecuteActivity(gctx, w.ActivityName(m.name), input).Get(gctx, &out)
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
			name := g.methods[d.x.m].name
			if d.err != nil {
				if first == nil {
					first = methodFailure(g.name, name, d.err)
					cancel()
				}
				continue
			}
			// A method that completed after another failed still changed
			// the state, as in one process; nothing more starts.
			if len(d.out.Patch) > 0 {
				st, err := mergePatch(res.State, d.out.Patch)
				if err != nil && first == nil {
					first = temporal.NewNonRetryableApplicationError(fmt.Sprintf("flow %q: method %q: %v", g.name, name, err), "StatePatchError", err)
					cancel()
					continue
				}
				res.State = st
			}
			res.Usage = res.Usage.Add(d.out.Usage)
			if first != nil {
				continue
			}
			res.Output, res.Method = d.out.Output, name
			todo, err := sched.complete(d.x, d.out.Output, d.out.Label)
			if err != nil {
				first = err
				cancel()
				continue
			}
			queue = append(queue, todo...)
			launch()
		}
		if first != nil {
			if ctx.Err() != nil {
				return res, temporal.NewCanceledError(fmt.Sprintf("flow %q cancelled", g.name))
			}
			return res, first
		}
		if ctx.Err() != nil {
			return res, temporal.NewCanceledError(fmt.Sprintf("flow %q cancelled", g.name))
		}
		return res, nil
	}
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

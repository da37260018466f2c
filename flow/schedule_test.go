package flow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/flow"
)

func nop(ctxT, *flow.State[orState]) (any, error)      { return nil, nil }
func route(ctxT, *flow.State[orState]) (string, error) { return "", nil }

// act is an Activation written compactly: method, trigger name, trigger
// method, wave.
func act(method, trig, from string, wave int) flow.Activation {
	return flow.Activation{Method: method, Trigger: flow.Trigger{Name: trig, Method: from}, Wave: wave}
}

func newScheduler(t *testing.T, f *flow.Flow[orState]) *flow.Scheduler {
	t.Helper()
	s, err := f.Scheduler()
	require.NoError(t, err)
	return s
}

// completion is one call to Scheduler.Completed and the runs it must
// trigger.
type completion struct {
	a     flow.Activation
	label string
	want  []flow.Activation
}

func TestScheduler(t *testing.T) {
	cases := []struct {
		name   string
		define func(f *flow.Flow[orState])
		starts []flow.Activation
		steps  []completion
	}{
		{
			name: "Or fires once per wave",
			define: func(f *flow.Flow[orState]) {
				f.Step(flow.Start("a"), nop)
				f.Step(flow.Start("b"), nop)
				f.Step(flow.Listen("either", flow.Or(flow.On("a"), flow.On("b"))), nop)
			},
			starts: []flow.Activation{act("a", "", "", 0), act("b", "", "", 0)},
			steps: []completion{
				{a: act("b", "", "", 0), want: []flow.Activation{act("either", "b", "b", 0)}},
				{a: act("a", "", "", 0), want: nil},
				{a: act("either", "b", "b", 0), want: nil},
			},
		},
		{
			name: "And collects, fires, then starts collecting again",
			define: func(f *flow.Flow[orState]) {
				f.Step(flow.Start("a"), nop)
				f.Step(flow.Start("b"), nop)
				f.Step(flow.Listen("sum", flow.And(flow.On("a"), flow.On("b"))), nop)
			},
			starts: []flow.Activation{act("a", "", "", 0), act("b", "", "", 0)},
			steps: []completion{
				{a: act("a", "", "", 0), want: nil},
				{a: act("a", "", "", 0), want: nil},
				{a: act("b", "", "", 0), want: []flow.Activation{act("sum", "b", "b", 0)}},
				{a: act("b", "", "", 0), want: nil},
				{a: act("a", "", "", 0), want: []flow.Activation{act("sum", "a", "a", 0)}},
			},
		},
		{
			name: "router loop: each label opens a wave, an Or fires once in each",
			define: func(f *flow.Flow[orState]) {
				f.Router(flow.Start("begin").Emits("pass"), route)
				f.Step(flow.Listen("x", flow.On("pass")), nop)
				f.Step(flow.Listen("y", flow.On("pass")), nop)
				f.Step(flow.Listen("either", flow.Or(flow.On("x"), flow.On("y"))), nop)
				f.Router(flow.Listen("again", flow.On("either")).Emits("pass", "stop"), route)
				f.Step(flow.Listen("end", flow.On("stop")), nop)
			},
			starts: []flow.Activation{act("begin", "", "", 0)},
			steps: []completion{
				{a: act("begin", "", "", 0), label: "pass", want: []flow.Activation{act("x", "pass", "begin", 1), act("y", "pass", "begin", 1)}},
				{a: act("y", "pass", "begin", 1), want: []flow.Activation{act("either", "y", "y", 1)}},
				{a: act("x", "pass", "begin", 1), want: nil},
				{a: act("either", "y", "y", 1), want: []flow.Activation{act("again", "either", "either", 1)}},
				{a: act("again", "either", "either", 1), label: "pass", want: []flow.Activation{act("x", "pass", "again", 2), act("y", "pass", "again", 2)}},
				{a: act("x", "pass", "again", 2), want: []flow.Activation{act("either", "x", "x", 2)}},
				{a: act("y", "pass", "again", 2), want: nil},
				{a: act("either", "x", "x", 2), want: []flow.Activation{act("again", "either", "either", 2)}},
				{a: act("again", "either", "either", 2), label: "stop", want: []flow.Activation{act("end", "stop", "again", 3)}},
			},
		},
		{
			name: "a listener of both a method and its label runs once per completion",
			define: func(f *flow.Flow[orState]) {
				f.Router(flow.Start("r").Emits("go"), route)
				f.Step(flow.Listen("l", flow.Or(flow.On("r"), flow.On("go"))), nop)
			},
			starts: []flow.Activation{act("r", "", "", 0)},
			steps: []completion{
				{a: act("r", "", "", 0), label: "go", want: []flow.Activation{act("l", "r", "r", 0)}},
			},
		},
		{
			// s1 and s2 both fire "a" in wave 0 (an And over an Or fires
			// on every completion), so "a" completes twice in one wave:
			// the single-element And keeps And semantics and fires
			// twice, and so does the single-element Or: as in CrewAI,
			// the once-per-wave rule is for an Or of two or more parts.
			name: "single-element And and Or fire on every completion",
			define: func(f *flow.Flow[orState]) {
				f.Step(flow.Start("s1"), nop)
				f.Step(flow.Start("s2"), nop)
				f.Step(flow.Listen("a", flow.And(flow.Or(flow.On("s1"), flow.On("s2")))), nop)
				f.Step(flow.Listen("all", flow.And(flow.On("a"))), nop)
				f.Step(flow.Listen("any", flow.Or(flow.On("a"))), nop)
			},
			starts: []flow.Activation{act("s1", "", "", 0), act("s2", "", "", 0)},
			steps: []completion{
				{a: act("s1", "", "", 0), want: []flow.Activation{act("a", "s1", "s1", 0)}},
				{a: act("s2", "", "", 0), want: []flow.Activation{act("a", "s2", "s2", 0)}},
				{a: act("a", "s1", "s1", 0), want: []flow.Activation{act("all", "a", "a", 0), act("any", "a", "a", 0)}},
				{a: act("a", "s2", "s2", 0), want: []flow.Activation{act("all", "a", "a", 0), act("any", "a", "a", 0)}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &flow.Flow[orState]{}
			tc.define(f)
			s := newScheduler(t, f)
			assert.Equal(t, tc.starts, s.Start())
			assert.Nil(t, s.Start(), "the starts are returned once")
			for i, c := range tc.steps {
				got, err := s.Completed(c.a, c.label)
				require.NoError(t, err, "step %d", i)
				assert.Equal(t, c.want, got, "step %d: %s completed with label %q", i, c.a.Method, c.label)
			}
		})
	}
}

func TestSchedulerRunLimit(t *testing.T) {
	f := &flow.Flow[orState]{MaxMethodRuns: 2}
	f.Router(flow.Start("spin").Emits("x"), route)
	f.Router(flow.Listen("again", flow.On("x")).Emits("x"), route)
	s := newScheduler(t, f)
	a := s.Start()[0]
	for range 2 {
		next, err := s.Completed(a, "x")
		require.NoError(t, err)
		require.Len(t, next, 1)
		a = next[0]
	}
	next, err := s.Completed(a, "x")
	assert.Nil(t, next)
	require.ErrorIs(t, err, flow.ErrMaxMethodRuns)
	var me *flow.MethodError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "again", me.Method)
	assert.ErrorContains(t, err, "it would run a 3th time (MaxMethodRuns is 2)")
}

func TestSchedulerBadCompletion(t *testing.T) {
	f := &flow.Flow[orState]{Name: "Bad"}
	f.Step(flow.Start("plain"), nop)
	f.Router(flow.Listen("declared", flow.On("plain")).Emits("yes"), route)
	f.Router(flow.Listen("free", flow.On("plain")), route)
	f.Step(flow.Listen("maybe", flow.On("anything")), nop)
	cases := []struct {
		a     flow.Activation
		label string
		want  string
	}{
		{act("ghost", "", "", 0), "", `flow "Bad": Scheduler.Completed: no method named "ghost"`},
		{act("plain", "", "", 0), "yes", `method "plain": is a plain step and cannot return label "yes"`},
		{act("declared", "plain", "plain", 0), "no", `router returned label "no", which it does not declare`},
	}
	for _, tc := range cases {
		s := newScheduler(t, f)
		s.Start()
		got, err := s.Completed(tc.a, tc.label)
		assert.Nil(t, got)
		assert.ErrorContains(t, err, tc.want)
	}
	s := newScheduler(t, f)
	got, err := s.Completed(act("free", "plain", "plain", 0), "anything")
	require.NoError(t, err, "a router that declares nothing may return any label")
	assert.Equal(t, []flow.Activation{act("maybe", "anything", "free", 1)}, got)
}

func TestSchedulerDefinitionError(t *testing.T) {
	f := &flow.Flow[orState]{}
	f.Step(flow.Listen("x", flow.On("y")), nop)
	_, err := f.Scheduler()
	var de *flow.DefinitionError
	assert.ErrorAs(t, err, &de)
}

// drive runs the flow's graph with a Scheduler alone, one completion at a
// time in FIFO order, with routers returning the labels of next in turn,
// and counts the runs of each method.
func drive(t *testing.T, f *flow.Flow[orState], next func(method string) string) map[string]int {
	t.Helper()
	s := newScheduler(t, f)
	queue := s.Start()
	runs := map[string]int{}
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		runs[a.Method]++
		more, err := s.Completed(a, next(a.Method))
		require.NoError(t, err)
		queue = append(queue, more...)
	}
	return runs
}

// The Scheduler driven on its own and Kickoff agree on how often each method
// of a flow with a loop, an Or and an And runs.
func TestSchedulerMatchesKickoff(t *testing.T) {
	define := func(f *flow.Flow[orState]) {
		f.Router(flow.Start("begin").Emits("pass"), func(ctxT, *flow.State[orState]) (string, error) { return "pass", nil })
		f.Step(flow.Listen("x", flow.On("pass")), count("x"))
		f.Step(flow.Listen("y", flow.On("pass")), count("y"))
		f.Step(flow.Listen("either", flow.Or(flow.On("x"), flow.On("y"))), count("either"))
		f.Step(flow.Listen("both", flow.And(flow.On("x"), flow.On("y"))), count("both"))
		f.Router(flow.Listen("again", flow.On("both")).Emits("pass", "stop"), func(ctx ctxT, s *flow.State[orState]) (string, error) {
			if s.Get().Runs["both"] < 3 {
				return "pass", nil
			}
			return "stop", nil
		})
		f.Step(flow.Listen("end", flow.On("stop")), count("end"))
	}
	f := &flow.Flow[orState]{}
	define(f)
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)

	g := &flow.Flow[orState]{}
	define(g)
	passes := 0
	runs := drive(t, g, func(m string) string {
		switch m {
		case "begin":
			return "pass"
		case "again":
			passes++
			if passes < 3 {
				return "pass"
			}
			return "stop"
		}
		return ""
	})
	delete(runs, "begin")
	delete(runs, "again")
	assert.Equal(t, res.State.Runs, runs)
	assert.Equal(t, map[string]int{"x": 3, "y": 3, "either": 3, "both": 3, "end": 1}, runs)
}

// Kickoff follows the same rule as the Scheduler for a single-element And.
func TestKickoffSingleAllOf(t *testing.T) {
	f := &flow.Flow[orState]{}
	f.Step(flow.Start("s1"), count("s1"))
	f.Step(flow.Start("s2"), count("s2"))
	f.Step(flow.Listen("a", flow.And(flow.Or(flow.On("s1"), flow.On("s2")))), count("a"))
	f.Step(flow.Listen("all", flow.And(flow.On("a"))), count("all"))
	f.Step(flow.Listen("any", flow.Or(flow.On("a"))), count("any"))
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"s1": 1, "s2": 1, "a": 2, "all": 2, "any": 2}, res.State.Runs)
}

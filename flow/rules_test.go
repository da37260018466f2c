package flow_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/flow"
)

// routeBy returns a router body that counts its run like count and returns
// pick(runs so far of the router).
func routeBy(name string, pick func(n int) string) flow.RouterFunc[orState] {
	return func(ctx ctxT, s *flow.State[orState]) (string, error) {
		if _, err := count(name)(ctx, s); err != nil {
			return "", err
		}
		return pick(s.Get().Runs[name]), nil
	}
}

func TestConditionalStart(t *testing.T) {
	t.Run("the only starts are conditional: they run at kickoff and a router loops back into them", func(t *testing.T) {
		// CrewAI's test_cyclic_flow_re_executes_on_each_iteration.
		f := &flow.Flow[orState]{}
		f.Step(flow.Start("step_1").TriggeredBy(flow.On("loop")), count("step_1"))
		f.Step(flow.Listen("step_2", flow.On("step_1")), count("step_2"))
		f.Router(flow.Listen("step_3", flow.On("step_2")).Emits("loop", "exit"), routeBy("step_3", func(n int) string {
			if n < 3 {
				return "loop"
			}
			return "exit"
		}))
		res, err := f.Kickoff(context.Background(), nil)
		require.NoError(t, err)
		var want []string
		for range 3 {
			want = append(want, "step_1", "step_2", "step_3")
		}
		assert.Equal(t, want, res.State.Order)
	})
	t.Run("with an unconditional start it waits for its trigger", func(t *testing.T) {
		// CrewAI's test_cyclic_flow_with_conditional_start.
		f := &flow.Flow[orState]{}
		f.Step(flow.Start("initial"), count("initial"))
		f.Router(flow.Listen("route_to_cycle", flow.On("initial")).Emits("loop"), routeBy("route_to_cycle", func(int) string { return "loop" }))
		f.Step(flow.Start("cycle_entry").TriggeredBy(flow.On("loop")), count("cycle_entry"))
		f.Router(flow.Listen("cycle_router", flow.On("cycle_entry")).Emits("loop", "exit"), routeBy("cycle_router", func(n int) string {
			if n < 3 {
				return "loop"
			}
			return "exit"
		}))
		res, err := f.Kickoff(context.Background(), nil)
		require.NoError(t, err)
		assert.Equal(t, []string{"initial", "route_to_cycle",
			"cycle_entry", "cycle_router", "cycle_entry", "cycle_router", "cycle_entry", "cycle_router"}, res.State.Order)
	})
	t.Run("a method's completion triggers it too, and an untriggered one never runs", func(t *testing.T) {
		f := &flow.Flow[orState]{}
		f.Step(flow.Start("begin"), count("begin"))
		f.Step(flow.Start("after_begin").TriggeredBy(flow.On("begin")), count("after_begin"))
		f.Router(flow.Start("never").TriggeredBy(flow.On("no_such_label")), routeBy("never", func(int) string { return "" }))
		f.Router(flow.Listen("r", flow.On("after_begin")).Emits("no_such_label"), routeBy("r", func(int) string { return "" }))
		res, err := f.Kickoff(context.Background(), nil)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"begin": 1, "after_begin": 1, "r": 1}, res.State.Runs)
	})
	t.Run("its runs count against MaxMethodRuns", func(t *testing.T) {
		f := &flow.Flow[orState]{MaxMethodRuns: 3}
		f.Step(flow.Start("spin").TriggeredBy(flow.On("again")), count("spin"))
		f.Router(flow.Listen("r", flow.On("spin")).Emits("again"), routeBy("r", func(int) string { return "again" }))
		res, err := f.Kickoff(context.Background(), nil)
		require.ErrorIs(t, err, flow.ErrMaxMethodRuns)
		var me *flow.MethodError
		require.ErrorAs(t, err, &me)
		assert.Equal(t, "spin", me.Method)
		assert.Equal(t, 3, res.State.Runs["spin"], "the kickoff run and two triggered runs")
	})
	t.Run("TriggeredBy on a listener is a definition error", func(t *testing.T) {
		f := &flow.Flow[orState]{}
		f.Step(flow.Start("a"), nop)
		f.Step(flow.Listen("b", flow.On("a")).TriggeredBy(flow.On("a")), nop)
		err := f.Validate()
		var de *flow.DefinitionError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "b", de.Method)
		assert.ErrorContains(t, err, "TriggeredBy")
	})
	t.Run("the plot shows it as a start with the edge of its trigger", func(t *testing.T) {
		f := &flow.Flow[orState]{}
		f.Step(flow.Start("initial"), nop)
		f.Router(flow.Listen("r", flow.On("initial")).Emits("loop"), route)
		f.Step(flow.Start("entry").TriggeredBy(flow.On("loop")), nop)
		g := f.Graph()
		require.Len(t, g.Nodes, 3)
		assert.True(t, g.Nodes[2].Start)
		assert.Contains(t, g.Edges, flow.Edge{From: "m1", To: "m2", Label: "loop"})
		assert.Contains(t, g.Mermaid(), `m2(["entry"]):::start`)
		assert.Contains(t, g.Mermaid(), `m1 -.->|"loop"| m2`)
	})
}

func TestOrListenerRunsOncePerWave(t *testing.T) {
	// Router a returns x, router b (on x) returns y: one wave, so the
	// listener on Or(x, y) runs once; l's completion loops back through c
	// to a new wave, where it runs once more.
	f := &flow.Flow[orState]{}
	f.Step(flow.Start("s"), count("s"))
	f.Router(flow.Listen("a", flow.Or(flow.On("s"), flow.On("again"))).Emits("x"), routeBy("a", func(int) string { return "x" }))
	f.Router(flow.Listen("b", flow.On("x")).Emits("y"), routeBy("b", func(int) string { return "y" }))
	f.Step(flow.Listen("l", flow.Or(flow.On("x"), flow.On("y"))), count("l"))
	f.Router(flow.Listen("c", flow.On("l")).Emits("again", "done"), routeBy("c", func(n int) string {
		if n < 2 {
			return "again"
		}
		return "done"
	}))
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"s": 1, "a": 2, "b": 2, "l": 2, "c": 2}, res.State.Runs)

	// The same with the Scheduler alone, one completion at a time.
	s := newScheduler(t, f)
	starts := s.Start()
	next, err := s.Completed(starts[0], "")
	require.NoError(t, err)
	require.Equal(t, []flow.Activation{act("a", "s", "s", 0)}, next)
	next, err = s.Completed(next[0], "x")
	require.NoError(t, err)
	require.Equal(t, []flow.Activation{act("b", "x", "a", 1), act("l", "x", "a", 1)}, next)
	l := next[1]
	next, err = s.Completed(next[0], "y")
	require.NoError(t, err)
	assert.Empty(t, next, "y is of the wave in which l already ran")
	next, err = s.Completed(l, "")
	require.NoError(t, err)
	require.Equal(t, []flow.Activation{act("c", "l", "l", 1)}, next)
	next, err = s.Completed(next[0], "again")
	require.NoError(t, err)
	require.Equal(t, []flow.Activation{act("a", "again", "c", 2)}, next)
	next, err = s.Completed(next[0], "x")
	require.NoError(t, err)
	assert.Equal(t, []flow.Activation{act("b", "x", "a", 2), act("l", "x", "a", 2)}, next,
		"a's label, run because of c's label, is of c's wave: l runs again there")
}

func TestRouterOnOrRunsForEachTrigger(t *testing.T) {
	f := &flow.Flow[orState]{}
	f.Step(flow.Start("a"), count("a"))
	f.Step(flow.Start("b"), count("b"))
	f.Router(flow.Listen("r", flow.Or(flow.On("a"), flow.On("b"))).Emits("go", "z"), routeBy("r", func(int) string { return "go" }))
	f.Step(flow.Listen("on_go", flow.On("go")), count("on_go"))
	f.Step(flow.Listen("on_go_or_z", flow.Or(flow.On("go"), flow.On("z"))), count("on_go_or_z"))
	f.Step(flow.Listen("plain_or", flow.Or(flow.On("a"), flow.On("b"))), count("plain_or"))
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 1, "b": 1, "r": 2, "on_go": 2, "on_go_or_z": 2, "plain_or": 1}, res.State.Runs,
		"the router runs once per trigger and its label's listeners each time; a plain Or listener once")
}

func TestSelfListeningIsDefinitionError(t *testing.T) {
	cases := map[string]func(f *flow.Flow[orState]){
		"Listen":            func(f *flow.Flow[orState]) { f.Step(flow.Listen("m", flow.On("m")), nop) },
		"inside an Or":      func(f *flow.Flow[orState]) { f.Step(flow.Listen("m", flow.Or(flow.On("s"), flow.On("m"))), nop) },
		"a router":          func(f *flow.Flow[orState]) { f.Router(flow.Listen("m", flow.And(flow.On("s"), flow.On("m"))), route) },
		"conditional start": func(f *flow.Flow[orState]) { f.Step(flow.Start("m").TriggeredBy(flow.On("m")), nop) },
		"name that is also a label": func(f *flow.Flow[orState]) {
			f.Router(flow.Listen("r", flow.On("s")).Emits("m"), route)
			f.Step(flow.Listen("m", flow.On("m")), nop)
		},
	}
	for name, define := range cases {
		t.Run(name, func(t *testing.T) {
			f := &flow.Flow[orState]{Name: "Self"}
			f.Step(flow.Start("s"), nop)
			define(f)
			err := f.Validate()
			var de *flow.DefinitionError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "m", de.Method)
			assert.ErrorContains(t, err, `method "m" listens to its own name "m"`)
			ran := false
			f2 := &flow.Flow[orState]{Name: "Self"}
			f2.Step(flow.Start("s"), func(ctxT, *flow.State[orState]) (any, error) { ran = true; return nil, nil })
			define(f2)
			_, err = f2.Kickoff(context.Background(), nil)
			require.ErrorAs(t, err, &de)
			assert.False(t, ran, "nothing runs")
		})
	}
}

func TestMethodStartedNamesTriggeringEvent(t *testing.T) {
	bus, rec := newBus(t)
	f := &flow.Flow[orState]{Name: "Causes", Bus: bus}
	f.Step(flow.Start("a"), nop)
	f.Step(flow.Listen("b", flow.On("a")), nop)
	f.Step(flow.Listen("both", flow.And(flow.On("a"), flow.On("b"))), nop)
	f.Router(flow.Listen("r", flow.On("both")).Emits("go"), func(ctxT, *flow.State[orState]) (string, error) { return "go", nil })
	f.Step(flow.Listen("g", flow.On("go")), nop)
	_, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	finished := map[string]uint64{}
	startedBy := map[string]uint64{}
	for _, e := range rec.all() {
		switch e := e.(type) {
		case *event.MethodFinished:
			finished[e.Method] = e.ID
		case *event.MethodStarted:
			startedBy[e.Method] = e.TriggeredBy
		}
	}
	require.Len(t, finished, 5)
	assert.Equal(t, uint64(0), startedBy["a"], "a start method has no triggering event")
	assert.Equal(t, finished["a"], startedBy["b"])
	assert.Equal(t, finished["b"], startedBy["both"], "an And names the completion that completed it last")
	assert.Equal(t, finished["both"], startedBy["r"])
	assert.Equal(t, finished["r"], startedBy["g"], "a label's listener names the router's finish event")
	for m, id := range startedBy {
		if m != "a" {
			assert.NotZero(t, id, fmt.Sprintf("method %s", m))
		}
	}
}

package flow_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/flow"
)

func TestMain(m *testing.M) {
	// Hermetic: no trace files from the environment's tracing switch.
	os.Unsetenv("CREWAI_TRACING_ENABLED")
	goleak.VerifyTestMain(m)
}

type exampleState struct {
	ID      string
	Counter int
	Message string `json:"message"`
}

type ctxT = context.Context

// recorder collects the events of a bus.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) Handle(e event.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func newBus(t *testing.T) (*event.Bus, *recorder) {
	b := &event.Bus{}
	rec := &recorder{}
	t.Cleanup(b.Subscribe(rec))
	return b, rec
}

func loopFlow(limit int) *flow.Flow[exampleState] {
	f := &flow.Flow[exampleState]{Name: "ExampleFlow"}
	f.Router(flow.Start("first_method").Emits("continue"), func(ctx ctxT, s *flow.State[exampleState]) (string, error) {
		s.Update(func(st *exampleState) { st.Message = "Hello from first_method" })
		return "continue", nil
	})
	f.Router(flow.Listen("second_method", flow.On("continue")).Emits("continue", "finish"), func(ctx ctxT, s *flow.State[exampleState]) (string, error) {
		var n int
		s.Update(func(st *exampleState) { st.Counter++; n = st.Counter })
		if n < limit {
			return "continue", nil
		}
		return "finish", nil
	})
	f.Step(flow.Listen("final_method", flow.On("finish")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		s.Update(func(st *exampleState) { st.Message += " - Flow completed" })
		return "done after " + fmt.Sprint(s.Get().Counter), nil
	})
	return f
}

func TestRouterLoopEnds(t *testing.T) {
	res, err := loopFlow(3).Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, 3, res.State.Counter)
	assert.Equal(t, "Hello from first_method - Flow completed", res.State.Message)
	assert.Equal(t, "done after 3", res.Output)
	assert.Equal(t, "final_method", res.Method)
	assert.Len(t, res.StateID, 36)
	assert.Equal(t, res.StateID, res.State.ID, "the ID field holds the state ID")
}

func TestMaxMethodRuns(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int
		want  int
	}{{"explicit", 5, 5}, {"default", 0, flow.DefaultMaxMethodRuns}} {
		t.Run(tc.name, func(t *testing.T) {
			var runs atomic.Int32
			f := &flow.Flow[exampleState]{Name: "Forever", MaxMethodRuns: tc.limit}
			f.Router(flow.Start("begin").Emits("again"), func(ctxT, *flow.State[exampleState]) (string, error) { return "again", nil })
			f.Router(flow.Listen("spin", flow.On("again")).Emits("again"), func(ctxT, *flow.State[exampleState]) (string, error) {
				runs.Add(1)
				return "again", nil
			})
			_, err := f.Kickoff(context.Background(), nil)
			require.ErrorIs(t, err, flow.ErrMaxMethodRuns)
			var me *flow.MethodError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, "spin", me.Method)
			assert.Equal(t, "Forever", me.Flow)
			assert.EqualValues(t, tc.want, runs.Load())
		})
	}
}

func TestRouterLabelTriggers(t *testing.T) {
	var mu sync.Mutex
	var ran []string
	mark := func(name string) flow.StepFunc[exampleState] {
		return func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
			mu.Lock()
			ran = append(ran, name)
			mu.Unlock()
			return name, nil
		}
	}
	f := &flow.Flow[exampleState]{}
	f.Router(flow.Start("route").Emits("left", "right"), func(ctxT, *flow.State[exampleState]) (string, error) { return "right", nil })
	f.Step(flow.Listen("on_left", flow.On("left")), mark("on_left"))
	f.Step(flow.Listen("on_right", flow.On("right")), mark("on_right"))
	f.Step(flow.Listen("after_route", flow.On("route")), mark("after_route"))
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	slices.Sort(ran)
	assert.Equal(t, []string{"after_route", "on_right"}, ran, "the label and the router's name trigger; the other label does not")
	assert.Contains(t, []any{"on_right", "after_route"}, res.Output)
}

func TestRouterUndeclaredLabel(t *testing.T) {
	f := &flow.Flow[exampleState]{}
	f.Router(flow.Start("route").Emits("a"), func(ctxT, *flow.State[exampleState]) (string, error) { return "b", nil })
	f.Step(flow.Listen("x", flow.On("a")), func(ctxT, *flow.State[exampleState]) (any, error) { return nil, nil })
	_, err := f.Kickoff(context.Background(), nil)
	var me *flow.MethodError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "route", me.Method)
	assert.Contains(t, err.Error(), `"b"`)
}

func TestTriggerOf(t *testing.T) {
	f := &flow.Flow[map[string]any]{}
	var start, got flow.Trigger
	f.Step(flow.Start("a"), func(ctx ctxT, _ *flow.State[map[string]any]) (any, error) {
		start = flow.TriggerOf(ctx)
		return 42, nil
	})
	f.Step(flow.Listen("b", flow.On("a")), func(ctx ctxT, _ *flow.State[map[string]any]) (any, error) {
		got = flow.TriggerOf(ctx)
		return nil, nil
	})
	_, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, flow.Trigger{}, start)
	got.Event = 0 // see TestMethodStartedNamesTriggeringEvent
	assert.Equal(t, flow.Trigger{Name: "a", Method: "a", Output: 42}, got)
}

type orState struct {
	Runs  map[string]int
	Order []string
}

func count(name string) flow.StepFunc[orState] {
	return func(ctx ctxT, s *flow.State[orState]) (any, error) {
		s.Update(func(st *orState) {
			if st.Runs == nil {
				st.Runs = map[string]int{}
			}
			st.Runs[name]++
			st.Order = append(st.Order, name)
		})
		return name, nil
	}
}

func TestOrFiresOncePerRound(t *testing.T) {
	t.Run("two starts", func(t *testing.T) {
		f := &flow.Flow[orState]{}
		f.Step(flow.Start("a"), count("a"))
		f.Step(flow.Start("b"), count("b"))
		f.Step(flow.Listen("either", flow.Or(flow.On("a"), flow.On("b"))), count("either"))
		res, err := f.Kickoff(context.Background(), nil)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"a": 1, "b": 1, "either": 1}, res.State.Runs)
	})
	t.Run("once per pass of a loop", func(t *testing.T) {
		f := &flow.Flow[orState]{}
		f.Router(flow.Start("begin").Emits("pass"), func(ctxT, *flow.State[orState]) (string, error) { return "pass", nil })
		f.Step(flow.Listen("x", flow.On("pass")), count("x"))
		f.Step(flow.Listen("y", flow.On("pass")), count("y"))
		f.Step(flow.Listen("either", flow.Or(flow.On("x"), flow.On("y"))), count("either"))
		// loop: after "either", route back to "pass" until three passes
		f.Router(flow.Listen("again", flow.On("either")).Emits("pass", "stop"), func(ctx ctxT, s *flow.State[orState]) (string, error) {
			if s.Get().Runs["either"] < 3 {
				return "pass", nil
			}
			return "stop", nil
		})
		f.Step(flow.Listen("end", flow.On("stop")), count("end"))
		res, err := f.Kickoff(context.Background(), nil)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"x": 3, "y": 3, "either": 3, "end": 1}, res.State.Runs)
	})
	t.Run("labels of separate router runs are separate rounds", func(t *testing.T) {
		f := &flow.Flow[orState]{}
		f.Router(flow.Start("r1").Emits("l1"), func(ctxT, *flow.State[orState]) (string, error) { return "l1", nil })
		f.Router(flow.Start("r2").Emits("l2"), func(ctxT, *flow.State[orState]) (string, error) { return "l2", nil })
		f.Step(flow.Listen("either", flow.Or(flow.On("l1"), flow.On("l2"))), count("either"))
		res, err := f.Kickoff(context.Background(), nil)
		require.NoError(t, err)
		assert.Equal(t, 2, res.State.Runs["either"])
	})
}

func TestAndWaitsForAll(t *testing.T) {
	release := make(chan struct{})
	f := &flow.Flow[orState]{}
	f.Step(flow.Start("fast"), func(ctx ctxT, s *flow.State[orState]) (any, error) {
		_, err := count("fast")(ctx, s)
		close(release) // slow may finish only after fast has
		return "fast", err
	})
	f.Step(flow.Start("slow"), func(ctx ctxT, s *flow.State[orState]) (any, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return count("slow")(ctx, s)
	})
	f.Step(flow.Listen("both", flow.And(flow.On("fast"), flow.On("slow"))), count("both"))
	f.Step(flow.Listen("nested", flow.And(flow.Or(flow.On("fast"), flow.On("nope")), flow.On("both"))), count("nested"))
	f.Step(flow.Listen("nope", flow.On("never")), count("nope"))
	f.Router(flow.Start("never_router"), func(ctxT, *flow.State[orState]) (string, error) { return "", nil })
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, 1, res.State.Runs["both"])
	assert.Equal(t, 1, res.State.Runs["nested"])
	assert.Zero(t, res.State.Runs["nope"])
	iBoth := slices.Index(res.State.Order, "both")
	assert.Greater(t, iBoth, slices.Index(res.State.Order, "fast"))
	assert.Greater(t, iBoth, slices.Index(res.State.Order, "slow"))
}

func TestAndResetsAfterFiring(t *testing.T) {
	f := &flow.Flow[orState]{}
	f.Router(flow.Start("begin").Emits("pass"), func(ctxT, *flow.State[orState]) (string, error) { return "pass", nil })
	f.Step(flow.Listen("x", flow.On("pass")), count("x"))
	f.Step(flow.Listen("y", flow.On("pass")), count("y"))
	f.Router(flow.Listen("join", flow.And(flow.On("x"), flow.On("y"))).Emits("pass", "stop"), func(ctx ctxT, s *flow.State[orState]) (string, error) {
		var n int
		s.Update(func(st *orState) { st.Runs["join"]++; n = st.Runs["join"] })
		if n < 4 {
			return "pass", nil
		}
		return "stop", nil
	})
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"x": 4, "y": 4, "join": 4}, res.State.Runs)
}

func TestConcurrentListenersShareState(t *testing.T) {
	const n = 12
	var started sync.WaitGroup
	started.Add(n)
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	f := &flow.Flow[orState]{MaxConcurrency: n}
	f.Step(flow.Start("root"), count("root"))
	for i := range n {
		name := fmt.Sprintf("l%02d", i)
		f.Step(flow.Listen(name, flow.On("root")), func(ctx ctxT, s *flow.State[orState]) (any, error) {
			started.Done()
			select { // every listener waits for all of them: only concurrency gets past
			case <-all:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			_ = s.Get()
			return count(name)(ctx, s)
		})
	}
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, res.State.Runs, n+1)
	assert.Len(t, res.State.Order, n+1)
}

func TestDefinitionErrors(t *testing.T) {
	nop := func(ctxT, *flow.State[exampleState]) (any, error) { return nil, nil }
	route := func(ctxT, *flow.State[exampleState]) (string, error) { return "", nil }
	for _, tc := range []struct {
		name   string
		build  func(f *flow.Flow[exampleState])
		method string
		want   string
	}{
		{"nil function", func(f *flow.Flow[exampleState]) { f.Step(flow.Start("a"), nil) }, "a", "nil function"},
		{"duplicate", func(f *flow.Flow[exampleState]) {
			f.Step(flow.Start("a"), nop)
			f.Step(flow.Listen("a", flow.On("a")), nop)
		}, "a", "twice"},
		{"unknown trigger", func(f *flow.Flow[exampleState]) {
			f.Step(flow.Start("a"), nop)
			f.Step(flow.Listen("b", flow.On("c")), nop)
		}, "b", `listens to "c"`},
		{"unknown in Or", func(f *flow.Flow[exampleState]) {
			f.Router(flow.Start("a").Emits("x"), route)
			f.Step(flow.Listen("b", flow.Or(flow.On("x"), flow.On("y"))), nop)
		}, "b", `listens to "y"`},
		{"no start", func(f *flow.Flow[exampleState]) { f.Step(flow.Listen("b", flow.On("b")), nop) }, "", "no start"},
		{"no methods", func(f *flow.Flow[exampleState]) {}, "", "no methods"},
		{"empty name", func(f *flow.Flow[exampleState]) { f.Step(flow.Start(""), nop) }, "", "empty name"},
		{"empty spec", func(f *flow.Flow[exampleState]) { f.Step(flow.Start("a"), nop); f.Step(flow.Spec{}, nop) }, "", "empty name"},
		{"emits on step", func(f *flow.Flow[exampleState]) { f.Step(flow.Start("a").Emits("x"), nop) }, "a", "Emits"},
		{"empty Or", func(f *flow.Flow[exampleState]) {
			f.Step(flow.Start("a"), nop)
			f.Step(flow.Listen("b", flow.Or()), nop)
		}, "b", "no triggers"},
		{"negative limit", func(f *flow.Flow[exampleState]) { f.MaxMethodRuns = -1; f.Step(flow.Start("a"), nop) }, "", "MaxMethodRuns is -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &flow.Flow[exampleState]{Name: "Bad"}
			tc.build(f)
			var ran atomic.Bool
			bus, rec := newBus(t)
			f.Bus = bus
			for _, err := range []error{f.Validate(), kickErr(f)} {
				require.Error(t, err)
				var de *flow.DefinitionError
				require.ErrorAs(t, err, &de)
				assert.Contains(t, err.Error(), tc.want)
				assert.Contains(t, err.Error(), `flow "Bad"`)
				if tc.method != "" {
					assert.Contains(t, err.Error(), fmt.Sprintf("method %q", tc.method))
				}
			}
			assert.False(t, ran.Load())
			assert.Empty(t, rec.all(), "nothing runs, no event")
		})
	}
}

func kickErr[S any](f *flow.Flow[S]) error {
	_, err := f.Kickoff(context.Background(), nil)
	return err
}

func TestUndeclaredRouterAcceptsLabels(t *testing.T) {
	f := &flow.Flow[exampleState]{}
	f.Router(flow.Start("a"), func(ctxT, *flow.State[exampleState]) (string, error) { return "anything", nil })
	f.Step(flow.Listen("b", flow.On("anything")), func(ctxT, *flow.State[exampleState]) (any, error) { return "b ran", nil })
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "b ran", res.Output)
}

func TestRegistrationAfterKickoff(t *testing.T) {
	f := loopFlow(1)
	require.NoError(t, kickErr(f))
	f.Step(flow.Listen("late", flow.On("final_method")), func(ctxT, *flow.State[exampleState]) (any, error) { return nil, nil })
	for _, err := range []error{f.Validate(), kickErr(f)} {
		var de *flow.DefinitionError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "late", de.Method)
		assert.Contains(t, err.Error(), "after the first Kickoff")
	}
}

func TestInputs(t *testing.T) {
	type nested struct{ A, B int }
	type st struct {
		Counter int
		Message string `json:"message"`
		Ratio   float64
		Tags    []string
		N       nested
		Any     any
		Hidden  string `json:"-"`
	}
	for _, tc := range []struct {
		name    string
		in      map[string]any
		want    st
		wantErr string
	}{
		{"by name", map[string]any{"Counter": 2, "message": "hi"}, st{Counter: 2, Message: "hi"}, ""},
		{"case-insensitive", map[string]any{"counter": 2, "MESSAGE": "hi"}, st{Counter: 2, Message: "hi"}, ""},
		{"JSON numbers", map[string]any{"Counter": 3.0, "Ratio": 1}, st{Counter: 3, Ratio: 1}, ""},
		{"slices and structs", map[string]any{"Tags": []any{"a", "b"}, "N": map[string]any{"A": 1}}, st{Tags: []string{"a", "b"}, N: nested{A: 1}}, ""},
		{"any", map[string]any{"Any": []int{1}}, st{Any: []int{1}}, ""},
		{"unknown field", map[string]any{"Countr": 1}, st{}, `input "Countr": value 1 (int) matches no field of flow_test.st (fields: Counter, message, Ratio, Tags, N, Any)`},
		{"json dash is not an input", map[string]any{"Hidden": "x"}, st{}, `input "Hidden"`},
		{"wrong type", map[string]any{"Counter": "three"}, st{}, `input "Counter": value "three" (string) is not a valid int (field Counter)`},
		{"fraction into int", map[string]any{"Counter": 3.5}, st{}, `input "Counter": value 3.5 (float64) is not a valid int`},
		{"unknown nested field", map[string]any{"N": map[string]any{"C": 1}}, st{}, `input "N"`},
		{"null into int", map[string]any{"Counter": nil}, st{}, `null is not allowed for int`},
		{"bad id", map[string]any{"id": 7}, st{}, `input "id": value 7 (int) is not a valid state ID`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &flow.Flow[st]{}
			f.Step(flow.Start("a"), func(ctxT, *flow.State[st]) (any, error) { return nil, nil })
			res, err := f.Kickoff(context.Background(), tc.in)
			if tc.wantErr != "" {
				var ie *flow.InputError
				require.ErrorAs(t, err, &ie)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.State)
		})
	}
}

func TestInputID(t *testing.T) {
	res, err := loopFlow(1).Kickoff(context.Background(), map[string]any{"id": "my-id"})
	require.NoError(t, err)
	assert.Equal(t, "my-id", res.StateID)
	assert.Equal(t, "my-id", res.State.ID)
}

func TestInitialIsCopied(t *testing.T) {
	f := &flow.Flow[orState]{Initial: orState{Runs: map[string]int{"seed": 1}}}
	f.Step(flow.Start("a"), count("a"))
	for range 2 {
		res, err := f.Kickoff(context.Background(), nil)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"seed": 1, "a": 1}, res.State.Runs)
	}
	assert.Equal(t, map[string]int{"seed": 1}, f.Initial.Runs)
}

func TestMapState(t *testing.T) {
	f := &flow.Flow[map[string]any]{Name: "MapFlow"}
	f.Step(flow.Start("a"), func(ctx ctxT, s *flow.State[map[string]any]) (any, error) {
		s.Update(func(m *map[string]any) { (*m)["greeting"] = "hello " + fmt.Sprint((*m)["name"]) })
		return nil, nil
	})
	f.Step(flow.Listen("b", flow.On("a")), func(ctx ctxT, s *flow.State[map[string]any]) (any, error) {
		snap := s.Get()
		snap["greeting"] = "mutating a copy changes nothing"
		return s.Get()["greeting"], nil
	})
	res, err := f.Kickoff(context.Background(), map[string]any{"name": "Ada"})
	require.NoError(t, err)
	assert.Equal(t, "hello Ada", res.Output)
	assert.Equal(t, map[string]any{"id": res.StateID, "name": "Ada", "greeting": "hello Ada"}, res.State)
}

func TestFailingMethod(t *testing.T) {
	boom := errors.New("boom")
	var after atomic.Bool
	bus, rec := newBus(t)
	f := &flow.Flow[exampleState]{Name: "Failing", Bus: bus}
	f.Step(flow.Start("ok"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		s.Update(func(st *exampleState) { st.Counter = 1 })
		return nil, nil
	})
	f.Step(flow.Listen("bad", flow.On("ok")), func(ctxT, *flow.State[exampleState]) (any, error) { return nil, boom })
	f.Step(flow.Listen("after", flow.On("bad")), func(ctxT, *flow.State[exampleState]) (any, error) { after.Store(true); return nil, nil })
	res, err := f.Kickoff(context.Background(), nil)
	require.ErrorIs(t, err, boom)
	var me *flow.MethodError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "bad", me.Method)
	assert.Equal(t, `flow "Failing": method "bad": boom`, err.Error())
	assert.False(t, after.Load())
	require.NotNil(t, res)
	assert.Equal(t, 1, res.State.Counter, "the state as it was")
	kinds := kindsOf(rec.all())
	assert.Equal(t, []event.Kind{event.KindFlowStarted, event.KindMethodStarted, event.KindMethodFinished,
		event.KindMethodStarted, event.KindMethodFailed, event.KindFlowFailed}, kinds)
}

func TestPanickingMethod(t *testing.T) {
	bus, rec := newBus(t)
	f := &flow.Flow[exampleState]{Name: "Panics", Bus: bus}
	f.Step(flow.Start("p"), func(ctxT, *flow.State[exampleState]) (any, error) { panic("kaput") })
	_, err := f.Kickoff(context.Background(), nil)
	var pe *event.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "kaput", pe.Value)
	assert.Contains(t, pe.Stack, "flow_test")
	assert.Contains(t, err.Error(), `method "p": panic: kaput`)
	evs := rec.all()
	require.Len(t, evs, 4)
	mf, ok := evs[2].(*event.MethodFailed)
	require.True(t, ok)
	assert.True(t, mf.Panic)
	assert.NotEmpty(t, mf.Stack)
}

func TestCancellationEndsEveryMethod(t *testing.T) {
	bus, rec := newBus(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started sync.WaitGroup
	started.Add(2)
	go func() { started.Wait(); cancel() }()
	var later atomic.Bool
	f := &flow.Flow[exampleState]{Name: "Cancelled", Bus: bus}
	block := func(ctx ctxT, _ *flow.State[exampleState]) (any, error) {
		started.Done()
		<-ctx.Done()
		return nil, ctx.Err()
	}
	f.Step(flow.Start("a"), block)
	f.Step(flow.Start("b"), block)
	f.Step(flow.Listen("c", flow.Or(flow.On("a"), flow.On("b"))), func(ctxT, *flow.State[exampleState]) (any, error) { later.Store(true); return nil, nil })
	_, err := f.Kickoff(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, later.Load())
	assertBalanced(t, rec.all())
	kinds := kindsOf(rec.all())
	assert.Equal(t, event.KindFlowFailed, kinds[len(kinds)-1])
}

func TestCancelledBeforeKickoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var ran atomic.Bool
	f := &flow.Flow[exampleState]{}
	f.Step(flow.Start("a"), func(ctxT, *flow.State[exampleState]) (any, error) { ran.Store(true); return nil, nil })
	_, err := f.Kickoff(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, ran.Load())
}

// assertBalanced checks that every start event has exactly one end event.
func assertBalanced(t *testing.T, evs []event.Event) {
	t.Helper()
	open := map[uint64]event.Kind{}
	for _, e := range evs {
		h := e.EventHeader()
		switch h.Phase {
		case event.Start:
			open[h.ID] = e.Kind()
		case event.Finish:
			_, ok := open[h.StartID]
			require.True(t, ok, "end %s without start", e.Kind())
			delete(open, h.StartID)
		}
	}
	assert.Empty(t, open, "steps that never ended")
}

func kindsOf(evs []event.Event) []event.Kind {
	out := make([]event.Kind, len(evs))
	for i, e := range evs {
		out[i] = e.Kind()
	}
	return out
}

func TestEventSequence(t *testing.T) {
	bus, rec := newBus(t)
	f := loopFlow(2)
	f.Bus = bus
	f.Tracing = true
	f.Tracer, _ = memTracer(t)
	res, err := f.Kickoff(context.Background(), map[string]any{"message": "x"})
	require.NoError(t, err)
	evs := rec.all()
	assert.Equal(t, []event.Kind{
		event.KindFlowStarted,
		event.KindMethodStarted, event.KindMethodFinished, // first_method
		event.KindMethodStarted, event.KindMethodFinished, // second_method -> continue
		event.KindMethodStarted, event.KindMethodFinished, // second_method -> finish
		event.KindMethodStarted, event.KindMethodFinished, // final_method
		event.KindFlowFinished,
	}, kindsOf(evs))
	fs := evs[0].(*event.FlowStarted)
	assert.Equal(t, "ExampleFlow", fs.Flow)
	assert.Equal(t, res.StateID, fs.StateID)
	assert.True(t, fs.Tracing)
	assert.Equal(t, map[string]any{"message": "x"}, fs.Inputs)
	assert.Zero(t, fs.ParentID)
	var methods, triggers, labels []string
	for i, e := range evs[1 : len(evs)-1] {
		h := e.EventHeader()
		assert.Equal(t, fs.ID, h.ParentID, "method events are children of the flow")
		assert.Equal(t, uint64(i+2), h.Seq)
		switch v := e.(type) {
		case *event.MethodStarted:
			methods = append(methods, v.Method)
			triggers = append(triggers, v.Trigger)
			assert.IsType(t, exampleState{}, v.State)
		case *event.MethodFinished:
			labels = append(labels, v.RouterLabel)
			assert.Equal(t, evs[i].EventHeader().ID, v.StartID)
		}
	}
	assert.Equal(t, []string{"first_method", "second_method", "second_method", "final_method"}, methods)
	assert.Equal(t, []string{"start", "continue", "continue", "finish"}, triggers)
	assert.Equal(t, []string{"continue", "continue", "finish", ""}, labels)
	ff := evs[len(evs)-1].(*event.FlowFinished)
	assert.Equal(t, fs.ID, ff.StartID)
	assert.Equal(t, res.Output, ff.Result)
	assert.Equal(t, res.State, ff.State)
}

func TestNestedRunIsChildOfMethod(t *testing.T) {
	bus, rec := newBus(t)
	inner := loopFlow(1)
	inner.Name = "Inner"
	outer := &flow.Flow[exampleState]{Name: "Outer", Bus: bus}
	outer.Step(flow.Start("call_inner"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		res, err := inner.Kickoff(ctx, nil)
		if err != nil {
			return nil, err
		}
		return res.Output, nil
	})
	_, err := outer.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	evs := rec.all()
	ms := evs[1].(*event.MethodStarted)
	require.Equal(t, "call_inner", ms.Method)
	in := evs[2].(*event.FlowStarted)
	assert.Equal(t, "Inner", in.Flow)
	assert.Equal(t, ms.ID, in.ParentID)
	assert.Equal(t, ms.Run, in.Run)
	assertBalanced(t, evs)
}

func TestUsage(t *testing.T) {
	f := &flow.Flow[exampleState]{}
	f.Step(flow.Start("llm"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		// what an agent does around a model call
		_, st := event.Begin(ctx, event.LLMCallStarted{Model: "m"})
		event.End(st, event.LLMCallCompleted{Model: "m", Usage: chat.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15, Requests: 1}})
		return nil, nil
	})
	f.Step(flow.Listen("direct", flow.On("llm")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		s.AddUsage(chat.Usage{PromptTokens: 1, TotalTokens: 1, Requests: 1})
		return nil, nil
	})
	res, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, chat.Usage{PromptTokens: 11, CompletionTokens: 5, TotalTokens: 16, Requests: 2}, res.Usage)
}

func TestConcurrentKickoffs(t *testing.T) {
	f := loopFlow(3)
	const n = 16
	var wg sync.WaitGroup
	results := make([]*flow.Result[exampleState], n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = f.Kickoff(context.Background(), map[string]any{"Counter": -i})
		})
	}
	wg.Wait()
	ids := map[string]bool{}
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, 3, results[i].State.Counter, "run %d", i)
		ids[results[i].StateID] = true
	}
	assert.Len(t, ids, n)
}

func TestPlot(t *testing.T) {
	f := loopFlow(3)
	f.Step(flow.Listen("joined", flow.Or(flow.And(flow.On("first_method"), flow.On("final_method")), flow.On("second_method"))),
		func(ctxT, *flow.State[exampleState]) (any, error) { return nil, nil })
	m := f.Graph().Mermaid()
	for _, want := range []string{
		"flowchart TD",
		`m0{{"first_method"}}:::startrouter`,
		`m1{{"second_method"}}:::router`,
		`m2["final_method"]:::step`,
		`m0 -.->|"continue"| m1`,
		`m1 -.->|"continue"| m1`,
		`m1 -.->|"finish"| m2`,
		`j0(("OR")):::join`,
		`j1(("AND")):::join`,
		"j0 --> m3", "j1 --> j0", "m0 --> j1", "m2 --> j1", "m1 --> j0",
	} {
		assert.Contains(t, m, want)
	}
	var b strings.Builder
	require.NoError(t, f.Graph().HTML(&b))
	h := b.String()
	assert.True(t, strings.HasPrefix(h, "<!DOCTYPE html>"))
	assert.Contains(t, h, "<svg")
	assert.Contains(t, h, ">second_method</text>")
	assert.Contains(t, h, ">finish</text>")
	assert.NotContains(t, h, "<script")
	assert.Equal(t, 1, strings.Count(h, "http"), "no URL but the SVG namespace")
}

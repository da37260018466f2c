package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/flow/sqlitestore"
)

func stores(t *testing.T) map[string]flow.Store {
	db, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "sub", "states.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return map[string]flow.Store{"sqlite": db, "memory": &flow.MemoryStore{}}
}

func TestPersistAndResume(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := loopFlow(3)
			f.Persist = store
			res, err := f.Kickoff(ctx, map[string]any{"message": "x"})
			require.NoError(t, err)

			rec, err := store.Load(ctx, res.StateID)
			require.NoError(t, err)
			assert.Equal(t, "ExampleFlow", rec.Flow)
			assert.Equal(t, "final_method", rec.Method, "saved after the last method")
			var saved exampleState
			require.NoError(t, json.Unmarshal(rec.State, &saved))
			assert.Equal(t, res.State, saved)
			assert.False(t, rec.Saved.IsZero())

			// Resume: the saved state comes back; the graph runs again on it.
			var seen exampleState
			f2 := &flow.Flow[exampleState]{Name: "ExampleFlow", Persist: store}
			f2.Step(flow.Start("check"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
				seen = s.Get()
				s.Update(func(st *exampleState) { st.Counter += 10 })
				return nil, nil
			})
			res2, err := f2.Kickoff(ctx, map[string]any{"id": res.StateID, "message": "again"})
			require.NoError(t, err)
			assert.Equal(t, res.StateID, res2.StateID)
			assert.Equal(t, exampleState{ID: res.StateID, Counter: 3, Message: "again"}, seen, "restored, then inputs merged")
			assert.Equal(t, 13, res2.State.Counter)
			rec, err = store.Load(ctx, res.StateID)
			require.NoError(t, err)
			assert.Equal(t, "check", rec.Method, "the latest record wins")
		})
	}
}

type resumeOut struct{ N int }

// resumableFlow: start a (a struct output) -> router r ("go") -> x; y on
// And(a, x). x fails, or blocks until its ctx ends, while *mode is set.
func resumableFlow(store flow.Store, mode *atomic.Value, runs *sync.Map, xTrig *atomic.Value) *flow.Flow[exampleState] {
	count := func(name string) {
		n, _ := runs.LoadOrStore(name, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
	}
	f := &flow.Flow[exampleState]{Name: "Resumable", Persist: store}
	f.Step(flow.Start("a"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		count("a")
		s.Update(func(st *exampleState) { st.Counter++ })
		return resumeOut{N: 1}, nil
	})
	f.Router(flow.Listen("r", flow.On("a")).Emits("go"), func(ctx ctxT, s *flow.State[exampleState]) (string, error) {
		count("r")
		return "go", nil
	})
	f.Step(flow.Listen("x", flow.On("go")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		count("x")
		switch mode.Load() {
		case "fail":
			return nil, errors.New("flaky")
		case "block":
			<-ctx.Done()
			return nil, ctx.Err()
		}
		xTrig.Store(flow.TriggerOf(ctx))
		s.Update(func(st *exampleState) { st.Counter += 10 })
		return "x-out", nil
	})
	f.Step(flow.Listen("y", flow.And(flow.On("a"), flow.On("x"))), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		count("y")
		s.Update(func(st *exampleState) { st.Message = "y saw both" })
		return "y-out", nil
	})
	return f
}

func runCounts(runs *sync.Map) map[string]int32 {
	out := map[string]int32{}
	runs.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int32).Load()
		return true
	})
	return out
}

func TestResumeSkipsCompletedMethods(t *testing.T) {
	for _, mode := range []string{"fail", "block"} {
		for name, store := range stores(t) {
			t.Run(mode+"/"+name, func(t *testing.T) {
				var m, xTrig atomic.Value
				m.Store(mode)
				var runs sync.Map
				f := resumableFlow(store, &m, &runs, &xTrig)

				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if mode == "block" {
					bus := &event.Bus{}
					bus.Subscribe(event.HandlerFunc(func(e event.Event) {
						if ms, ok := e.(*event.MethodStarted); ok && ms.Method == "x" {
							cancel()
						}
					}))
					f.Bus = bus
				}
				res, err := f.Kickoff(ctx, nil)
				require.Error(t, err)
				assert.Equal(t, map[string]int32{"a": 1, "r": 1, "x": 1}, runCounts(&runs))

				m.Store("")
				res2, err := f.Kickoff(context.Background(), map[string]any{"id": res.StateID, "message": "resumed"})
				require.NoError(t, err)
				assert.Equal(t, map[string]int32{"a": 1, "r": 1, "x": 2, "y": 1}, runCounts(&runs),
					"a and r completed before: not run again; x runs again; y's And remembers a")
				assert.Equal(t, flow.Trigger{Name: "go", Method: "r", Output: "go"}, xTrig.Load(),
					"x keeps the trigger it had")
				assert.Equal(t, exampleState{ID: res.StateID, Counter: 11, Message: "y saw both"}, res2.State)
				assert.Equal(t, "y-out", res2.Output)
				assert.Equal(t, "y", res2.Method)

				// The resumed kickoff finished: resuming again runs the
				// graph from its start methods on the saved state.
				res3, err := f.Kickoff(context.Background(), map[string]any{"id": res.StateID})
				require.NoError(t, err)
				assert.Equal(t, map[string]int32{"a": 2, "r": 2, "x": 3, "y": 2}, runCounts(&runs))
				assert.Equal(t, 22, res3.State.Counter)
			})
		}
	}
}

func TestResumeTriggerOutputThroughJSON(t *testing.T) {
	store := &flow.MemoryStore{}
	var fail atomic.Bool
	fail.Store(true)
	var got atomic.Value
	f := &flow.Flow[exampleState]{Name: "J", Persist: store}
	f.Step(flow.Start("a"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		return resumeOut{N: 7}, nil
	})
	f.Step(flow.Listen("b", flow.On("a")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		got.Store(flow.TriggerOf(ctx)) // a Trigger each time: atomic.Value wants one type
		if fail.Load() {
			return nil, errors.New("flaky")
		}
		return nil, nil
	})
	res, err := f.Kickoff(context.Background(), nil)
	require.Error(t, err)
	assert.Equal(t, resumeOut{N: 7}, got.Load().(flow.Trigger).Output)
	fail.Store(false)
	_, err = f.Kickoff(context.Background(), map[string]any{"id": res.StateID})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"N": 7.0}, got.Load().(flow.Trigger).Output, "decoded from the saved JSON")
}

func TestResumeLoopKeepsRunCount(t *testing.T) {
	// second_method loops; the first kickoff fails on its 2nd run. The
	// resumed kickoff counts the runs before it: with MaxMethodRuns 2 it
	// may run second_method once more (the run that failed), not 2 more.
	store := &flow.MemoryStore{}
	var fail atomic.Bool
	fail.Store(true)
	var runs atomic.Int32
	f := &flow.Flow[exampleState]{Name: "Loop", Persist: store, MaxMethodRuns: 2}
	f.Router(flow.Start("first").Emits("continue"), func(ctx ctxT, s *flow.State[exampleState]) (string, error) {
		return "continue", nil
	})
	f.Router(flow.Listen("second", flow.On("continue")).Emits("continue"), func(ctx ctxT, s *flow.State[exampleState]) (string, error) {
		if runs.Add(1) == 2 && fail.Load() {
			return "", errors.New("flaky")
		}
		return "continue", nil // forever: the bound ends it
	})
	res, err := f.Kickoff(context.Background(), nil)
	require.Error(t, err)
	fail.Store(false)
	_, err = f.Kickoff(context.Background(), map[string]any{"id": res.StateID})
	require.ErrorIs(t, err, flow.ErrMaxMethodRuns)
	assert.Equal(t, int32(3), runs.Load(), "one run in the resumed kickoff, then the bound")
}

func TestResumeChangedDefinition(t *testing.T) {
	store := &flow.MemoryStore{}
	f := &flow.Flow[exampleState]{Name: "D", Persist: store}
	f.Step(flow.Start("a"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) { return nil, nil })
	f.Step(flow.Listen("b", flow.On("a")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		return nil, errors.New("flaky")
	})
	res, err := f.Kickoff(context.Background(), nil)
	require.Error(t, err)

	g := &flow.Flow[exampleState]{Name: "D", Persist: store}
	var ran atomic.Bool
	g.Step(flow.Start("other"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		ran.Store(true)
		return nil, nil
	})
	_, err = g.Kickoff(context.Background(), map[string]any{"id": res.StateID})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `resume state "`+res.StateID+`"`)
	assert.Contains(t, err.Error(), `saved run 1 (method "a", trigger "")`)
	assert.Contains(t, err.Error(), "definition changed")
	assert.False(t, ran.Load(), "nothing runs")
}

func TestResumeErrors(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := loopFlow(1)
			f.Persist = store
			_, err := f.Resume(ctx, "missing", nil)
			require.ErrorIs(t, err, flow.ErrStateNotFound)
			assert.Contains(t, err.Error(), `"missing"`)

			require.NoError(t, store.Save(ctx, flow.Record{Flow: "ExampleFlow", StateID: "corrupt", Method: "second_method",
				State: []byte(`{"Counter": "three"`)}))
			_, err = f.Kickoff(ctx, map[string]any{"id": "corrupt"})
			var ce *flow.CorruptStateError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "corrupt", ce.StateID)
			assert.Equal(t, "second_method", ce.Method)
			assert.Contains(t, err.Error(), `saved state "corrupt" (after method "second_method") is corrupt`)

			require.NoError(t, store.Save(ctx, flow.Record{Flow: "OtherFlow", StateID: "other", Method: "m", State: []byte(`{}`)}))
			_, err = f.Kickoff(ctx, map[string]any{"id": "other"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), `was saved by flow "OtherFlow"`)

			for _, prog := range []string{`{"version":1,"runs":`, `{"version":9,"runs":[]}`} {
				require.NoError(t, store.Save(ctx, flow.Record{Flow: "ExampleFlow", StateID: "badprog", Method: "m",
					State: []byte(`{}`), Progress: []byte(prog)}))
				_, err = f.Kickoff(ctx, map[string]any{"id": "badprog"})
				require.ErrorAs(t, err, &ce, prog)
				assert.Contains(t, err.Error(), "progress", prog)
			}

			// A record without progress (written before progress was
			// saved) resumes by running the graph from its starts.
			require.NoError(t, store.Save(ctx, flow.Record{Flow: "ExampleFlow", StateID: "old", Method: "m",
				State: []byte(`{"Counter": 5}`)}))
			res, err := f.Kickoff(ctx, map[string]any{"id": "old"})
			require.NoError(t, err)
			assert.Equal(t, 6, res.State.Counter)
		})
	}
}

type failingStore struct{ flow.MemoryStore }

func (*failingStore) Save(context.Context, flow.Record) error {
	return errors.New("disk full")
}

func TestPersistFailureFailsMethod(t *testing.T) {
	f := loopFlow(1)
	f.Persist = &failingStore{}
	_, err := f.Kickoff(context.Background(), nil)
	var me *flow.MethodError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "first_method", me.Method)
	assert.Contains(t, err.Error(), "persist state: disk full")
}

// finalFailStore fails only the save a kickoff makes once it has succeeded.
type finalFailStore struct{ flow.MemoryStore }

func (s *finalFailStore) Save(ctx context.Context, rec flow.Record) error {
	if strings.Contains(string(rec.Progress), `"finished":true`) {
		return errors.New("disk full")
	}
	return s.MemoryStore.Save(ctx, rec)
}

func TestPersistFinalSaveFailureFailsKickoff(t *testing.T) {
	store := &finalFailStore{}
	f := loopFlow(1)
	f.Persist = store
	res, err := f.Kickoff(context.Background(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `flow "ExampleFlow": persist final state: disk full`)
	assert.Equal(t, "final_method", res.Method, "the result is kept next to the error")
	rec, err := store.Load(context.Background(), res.StateID)
	require.NoError(t, err)
	assert.Equal(t, "final_method", rec.Method, "the record saved after the last method stays")

	// Its progress lists every run and leaves nothing to do: a resume runs
	// the graph again from its start.
	res2, err := f.Kickoff(context.Background(), map[string]any{"id": res.StateID})
	require.Error(t, err, "the final save fails again")
	assert.Equal(t, 2, res2.State.Counter, "second_method ran again")
}

// sizeStore records the size of the largest progress saved.
type sizeStore struct {
	flow.MemoryStore
	max atomic.Int64
}

func (s *sizeStore) Save(ctx context.Context, rec flow.Record) error {
	if n := int64(len(rec.Progress)); n > s.max.Load() {
		s.max.Store(n)
	}
	return s.MemoryStore.Save(ctx, rec)
}

// A loop whose listener returns a large output: the saved progress keeps
// the outputs a resume needs (those of runs that triggered runs still to
// do, and the last one), not every earlier output, so that it does not grow
// with the number of runs times the output's size. A resume in the middle
// still hands the failed run its trigger's output.
func TestProgressKeepsOnlyNeededOutputs(t *testing.T) {
	const rounds = 40
	big := strings.Repeat("x", 10_000)
	store := &sizeStore{}
	var failAt atomic.Int32
	failAt.Store(rounds / 2)
	var dRuns atomic.Int32
	var got atomic.Value
	f := &flow.Flow[exampleState]{Name: "Big", Persist: store, MaxMethodRuns: rounds + 1}
	f.Router(flow.Start("a").Emits("go"), func(ctx ctxT, s *flow.State[exampleState]) (string, error) {
		return "go", nil
	})
	f.Step(flow.Listen("c", flow.On("go")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		var n int
		s.Update(func(st *exampleState) { st.Counter++; n = st.Counter })
		return fmt.Sprintf("%d:%s", n, big), nil
	})
	f.Step(flow.Listen("d", flow.On("c")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		got.Store(flow.TriggerOf(ctx))
		if dRuns.Add(1) == failAt.Load() {
			return nil, errors.New("flaky")
		}
		return nil, nil
	})
	f.Router(flow.Listen("b", flow.On("d")).Emits("go", "done"), func(ctx ctxT, s *flow.State[exampleState]) (string, error) {
		if s.Get().Counter < rounds {
			return "go", nil
		}
		return "done", nil
	})
	res, err := f.Kickoff(context.Background(), nil)
	require.Error(t, err, "d fails once, half way")
	failAt.Store(-1)
	res, err = f.Kickoff(context.Background(), map[string]any{"id": res.StateID})
	require.NoError(t, err)
	assert.Equal(t, rounds, res.State.Counter, "c ran once per round in all")
	out, _ := got.Load().(flow.Trigger).Output.(string)
	assert.True(t, strings.HasPrefix(out, fmt.Sprintf("%d:", rounds)), "the last d saw the last c's output")
	t.Logf("largest progress saved: %d bytes", store.max.Load())
	// At most two large outputs at a time (the pending trigger and the
	// last run), against one per round if every output were kept.
	assert.Less(t, store.max.Load(), int64(3*len(big)+rounds*4*200),
		"largest progress saved: %d bytes", store.max.Load())
}

// FlowStarted (and the flow's span) says whether a kickoff resumed a saved
// state and how many completed runs it carried over.
func TestFlowStartedSaysResumed(t *testing.T) {
	store := &flow.MemoryStore{}
	bus, rec := newBus(t)
	tr, exp := memTracer(t)
	var fail atomic.Bool
	fail.Store(true)
	f := &flow.Flow[exampleState]{Name: "R", Persist: store, Bus: bus, Tracing: true, Tracer: tr}
	f.Step(flow.Start("a"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) { return nil, nil })
	f.Step(flow.Listen("b", flow.On("a")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		if fail.Load() {
			return nil, errors.New("flaky")
		}
		return nil, nil
	})
	res, err := f.Kickoff(context.Background(), nil)
	require.Error(t, err)
	fail.Store(false)
	_, err = f.Kickoff(context.Background(), map[string]any{"id": res.StateID}) // the unfinished kickoff
	require.NoError(t, err)
	_, err = f.Kickoff(context.Background(), map[string]any{"id": res.StateID}) // a finished one: from the start
	require.NoError(t, err)

	type started struct {
		restored bool
		carried  int
	}
	var got []started
	for _, e := range rec.all() {
		if fs, ok := e.(*event.FlowStarted); ok {
			got = append(got, started{fs.Restored, fs.RunsCarried})
		}
	}
	assert.Equal(t, []started{{false, 0}, {true, 1}, {true, 0}}, got)

	var spans []started
	for _, s := range exp.GetSpans() {
		if s.Name != "invoke_workflow R" {
			continue
		}
		var st started
		for _, kv := range s.Attributes {
			switch kv.Key {
			case "crewai.flow.restored":
				st.restored = kv.Value.AsBool()
			case "crewai.flow.runs_carried":
				st.carried = int(kv.Value.AsInt64())
			}
		}
		spans = append(spans, st)
	}
	assert.ElementsMatch(t, []started{{false, 0}, {true, 1}, {true, 0}}, spans)
}

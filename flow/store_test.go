package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/flow"
)

func stores(t *testing.T) map[string]flow.Store {
	db, err := flow.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "sub", "states.db"))
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

func TestPersistFailedRunCanResume(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			var fail atomic.Bool
			fail.Store(true)
			f := &flow.Flow[exampleState]{Name: "Resumable", Persist: store}
			f.Step(flow.Start("step1"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
				s.Update(func(st *exampleState) {
					if st.Message == "" {
						st.Message = "step1 done"
						st.Counter++
					}
				})
				return nil, nil
			})
			f.Step(flow.Listen("step2", "step1"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
				if fail.Load() {
					return nil, errors.New("flaky")
				}
				s.Update(func(st *exampleState) { st.Counter++ })
				return "finished", nil
			})
			res, err := f.Kickoff(context.Background(), nil)
			require.Error(t, err)
			fail.Store(false)
			res2, err := f.Kickoff(context.Background(), map[string]any{"id": res.StateID})
			require.NoError(t, err)
			assert.Equal(t, exampleState{ID: res.StateID, Counter: 2, Message: "step1 done"}, res2.State)
		})
	}
}

func TestResumeErrors(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := loopFlow(1)
			f.Persist = store
			_, err := f.Kickoff(ctx, map[string]any{"id": "missing"})
			require.ErrorIs(t, err, flow.ErrStateNotFound)
			assert.Contains(t, err.Error(), `"missing"`)

			require.NoError(t, store.Save(ctx, "ExampleFlow", "corrupt", "second_method", []byte(`{"Counter": "three"`)))
			_, err = f.Kickoff(ctx, map[string]any{"id": "corrupt"})
			var ce *flow.CorruptStateError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "corrupt", ce.StateID)
			assert.Equal(t, "second_method", ce.Method)
			assert.Contains(t, err.Error(), `saved state "corrupt" (after method "second_method") is corrupt`)

			require.NoError(t, store.Save(ctx, "OtherFlow", "other", "m", []byte(`{}`)))
			_, err = f.Kickoff(ctx, map[string]any{"id": "other"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), `was saved by flow "OtherFlow"`)
		})
	}
}

type failingStore struct{ flow.MemoryStore }

func (*failingStore) Save(context.Context, string, string, string, []byte) error {
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

func TestSQLiteSharedFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "states.db")
	a, err := flow.OpenSQLite(ctx, path)
	require.NoError(t, err)
	defer a.Close()
	b, err := flow.OpenSQLite(ctx, path)
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, a.Save(ctx, "F", "s1", "m1", []byte(`{"n":1}`)))
	require.NoError(t, a.Save(ctx, "F", "s1", "m2", []byte(`{"n":2}`)))
	rec, err := b.Load(ctx, "s1")
	require.NoError(t, err)
	assert.Equal(t, "m2", rec.Method)
	assert.JSONEq(t, `{"n":2}`, string(rec.State))
	assert.Equal(t, path, b.Path())
}

func TestSQLiteMemory(t *testing.T) {
	ctx := context.Background()
	db, err := flow.OpenSQLite(ctx, ":memory:")
	require.NoError(t, err)
	defer db.Close()
	f := &flow.Flow[map[string]any]{Name: "M", Persist: db}
	f.Step(flow.Start("a"), func(ctx ctxT, s *flow.State[map[string]any]) (any, error) {
		s.Update(func(m *map[string]any) { (*m)["k"] = "v" })
		return nil, nil
	})
	res, err := f.Kickoff(ctx, nil)
	require.NoError(t, err)
	res2, err := f.Kickoff(ctx, map[string]any{"id": res.StateID, "extra": 1})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"id": res.StateID, "k": "v", "extra": 1}, res2.State)
}

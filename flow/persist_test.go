package flow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/flow"
)

// With a store set, an "id" input that the store does not hold starts a
// fresh run whose state has that ID (as CrewAI does), and a cyclic flow runs
// exactly as without persistence; Resume of a missing ID still fails.
func TestIDInputWithoutSavedStateStartsFresh(t *testing.T) {
	plain, err := loopFlow(3).Kickoff(context.Background(), nil)
	require.NoError(t, err)

	store := &flow.MemoryStore{}
	f := loopFlow(3)
	f.Persist = store
	res, err := f.Kickoff(context.Background(), map[string]any{"id": "order-42"})
	require.NoError(t, err)
	assert.Equal(t, "order-42", res.StateID)
	assert.Equal(t, "order-42", res.State.ID)
	assert.Equal(t, plain.State.Counter, res.State.Counter, "the loop runs as without persistence")
	assert.Equal(t, plain.State.Message, res.State.Message)
	assert.Equal(t, plain.Output, res.Output)
	rec, err := store.Load(context.Background(), "order-42")
	require.NoError(t, err, "the fresh run was saved under its ID")
	assert.Equal(t, "ExampleFlow", rec.Flow)

	// The same ID again resumes the saved (finished) state: the graph runs
	// again from its start on it.
	again, err := f.Kickoff(context.Background(), map[string]any{"id": "order-42"})
	require.NoError(t, err)
	assert.Equal(t, 4, again.State.Counter)

	_, err = f.Resume(context.Background(), "missing", nil)
	require.ErrorIs(t, err, flow.ErrStateNotFound)
	assert.ErrorContains(t, err, `"missing"`)
	_, err = loopFlow(3).Resume(context.Background(), "order-42", nil)
	require.ErrorIs(t, err, flow.ErrStateNotFound, "Resume without a store")
	res, err = f.Resume(context.Background(), "order-42", map[string]any{"message": "again"})
	require.NoError(t, err)
	assert.Equal(t, 5, res.State.Counter)
}

// saveLoadOnly hides a store's Lease: the Flow keeps the lease itself.
type saveLoadOnly struct{ flow.Store }

// Two kickoffs resuming the same state ID at once: the second gets
// ErrStateBusy instead of both running what was left; once the first ends,
// the ID is free again.
func TestOneResumePerStateID(t *testing.T) {
	for name, store := range map[string]flow.Store{
		"store lease": &flow.MemoryStore{},
		"flow lease":  saveLoadOnly{&flow.MemoryStore{}},
	} {
		t.Run(name, func(t *testing.T) {
			inside, release := make(chan struct{}), make(chan struct{})
			f := &flow.Flow[exampleState]{Name: "Busy", Persist: store}
			f.Step(flow.Start("work"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
				if s.Get().Message == "block" {
					close(inside)
					<-release
				}
				s.Update(func(st *exampleState) { st.Counter++ })
				return nil, nil
			})
			done := make(chan error, 1)
			go func() {
				_, err := f.Kickoff(context.Background(), map[string]any{"id": "s1", "message": "block"})
				done <- err
			}()
			<-inside
			_, err := f.Kickoff(context.Background(), map[string]any{"id": "s1"})
			require.ErrorIs(t, err, flow.ErrStateBusy)
			assert.ErrorContains(t, err, `"s1"`)
			_, err = f.Resume(context.Background(), "s1", nil)
			require.ErrorIs(t, err, flow.ErrStateBusy)
			res, err := f.Kickoff(context.Background(), map[string]any{"id": "s2"})
			require.NoError(t, err, "another ID is not held")
			assert.Equal(t, 1, res.State.Counter)
			close(release)
			require.NoError(t, <-done)
			res, err = f.Kickoff(context.Background(), map[string]any{"id": "s1", "message": "free"})
			require.NoError(t, err, "the lease is given back")
			assert.Equal(t, 2, res.State.Counter)
		})
	}
}

package flow

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"
)

// Store saves a flow's state after each method, and loads it back to resume
// a kickoff. Implementations must be safe for concurrent use: concurrent
// kickoffs and concurrent methods save at the same time.
// A nil Store (the zero value of Flow.Persist) means no persistence.
type Store interface {
	// Save records rec as the latest record of rec.StateID. It must keep
	// every field but Saved as given (State and Progress byte for byte)
	// and set Saved itself.
	Save(ctx context.Context, rec Record) error
	// Load returns the latest record of stateID, or an error matching
	// ErrStateNotFound.
	Load(ctx context.Context, stateID string) (*Record, error)
}

// Leaser is implemented by a [Store] that holds a lease per state ID, so
// that two kickoffs (in one process or in several sharing the store) do not
// run the same saved state at once. A kickoff given a state ID takes the
// lease before loading the state and gives it back when it ends. With a
// Store that is not a Leaser, the Flow keeps the lease itself, for the
// kickoffs of that Flow value.
type Leaser interface {
	// Lease takes the lease of stateID, or fails at once with an error
	// matching ErrStateBusy while another kickoff holds it. release gives
	// it back; it is called once.
	Lease(ctx context.Context, stateID string) (release func(), err error)
}

// Record is one saved state. The zero value is an empty record.
type Record struct {
	// Flow is the name of the flow that saved it.
	Flow string
	// StateID is the state's ID.
	StateID string
	// Method is the method after which it was saved.
	Method string
	// State is the state as JSON.
	State []byte
	// Progress is the kickoff's progress when it was saved, as JSON: the
	// method runs completed so far, in order, with their trigger, wave and
	// router label, and the outputs a resume still needs (those of runs
	// whose triggered runs are still to do, and of the last run; the others
	// are left out so that the progress does not grow with every output of a
	// long loop). A kickoff resuming this record uses it to
	// skip what is done (see Flow.Kickoff). Empty means unknown: a resume
	// then runs the graph again from its start methods. Stores keep it
	// opaque.
	Progress []byte
	// Saved is when it was saved.
	Saved time.Time
}

// MemoryStore is a Store that keeps the latest record of each state in
// memory, for tests and short-lived programs. The zero value is an empty
// store, ready to use.
type MemoryStore struct {
	mu     sync.Mutex
	recs   map[string]Record
	leased map[string]bool
}

// Lease takes the lease of stateID (see [Leaser]); it fails with an error
// matching ErrStateBusy while another kickoff holds it.
func (m *MemoryStore) Lease(ctx context.Context, stateID string) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("flow: lease state %q: %w", stateID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leased[stateID] {
		return nil, fmt.Errorf("flow: lease state %q: %w", stateID, ErrStateBusy)
	}
	if m.leased == nil {
		m.leased = map[string]bool{}
	}
	m.leased[stateID] = true
	return func() {
		m.mu.Lock()
		delete(m.leased, stateID)
		m.mu.Unlock()
	}, nil
}

// Save records a copy of rec as the latest record of rec.StateID, stamped
// with the current time.
func (m *MemoryStore) Save(ctx context.Context, rec Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flow: save state %q: %w", rec.StateID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recs == nil {
		m.recs = map[string]Record{}
	}
	rec.State = bytes.Clone(rec.State)
	rec.Progress = bytes.Clone(rec.Progress)
	rec.Saved = time.Now()
	m.recs[rec.StateID] = rec
	return nil
}

// Load returns a copy of the latest record of stateID, or an error matching
// ErrStateNotFound.
func (m *MemoryStore) Load(ctx context.Context, stateID string) (*Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("flow: load state %q: %w", stateID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[stateID]
	if !ok {
		return nil, fmt.Errorf("flow: load state %q: %w", stateID, ErrStateNotFound)
	}
	r.State = bytes.Clone(r.State)
	r.Progress = bytes.Clone(r.Progress)
	return &r, nil
}

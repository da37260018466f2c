package flow

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Store saves a flow's state after each method, and loads it back to resume
// a kickoff. Implementations must be safe for concurrent use: concurrent
// kickoffs and concurrent methods save at the same time.
type Store interface {
	// Save records state (JSON) as the latest state of stateID, saved by
	// flow flowName after method completed.
	Save(ctx context.Context, flowName, stateID, method string, state []byte) error
	// Load returns the latest record of stateID, or an error matching
	// ErrStateNotFound.
	Load(ctx context.Context, stateID string) (*Record, error)
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
	// Saved is when it was saved.
	Saved time.Time
}

// MemoryStore is a Store that keeps the latest record of each state in
// memory, for tests and short-lived programs. The zero value is an empty
// store, ready to use. It is safe for concurrent use.
type MemoryStore struct {
	mu   sync.Mutex
	recs map[string]Record
}

// Save records a copy of state as the latest state of stateID.
func (m *MemoryStore) Save(ctx context.Context, flowName, stateID, method string, state []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("flow: save state %q: %w", stateID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recs == nil {
		m.recs = map[string]Record{}
	}
	m.recs[stateID] = Record{Flow: flowName, StateID: stateID, Method: method,
		State: append([]byte(nil), state...), Saved: time.Now()}
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
	r.State = append([]byte(nil), r.State...)
	return &r, nil
}

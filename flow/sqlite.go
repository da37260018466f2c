package flow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"
)

// DefaultSQLitePath is the database OpenSQLite uses for an empty path,
// relative to the working directory.
const DefaultSQLitePath = ".crewai/flow_states.db"

// SQLiteStore is the default [Store]: an SQLite database (through the pure-Go
// modernc.org/sqlite driver, so no cgo) with one append-only table,
// flow_states, whose latest row for a state ID wins. Create it with
// [OpenSQLite] and Close it when done. It is safe for concurrent use, also by
// several processes sharing the file (WAL mode, busy timeout).
type SQLiteStore struct {
	db   *sql.DB
	path string
}

// OpenSQLite opens (creating if needed, with its directory) the SQLite
// database at path; an empty path means DefaultSQLitePath, ":memory:" a
// private in-memory database.
func OpenSQLite(ctx context.Context, path string) (*SQLiteStore, error) {
	if path == "" {
		path = DefaultSQLitePath
	}
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("flow: open state store %q: %w", path, err)
			}
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	if path == ":memory:" {
		dsn = "file::memory:?_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("flow: open state store %q: %w", path, err)
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // one connection, or each gets its own database
	}
	const schema = `CREATE TABLE IF NOT EXISTS flow_states (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	flow_name TEXT NOT NULL,
	state_id TEXT NOT NULL,
	method_name TEXT NOT NULL,
	saved_at TEXT NOT NULL,
	state_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flow_states_state_id ON flow_states(state_id, id);`
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("flow: open state store %q: %w", path, err)
	}
	return &SQLiteStore{db: db, path: path}, nil
}

// Path returns the database's path.
func (s *SQLiteStore) Path() string { return s.path }

// Close closes the database.
func (s *SQLiteStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("flow: close state store %q: %w", s.path, err)
	}
	return nil
}

// Save appends a row holding state as the latest state of stateID.
func (s *SQLiteStore) Save(ctx context.Context, flowName, stateID, method string, state []byte) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO flow_states (flow_name, state_id, method_name, saved_at, state_json) VALUES (?, ?, ?, ?, ?)`,
		flowName, stateID, method, time.Now().UTC().Format(time.RFC3339Nano), string(state))
	if err != nil {
		return fmt.Errorf("flow: save state %q: %w", stateID, err)
	}
	return nil
}

// Load returns the latest row of stateID, or an error matching
// ErrStateNotFound.
func (s *SQLiteStore) Load(ctx context.Context, stateID string) (*Record, error) {
	var r Record
	var saved, state string
	err := s.db.QueryRowContext(ctx,
		`SELECT flow_name, state_id, method_name, saved_at, state_json FROM flow_states WHERE state_id = ? ORDER BY id DESC LIMIT 1`,
		stateID).Scan(&r.Flow, &r.StateID, &r.Method, &saved, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("flow: load state %q from %s: %w", stateID, s.path, ErrStateNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("flow: load state %q from %s: %w", stateID, s.path, err)
	}
	r.State = []byte(state)
	if r.Saved, err = time.Parse(time.RFC3339Nano, saved); err != nil {
		return nil, &CorruptStateError{StateID: stateID, Method: r.Method, Err: fmt.Errorf("saved_at %q: %w", saved, err)}
	}
	return &r, nil
}

// Package sqlitestore is a [flow.Store] in an SQLite database, through the
// pure-Go modernc.org/sqlite driver (no cgo). It lives in its own package, as
// database drivers do, so that a program that does not persist flows links no
// SQLite and registers no database/sql driver: importing this package
// registers the driver under the name "sqlite".
//
// The database has one append-only table, flow_states, whose latest row for
// a state ID wins. A [*Store] is safe for concurrent use, also by several
// processes sharing the file (WAL mode, busy timeout).
//
// A Store is a [flow.Leaser]: a kickoff of a saved state ID holds a row of
// the flow_leases table while it runs, so a second kickoff of that ID, in
// this process or another one sharing the file, fails at once with
// [flow.ErrStateBusy]. The holder renews its row every third of
// [Store.LeaseTTL]; a process that dies holding a lease blocks the ID for at
// most LeaseTTL, after which the next kickoff takes it over.
package sqlitestore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"

	"github.com/crewai-go/crewai/flow"
)

// DefaultPath is the database Open uses for an empty path, relative to the
// working directory.
const DefaultPath = ".crewai/flow_states.db"

// Store is a [flow.Store] in an SQLite database. Create it with [Open] and
// Close it when done; the zero value is not usable. A database written before
// the progress_json column existed is upgraded in place when opened.
type Store struct {
	db   *sql.DB
	path string

	// LeaseTTL is how long a lease outlives its holder's last renewal
	// (see [Store.Lease]); zero means DefaultLeaseTTL. Set it before the
	// first kickoff.
	LeaseTTL time.Duration
}

// DefaultLeaseTTL is the LeaseTTL of a Store that sets none.
const DefaultLeaseTTL = 30 * time.Second

// Open opens (creating if needed, with its directory) the SQLite database at
// path; an empty path means DefaultPath, ":memory:" a private in-memory
// database.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		path = DefaultPath
	}
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("sqlitestore: open state store %q: %w", path, err)
			}
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	if path == ":memory:" {
		dsn = "file::memory:?_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open state store %q: %w", path, err)
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
	state_json TEXT NOT NULL,
	progress_json TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS flow_states_state_id ON flow_states(state_id, id);
CREATE TABLE IF NOT EXISTS flow_leases (
	state_id TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	expires_unix_ms INTEGER NOT NULL
);`
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitestore: open state store %q: %w", path, err)
	}
	if err := addProgressColumn(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitestore: open state store %q: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// addProgressColumn upgrades a flow_states table created before the
// progress_json column existed.
func addProgressColumn(ctx context.Context, db *sql.DB) error {
	var n int
	err := db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM pragma_table_info('flow_states') WHERE name = 'progress_json'`).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	_, err = db.ExecContext(ctx, `ALTER TABLE flow_states ADD COLUMN progress_json TEXT NOT NULL DEFAULT ''`)
	if err != nil && strings.Contains(err.Error(), "duplicate column") {
		return nil // another process upgraded it meanwhile
	}
	return err
}

// Path returns the database's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlitestore: close state store %q: %w", s.path, err)
	}
	return nil
}

// Save appends a row holding rec as the latest record of rec.StateID,
// stamped with the current time.
func (s *Store) Save(ctx context.Context, rec flow.Record) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO flow_states (flow_name, state_id, method_name, saved_at, state_json, progress_json) VALUES (?, ?, ?, ?, ?, ?)`,
		rec.Flow, rec.StateID, rec.Method, time.Now().UTC().Format(time.RFC3339Nano), string(rec.State), string(rec.Progress))
	if err != nil {
		return fmt.Errorf("sqlitestore: save state %q: %w", rec.StateID, err)
	}
	return nil
}

// Load returns the latest row of stateID, or an error matching
// [flow.ErrStateNotFound].
func (s *Store) Load(ctx context.Context, stateID string) (*flow.Record, error) {
	var r flow.Record
	var saved, state, progress string
	err := s.db.QueryRowContext(ctx,
		`SELECT flow_name, state_id, method_name, saved_at, state_json, progress_json FROM flow_states WHERE state_id = ? ORDER BY id DESC LIMIT 1`,
		stateID).Scan(&r.Flow, &r.StateID, &r.Method, &saved, &state, &progress)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlitestore: load state %q from %s: %w", stateID, s.path, flow.ErrStateNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: load state %q from %s: %w", stateID, s.path, err)
	}
	r.State = []byte(state)
	if progress != "" {
		r.Progress = []byte(progress)
	}
	if r.Saved, err = time.Parse(time.RFC3339Nano, saved); err != nil {
		return nil, &flow.CorruptStateError{StateID: stateID, Method: r.Method, Err: fmt.Errorf("saved_at %q: %w", saved, err)}
	}
	return &r, nil
}

// Lease takes the lease of stateID (see [flow.Leaser]) for this kickoff: it
// fails at once with an error matching [flow.ErrStateBusy] while another
// kickoff, in any process sharing the database, holds it and has renewed it
// within LeaseTTL. While held, the lease is renewed in the background;
// release stops the renewal and deletes the lease.
func (s *Store) Lease(ctx context.Context, stateID string) (func(), error) {
	ttl := s.LeaseTTL
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	holder := fmt.Sprintf("%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
	now := time.Now()
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO flow_leases (state_id, holder, expires_unix_ms) VALUES (?, ?, ?)
		ON CONFLICT(state_id) DO UPDATE SET holder = excluded.holder, expires_unix_ms = excluded.expires_unix_ms
		WHERE flow_leases.expires_unix_ms < ?`,
		stateID, holder, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: lease state %q: %w", stateID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return nil, fmt.Errorf("sqlitestore: lease state %q: %w", stateID, err)
		}
		return nil, fmt.Errorf("sqlitestore: lease state %q in %s: %w", stateID, s.path, flow.ErrStateBusy)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // renews the lease until release; owned and waited for by release
		defer wg.Done()
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				rctx, cancel := context.WithTimeout(context.Background(), ttl/3)
				_, _ = s.db.ExecContext(rctx,
					`UPDATE flow_leases SET expires_unix_ms = ? WHERE state_id = ? AND holder = ?`,
					time.Now().Add(ttl).UnixMilli(), stateID, holder)
				cancel()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			wg.Wait()
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _ = s.db.ExecContext(rctx, `DELETE FROM flow_leases WHERE state_id = ? AND holder = ?`, stateID, holder)
		})
	}, nil
}

var _ flow.Leaser = (*Store)(nil)

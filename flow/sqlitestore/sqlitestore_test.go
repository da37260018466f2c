package sqlitestore_test

import (
	"context"
	"database/sql"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/flow/sqlitestore"
)

type ctxT = context.Context

func TestSharedFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "states.db")
	a, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer a.Close()
	b, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, a.Save(ctx, flow.Record{Flow: "F", StateID: "s1", Method: "m1", State: []byte(`{"n":1}`)}))
	require.NoError(t, a.Save(ctx, flow.Record{Flow: "F", StateID: "s1", Method: "m2", State: []byte(`{"n":2}`),
		Progress: []byte(`{"version":1}`)}))
	rec, err := b.Load(ctx, "s1")
	require.NoError(t, err)
	assert.Equal(t, "m2", rec.Method)
	assert.JSONEq(t, `{"n":2}`, string(rec.State))
	assert.JSONEq(t, `{"version":1}`, string(rec.Progress))
	assert.Equal(t, path, b.Path())
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	db, err := sqlitestore.Open(ctx, ":memory:")
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

func TestUpgradesOldSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path) // the driver this package registers
	require.NoError(t, err)
	_, err = old.ExecContext(ctx, `CREATE TABLE flow_states (id INTEGER PRIMARY KEY AUTOINCREMENT,
		flow_name TEXT NOT NULL, state_id TEXT NOT NULL, method_name TEXT NOT NULL,
		saved_at TEXT NOT NULL, state_json TEXT NOT NULL);
		INSERT INTO flow_states (flow_name, state_id, method_name, saved_at, state_json)
		VALUES ('F', 's1', 'm1', '2026-01-02T03:04:05Z', '{"n":1}');`)
	require.NoError(t, err)
	require.NoError(t, old.Close())

	db, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	rec, err := db.Load(ctx, "s1")
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":1}`, string(rec.State))
	assert.Nil(t, rec.Progress)
	require.NoError(t, db.Save(ctx, flow.Record{Flow: "F", StateID: "s1", Method: "m2", State: []byte(`{}`), Progress: []byte(`{"version":1}`)}))
	rec, err = db.Load(ctx, "s1")
	require.NoError(t, err)
	assert.Equal(t, `{"version":1}`, string(rec.Progress))

	again, err := sqlitestore.Open(ctx, path) // already upgraded: nothing to do
	require.NoError(t, err)
	require.NoError(t, again.Close())
}

// TestFlowLinksNoSQLite checks that package flow (and so every program that
// runs flows without persisting them) does not depend on SQLite or on
// database/sql.
func TestFlowLinksNoSQLite(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/crewai-go/crewai/flow").CombinedOutput()
	require.NoError(t, err, string(out))
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/crewai-go/crewai/flow")
	for _, d := range deps {
		if strings.HasPrefix(d, "modernc.org/") || d == "database/sql" {
			t.Errorf("package flow depends on %s", d)
		}
	}
}

// Two Store values over one file stand for two processes: while a kickoff
// of one holds a state ID, a kickoff of that ID through the other fails at
// once with ErrStateBusy; once the first ends, the ID is free.
func TestLeaseAcrossStores(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "states.db")
	a, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer a.Close()
	b, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer b.Close()

	inside, release := make(chan struct{}), make(chan struct{})
	newFlow := func(store flow.Store) *flow.Flow[map[string]any] {
		f := &flow.Flow[map[string]any]{Name: "Busy", Persist: store}
		f.Step(flow.Start("work"), func(ctx ctxT, s *flow.State[map[string]any]) (any, error) {
			if s.Get()["block"] == true {
				close(inside)
				<-release
			}
			s.Update(func(m *map[string]any) { (*m)["n"] = 1 })
			return nil, nil
		})
		return f
	}
	done := make(chan error, 1)
	go func() {
		_, err := newFlow(a).Kickoff(ctx, map[string]any{"id": "s1", "block": true})
		done <- err
	}()
	<-inside
	_, err = newFlow(b).Kickoff(ctx, map[string]any{"id": "s1"})
	require.ErrorIs(t, err, flow.ErrStateBusy)
	assert.ErrorContains(t, err, `"s1"`)
	_, err = newFlow(b).Kickoff(ctx, map[string]any{"id": "s2"})
	require.NoError(t, err, "another ID is free")
	close(release)
	require.NoError(t, <-done)
	res, err := newFlow(b).Kickoff(ctx, map[string]any{"id": "s1", "block": false})
	require.NoError(t, err, "the lease was given back")
	assert.Equal(t, "s1", res.StateID)
}

// A lease whose holder stopped renewing it (a process that died) blocks
// its ID until it expires, then the next kickoff takes it over; a lease
// still in date is respected.
func TestLeaseOfDeadHolderExpires(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "states.db")
	s, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer raw.Close()
	now := time.Now()
	_, err = raw.ExecContext(ctx, `INSERT INTO flow_leases (state_id, holder, expires_unix_ms) VALUES
		('live', 'other-process', ?), ('dead', 'crashed-process', ?)`,
		now.Add(time.Hour).UnixMilli(), now.Add(-time.Second).UnixMilli())
	require.NoError(t, err)

	_, err = s.Lease(ctx, "live")
	require.ErrorIs(t, err, flow.ErrStateBusy)
	release, err := s.Lease(ctx, "dead")
	require.NoError(t, err, "an expired lease is taken over")
	var holder string
	require.NoError(t, raw.QueryRowContext(ctx, `SELECT holder FROM flow_leases WHERE state_id = 'dead'`).Scan(&holder))
	assert.NotEqual(t, "crashed-process", holder)
	release()
	release() // a second call is harmless
	var n int
	require.NoError(t, raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM flow_leases WHERE state_id = 'dead'`).Scan(&n))
	assert.Zero(t, n, "release deletes the lease")
	require.NoError(t, raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM flow_leases WHERE state_id = 'live'`).Scan(&n))
	assert.Equal(t, 1, n, "release deletes only its own lease")
}

// A held lease is renewed while its kickoff runs, so a long kickoff keeps
// its ID past LeaseTTL.
func TestLeaseIsRenewed(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "states.db")
	s, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	s.LeaseTTL = 300 * time.Millisecond
	release, err := s.Lease(ctx, "long")
	require.NoError(t, err)
	defer release()
	raw, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer raw.Close()
	expiry := func() int64 {
		var ms int64
		require.NoError(t, raw.QueryRowContext(ctx, `SELECT expires_unix_ms FROM flow_leases WHERE state_id = 'long'`).Scan(&ms))
		return ms
	}
	first := expiry()
	require.Eventually(t, func() bool { return expiry() > first }, time.Minute, 20*time.Millisecond,
		"the holder renews its lease")
}

package project

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/task"
)

// TaskLogFile is the task-output log's file name, under a project's .crewai
// folder.
const TaskLogFile = "task_outputs.db"

// Kickoff statuses in the task-output log.
const (
	// StatusRunning marks a kickoff that has started and not recorded its
	// end: still running, or its process was killed.
	StatusRunning = "running"
	// StatusCompleted marks a kickoff that succeeded.
	StatusCompleted = "completed"
	// StatusFailed marks a kickoff that ended with an error; the outputs of
	// the tasks it completed are kept (a replay can start from the task
	// that failed).
	StatusFailed = "failed"
)

// TaskLog is the task-output log of a project: a SQLite file (pure Go,
// modernc.org/sqlite) that records every kickoff with its inputs and its
// task outputs, for log-tasks-outputs and replay in a later process. It is
// safe for concurrent use, and several processes may use one file at once
// (WAL journal, a busy timeout). A kickoff's outputs are written with its
// end, in one transaction: a process killed before that leaves the kickoff
// "running" and without outputs, and readers skip it.
type TaskLog struct {
	db   *sql.DB
	path string
}

// Kickoff is one kickoff recorded in the task-output log. It is a plain
// value the caller owns.
type Kickoff struct {
	// ID numbers the kickoffs of the log, from 1.
	ID int64
	// Crew is the crew's name.
	Crew string
	// Command is the command that ran it ("run" or "replay"; the
	// kickoffs of test and train are not logged).
	Command string
	// Started is when the kickoff began (UTC).
	Started time.Time
	// Status is StatusRunning, StatusCompleted or StatusFailed.
	Status string
	// Error is the error of a failed kickoff.
	Error string
	// Inputs are the kickoff's inputs.
	Inputs map[string]any
	// ReplayOf is the kickoff a replay started from, or 0.
	ReplayOf int64
	// TraceID and SpanID identify the kickoff's root span when it was
	// traced (hex), else "".
	TraceID, SpanID string
	// Tasks are the outputs of the tasks it completed, in task order.
	Tasks []task.TaskOutput
}

// OpenTaskLog opens (creating it and its folder if needed) the task-output
// log at path.
func OpenTaskLog(ctx context.Context, path string) (*TaskLog, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("project: open task-output log %q: %w", path, err)
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("project: open task-output log %q: %w", path, err)
	}
	const schema = `CREATE TABLE IF NOT EXISTS kickoffs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	crew TEXT NOT NULL,
	command TEXT NOT NULL,
	started TEXT NOT NULL,
	status TEXT NOT NULL,
	error TEXT NOT NULL DEFAULT '',
	inputs TEXT NOT NULL,
	replay_of INTEGER NOT NULL DEFAULT 0,
	trace_id TEXT NOT NULL DEFAULT '',
	span_id TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS task_outputs (
	kickoff_id INTEGER NOT NULL REFERENCES kickoffs(id),
	idx INTEGER NOT NULL,
	name TEXT NOT NULL,
	agent TEXT NOT NULL,
	description TEXT NOT NULL,
	expected_output TEXT NOT NULL,
	raw TEXT NOT NULL,
	json TEXT NOT NULL,
	format TEXT NOT NULL,
	usage TEXT NOT NULL,
	skipped INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (kickoff_id, idx)
);`
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("project: open task-output log %q: %w", path, err)
	}
	if err := addSkippedColumn(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("project: open task-output log %q: %w", path, err)
	}
	return &TaskLog{db: db, path: path}, nil
}

// addSkippedColumn brings a log written before outputs recorded whether
// their task was skipped up to date (its rows read as not skipped). Two
// processes may race to do it: the loser's "duplicate column" is success.
func addSkippedColumn(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('task_outputs') WHERE name = 'skipped'`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := db.ExecContext(ctx, `ALTER TABLE task_outputs ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0`)
	if err != nil && strings.Contains(err.Error(), "duplicate column") {
		return nil
	}
	return err
}

// Path returns the log's file path.
func (l *TaskLog) Path() string { return l.path }

// Close closes the log.
func (l *TaskLog) Close() error {
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("project: close task-output log %q: %w", l.path, err)
	}
	return nil
}

// Begin records the start of a kickoff and returns its ID.
func (l *TaskLog) Begin(ctx context.Context, k Kickoff) (int64, error) {
	in, err := json.Marshal(k.Inputs)
	if err != nil {
		return 0, fmt.Errorf("project: task-output log: the inputs cannot be stored as JSON: %w", err)
	}
	res, err := l.db.ExecContext(ctx,
		`INSERT INTO kickoffs (crew, command, started, status, inputs, replay_of, trace_id, span_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.Crew, k.Command, time.Now().UTC().Format(time.RFC3339Nano), StatusRunning, string(in), k.ReplayOf, k.TraceID, k.SpanID)
	if err != nil {
		return 0, fmt.Errorf("project: task-output log %q: record a kickoff: %w", l.path, err)
	}
	return res.LastInsertId()
}

// Finish records the end of kickoff id with the task outputs of out (which
// may be nil or partial when runErr is not nil), in one transaction.
func (l *TaskLog) Finish(ctx context.Context, id int64, out *crew.CrewOutput, runErr error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("project: task-output log %q: %w", l.path, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if out != nil {
		for i, o := range out.Tasks {
			usage, _ := json.Marshal(o.Usage)
			js := ""
			if len(o.JSON) > 0 {
				js = string(o.JSON)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO task_outputs (kickoff_id, idx, name, agent, description, expected_output, raw, json, format, usage, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, i, o.Name, o.Agent, o.Description, o.ExpectedOutput, o.Raw, js, string(o.Format), string(usage), o.Skipped); err != nil {
				return fmt.Errorf("project: task-output log %q: record task %q: %w", l.path, o.Name, err)
			}
		}
	}
	status, msg := StatusCompleted, ""
	if runErr != nil {
		status, msg = StatusFailed, runErr.Error()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE kickoffs SET status = ?, error = ? WHERE id = ?`, status, msg, id); err != nil {
		return fmt.Errorf("project: task-output log %q: end kickoff %d: %w", l.path, id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("project: task-output log %q: end kickoff %d: %w", l.path, id, err)
	}
	return nil
}

// Last returns the last kickoff of crew that recorded its end (completed
// or failed), with its task outputs; crew "" means any crew. With none, the
// error matches [ErrNoKickoff].
func (l *TaskLog) Last(ctx context.Context, crewName string) (*Kickoff, error) {
	var id int64
	err := l.db.QueryRowContext(ctx,
		`SELECT id FROM kickoffs WHERE status != ? AND (? = '' OR crew = ?) ORDER BY id DESC LIMIT 1`,
		StatusRunning, crewName, crewName).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoKickoff
	}
	if err != nil {
		return nil, fmt.Errorf("project: task-output log %q: %w", l.path, err)
	}
	return l.Kickoff(ctx, id)
}

// Kickoff returns kickoff id with its task outputs; an unknown or
// unfinished one is an error matching [ErrNoKickoff].
func (l *TaskLog) Kickoff(ctx context.Context, id int64) (*Kickoff, error) {
	k := &Kickoff{ID: id}
	var started, inputs string
	err := l.db.QueryRowContext(ctx,
		`SELECT crew, command, started, status, error, inputs, replay_of, trace_id, span_id FROM kickoffs WHERE id = ?`, id).
		Scan(&k.Crew, &k.Command, &started, &k.Status, &k.Error, &inputs, &k.ReplayOf, &k.TraceID, &k.SpanID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w (no kickoff %d)", ErrNoKickoff, id)
	}
	if err != nil {
		return nil, fmt.Errorf("project: task-output log %q: %w", l.path, err)
	}
	if k.Status == StatusRunning {
		return nil, fmt.Errorf("%w (kickoff %d has not finished, or its process was stopped)", ErrNoKickoff, id)
	}
	k.Started, _ = time.Parse(time.RFC3339Nano, started)
	if err := json.Unmarshal([]byte(inputs), &k.Inputs); err != nil {
		return nil, fmt.Errorf("project: task-output log %q: kickoff %d: inputs: %w", l.path, id, err)
	}
	rows, err := l.db.QueryContext(ctx,
		`SELECT name, agent, description, expected_output, raw, json, format, usage, skipped FROM task_outputs WHERE kickoff_id = ? ORDER BY idx`, id)
	if err != nil {
		return nil, fmt.Errorf("project: task-output log %q: %w", l.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var o task.TaskOutput
		var js, format, usage string
		if err := rows.Scan(&o.Name, &o.Agent, &o.Description, &o.ExpectedOutput, &o.Raw, &js, &format, &usage, &o.Skipped); err != nil {
			return nil, fmt.Errorf("project: task-output log %q: %w", l.path, err)
		}
		if js != "" {
			o.JSON = json.RawMessage(js)
		}
		o.Format = task.Format(format)
		var u llm.Usage
		if json.Unmarshal([]byte(usage), &u) == nil {
			o.Usage = u
		}
		k.Tasks = append(k.Tasks, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("project: task-output log %q: %w", l.path, err)
	}
	return k, nil
}

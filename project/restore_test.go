package project

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// Outline is the structured output of the first task of structuredCrew.
type Outline struct {
	Title    string   `json:"title"`
	Sections []string `json:"sections"`
}

// OutlineV2 is Outline after a change that old logs do not follow.
type OutlineV2 struct {
	Title    string `json:"title"`
	Audience string `json:"audience"`
}

// structuredCrew is a crew whose first task ("outline") has the output
// type out (nil: text) and whose second ("write") records the output it
// follows in seen (through its Condition, which sees the previous output).
func structuredCrew(out *task.Schema, seen *[]task.TaskOutput, mu *sync.Mutex) *crew.Crew {
	m := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		if req.ResponseFormat != nil {
			return llmtest.Reply{Content: `{"title": "Go crews", "sections": ["why", "how"]}`}
		}
		return llmtest.Reply{Content: "an article"}
	}}
	a := &agent.Agent{Role: "Writer", Goal: "Write.", Backstory: "You write.", LLM: m}
	outline := &task.Task{Name: "outline", Description: "Outline an article.", ExpectedOutput: "An outline", Agent: a, Output: out}
	write := &task.Task{Name: "write", Description: "Write the article.", ExpectedOutput: "An article", Agent: a,
		Condition: func(prev task.TaskOutput) bool {
			mu.Lock()
			defer mu.Unlock()
			*seen = append(*seen, prev)
			return true
		}}
	return &crew.Crew{Name: "articles", Agents: []*agent.Agent{a}, Tasks: []*task.Task{outline, write}}
}

// TestReplayRestoresStructuredValue: a replay in a new process gives the
// restored output of a task with an output type its Go value back, and
// refuses, naming the task and the type, an output that no longer decodes.
func TestReplayRestoresStructuredValue(t *testing.T) {
	for _, tt := range []struct {
		name      string
		runWith   *task.Schema // the first task's output type when the kickoff was logged
		replayAs  *task.Schema // and when it is replayed
		wantValue any
		wantErr   string
	}{
		{name: "same type", runWith: task.As[Outline](), replayAs: task.As[Outline](),
			wantValue: Outline{Title: "Go crews", Sections: []string{"why", "how"}}},
		{name: "type changed", runWith: task.As[Outline](), replayAs: task.As[OutlineV2](),
			wantErr: `task "outline" logged by kickoff 1 does not decode into its output type project.OutlineV2`},
		{name: "logged as text", runWith: nil, replayAs: task.As[Outline](),
			wantErr: `task "outline" logged by kickoff 1 does not decode into its output type project.Outline: it was logged as text`},
		{name: "text stays text", runWith: nil, replayAs: nil, wantValue: nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			var out bytes.Buffer
			var mu sync.Mutex
			var seen []task.TaskOutput
			if err := Run(ctx, structuredCrew(tt.runWith, &seen, &mu), []string{"run"}, f.opts(&out)); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			seen = nil
			err := Run(ctx, structuredCrew(tt.replayAs, &seen, &mu), []string{"replay", "-t", "write"}, f.opts(&out))
			if tt.wantErr != "" {
				var re *RestoreError
				if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.wantErr) || re.Task != "outline" {
					t.Fatalf("replay = %v, want a *RestoreError with %q", err, tt.wantErr)
				}
				log, lerr := OpenTaskLog(ctx, filepath.Join(f.dir, ".crewai", TaskLogFile))
				if lerr != nil {
					t.Fatal(lerr)
				}
				defer log.Close()
				if k, _ := log.Last(ctx, ""); k == nil || k.ID != 1 {
					t.Errorf("a replay that could not start was logged: last = %+v", k)
				}
				return
			}
			if err != nil {
				t.Fatalf("replay: %v\n%s", err, out.String())
			}
			if len(seen) != 1 {
				t.Fatalf("the replayed task saw %d previous outputs, want 1", len(seen))
			}
			got := seen[0]
			if tt.wantValue == nil {
				if got.Value != nil || got.Raw == "" {
					t.Errorf("restored text output = %+v, want its text and no value", got)
				}
				return
			}
			v, ok := task.ValueAs[Outline](got)
			if !ok || v.Title != "Go crews" || len(v.Sections) != 2 || got.Format != task.FormatJSON {
				t.Errorf("restored output: Value %#v (%T), Format %q; want %#v", got.Value, got.Value, got.Format, tt.wantValue)
			}
		})
	}
}

// TestTaskLogKeepsSkipped: a skipped task is logged as skipped, and a log
// written before the skipped column existed is brought up to date.
func TestTaskLogKeepsSkipped(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), TaskLogFile)
	// A log as the first version wrote it.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE kickoffs (id INTEGER PRIMARY KEY AUTOINCREMENT, crew TEXT NOT NULL, command TEXT NOT NULL,
			started TEXT NOT NULL, status TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', inputs TEXT NOT NULL,
			replay_of INTEGER NOT NULL DEFAULT 0, trace_id TEXT NOT NULL DEFAULT '', span_id TEXT NOT NULL DEFAULT '')`,
		`CREATE TABLE task_outputs (kickoff_id INTEGER NOT NULL REFERENCES kickoffs(id), idx INTEGER NOT NULL,
			name TEXT NOT NULL, agent TEXT NOT NULL, description TEXT NOT NULL, expected_output TEXT NOT NULL,
			raw TEXT NOT NULL, json TEXT NOT NULL, format TEXT NOT NULL, usage TEXT NOT NULL, PRIMARY KEY (kickoff_id, idx))`,
		`INSERT INTO kickoffs (crew, command, started, status, inputs) VALUES ('c', 'run', '2026-01-01T00:00:00Z', 'completed', '{}')`,
		`INSERT INTO task_outputs VALUES (1, 0, 'old', 'a', 'd', 'e', 'old output', '', 'raw', '{}')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	log, err := OpenTaskLog(ctx, path)
	if err != nil {
		t.Fatalf("opening a first-version log: %v", err)
	}
	defer log.Close()
	k, err := log.Kickoff(ctx, 1)
	if err != nil || len(k.Tasks) != 1 || k.Tasks[0].Raw != "old output" || k.Tasks[0].Skipped {
		t.Fatalf("old kickoff = %+v, %v", k, err)
	}
	id, err := log.Begin(ctx, Kickoff{Crew: "c", Command: "run"})
	if err != nil {
		t.Fatal(err)
	}
	out := &crew.CrewOutput{Tasks: []task.TaskOutput{{Name: "ran", Raw: "x"}, {Name: "not needed", Skipped: true}}}
	if err := log.Finish(ctx, id, out, nil); err != nil {
		t.Fatal(err)
	}
	k, err = log.Kickoff(ctx, id)
	if err != nil || len(k.Tasks) != 2 || k.Tasks[0].Skipped || !k.Tasks[1].Skipped {
		t.Fatalf("kickoff %d = %+v, %v; want the second task skipped", id, k, err)
	}
}

package task_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/interpolate"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

type Report struct {
	Title  string   `json:"title"`
	Points []string `json:"points"`
	Note   string   `json:"note,omitempty"`
}

func newAgent(m llm.LLM) *agent.Agent {
	return &agent.Agent{Role: "Analyst", Goal: "Analyse", Backstory: "You analyse things.", LLM: m, MaxRetryLimit: -1}
}

func lastUser(req llm.Request) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == llm.RoleUser {
			return req.Messages[i].Content
		}
	}
	return ""
}

// recorder collects the events of a run.
type recorder struct {
	mu sync.Mutex
	ev []event.Event
}

func (r *recorder) Handle(e event.Event) { r.mu.Lock(); r.ev = append(r.ev, e); r.mu.Unlock() }
func (r *recorder) kinds() []event.Kind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.Kind
	for _, e := range r.ev {
		out = append(out, e.Kind())
	}
	return out
}

func TestStructuredOutput(t *testing.T) {
	valid := `{"title":"AI","points":["fast","cheap"]}`
	tests := []struct {
		name     string
		replies  []string
		calls    int
		wantErr  bool
		wantRepl bool // the second request mentions the problem
	}{
		{name: "valid", replies: []string{valid}, calls: 1},
		{name: "fenced", replies: []string{"Here:\n```json\n" + valid + "\n```"}, calls: 1},
		{name: "repaired", replies: []string{"not json at all", valid}, calls: 2, wantRepl: true},
		{name: "missing field repaired", replies: []string{`{"title":"AI"}`, valid}, calls: 2, wantRepl: true},
		{name: "still invalid", replies: []string{"nope", `{"title":1}`}, calls: 2, wantErr: true, wantRepl: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var replies []llmtest.Reply
			for _, r := range tc.replies {
				replies = append(replies, llmtest.Reply{Content: r, Usage: llm.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}})
			}
			m := &llmtest.Scripted{Replies: replies}
			tk := &task.Task{Name: "report", Description: "Report on AI", ExpectedOutput: "a report",
				Agent: newAgent(m), Output: task.As[Report]()}
			out, err := tk.Execute(context.Background(), task.Run{})
			reqs := m.Requests()
			require.Len(t, reqs, tc.calls)
			require.NotNil(t, reqs[0].ResponseFormat, "the schema is sent as ResponseFormat")
			assert.Contains(t, string(reqs[0].ResponseFormat.Schema), `"points"`)
			if tc.wantRepl {
				assert.Contains(t, lastUser(reqs[1]), "could not be used")
				assert.Contains(t, lastUser(reqs[1]), tc.replies[0])
				assert.Empty(t, reqs[1].Tools, "the repair call has no tools")
			}
			if tc.wantErr {
				var oe *task.OutputError
				require.ErrorAs(t, err, &oe)
				assert.Equal(t, "report", oe.Task)
				return
			}
			require.NoError(t, err)
			rep, ok := task.ValueAs[Report](*out)
			require.True(t, ok, "Value is a Report, got %T", out.Value)
			assert.Equal(t, Report{Title: "AI", Points: []string{"fast", "cheap"}}, rep)
			assert.Equal(t, task.FormatJSON, out.Format)
			assert.JSONEq(t, valid, string(out.JSON))
			assert.Equal(t, tc.calls*15, out.Usage.TotalTokens)
			assert.Equal(t, tc.calls, out.Usage.Requests)
		})
	}
}

func TestSchemaOfUnsupportedType(t *testing.T) {
	s := task.As[chan int]()
	require.Error(t, s.Err())
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "x"}}}
	tk := &task.Task{Description: "d", Agent: newAgent(m), Output: s}
	require.Error(t, tk.Validate(nil))
	_, err := tk.Execute(context.Background(), task.Run{})
	require.ErrorContains(t, err, "chan int")
	assert.Empty(t, m.Requests())
}

func TestGuardrail(t *testing.T) {
	tests := []struct {
		name       string
		maxRetries int
		replies    []string
		wantCalls  int
		wantErr    bool
	}{
		{name: "reject once then accept", replies: []string{"short", "a long enough answer"}, wantCalls: 2},
		{name: "accept at once", replies: []string{"a long enough answer"}, wantCalls: 1},
		{name: "exhausted", maxRetries: 2, replies: []string{"a", "b", "c"}, wantCalls: 3, wantErr: true},
		{name: "no retry", maxRetries: -1, replies: []string{"a"}, wantCalls: 1, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var replies []llmtest.Reply
			for _, r := range tc.replies {
				replies = append(replies, llmtest.Reply{Content: r})
			}
			m := &llmtest.Scripted{Replies: replies}
			tk := &task.Task{Name: "g", Description: "Write", Agent: newAgent(m), GuardrailMaxRetries: tc.maxRetries,
				Guardrails: []task.Guardrail{task.Check("length", func(o task.TaskOutput) error {
					if len(o.Raw) < 10 {
						return errors.New("the answer is too short, write at least 10 characters")
					}
					return nil
				})}}
			rec := &recorder{}
			ctx := event.WithHandler(event.StartRun(context.Background(), &event.Bus{}), rec)
			out, err := tk.Execute(ctx, task.Run{})
			reqs := m.Requests()
			require.Len(t, reqs, tc.wantCalls)
			if tc.wantCalls > 1 {
				u := lastUser(reqs[1])
				assert.Contains(t, u, "too short", "the feedback reached the model")
				assert.Contains(t, u, tc.replies[0], "the previous answer reached the model")
			}
			var started, completed int
			for _, k := range rec.kinds() {
				switch k {
				case event.KindGuardrailStarted:
					started++
				case event.KindGuardrailCompleted:
					completed++
				}
			}
			assert.Equal(t, tc.wantCalls, started)
			assert.Equal(t, tc.wantCalls, completed)
			if tc.wantErr {
				var ge *task.GuardrailError
				require.ErrorAs(t, err, &ge)
				assert.Equal(t, tc.wantCalls, ge.Attempts)
				assert.Contains(t, ge.Error(), "too short")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "a long enough answer", out.Raw)
			assert.Equal(t, tc.wantCalls, out.Usage.Requests)
		})
	}
}

func TestGuardrailPanicIsRejection(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "x"}}}
	tk := &task.Task{Description: "d", Agent: newAgent(m), GuardrailMaxRetries: -1,
		Guardrails: []task.Guardrail{task.Check("", func(task.TaskOutput) error { panic("boom") })}}
	_, err := tk.Execute(context.Background(), task.Run{})
	require.ErrorContains(t, err, "panicked: boom")
}

func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tests := []struct {
		name    string
		file    string
		allow   bool
		output  *task.Schema
		reply   string
		want    string // path to read, relative to dir
		content string
		wantErr error
	}{
		{name: "raw with dirs and placeholder", file: "out/{topic}/report.md", reply: "# AI", want: "out/AI/report.md", content: "# AI"},
		{name: "json indented", file: "r.json", output: task.As[Report](), reply: `{"title":"t","points":[]}`,
			want: "r.json", content: "{\n  \"title\": \"t\",\n  \"points\": []\n}\n"},
		{name: "dotdot refused", file: "../escape.md", reply: "x", wantErr: task.ErrOutsideDir},
		{name: "nested dotdot refused", file: "a/../../escape.md", reply: "x", wantErr: task.ErrOutsideDir},
		{name: "absolute refused", file: filepath.Join(dir, "abs.md"), reply: "x", wantErr: task.ErrOutsideDir},
		{name: "absolute allowed", file: filepath.Join(dir, "abs2.md"), allow: true, reply: "x", want: "abs2.md", content: "x"},
		{name: "inner dotdot refused", file: "a/../b.md", reply: "y", wantErr: task.ErrOutsideDir},
		{name: "dotdot refused even when allowed outside", file: "../x.md", allow: true, reply: "y", wantErr: task.ErrOutsideDir},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: tc.reply}}}
			tk := &task.Task{Description: "d", Agent: newAgent(m), OutputFile: tc.file, AllowOutsideDir: tc.allow, Output: tc.output}
			_, err := tk.Execute(context.Background(), task.Run{Inputs: map[string]any{"topic": "AI"}})
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.ErrorIs(t, tk.Validate(nil), tc.wantErr)
				assert.Empty(t, m.Requests(), "refused before any model call")
				return
			}
			require.NoError(t, err)
			data, err := os.ReadFile(filepath.Join(dir, tc.want))
			require.NoError(t, err)
			assert.Equal(t, tc.content, string(data))
		})
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.md"))
	assert.True(t, os.IsNotExist(err))
}

func TestPlaceholders(t *testing.T) {
	m := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply { return llmtest.Reply{Content: "ok " + lastUser(*req)} }}
	tk := &task.Task{Name: "p", Description: "Study {topic} in {year}; keep {\"json\": 1} and {{literal}}",
		ExpectedOutput: "A note on {topic}", Agent: newAgent(m)}
	before := *tk

	_, err := tk.Execute(context.Background(), task.Run{Inputs: map[string]any{"topic": "AI"}})
	var me *interpolate.MissingError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "year", me.Name)
	assert.Contains(t, err.Error(), `task "p" Description`)
	assert.Empty(t, m.Requests(), "no model call before the error")

	for _, in := range []map[string]any{{"topic": "AI", "year": 2024}, {"topic": "Go", "year": "2025"}} {
		out, err := tk.Execute(context.Background(), task.Run{Inputs: in})
		require.NoError(t, err)
		want := "Study " + in["topic"].(string) + " in "
		assert.Contains(t, out.Description, want)
		assert.Contains(t, out.Description, `{"json": 1} and {{literal}}`)
		assert.Equal(t, "A note on "+in["topic"].(string), out.ExpectedOutput)
		assert.Contains(t, out.Raw, want, "the model saw the filled description")
	}
	assert.True(t, reflect.DeepEqual(before.Description, tk.Description) && before.ExpectedOutput == tk.ExpectedOutput,
		"the definition is not mutated")
}

func TestMarkdownToolsCallback(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "done"}}}
	search := tool.New("search", "Search.", func(ctx context.Context, in struct {
		Q string `json:"q"`
	}) (string, error) {
		return "r", nil
	})
	a := newAgent(m)
	a.Tools = []tool.Tool{search}
	var got []task.TaskOutput
	tk := &task.Task{Name: "m", Description: "Write", Agent: a, Markdown: true, Tools: []tool.Tool{},
		Callback: func(o task.TaskOutput) { got = append(got, o) }}
	out, err := tk.Execute(context.Background(), task.Run{})
	require.NoError(t, err)
	reqs := m.Requests()
	require.Len(t, reqs, 1)
	assert.Contains(t, lastUser(reqs[0]), "Markdown")
	assert.Empty(t, reqs[0].Tools, "an empty Tools list removes the agent's tools")
	require.Len(t, got, 1)
	assert.Equal(t, *out, got[0])
	assert.Equal(t, "Analyst", out.Agent)
	assert.Equal(t, task.FormatRaw, out.Format)
	assert.NotEmpty(t, out.Messages)
}

func TestExecuteErrors(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Err: errors.New("model down")}}}
	tests := []struct {
		name string
		tk   *task.Task
		want string
	}{
		{name: "no agent", tk: &task.Task{Name: "x", Description: "d"}, want: `task "x" has no Agent`},
		{name: "no llm", tk: &task.Task{Name: "x", Description: "d", Agent: &agent.Agent{Role: "R"}}, want: `agent "R" of task "x" has no LLM`},
		{name: "model fails", tk: &task.Task{Name: "x", Description: "d", Agent: newAgent(m)}, want: "model down"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.tk.Execute(context.Background(), task.Run{})
			require.ErrorContains(t, err, tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "task: "), err.Error())
		})
	}
}

func TestContextReachesModel(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "done"}}}
	tk := &task.Task{Description: "Write", Agent: newAgent(m)}
	_, err := tk.Execute(context.Background(), task.Run{Context: "EARLIER FINDINGS"})
	require.NoError(t, err)
	assert.Contains(t, lastUser(m.Requests()[0]), "EARLIER FINDINGS")
}

func TestDisplayName(t *testing.T) {
	assert.Equal(t, "n", (&task.Task{Name: "n", Description: "x"}).DisplayName())
	assert.Equal(t, "one two", (&task.Task{Description: " one  two "}).DisplayName())
	assert.Equal(t, "a b c d e f g h...", (&task.Task{Description: "a b c d e f g h i j"}).DisplayName())
	assert.Equal(t, "task", (&task.Task{}).DisplayName())
	assert.NotNil(t, task.NoContext())
	assert.Empty(t, task.NoContext())
}

// OutputFile values CrewAI refuses are refused by Validate, naming the field
// and the value, before any model call.
func TestOutputFileCheckedWhenDefined(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "x"}}}
	tests := []struct{ file, want string }{
		{"../up.md", `has a ".." segment`},
		{"reports/../../up.md", `has a ".." segment`},
		{`reports\..\up.md`, `has a ".." segment`},
		{"~/notes.md", `starts with "~"`},
		{"$HOME/notes.md", "environment reference"},
		{"out/${DIR}/r.md", "environment reference"},
		{"r.md | rm -rf x", `shell character "|"`},
		{"r.md; ls", `shell character ";"`},
		{"a&b.md", `shell character "&"`},
		{"r>.md", `shell character ">"`},
		{"r<.md", `shell character "<"`},
		{"`id`.md", "shell character \"`\""},
		{"out/{bad name}.md", "placeholder {bad name}"},
		{"out/{1st}.md", "placeholder {1st}"},
		{"out/{topic.md", "placeholder {topic.md}"},
		{"out/topic}.md", "'}' without its '{'"},
		{"out/{}.md", "placeholder {}"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			tk := &task.Task{Name: "w", Description: "d", Agent: newAgent(m), OutputFile: tc.file, AllowOutsideDir: true}
			err := tk.Validate(map[string]any{"topic": "AI", "bad name": "x", "1st": "y", "DIR": "z"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), fmt.Sprintf("task %q OutputFile %q", "w", tc.file))
			assert.Contains(t, err.Error(), tc.want)
			_, err = tk.Execute(context.Background(), task.Run{Inputs: map[string]any{"topic": "AI"}})
			require.Error(t, err)
		})
	}
	assert.Empty(t, m.Requests(), "no model call for a refused OutputFile")
	ok := &task.Task{Description: "d", Agent: newAgent(m), OutputFile: "out/{topic}/{year_2}-report.v1.md"}
	assert.NoError(t, ok.Validate(map[string]any{"topic": "AI", "year_2": 2026}))
}

// With nil or empty inputs, a task's texts keep their {placeholders}; a
// non-empty inputs map without one still fails, naming it.
func TestPlaceholdersKeptWithoutInputs(t *testing.T) {
	tk := &task.Task{Name: "p", Description: "Study {topic}", ExpectedOutput: "A note on {topic}", OutputFile: "out/{topic}.md"}
	for _, in := range []map[string]any{nil, {}} {
		f, err := tk.Fill(in)
		require.NoError(t, err)
		assert.Equal(t, task.Filled{Description: "Study {topic}", ExpectedOutput: "A note on {topic}", OutputFile: "out/{topic}.md"}, f)
		assert.NoError(t, tk.Validate(in))
	}
	_, err := tk.Fill(map[string]any{"year": 2026})
	var me *interpolate.MissingError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "topic", me.Name)
}

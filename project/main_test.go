package project

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

// fixture is a project folder with the YAML of load_test.go and a
// scripted model that counts its calls per agent.
type fixture struct {
	dir      string
	calls    sync.Map // role prefix -> *atomic.Int64
	prompts  atomic.Pointer[[]string]
	promptMu sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Setenv("CREWAI_TRACES_DIR", t.TempDir())
	t.Setenv("CREWAI_TRACING_ENABLED", "")
	t.Setenv("CREWAI_TRACING_NOTICE", "false")
	t.Setenv(EnvStorageDir, "")
	return &fixture{dir: t.TempDir()}
}

func (f *fixture) count(key string) int64 {
	v, _ := f.calls.LoadOrStore(key, new(atomic.Int64))
	return v.(*atomic.Int64).Load()
}

func (f *fixture) model() llm.LLM {
	return &llmtest.Scripted{Model: "gpt-4o-mini", Respond: func(req *llm.Request) llmtest.Reply {
		system, user := "", ""
		for _, m := range req.Messages {
			switch m.Role {
			case llm.RoleSystem:
				system = m.Content
			case llm.RoleUser:
				user = m.Content
			}
		}
		f.promptMu.Lock()
		ps := []string{}
		if p := f.prompts.Load(); p != nil {
			ps = append(ps, *p...)
		}
		ps = append(ps, system+"\n"+user)
		f.prompts.Store(&ps)
		f.promptMu.Unlock()
		key := "other"
		switch {
		case strings.Contains(system, judgeRole):
			key = "judge"
		case strings.Contains(system, "Senior Data Researcher"):
			key = "researcher"
		case strings.Contains(system, "Reporting Analyst"):
			key = "analyst"
		}
		v, _ := f.calls.LoadOrStore(key, new(atomic.Int64))
		n := v.(*atomic.Int64).Add(1)
		switch key {
		case "judge":
			if strings.Contains(user, "Conduct a thorough research") {
				return llmtest.Reply{Content: `{"quality": 6, "reason": "thin"}`}
			}
			return llmtest.Reply{Content: `{"quality": 9, "reason": "complete"}`}
		case "researcher":
			topic := strings.Fields(system)[2] // "You are {topic} Senior..."
			return llmtest.Reply{Content: fmt.Sprintf("research findings on %s #%d", topic, n)}
		}
		return llmtest.Reply{Content: fmt.Sprintf("report #%d built on: %s", n, lastLine(user))}
	}}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// crew loads a fresh crew from the YAML, as a new process of the project's
// program would.
func (f *fixture) crew(t *testing.T) *crew.Crew {
	t.Helper()
	reg := testRegistry()
	m := f.model()
	reg.NewModel = func(string) llm.LLM { return m }
	reg.Models = nil
	tasks := strings.Replace(tasksYAML, "  output_file: report.md\n", "", 1)
	agents := strings.Replace(agentsYAML, "llm: scripted", "llm: openai/gpt-4o-mini", 1)
	agents = strings.Replace(agents, "  verbose: true\n", "", 1)
	d, err := Parse("agents.yaml", []byte(agents),
		"tasks.yaml", []byte(tasks), reg)
	if err != nil {
		t.Fatal(err)
	}
	return d.Crew("research")
}

func (f *fixture) opts(out *bytes.Buffer) Options {
	return Options{Dir: f.dir, Stdout: out, Stderr: out, Inputs: map[string]any{"topic": "AI", "current_year": "2026"},
		NewModel: func(string) llm.LLM { return f.model() }}
}

func TestRunLogAndReplayAcrossProcesses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var out bytes.Buffer
	if err := Run(ctx, f.crew(t), []string{"run", "--input", "topic=robots"}, f.opts(&out)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "report #1 built on") || !strings.Contains(out.String(), "Kickoff 1 logged") {
		t.Errorf("run output:\n%s", out.String())
	}
	out.Reset()
	if err := Run(ctx, f.crew(t), []string{"log-tasks-outputs"}, f.opts(&out)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Kickoff 1 of crew \"research\"", "1  research_task", "2  reporting_task",
		"robots Senior Data Researcher", "research findings on robots #1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log-tasks-outputs lacks %q:\n%s", want, out.String())
		}
	}
	// A new process: a fresh crew; the research task is not run again,
	// and its logged output is the context of the report.
	researchBefore := f.count("researcher")
	out.Reset()
	if err := Run(ctx, f.crew(t), []string{"replay", "-t", "2"}, f.opts(&out)); err != nil {
		t.Fatalf("replay: %v\n%s", err, out.String())
	}
	if f.count("researcher") != researchBefore {
		t.Errorf("replay from task 2 ran the research task again")
	}
	if !strings.Contains(out.String(), "report #2 built on") || !strings.Contains(out.String(), "Replayed kickoff 1 from task \"reporting_task\" as kickoff 2") {
		t.Errorf("replay output:\n%s", out.String())
	}
	ps := *f.prompts.Load()
	if last := ps[len(ps)-1]; !strings.Contains(last, "research findings on robots #1") {
		t.Errorf("the replayed task did not get the restored output as context:\n%s", last)
	}
	log, err := OpenTaskLog(ctx, filepath.Join(f.dir, ".crewai", TaskLogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	k, err := log.Last(ctx, "research")
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != 2 || k.ReplayOf != 1 || k.Command != "replay" || len(k.Tasks) != 2 || k.Inputs["topic"] != "robots" {
		t.Errorf("replay kickoff = %+v", k)
	}
	if k.Tasks[0].Raw != "research findings on robots #1" {
		t.Errorf("the replay's first output is %q, want the restored one", k.Tasks[0].Raw)
	}
}

func TestReplayIsANewTraceLinkedToTheOriginal(t *testing.T) {
	f := newFixture(t)
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(context.Background())
	traced := func() *crew.Crew {
		c := f.crew(t)
		c.Tracing, c.Tracer = true, tr
		return c
	}
	ctx := context.Background()
	var out bytes.Buffer
	if err := Run(ctx, traced(), []string{"run"}, f.opts(&out)); err != nil {
		t.Fatal(err)
	}
	if err := Run(ctx, traced(), []string{"replay", "-t", "reporting_task"}, f.opts(&out)); err != nil {
		t.Fatal(err)
	}
	if err := tr.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	byName := map[string][]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = append(byName[s.Name], s)
	}
	runs, replays, crews := byName["run research"], byName["replay research"], byName["invoke_workflow research"]
	if len(runs) != 1 || len(replays) != 1 || len(crews) != 2 {
		t.Fatalf("spans: run %d, replay %d, crew %d; want 1, 1, 2", len(runs), len(replays), len(crews))
	}
	run, replay := runs[0], replays[0]
	if run.SpanContext.TraceID() == replay.SpanContext.TraceID() {
		t.Error("the replay is in the original's trace; want a new trace")
	}
	if replay.Parent.IsValid() || run.Parent.IsValid() {
		t.Error("the command spans must be roots")
	}
	if len(replay.Links) != 1 || replay.Links[0].SpanContext.SpanID() != run.SpanContext.SpanID() ||
		replay.Links[0].SpanContext.TraceID() != run.SpanContext.TraceID() {
		t.Errorf("replay links = %+v, want one link to the original run's span", replay.Links)
	}
	for _, c := range crews {
		if c.Parent.SpanID() != run.SpanContext.SpanID() && c.Parent.SpanID() != replay.SpanContext.SpanID() {
			t.Errorf("crew span %v is not a child of a command span", c.Parent)
		}
	}
	// The replay trace holds only the replayed task.
	tasks := 0
	for _, s := range spans {
		if s.SpanContext.TraceID() == replay.SpanContext.TraceID() && strings.HasPrefix(s.Name, "execute_task") {
			tasks++
		}
	}
	if tasks != 1 {
		t.Errorf("the replay trace has %d task spans, want 1", tasks)
	}
}

func TestTaskLogConcurrentKickoffs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out bytes.Buffer
			errs[i] = Run(ctx, f.crew(t), []string{"run", "--input", fmt.Sprintf("topic=t%d", i)}, f.opts(&out))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("kickoff %d: %v", i, err)
		}
	}
	log, err := OpenTaskLog(ctx, filepath.Join(f.dir, ".crewai", TaskLogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	seen := map[string]bool{}
	for id := int64(1); id <= n; id++ {
		k, err := log.Kickoff(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		topic, _ := k.Inputs["topic"].(string)
		seen[topic] = true
		if len(k.Tasks) != 2 || !strings.Contains(k.Tasks[0].Raw, "research findings on "+topic+" ") {
			t.Errorf("kickoff %d (topic %s) holds another kickoff's outputs: %+v", id, topic, k.Tasks)
		}
	}
	if len(seen) != n {
		t.Errorf("topics logged: %v", seen)
	}
}

// TestTaskLogSurvivesKilledProcess kills a process in the middle of
// writing a kickoff's outputs: the log then still gives the last complete
// kickoff.
func TestTaskLogSurvivesKilledProcess(t *testing.T) {
	if path := os.Getenv("PROJECT_TEST_KILL_LOG"); path != "" {
		killMidWrite(path)
		return
	}
	f := newFixture(t)
	ctx := context.Background()
	var out bytes.Buffer
	if err := Run(ctx, f.crew(t), []string{"run", "--input", "topic=kept"}, f.opts(&out)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.dir, ".crewai", TaskLogFile)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := newCommand(exe, "-test.run=^TestTaskLogSurvivesKilledProcess$")
	cmd.Env = append(os.Environ(), "PROJECT_TEST_KILL_LOG="+path)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the child was not killed:\n%s", out)
	}
	out.Reset()
	if err := Run(ctx, f.crew(t), []string{"log-tasks-outputs"}, f.opts(&out)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Kickoff 1 ") || !strings.Contains(out.String(), "research findings on kept") {
		t.Errorf("after the kill, log-tasks-outputs shows:\n%s", out.String())
	}
	log, err := OpenTaskLog(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if _, err := log.Kickoff(ctx, 2); !errors.Is(err, ErrNoKickoff) {
		t.Errorf("the killed kickoff reads as %v, want ErrNoKickoff", err)
	}
	// The log still takes new kickoffs.
	if err := Run(ctx, f.crew(t), []string{"run", "--input", "topic=after"}, f.opts(&out)); err != nil {
		t.Fatal(err)
	}
	if k, err := log.Last(ctx, ""); err != nil || k.Inputs["topic"] != "after" {
		t.Errorf("last = %+v, %v", k, err)
	}
}

// killMidWrite begins a kickoff, writes outputs inside the transaction of
// its end, and kills its own process before the commit.
func killMidWrite(path string) {
	ctx := context.Background()
	log, err := OpenTaskLog(ctx, path)
	if err != nil {
		panic(err)
	}
	id, err := log.Begin(ctx, Kickoff{Crew: "research", Command: "run", Inputs: map[string]any{"topic": "lost"}})
	if err != nil {
		panic(err)
	}
	tx, err := log.db.BeginTx(ctx, nil)
	if err != nil {
		panic(err)
	}
	for i := range 50 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_outputs (kickoff_id, idx, name, agent, description, expected_output, raw, json, format, usage) VALUES (?, ?, 'x', 'a', 'd', 'e', ?, '', 'raw', '{}')`,
			id, i, strings.Repeat("lost ", 2000)); err != nil {
			panic(err)
		}
	}
	killSelf()
}

func TestStorageDirEnv(t *testing.T) {
	f := newFixture(t)
	store := t.TempDir()
	t.Setenv(EnvStorageDir, store)
	var out bytes.Buffer
	if err := Run(context.Background(), f.crew(t), []string{"run"}, f.opts(&out)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(store, TaskLogFile)); err != nil {
		t.Errorf("the log is not in $%s: %v", EnvStorageDir, err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, ".crewai")); err == nil {
		t.Error("the project folder got a .crewai folder although the storage dir is elsewhere")
	}
}

func TestInputs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in.yaml")
	if err := os.WriteFile(file, []byte("topic: from file\nyear: 2026\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args    []string
		want    map[string]any
		wantErr string
	}{
		{nil, map[string]any{"topic": "default", "x": "1"}, ""},
		{[]string{"--inputs-file", file}, map[string]any{"topic": "from file", "year": 2026, "x": "1"}, ""},
		{[]string{"--inputs-file", file, "--input", "topic=flag", "--input", "eq=a=b"}, map[string]any{"topic": "flag", "year": 2026, "x": "1", "eq": "a=b"}, ""},
		{[]string{"--input", "novalue"}, nil, "want key=value"},
		{[]string{"--inputs-file", filepath.Join(dir, "missing.yaml")}, nil, "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := newFlags("run", Options{Stderr: &bytes.Buffer{}})
			in := inputFlags(fs)
			err := parseFlags(fs, tt.args)
			var got map[string]any
			if err == nil {
				got, err = in.inputs(map[string]any{"topic": "default", "x": "1"})
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("inputs = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCommandErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		args  []string
		usage bool
		want  string
	}{
		{nil, true, "missing command"},
		{[]string{"fly"}, true, `unknown command "fly"`},
		{[]string{"replay"}, true, "-t TASK is required"},
		{[]string{"log-tasks-outputs"}, false, "no finished kickoff"},
		{[]string{"replay", "-t", "research_task"}, false, "no finished kickoff"},
		{[]string{"plot"}, true, "plot draws flows"},
		{[]string{"memory", "reset"}, false, "has no memory"},
		{[]string{"test", "-n", "0"}, true, "want at least 1"},
		{[]string{"run", "extra"}, true, `unexpected argument "extra"`},
		{[]string{"run", "--nope"}, true, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			err := Run(context.Background(), f.crew(t), tt.args, f.opts(&out))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			var ue *UsageError
			if errors.As(err, &ue) != tt.usage {
				t.Errorf("usage error = %v, want %v", !tt.usage, tt.usage)
			}
			if !strings.HasPrefix(err.Error(), "project: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
	var out bytes.Buffer
	if err := Run(context.Background(), f.crew(t), []string{"run"}, f.opts(&out)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"3", "0", "writing"} {
		err := Run(context.Background(), f.crew(t), []string{"replay", "-t", bad}, f.opts(&out))
		if err == nil || !strings.Contains(err.Error(), "research_task, reporting_task") {
			t.Errorf("replay -t %s: %v, want the task names listed", bad, err)
		}
	}
}

func TestTestScoresEveryTask(t *testing.T) {
	f := newFixture(t)
	var out bytes.Buffer
	if err := Run(context.Background(), f.crew(t), []string{"test", "-n", "2"}, f.opts(&out)); err != nil {
		t.Fatalf("test: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{"Run 1", "Run 2", "Avg.", "research_task", "reporting_task",
		"Average score: 7.5 over 2 runs", "Cost: crew $", "judge (gpt-4o-mini) $"} {
		if !strings.Contains(s, want) {
			t.Errorf("test output lacks %q:\n%s", want, s)
		}
	}
	// research_task is judged 6, reporting_task 9 in both runs.
	for _, row := range []struct{ task, avg string }{{"research_task", "6.0"}, {"reporting_task", "9.0"}} {
		line := lineWith(s, row.task)
		if strings.Count(line, row.avg) != 3 {
			t.Errorf("row %q, want three %s (two runs and the average)", line, row.avg)
		}
	}
	if f.count("judge") != 4 {
		t.Errorf("judge calls = %d, want 4 (2 tasks x 2 runs)", f.count("judge"))
	}
	if strings.Contains(s, "$0.0000 (0 tokens") {
		t.Errorf("no cost counted:\n%s", s)
	}
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// fakeMemory is an agent.Memory that records resets.
type fakeMemory struct {
	mu     sync.Mutex
	resets []string
}

func (m *fakeMemory) Recall(context.Context, string, string, string) ([]string, error) {
	return nil, nil
}
func (m *fakeMemory) Tools(string, string, bool) []tool.Tool { return nil }
func (m *fakeMemory) RememberTask(context.Context, string, string, string, string, llm.LLM) {
}
func (m *fakeMemory) Drain(context.Context) error { return nil }
func (m *fakeMemory) Reset(_ context.Context, crew, agent string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resets = append(m.resets, crew+"/"+agent)
	return nil
}

var _ agent.Memory = (*fakeMemory)(nil)

func TestMemoryReset(t *testing.T) {
	f := newFixture(t)
	c := f.crew(t)
	m := &fakeMemory{}
	c.Memory = m
	var out bytes.Buffer
	if err := Run(context.Background(), c, []string{"memory", "reset"}, f.opts(&out)); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(m.resets) != "[research/]" || !strings.Contains(out.String(), `Forgot what crew "research" remembered`) {
		t.Errorf("resets = %v, output %q", m.resets, out.String())
	}
}

func TestRunFlow(t *testing.T) {
	type st struct {
		Topic string `json:"topic"`
		Done  bool   `json:"done"`
	}
	fl := &flow.Flow[st]{Name: "demo"}
	fl.Step(flow.Start("begin"), func(ctx context.Context, s *flow.State[st]) (any, error) {
		return "topic was " + s.Get().Topic, nil
	})
	fl.Step(flow.Listen("finish", flow.On("begin")), func(ctx context.Context, s *flow.State[st]) (any, error) {
		return "finished with " + s.Get().Topic, nil
	})
	var out bytes.Buffer
	o := Options{Stdout: &out, Stderr: &out, Inputs: map[string]any{"topic": "default"}}
	if err := RunFlow(context.Background(), fl, []string{"run", "--input", "topic=cats"}, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "finished with cats") {
		t.Errorf("run printed %q", out.String())
	}
	file := filepath.Join(t.TempDir(), "flow.html")
	if err := RunFlow(context.Background(), fl, []string{"plot", "-o", file}, o); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(html), "<html") || !strings.Contains(string(html), "finish") {
		t.Errorf("plot wrote %d bytes, %v", len(html), err)
	}
	out.Reset()
	if err := RunFlow(context.Background(), fl, []string{"plot", "--mermaid"}, o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "begin") || !strings.Contains(out.String(), "-->") {
		t.Errorf("mermaid = %q", out.String())
	}
	var ue *UsageError
	if err := RunFlow(context.Background(), fl, []string{"replay"}, o); !errors.As(err, &ue) {
		t.Errorf("replay on a flow: %v, want a usage error", err)
	}
}

func TestExitCode(t *testing.T) {
	var w bytes.Buffer
	ctx := context.Background()
	if c := exitCode(ctx, nil, &w); c != 0 {
		t.Errorf("nil -> %d", c)
	}
	if c := exitCode(ctx, usagef("bad"), &w); c != 2 {
		t.Errorf("usage -> %d", c)
	}
	if c := exitCode(ctx, errors.New("boom"), &w); c != 1 {
		t.Errorf("failure -> %d", c)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if c := exitCode(cctx, context.Canceled, &w); c != 130 {
		t.Errorf("interrupted -> %d", c)
	}
}

func newCommand(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }

// killSelf stops the process at once, as a crash or kill -9 would.
func killSelf() {
	p, err := os.FindProcess(os.Getpid())
	if err == nil {
		p.Kill()
	}
	select {}
}

// TestTestIsTraced checks the span tree of test: one root span, every
// kickoff (the crew's, the judge's) a child of it, in one trace. (Train's
// is in TestTrainIsTraced.)
func TestTestIsTraced(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		root    string
		crews   int // invoke_workflow spans under the root: the runs and the helpers
		helpers string
	}{
		{[]string{"test", "-n", "1"}, "test research", 3, "invoke_workflow research judge"},
	} {
		t.Run(tt.args[0], func(t *testing.T) {
			f := newFixture(t)
			exp := tracetest.NewInMemoryExporter()
			tr, err := tracing.New(tracing.WithExporter(exp))
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Shutdown(context.Background())
			c := f.crew(t)
			c.Tracing, c.Tracer = true, tr
			var out bytes.Buffer
			o := f.opts(&out)
			o.Human = human.Func(func(context.Context, human.Question) (string, error) { return "More detail.", nil })
			if err := Run(context.Background(), c, tt.args, o); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if err := tr.ForceFlush(context.Background()); err != nil {
				t.Fatal(err)
			}
			var root tracetest.SpanStub
			roots := 0
			for _, s := range exp.GetSpans() {
				if !s.Parent.IsValid() {
					roots++
					root = s
				}
			}
			if roots != 1 || root.Name != tt.root {
				t.Fatalf("%d root spans, the last %q; want one %q", roots, root.Name, tt.root)
			}
			kids, helpers := 0, 0
			for _, s := range exp.GetSpans() {
				if s.SpanContext.TraceID() != root.SpanContext.TraceID() {
					t.Errorf("span %q is in another trace", s.Name)
				}
				if strings.HasPrefix(s.Name, "invoke_workflow") {
					if s.Parent.SpanID() != root.SpanContext.SpanID() {
						t.Errorf("kickoff span %q is not a child of %q", s.Name, tt.root)
					}
					kids++
					if s.Name == tt.helpers {
						helpers++
					}
				}
			}
			if kids != tt.crews || helpers == 0 {
				t.Errorf("%d kickoff spans (%d %q), want %d", kids, helpers, tt.helpers, tt.crews)
			}
		})
	}
}

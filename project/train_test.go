package project

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

// newsroom is a two-task crew (a researcher, then a writer who builds on
// the research) whose scripted model writes what happens, in order, to
// events, and keeps the task prompt of each call.
type newsroom struct {
	mu      sync.Mutex
	events  []string
	prompts []struct{ who, prompt string } // the first user message of each call
	n       map[string]int
}

func (nr *newsroom) log(e string) {
	nr.mu.Lock()
	defer nr.mu.Unlock()
	nr.events = append(nr.events, e)
}

func (nr *newsroom) Events() []string {
	nr.mu.Lock()
	defer nr.mu.Unlock()
	return append([]string(nil), nr.events...)
}

// promptsOf returns the task prompts of who's calls.
func (nr *newsroom) promptsOf(who string) []string {
	nr.mu.Lock()
	defer nr.mu.Unlock()
	var out []string
	for _, p := range nr.prompts {
		if p.who == who {
			out = append(out, p.prompt)
		}
	}
	return out
}

func (nr *newsroom) model() llm.LLM {
	return &llmtest.Scripted{Model: "gpt-4o-mini", Respond: func(req *llm.Request) llmtest.Reply {
		system, user, last := "", "", ""
		for _, m := range req.Messages {
			if m.Role == llm.RoleSystem {
				system = m.Content
			}
			if m.Role == llm.RoleUser && user == "" {
				user = m.Content
			}
			last = m.Content
		}
		who := "other"
		switch {
		case strings.Contains(system, trainerRole):
			who = "trainer"
		case strings.Contains(system, "Researcher"):
			who = "researcher"
		case strings.Contains(system, "Writer"):
			who = "writer"
		}
		nr.mu.Lock()
		nr.prompts = append(nr.prompts, struct{ who, prompt string }{who, user})
		nr.mu.Unlock()
		if who == "trainer" {
			nr.log("distill " + map[bool]string{true: "Researcher", false: "Writer"}[strings.Contains(user, `agent "Researcher"`)])
			if strings.Contains(user, `agent "Researcher"`) {
				return llmtest.Reply{Content: `{"suggestions": ["Cite a {source} for every claim."], "quality": 7, "final_summary": "cite sources"}`}
			}
			return llmtest.Reply{Content: `{"suggestions": ["Keep it under 100 words.", "Lead with the news."], "quality": 8.5, "final_summary": "shorter"}`}
		}
		nr.mu.Lock()
		revision := strings.Contains(last, "A person reviewed your final answer")
		kind := "draft"
		if revision {
			kind = "revised"
		}
		nr.n[who+kind]++
		n := nr.n[who+kind]
		nr.mu.Unlock()
		if revision {
			nr.log("revise " + who)
		} else {
			nr.log("answer " + who)
		}
		return llmtest.Reply{Content: fmt.Sprintf("%s %s #%d", who, kind, n)}
	}}
}

func (nr *newsroom) crew() *crew.Crew {
	m := nr.model()
	researcher := &agent.Agent{Role: "Researcher\n", Goal: "Find facts about {topic}.", Backstory: "You dig.", LLM: m}
	writer := &agent.Agent{Role: "Writer", Goal: "Write about {topic}.", Backstory: "You write.", LLM: m}
	research := &task.Task{Name: "research", Description: "Research {topic}.", ExpectedOutput: "Facts", Agent: researcher}
	write := &task.Task{Name: "write", Description: "Write a story on {topic}.", ExpectedOutput: "A story", Agent: writer,
		Context: []*task.Task{research}}
	return &crew.Crew{Name: "newsroom", Agents: []*agent.Agent{researcher, writer}, Tasks: []*task.Task{research, write}}
}

func newNewsroom() *newsroom { return &newsroom{n: map[string]int{}} }

// scriptedHuman answers by task and run: answers[where] in order.
func scriptedHuman(nr *newsroom, answers map[string][]string) (human.Provider, *[]human.Question) {
	var mu sync.Mutex
	var qs []human.Question
	asked := map[string]int{}
	return human.Func(func(_ context.Context, q human.Question) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		qs = append(qs, q)
		nr.log("ask " + q.Where)
		i := asked[q.Where]
		asked[q.Where]++
		if i >= len(answers[q.Where]) {
			return "", fmt.Errorf("unexpected question %d about %s", i+1, q.Where)
		}
		return answers[q.Where][i], nil
	}), &qs
}

// TestTrainAsCrewAITrains: feedback is asked right after each task, the
// agent revises with it and the revision is what the next task builds on;
// the rounds are saved with their three fields; the feedback is distilled
// into per-agent suggestions; a later kickoff puts them in the task prompts
// of that agent.
func TestTrainAsCrewAITrains(t *testing.T) {
	f := newFixture(t)
	nr := newNewsroom()
	var out bytes.Buffer
	o := f.opts(&out)
	o.Inputs = map[string]any{"topic": "tides"}
	var qs *[]human.Question
	o.Human, qs = scriptedHuman(nr, map[string][]string{
		"research": {"Cite sources.", "Name the {place}."},
		"write":    {"", "Shorter."},
	})
	if err := Run(context.Background(), nr.crew(), []string{"train", "-n", "2"}, o); err != nil {
		t.Fatalf("train: %v\n%s", err, out.String())
	}
	want := []string{
		"answer researcher", "ask research", "revise researcher", "answer writer", "ask write", // run 1 (writer accepted)
		"answer researcher", "ask research", "revise researcher", "answer writer", "ask write", "revise writer", // run 2
		"distill Researcher", "distill Writer",
	}
	if got := nr.Events(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, q := range *qs {
		if wantRun := fmt.Sprintf("Training run %d", i/2+1); !strings.Contains(q.Message, wantRun) {
			t.Errorf("question %d: %q, want %q in it", i, q.Message, wantRun)
		}
	}
	// The writer built on the revised research, not on the first draft.
	writer := nr.promptsOf("writer")
	if !strings.Contains(writer[0], "researcher revised #1") || strings.Contains(writer[0], "researcher draft #1") {
		t.Errorf("the writer's first prompt does not build on the revised research:\n%s", writer[0])
	}
	// In run 2 the researcher follows the feedback of run 1 (as CrewAI's
	// training does), the writer, who accepted, has nothing to follow.
	researcher := nr.promptsOf("researcher")
	if strings.Contains(researcher[0], "Follow these instructions") || !strings.Contains(researcher[2], "- Cite sources.") {
		t.Errorf("researcher prompts in training:\n%s", strings.Join(researcher, "\n====\n"))
	}
	if strings.Contains(writer[1], "Follow these instructions") {
		t.Errorf("the writer's run-2 prompt has instructions, but it gave no feedback in run 1:\n%s", writer[1])
	}

	// The rounds: all three fields, per agent, per run.
	data, err := LoadTrainingData(filepath.Join(f.dir, ".crewai", TrainingDataFile))
	if err != nil {
		t.Fatal(err)
	}
	wantRecs := []Record{
		{1, "Researcher", "research", "researcher draft #1", "Cite sources.", "researcher revised #1"},
		{1, "Writer", "write", "writer draft #1", "", "writer draft #1"},
		{2, "Researcher", "research", "researcher draft #2", "Name the {place}.", "researcher revised #2"},
		{2, "Writer", "write", "writer draft #2", "Shorter.", "writer revised #1"},
	}
	if data.Version != TrainingDataVersion || data.Crew != "newsroom" || data.Iterations != 2 ||
		fmt.Sprint(data.Records) != fmt.Sprint(wantRecs) {
		t.Errorf("training data = %+v\nwant records %+v", data, wantRecs)
	}
	// The distillation saw every round with feedback, with its three fields.
	trainer := nr.promptsOf("trainer")
	for _, w := range []string{"researcher draft #1", "Cite sources.", "researcher revised #1", "Name the {place}."} {
		if !strings.Contains(trainer[0], w) {
			t.Errorf("the researcher's distillation prompt lacks %q:\n%s", w, trainer[0])
		}
	}
	if strings.Contains(trainer[1], "writer draft #1") {
		t.Errorf("the writer's distillation got the round it accepted:\n%s", trainer[1])
	}

	// The training file: version 2, by role as written (trimmed).
	path := filepath.Join(f.dir, ".crewai", DefaultTrainedFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"version": 2`) || !strings.Contains(string(raw), `"final_summary": "cite sources"`) {
		t.Errorf("training file:\n%s", raw)
	}
	trained, err := LoadTrained(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := trained["Researcher"]; len(s.Suggestions) != 1 || s.Quality != 7 || s.Summary != "cite sources" {
		t.Errorf("trained[Researcher] = %+v", s)
	}
	if s := trained["Writer"]; len(s.Suggestions) != 2 || s.Quality != 8.5 {
		t.Errorf("trained[Writer] = %+v", s)
	}

	// A later kickoff in a new process: the suggestions are in the task
	// prompt of their agent (verbatim: the braces are no placeholder), not
	// in the other's, and no one is asked anything.
	nr2 := newNewsroom()
	o2 := f.opts(&out)
	o2.Inputs = map[string]any{"topic": "tides"}
	o2.Human = human.Func(func(context.Context, human.Question) (string, error) {
		t.Error("a run asked a person")
		return "", nil
	})
	if err := Run(context.Background(), nr2.crew(), []string{"run"}, o2); err != nil {
		t.Fatal(err)
	}
	r, w := nr2.promptsOf("researcher"), nr2.promptsOf("writer")
	if len(r) != 1 || !strings.Contains(r[0], "Research tides.\n\nFollow these instructions, learned from a person's "+
		"feedback on your earlier work:\n- Cite a {source} for every claim.") || strings.Contains(r[0], "Keep it under") {
		t.Errorf("the researcher's prompt after training:\n%s", r)
	}
	if len(w) != 1 || !strings.Contains(w[0], "- Keep it under 100 words.\n- Lead with the news.") || strings.Contains(w[0], "Cite a") {
		t.Errorf("the writer's prompt after training:\n%s", w)
	}
}

// TestTrainAcceptedEverything: no feedback, nothing to learn; the training
// file is left alone.
func TestTrainAcceptedEverything(t *testing.T) {
	f := newFixture(t)
	nr := newNewsroom()
	var out bytes.Buffer
	o := f.opts(&out)
	o.Human, _ = scriptedHuman(nr, map[string][]string{"research": {""}, "write": {""}})
	if err := Run(context.Background(), nr.crew(), []string{"train"}, o); err != nil {
		t.Fatalf("train: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(f.dir, ".crewai", DefaultTrainedFile)); !os.IsNotExist(err) {
		t.Errorf("a training without feedback wrote the training file (%v)", err)
	}
	if !strings.Contains(out.String(), "nothing to learn") {
		t.Errorf("output:\n%s", out.String())
	}
	data, err := LoadTrainingData(filepath.Join(f.dir, ".crewai", TrainingDataFile))
	if err != nil || len(data.Records) != 2 || data.Records[0].ImprovedOutput != data.Records[0].InitialOutput {
		t.Errorf("rounds = %+v, %v; want both, accepted as they were", data, err)
	}
}

// TestTrainingFileFormats: the first format (a bare object of roles) is
// still read, and rewritten as version 2 by the next train; anything else
// stops run and train (before anyone is asked) with an error naming the
// file and saying what to do.
func TestTrainingFileFormats(t *testing.T) {
	first := `{"Researcher\n": {"suggestions": ["Old advice."], "quality": 5, "final_summary": "old"},
		"Editor": {"suggestions": ["Keep me."], "quality": 6, "final_summary": "kept"}}`
	for _, tt := range []struct {
		name    string
		content string
		wantErr string // empty: readable
	}{
		{name: "first format", content: first},
		{name: "version 2", content: `{"version": 2, "agents": {"Researcher": {"suggestions": ["Old advice."], "quality": 5, "final_summary": "old"}, "Editor": {"suggestions": ["Keep me."], "quality": 6, "final_summary": "kept"}}}`},
		{name: "newer version", content: `{"version": 3, "agents": {}}`, wantErr: "has format version 3; this program reads version 2"},
		{name: "unknown key", content: `{"version": 2, "agents": {}, "extra": 1}`, wantErr: "not a valid version 2 training file"},
		{name: "pickle", content: "\x80\x04\x95 pickled", wantErr: "is a Python pickle"},
		{name: "not an object", content: `["a"]`, wantErr: "is not a JSON object"},
		{name: "same role twice", content: `{"version": 2, "agents": {"Writer": {"suggestions": [], "quality": 1, "final_summary": ""}, " Writer": {"suggestions": [], "quality": 2, "final_summary": ""}}}`, wantErr: "differ only in surrounding spaces"},
		{name: "neither format", content: `{"Researcher": "be good"}`, wantErr: `key "Researcher" is not the suggestions of an agent`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			path := filepath.Join(f.dir, ".crewai", DefaultTrainedFile)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			nr := newNewsroom()
			var out bytes.Buffer
			o := f.opts(&out)
			o.Inputs = map[string]any{"topic": "tides"}
			asked := 0
			o.Human = human.Func(func(_ context.Context, q human.Question) (string, error) {
				asked++
				if q.Where == "research" {
					return "New advice.", nil
				}
				return "", nil
			})
			runErr := Run(context.Background(), nr.crew(), []string{"run"}, o)
			if tt.wantErr != "" {
				for _, err := range []error{runErr, Run(context.Background(), nr.crew(), []string{"train"}, o)} {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) ||
						!strings.Contains(err.Error(), `run "train" again`) {
						t.Errorf("err = %v; want %q naming %s and what to do", err, tt.wantErr, path)
					}
				}
				if asked != 0 || len(nr.Events()) != 0 {
					t.Errorf("with a bad training file, %d questions and %d model calls", asked, len(nr.Events()))
				}
				return
			}
			if runErr != nil {
				t.Fatal(runErr)
			}
			if p := nr.promptsOf("researcher"); !strings.Contains(p[0], "- Old advice.") {
				t.Errorf("the researcher does not follow the %s file:\n%s", tt.name, p[0])
			}
			if err := Run(context.Background(), nr.crew(), []string{"train"}, o); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			trained, err := LoadTrained(path)
			if err != nil || !strings.HasPrefix(strings.TrimSpace(string(raw)), `{
  "version": 2`) {
				t.Fatalf("after train: %v\n%s", err, raw)
			}
			if trained["Researcher"].Summary != "cite sources" || trained["Editor"].Summary != "kept" || len(trained) != 2 {
				t.Errorf("after train: %+v; want the researcher retrained and the editor kept", trained)
			}
		})
	}
}

// TestTrainedFileEnv: $CREWAI_TRAINED_AGENTS_FILE is where train writes
// and run reads; -f writes elsewhere.
func TestTrainedFileEnv(t *testing.T) {
	f := newFixture(t)
	t.Setenv(EnvTrainedFile, "team.json")
	nr := newNewsroom()
	var out bytes.Buffer
	o := f.opts(&out)
	o.Human, _ = scriptedHuman(nr, map[string][]string{"research": {"Cite sources.", "x"}, "write": {"", ""}})
	if err := Run(context.Background(), nr.crew(), []string{"train"}, o); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTrainedStrict(filepath.Join(f.dir, "team.json")); err != nil {
		t.Fatalf("train did not write $%s: %v", EnvTrainedFile, err)
	}
	if err := Run(context.Background(), nr.crew(), []string{"train", "-f", "other.json"}, o); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTrainedStrict(filepath.Join(f.dir, "other.json")); err != nil {
		t.Fatalf("train -f did not write other.json: %v", err)
	}
	nr2 := newNewsroom()
	if err := Run(context.Background(), nr2.crew(), []string{"run"}, o); err != nil {
		t.Fatal(err)
	}
	if p := nr2.promptsOf("researcher"); !strings.Contains(p[0], "Cite a {source}") {
		t.Errorf("run did not read $%s:\n%s", EnvTrainedFile, p[0])
	}
}

// LoadTrainedStrict is LoadTrained that fails on a missing file.
func LoadTrainedStrict(path string) (map[string]Suggestions, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return LoadTrained(path)
}

// TestTrainIsTraced: the train command is one trace: its root span, the
// kickoffs under it, in each task a human_input span and a training_round
// span, and a training_distill span per agent above the distilling kickoff.
func TestTrainIsTraced(t *testing.T) {
	f := newFixture(t)
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(context.Background())
	nr := newNewsroom()
	c := nr.crew()
	c.Tracing, c.Tracer = true, tr
	var out bytes.Buffer
	o := f.opts(&out)
	o.Human, _ = scriptedHuman(nr, map[string][]string{"research": {"Cite sources."}, "write": {""}})
	if err := Run(context.Background(), c, []string{"train"}, o); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if err := tr.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	byID := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID().String()] = s
	}
	parent := func(s tracetest.SpanStub) string {
		if !s.Parent.IsValid() {
			return ""
		}
		return byID[s.Parent.SpanID().String()].Name
	}
	attr := func(s tracetest.SpanStub, key string) string {
		for _, a := range s.Attributes {
			if string(a.Key) == key {
				return a.Value.String()
			}
		}
		return ""
	}
	// name -> parent name, for the spans this test is about.
	got := map[string]string{}
	for _, s := range spans {
		if s.SpanContext.TraceID() != spans[0].SpanContext.TraceID() {
			t.Errorf("span %q is in another trace", s.Name)
		}
		switch {
		case strings.HasPrefix(s.Name, "training_round"):
			got[s.Name+" feedback="+attr(s, "crewai.training.feedback_given")+" iteration="+attr(s, "crewai.training.iteration")] = parent(s)
		case strings.HasPrefix(s.Name, "training_distill"):
			got[s.Name+" records="+attr(s, "crewai.training.records")+" suggestions="+attr(s, "crewai.training.suggestions")] = parent(s)
		case strings.HasPrefix(s.Name, "human_input"), strings.HasPrefix(s.Name, "invoke_workflow"), s.Name == "train newsroom":
			got[s.Name] = parent(s)
		}
	}
	want := map[string]string{
		"train newsroom":                                      "",
		"invoke_workflow newsroom":                            "train newsroom",
		"human_input research":                                "execute_task research",
		"human_input write":                                   "execute_task write",
		"training_round research feedback=true iteration=1":   "execute_task research",
		"training_round write feedback=false iteration=1":     "execute_task write",
		"training_distill Researcher records=1 suggestions=1": "train newsroom",
		"invoke_workflow newsroom training":                   "training_distill Researcher",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("spans (name: parent):\n%v\nwant:\n%v", got, want)
	}
}

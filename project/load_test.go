package project

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// agentsYAML and tasksYAML are written the way `crewai create crew` writes
// them in CrewAI (folded block scalars, placeholders in the text).
const agentsYAML = `researcher:
  role: >
    {topic} Senior Data Researcher
  goal: >
    Uncover cutting-edge developments in {topic}
  backstory: >
    You're a seasoned researcher with a knack for uncovering the latest
    developments in {topic}.
  llm: openai/gpt-4o-mini
  tools:
    - search
  max_iter: 5
  max_execution_time: 30
  allow_delegation: false
  verbose: true

reporting_analyst:
  role: "{topic} Reporting Analyst"
  goal: Create detailed reports based on {topic} data analysis
  backstory: You're a meticulous analyst.
  llm: scripted
`

const tasksYAML = `research_task:
  description: >
    Conduct a thorough research about {topic}.
    Make sure you find any interesting and relevant information given
    the current year is {current_year}.
  expected_output: >
    A list with 10 bullet points of the most relevant information about {topic}
  agent: researcher

reporting_task:
  description: >
    Review the context you got and expand each topic into a full section for a report.
  expected_output: >
    A fully fledged report with the main topics, each with a full section of information.
  agent: reporting_analyst
  context: [research_task]
  output_file: report.md
  markdown: true
`

type Report struct {
	Title string `json:"title"`
}

func testRegistry() *Registry {
	search := tool.New("search", "Search the web.", func(ctx context.Context, in struct {
		Query string `json:"query"`
	}) (string, error) {
		return "found", nil
	})
	return &Registry{
		Tools:      map[string]tool.Tool{"search": search},
		Models:     map[string]llm.LLM{"scripted": &llmtest.Scripted{Model: "scripted"}},
		Outputs:    map[string]*task.Schema{"Report": task.As[Report]()},
		Guardrails: map[string]task.Guardrail{"short": task.Check("short", func(task.TaskOutput) error { return nil })},
		Callbacks:  map[string]func(task.TaskOutput){"log": func(task.TaskOutput) {}},
	}
}

func TestParseCrewAIFormat(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-test-not-used")
	d, err := Parse("agents.yaml", []byte(agentsYAML), "tasks.yaml", []byte(tasksYAML), testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.AgentNames, ","); got != "researcher,reporting_analyst" {
		t.Errorf("agent order = %s", got)
	}
	r := d.Agent("researcher")
	if r.Role != "{topic} Senior Data Researcher\n" {
		t.Errorf("role = %q: the placeholder must stay intact", r.Role)
	}
	if !strings.Contains(r.Backstory, "developments in {topic}.") {
		t.Errorf("backstory = %q", r.Backstory)
	}
	if r.MaxIter != 5 || r.MaxExecutionTime != 30*time.Second || !r.Verbose || r.AllowDelegation {
		t.Errorf("limits not read: %+v", r)
	}
	if len(r.Tools) != 1 || r.Tools[0].Name() != "search" {
		t.Errorf("tools = %v", r.Tools)
	}
	if r.LLM == nil || r.LLM.Info().Model != "gpt-4o-mini" {
		t.Errorf("llm = %v, want the openai/gpt-4o-mini client", r.LLM)
	}
	if m := d.Agent("reporting_analyst").LLM.Info().Model; m != "scripted" {
		t.Errorf("a registered model name resolves through Registry.Models; got %q", m)
	}
	rt, wt := d.Task("research_task"), d.Task("reporting_task")
	if rt.Name != "research_task" || rt.Agent != r || rt.Context != nil {
		t.Errorf("research_task = %+v", rt)
	}
	if !strings.Contains(rt.Description, "{current_year}") {
		t.Errorf("description lost its placeholder: %q", rt.Description)
	}
	if len(wt.Context) != 1 || wt.Context[0] != rt || wt.OutputFile != "report.md" || !wt.Markdown {
		t.Errorf("reporting_task = %+v", wt)
	}
	c := d.Crew("research")
	if len(c.Tasks) != 2 || c.Tasks[0] != rt || len(c.Agents) != 2 {
		t.Fatalf("crew = %+v", c)
	}
	if err := c.Validate(map[string]any{"topic": "AI", "current_year": 2026}); err != nil {
		t.Errorf("the loaded crew does not validate: %v", err)
	}
	if err := c.Validate(map[string]any{"topic": "AI"}); err == nil || !strings.Contains(err.Error(), "current_year") {
		t.Errorf("placeholders must be checked at kickoff; got %v", err)
	}
}

func TestParseRegistryNames(t *testing.T) {
	tasks := `t:
  description: d
  agent: a
  output_json: Report
  guardrail: short
  callback: log
  guardrail_max_retries: 0
  async_execution: true
  tools: [search]
`
	d, err := Parse("agents.yaml", []byte("a:\n  role: r\n  llm: scripted\n"), "tasks.yaml", []byte(tasks), testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	tk := d.Task("t")
	if tk.Output == nil || len(tk.Guardrails) != 1 || tk.Guardrails[0].Name != "short" || tk.Callback == nil || !tk.Async || len(tk.Tools) != 1 || tk.GuardrailMaxRetries != -1 {
		t.Errorf("task = %+v", tk)
	}
}

func TestParseMergeKeysAndAliases(t *testing.T) {
	agents := `base: &base
  role: Base
  llm: scripted
  max_iter: 3
writer:
  <<: *base
  role: Writer
`
	d, err := Parse("agents.yaml", []byte(agents), "tasks.yaml", []byte("t:\n  description: d\n  agent: writer\n"), testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	w := d.Agent("writer")
	if w.Role != "Writer" || w.MaxIter != 3 {
		t.Errorf("writer = %+v: explicit keys win, merged keys fill in", w)
	}
}

func TestParseErrors(t *testing.T) {
	okAgents := "researcher:\n  role: r\n  llm: scripted\n"
	okTasks := "research:\n  description: d\n  agent: researcher\n"
	tests := []struct {
		name           string
		agents, tasks  string
		file, key      string
		line           int
		reason         string
		acceptedHas    string
		noneRegistered bool
	}{
		{"unknown agent key", "researcher:\n  role: r\n  llm: scripted\n  temperature: 0.2\n", okTasks,
			"agents.yaml", "researcher.temperature", 4, `unknown key "temperature"`, "backstory", false},
		{"unknown task key", okAgents, "research:\n  description: d\n  agent: researcher\n  priority: 1\n",
			"tasks.yaml", "research.priority", 4, `unknown key "priority"`, "expected_output", false},
		{"unknown tool lists the registered ones", "researcher:\n  role: r\n  llm: scripted\n  tools:\n    - search\n    - serper\n", okTasks,
			"agents.yaml", "researcher.tools[1]", 6, `unknown tool "serper"`, "search", false},
		{"unknown agent in a task", okAgents, "research:\n  description: d\n  agent: writer\n",
			"tasks.yaml", "research.agent", 3, `unknown agent "writer"`, "researcher", false},
		{"unknown context task", okAgents, "research:\n  description: d\n  agent: researcher\n  context: [nope]\n",
			"tasks.yaml", "research.context[0]", 4, `unknown task "nope"`, "research", false},
		{"unknown output type", okAgents, "research:\n  description: d\n  output_pydantic: Memo\n",
			"tasks.yaml", "research.output_pydantic", 3, `unknown output type "Memo"`, "Report", false},
		{"unknown guardrail", okAgents, "research:\n  description: d\n  guardrail: strict\n",
			"tasks.yaml", "research.guardrail", 3, `unknown guardrail "strict"`, "short", false},
		{"unknown callback", okAgents, "research:\n  description: d\n  callback: nope\n",
			"tasks.yaml", "research.callback", 3, `unknown callback "nope"`, "log", false},
		{"unknown step callback, none registered", "researcher:\n  role: r\n  llm: scripted\n  step_callback: trace\n", okTasks,
			"agents.yaml", "researcher.step_callback", 4, `unknown step callback "trace"`, "", true},
		{"unknown provider", "researcher:\n  role: r\n  llm: acme/model-1\n", okTasks,
			"agents.yaml", "researcher.llm", 3, `unknown provider "acme"`, "scripted", false},
		{"unquoted brace value", "researcher:\n  role: {topic}\n  llm: scripted\n", okTasks,
			"agents.yaml", "researcher.role", 2, "must be quoted", "", false},
		{"not a number", "researcher:\n  role: r\n  llm: scripted\n  max_iter: many\n", okTasks,
			"agents.yaml", "researcher.max_iter", 4, "whole number", "", false},
		{"not a bool", "researcher:\n  role: r\n  llm: scripted\n  allow_delegation: maybe\n", okTasks,
			"agents.yaml", "researcher.allow_delegation", 4, "true or false", "true", false},
		{"missing role", "researcher:\n  goal: g\n  llm: scripted\n", okTasks,
			"agents.yaml", "researcher", 1, "has no role", "", false},
		{"missing description", okAgents, "research:\n  agent: researcher\n",
			"tasks.yaml", "research", 1, "has no description", "", false},
		{"duplicate entry", okAgents, okTasks + "research:\n  description: again\n",
			"tasks.yaml", "research", 4, "defined twice", "", false},
		{"duplicate key", "researcher:\n  role: r\n  role: s\n", okTasks,
			"agents.yaml", "", 0, "", "", false}, // yaml itself refuses duplicate keys
		{"empty file", "", okTasks, "agents.yaml", "", 0, "is empty", "", false},
		{"not a mapping", "- a\n- b\n", okTasks, "agents.yaml", "", 1, "must be a mapping", "", false},
		{"bad yaml", "researcher:\n  role: [r\n", okTasks, "agents.yaml", "", 0, "not valid YAML", "", false},
		{"two documents", okAgents + "---\nother:\n  role: x\n", okTasks, "agents.yaml", "", 4, "more than one YAML document", "", false},
		{"own context", okAgents, "research:\n  description: d\n  context: [research]\n",
			"tasks.yaml", "research.context[0]", 3, "its own context", "", false},
		{"both output types", okAgents, "research:\n  description: d\n  output_json: Report\n  output_pydantic: Report\n",
			"tasks.yaml", "research.output_pydantic", 4, "one output type", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("agents.yaml", []byte(tt.agents), "tasks.yaml", []byte(tt.tasks), testRegistry())
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *project.Error", err)
			}
			if pe.File != tt.file {
				t.Errorf("file = %q, want %q (%v)", pe.File, tt.file, err)
			}
			if tt.key != "" && pe.Key != tt.key {
				t.Errorf("key = %q, want %q (%v)", pe.Key, tt.key, err)
			}
			if tt.line != 0 && pe.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q lacks %q", err, tt.reason)
			}
			if tt.acceptedHas != "" && !strings.Contains(strings.Join(pe.Accepted, ","), tt.acceptedHas) {
				t.Errorf("accepted = %v, want it to list %q", pe.Accepted, tt.acceptedHas)
			}
			if tt.noneRegistered && !strings.Contains(err.Error(), "none registered") {
				t.Errorf("error %q does not say nothing is registered", err)
			}
			if !strings.HasPrefix(err.Error(), "project: "+tt.file) {
				t.Errorf("error %q does not start with the file", err)
			}
		})
	}
}

func TestLoadReadsConfigFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "agents.yaml"), []byte(agentsYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, testRegistry()); err == nil || !strings.Contains(err.Error(), "tasks.yaml") {
		t.Fatalf("a missing tasks.yaml must be named; got %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tasks.yaml"), []byte(tasksYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(dir, testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.TaskNames) != 2 {
		t.Errorf("tasks = %v", d.TaskNames)
	}
	big := strings.Repeat("# comment\n", MaxFileSize/10+1)
	if err := os.WriteFile(filepath.Join(dir, "tasks.yaml"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, testRegistry()); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("an oversized file must be refused; got %v", err)
	}
}

func TestHumanInputAsksAndRevises(t *testing.T) {
	var asked []string
	reg := testRegistry()
	reg.Human = human.Func(func(ctx context.Context, q human.Question) (string, error) {
		asked = append(asked, q.Output)
		if len(asked) == 1 {
			return "Add a title.", nil
		}
		return "", nil
	})
	var prompts []string
	model := &llmtest.Scripted{Model: "m", Respond: func(req *llm.Request) llmtest.Reply {
		prompts = append(prompts, req.Messages[len(req.Messages)-1].Content)
		return llmtest.Reply{Content: "answer " + string(rune('0'+len(prompts)))}
	}}
	reg.Models["scripted"] = model
	d, err := Parse("agents.yaml", []byte("a:\n  role: r\n  llm: scripted\n"), "tasks.yaml",
		[]byte("t:\n  description: Write.\n  agent: a\n  human_input: true\n"), reg)
	if err != nil {
		t.Fatal(err)
	}
	if tk := d.Task("t"); !tk.HumanInput || tk.HumanProvider == nil {
		t.Fatalf("human_input did not set Task.HumanInput and its provider: %+v", tk)
	}
	out, err := d.Task("t").Execute(context.Background(), task.Run{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Raw != "answer 2" || len(asked) != 2 {
		t.Errorf("output %q after %d questions; want the revised answer after 2", out.Raw, len(asked))
	}
	if len(prompts) != 2 || !strings.Contains(strings.Join(prompts, "\n"), "Add a title.") {
		t.Errorf("the feedback did not reach the agent: %q", prompts)
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"cfg/agents.yaml": {Data: []byte(agentsYAML)},
		"cfg/tasks.yaml":  {Data: []byte("research_task:\n  description: d\n  agent: nobody\n")},
	}
	_, err := LoadFS(fsys, "cfg", testRegistry())
	var pe *Error
	if !errors.As(err, &pe) || pe.File != "cfg/tasks.yaml" || pe.Line != 3 {
		t.Fatalf("err = %v, want cfg/tasks.yaml:3", err)
	}
	fsys["cfg/tasks.yaml"] = &fstest.MapFile{Data: []byte(tasksYAML)}
	d, err := LoadFS(fsys, "cfg", testRegistry())
	if err != nil || len(d.TaskNames) != 2 {
		t.Fatalf("LoadFS = %v, %v", d, err)
	}
	fsys["cfg/tasks.yaml"] = &fstest.MapFile{Data: make([]byte, MaxFileSize+1)}
	if _, err := LoadFS(fsys, "cfg", testRegistry()); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized: %v", err)
	}
}

// A guardrail written as a sentence is, as in CrewAI, a rule a model
// checks; a single unregistered word is still an unknown name.
func TestParseGuardrailRule(t *testing.T) {
	tasks := "t:\n  description: d\n  agent: a\n  guardrail: The answer cites at least two sources.\n"
	d, err := Parse("agents.yaml", []byte("a:\n  role: r\n  llm: scripted\n"), "tasks.yaml", []byte(tasks), testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	g := d.Task("t").Guardrails
	if len(g) != 1 || g[0].Rule != "The answer cites at least two sources." || g[0].Func != nil {
		t.Errorf("guardrails = %+v, want one rule", g)
	}
	_, err = Parse("agents.yaml", []byte("a:\n  role: r\n  llm: scripted\n"), "tasks.yaml",
		[]byte("t:\n  description: d\n  agent: a\n  guardrail: strict\n"), testRegistry())
	if err == nil || !strings.Contains(err.Error(), `unknown guardrail "strict"`) {
		t.Errorf("err = %v, want the unknown name", err)
	}
}

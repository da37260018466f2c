package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProjectCommandErrors(t *testing.T) {
	root := fakeModule(t)
	empty := t.TempDir()
	tests := []struct {
		dir    string
		args   []string
		code   int
		stderr string
	}{
		{empty, []string{"create"}, 2, `want "crewai create crew NAME"`},
		{empty, []string{"create", "team", "x"}, 2, `want "crewai create crew NAME"`},
		{empty, []string{"create", "crew", "../out", "--no-tidy"}, 2, "want a letter"},
		{empty, []string{"run"}, 2, "is not a Go project folder"},
		{empty, []string{"replay", "-t", "x"}, 2, "is not a Go project folder"},
		{empty, []string{"reset-memories"}, 2, "is not a Go project folder"},
		{empty, []string{"flow", "kickoff"}, 2, "is not a Go project folder"},
		{empty, []string{"flow", "plot", "--package", empty}, 2, "is not a Go project folder"},
		{empty, []string{"flow", "plot", "--package", ".", "--list"}, 2, "--package takes no"},
		{root, []string{"log-tasks-outputs"}, 2, "crewai-go source tree, not a project"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Chdir(tt.dir)
			r := runCLI(t, nil, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("code %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("failed commands wrote into the folder: %v", entries)
	}
}

func TestCreateRefusesExistingFolder(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("mine", 0o755); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "create", "crew", "mine", "--no-tidy", "--replace", root)
	if r.code != 2 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}

// TestCreateThenForward creates a crew and a flow project with the crewai
// command and drives them through it: run, log-tasks-outputs, a failing
// replay (its exit status comes back), flow plot --package. Offline: the
// module cache and GOPROXY=off, the scripted model.
func TestCreateThenForward(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two generated projects")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	t.Chdir(work)
	for k, v := range map[string]string{"GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOWORK": "off", "OPENAI_API_KEY": "",
		"CREWAI_TRACES_DIR": filepath.Join(work, "traces"), "OTEL_TRACES_EXPORTER": "", "OTEL_EXPORTER_OTLP_ENDPOINT": ""} {
		t.Setenv(k, v)
	}
	r := runCLI(t, nil, "create", "crew", "Research Crew", "--replace", root, "--no-tidy")
	if r.code != 0 || !strings.Contains(r.stdout, "config/agents.yaml") {
		t.Fatalf("create: %+v", r)
	}
	t.Chdir(filepath.Join(work, "research_crew"))
	if r := runCLI(t, nil, "run", "--input", "topic=chess"); r.code != 0 || !strings.Contains(r.stdout, "# Report") {
		t.Fatalf("run: %+v", r)
	}
	r = runCLI(t, nil, "log-tasks-outputs")
	if r.code != 0 || !strings.Contains(r.stdout, "chess Senior Data Researcher") {
		t.Errorf("log-tasks-outputs: %+v", r)
	}
	r = runCLI(t, nil, "replay", "-t", "nope")
	if r.code != 2 || !strings.Contains(r.stderr, `no task "nope"`) {
		t.Errorf("failing replay: code %d, stderr %q; want the program's status 2 and its message", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "replay", "-t", "reporting_task"); r.code != 0 || !strings.Contains(r.stderr, "Replayed kickoff 1") {
		t.Errorf("replay: %+v", r)
	}
	if r := runCLI(t, nil, "test", "-n", "1"); r.code != 0 || !strings.Contains(r.stdout, "Average score: 8.0 over 1 runs") {
		t.Errorf("test: %+v", r)
	}
	// The person's answers come through crewai's standard input.
	r = runCLIStdin(t, "Give an example for each point.\n\n", "train", "-n", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "Saved the suggestions for 1 agents") ||
		!strings.Contains(r.stderr, "Training run 1") {
		t.Errorf("train: %+v", r)
	}
	r = runCLI(t, nil, "reset-memories")
	if r.code != 1 || !strings.Contains(r.stderr, "has no memory to reset") {
		t.Errorf("reset-memories on a crew without memory: %+v; want the program's status 1 and its message", r)
	}
	t.Chdir(work)
	if r := runCLI(t, nil, "create", "flow", "poems", "--replace", root, "--no-tidy"); r.code != 0 {
		t.Fatalf("create flow: %+v", r)
	}
	out := filepath.Join(work, "poems.html")
	r = runCLI(t, nil, "flow", "plot", "--package", "poems", "-o", out)
	if r.code != 0 {
		t.Fatalf("flow plot --package: %+v", r)
	}
	html, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(html), "write_poem") {
		t.Errorf("plot: %v", err)
	}
}

// runCLIStdin is runCLI with stdin as the standard input of forwarded
// commands.
func runCLIStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb syncBuffer
	c := &cli{stdout: &out, stderr: &errb, stdin: strings.NewReader(stdin), getenv: func(string) string { return "" }, loc: time.UTC}
	code := c.run(context.Background(), args)
	return result{out.String(), errb.String(), code}
}

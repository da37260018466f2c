package project

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/tool"
)

func TestCreateWritesOnlyItsFolder(t *testing.T) {
	parent := t.TempDir()
	for _, kind := range []string{KindCrew, KindFlow} {
		dir, files, err := Create(parent, kind, "My "+kind, CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if dir != filepath.Join(parent, "my_"+kind) {
			t.Errorf("dir = %s", dir)
		}
		for _, want := range []string{"go.mod", "main.go", "main_test.go", "tools.go", "offline.go", "README.md",
			".gitignore", "config/agents.yaml", "config/tasks.yaml"} {
			if !slices.Contains(files, want) {
				t.Errorf("%s scaffold lacks %s (has %v)", kind, want, files)
			}
		}
		gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
		if !strings.HasPrefix(string(gomod), "module my_"+kind+"\n") || strings.Contains(string(gomod), "replace") {
			t.Errorf("go.mod =\n%s", gomod)
		}
		// The YAML of the scaffold loads.
		if _, err := Load(filepath.Join(dir, "config"), &Registry{Tools: map[string]tool.Tool{"my_tool": testRegistry().Tools["search"]}}); err != nil {
			t.Errorf("%s scaffold's YAML: %v", kind, err)
		}
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 2 {
		t.Errorf("the parent holds %d entries, want the 2 project folders", len(entries))
	}
}

func TestCreateRefuses(t *testing.T) {
	parent := t.TempDir()
	if err := os.Mkdir(filepath.Join(parent, "taken"), 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(parent, "taken", "keep.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind, name string
		o          CreateOptions
		want       string
	}{
		{KindCrew, "taken", CreateOptions{}, "already exists"},
		{KindCrew, "../escape", CreateOptions{}, "want a letter"},
		{KindCrew, "a/b", CreateOptions{}, "want a letter"},
		{KindCrew, "/abs", CreateOptions{}, "want a letter"},
		{KindCrew, ".hidden", CreateOptions{}, "want a letter"},
		{KindCrew, "", CreateOptions{}, "want a letter"},
		{"team", "ok", CreateOptions{}, `kind "team"`},
		{KindCrew, "ok", CreateOptions{Module: "bad module"}, "no spaces"},
		{KindCrew, "ok", CreateOptions{Replace: parent}, "not a Go module"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Create(parent, tt.kind, tt.name, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "mine" {
		t.Errorf("the existing folder was touched: %q, %v", b, err)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("refused creates left %d entries, want only the existing folder", len(entries))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(parent), "escape")); err == nil {
		t.Error("a folder was written outside the parent")
	}
}

// TestScaffoldBuildsTestsAndRuns creates a crew and a flow project that use
// this checkout (a replace directive), then runs their own tests and their
// run command, offline: no network (GOPROXY=off, the module cache serves
// the dependencies) and no API key (the scripted model).
func TestScaffoldBuildsTestsAndRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two generated modules")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "OPENAI_API_KEY=", "OPENAI_BASE_URL=",
		"CREWAI_TRACES_DIR="+filepath.Join(parent, "traces"), "CREWAI_TRACING_ENABLED=", "OTEL_TRACES_EXPORTER=",
		"OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=")
	runIn := func(t *testing.T, stdin, dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), filepath.Base(dir), err, out)
		}
		return string(out)
	}
	run := func(t *testing.T, dir string, args ...string) string {
		t.Helper()
		return runIn(t, "", dir, args...)
	}
	for _, tt := range []struct {
		kind string
		want []string
	}{
		{KindCrew, []string{"scripted offline model", "# Report", "Kickoff 1 logged"}},
		{KindFlow, []string{"scripted offline model", "Small machines hum"}},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			dir, _, err := Create(parent, tt.kind, "demo_"+tt.kind, CreateOptions{Replace: root})
			if err != nil {
				t.Fatal(err)
			}
			run(t, dir, "vet", ".")
			run(t, dir, "test", ".")
			out := run(t, dir, "run", ".", "run")
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("go run . run: output lacks %q:\n%s", w, out)
				}
			}
			if tt.kind == KindCrew {
				out := run(t, dir, "run", ".", "log-tasks-outputs")
				if !strings.Contains(out, "reporting_task") {
					t.Errorf("log-tasks-outputs:\n%s", out)
				}
				out = run(t, dir, "run", ".", "replay", "-t", "reporting_task")
				if !strings.Contains(out, "Replayed kickoff 1") {
					t.Errorf("replay:\n%s", out)
				}
				out = run(t, dir, "run", ".", "test", "-n", "1")
				if !strings.Contains(out, "Average score: 8.0 over 1 runs") {
					t.Errorf("test -n 1:\n%s", out)
				}
				// The person at the console: feedback on the research, the
				// report accepted (an empty line).
				out = runIn(t, "Give an example for each point.\n\n", dir, "run", ".", "train", "-n", "1")
				if !strings.Contains(out, "Saved the suggestions for 1 agents") {
					t.Errorf("train -n 1:\n%s", out)
				}
				data, err := LoadTrainingData(filepath.Join(dir, ".crewai", TrainingDataFile))
				if err != nil || len(data.Records) != 2 || data.Records[0].HumanFeedback != "Give an example for each point." ||
					data.Records[0].ImprovedOutput == "" || data.Records[1].HumanFeedback != "" {
					t.Errorf("training data: %+v, %v", data, err)
				}
				trained, err := LoadTrained(filepath.Join(dir, ".crewai", DefaultTrainedFile))
				if err != nil || len(trained) != 1 {
					t.Errorf("trained agents: %+v, %v", trained, err)
				}
				run(t, dir, "run", ".", "run") // follows the training
			} else {
				run(t, dir, "run", ".", "plot", "-o", "flow.html")
				if html, err := os.ReadFile(filepath.Join(dir, "flow.html")); err != nil || !strings.Contains(string(html), "write_poem") {
					t.Errorf("plot: %v", err)
				}
			}
		})
	}
}

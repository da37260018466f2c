// Package examples_test runs every example program the way a newcomer does,
// offline: no API key, the scripted models, traces into a temporary folder.
package examples_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestExamplesRunOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every example program")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	tests := []struct {
		dir  string
		want []string // in the combined output
	}{
		{"quickstart", []string{"OPENAI_API_KEY is not set", "Token usage:", "trace "}},
		{"hierarchical", []string{"OPENAI_API_KEY is not set", "hierarchical process"}},
		{"kickoff-for-each", []string{"OPENAI_API_KEY is not set", "Lisbon ", "Porto ", "Seville ", "Lyon "}},
		{"flow", []string{"counter = 3", "Flow completed"}},
		{"flow-crews", []string{"OPENAI_API_KEY is not set"}},
		{"mcp", []string{"offered the MCP server's tools: calculator, search, word_count", "search (over MCP) said: The Model Context Protocol",
			"words, counted by the MCP server's word_count tool"}},
		{"memory", []string{"OPENAI_API_KEY is not set", "Recalled from memory:", "Ana is vegetarian",
			"I remember that Ana is vegetarian", "The crew now remembers 2 things."}},
		{"yaml-crew", []string{"OPENAI_API_KEY is not set", "The year agents grew up", "Kickoff 1 logged: 2 tasks"}},
		{"knowledge", []string{"OPENAI_API_KEY is not set", "Knowledge \"support-docs\": 3 chunks embedded",
			"Customers may return any product within 30 days", "Aria wireless headphones"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			traces := t.TempDir()
			cmd := exec.Command(goBin, "run", "./"+tt.dir)
			cmd.Env = append(os.Environ(), "OPENAI_API_KEY=", "OPENAI_BASE_URL=", "CREWAI_TRACES_DIR="+traces,
				"CREWAI_VECTOR_DB="+filepath.Join(traces, "vectors.db"), "CREWAI_STORAGE_DIR="+traces,
				"OTEL_TRACES_EXPORTER=", "OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go run ./%s: %v\n%s", tt.dir, err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("go run ./%s: output lacks %q:\n%s", tt.dir, w, out)
				}
			}
			if strings.Contains(tt.dir, "flow") || tt.dir == "quickstart" {
				files, _ := filepath.Glob(filepath.Join(traces, "*.jsonl"))
				if len(files) == 0 {
					t.Errorf("go run ./%s wrote no trace file into CREWAI_TRACES_DIR", tt.dir)
				}
			}
		})
	}
}

// TestInteractiveExamplesRunOffline runs the examples that take answers or
// flags: a person's answers given by flag and through a pipe on standard
// input, and a stream read to the end or stopped early.
func TestInteractiveExamplesRunOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs example programs")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	tests := []struct {
		name, dir string
		args      []string
		stdin     string
		want      []string // in the combined output
	}{
		{name: "review answers by flag", dir: "human-review", args: []string{"-answers", "Mention tracing.|approve"},
			want: []string{"> Mention tracing.", "> approve", "Published after 2 draft(s)", "(Revised: Mention tracing.)"}},
		{name: "review answers through a pipe", dir: "human-review", stdin: "Mention tracing.\n\n",
			want: []string{"A person's input is needed (draft)", "Choices: approved, needs_changes", "Published after 2 draft(s)"}},
		{name: "stream to the end", dir: "streaming", want: []string{"-> Researcher calls search(",
			"[research / Researcher] Fact one", "[write / Writer] Go iterators", "Final output: Go iterators"}},
		{name: "stream stopped early", dir: "streaming", args: []string{"-stop", "3"},
			want: []string{"Stopped after 3 pieces; the kickoff was cancelled."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			traces := t.TempDir()
			cmd := exec.Command(goBin, append([]string{"run", "./" + tt.dir}, tt.args...)...)
			cmd.Stdin = strings.NewReader(tt.stdin)
			cmd.Env = append(os.Environ(), "OPENAI_API_KEY=", "OPENAI_BASE_URL=", "CREWAI_MODEL=", "CREWAI_TRACES_DIR="+traces,
				"OTEL_TRACES_EXPORTER=", "OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go run ./%s %v: %v\n%s", tt.dir, tt.args, err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("go run ./%s %v: output lacks %q:\n%s", tt.dir, tt.args, w, out)
				}
			}
			if files, _ := filepath.Glob(filepath.Join(traces, "*.jsonl")); len(files) == 0 {
				t.Errorf("go run ./%s wrote no trace file into CREWAI_TRACES_DIR", tt.dir)
			}
		})
	}
}

// TestExamplesOnAnotherProvider runs the quickstart and flow-crews examples
// with CREWAI_MODEL naming an Anthropic model, against the Anthropic fake:
// every model call goes to that provider, none to the offline script.
func TestExamplesOnAnotherProvider(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs example programs")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	for _, dir := range []string{"quickstart", "flow-crews"} {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.NewAnthropicServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
				return llmtest.Reply{Content: "A finished answer from the fake Anthropic server."}
			}})
			defer srv.Close()
			cmd := exec.Command(goBin, "run", "./"+dir)
			cmd.Env = append(os.Environ(), "CREWAI_MODEL=anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY=test-key",
				"ANTHROPIC_BASE_URL="+srv.URL(), "OPENAI_API_KEY=", "OPENAI_BASE_URL=", "CREWAI_TRACES_DIR="+t.TempDir(),
				"OTEL_TRACES_EXPORTER=", "OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go run ./%s: %v\n%s", dir, err, out)
			}
			if strings.Contains(string(out), "scripted offline model") {
				t.Errorf("go run ./%s ran offline:\n%s", dir, out)
			}
			if n := len(srv.Requests()); n == 0 {
				t.Errorf("go run ./%s sent no request to the Anthropic server:\n%s", dir, out)
			}
		})
	}
}

package agent_test

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/internal/console"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// captureStderr runs fn with os.Stderr redirected and returns what it wrote.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	fn()
	os.Stderr = old
	w.Close()
	return <-done
}

func TestVerboseAgentPrintsOnce(t *testing.T) {
	m := &llmtest.Scripted{Respond: func(*llm.Request) llmtest.Reply { return llmtest.Reply{Content: "the answer"} }}
	a := &agent.Agent{Role: "Verbose Analyst", LLM: m, Verbose: true}
	out := captureStderr(t, func() {
		if _, err := a.Execute(context.Background(), agent.Job{Description: "Say it."}); err != nil {
			t.Error(err)
		}
	})
	if !strings.Contains(out, "Verbose Analyst") || !strings.Contains(out, "the answer") {
		t.Fatalf("a verbose agent should print its execution; got %q", out)
	}
	// Inside a context that already prints (a verbose crew), nothing is
	// printed twice.
	twice := captureStderr(t, func() {
		ctx := console.Attach(context.Background(), os.Stderr)
		if _, err := a.Execute(ctx, agent.Job{Description: "Say it."}); err != nil {
			t.Error(err)
		}
	})
	if n := strings.Count(twice, "the answer"); n != 1 {
		t.Fatalf("the final answer was printed %d times, want once:\n%s", n, twice)
	}
}

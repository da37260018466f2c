package crew_test

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// TestErrorReadsOnce (issue 24 point 12): a failed kickoff's message names
// the crew, the task and the agent once each, without repeated package
// prefixes ("crew: crew ...", "task: task ...").
func TestErrorReadsOnce(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Err: errors.New("model exploded")}}}
	a := &agent.Agent{Role: "Writer", Goal: "g", Backstory: "b", LLM: m, MaxRetryLimit: -1}
	wr := &task.Task{Name: "write", Description: "Write.", ExpectedOutput: "text", Agent: a}
	c := &crew.Crew{Name: "newsroom", Agents: []*agent.Agent{a}, Tasks: []*task.Task{wr}, Bus: &event.Bus{}}
	_, err := c.Kickoff(context.Background(), nil)
	var te *crew.TaskError
	if !errors.As(err, &te) {
		t.Fatalf("err %v", err)
	}
	msg := err.Error()
	for _, s := range []string{`crew "newsroom"`, `task "write"`, `"Writer"`, "model exploded"} {
		if n := strings.Count(msg, s); n != 1 {
			t.Errorf("%q appears %d times in %q", s, n, msg)
		}
	}
	for _, rep := range []string{"crew: crew", "task: task", "crew: ", "task: "} {
		if strings.Contains(msg, rep) {
			t.Errorf("%q in %q", rep, msg)
		}
	}
	t.Log(msg)
}

// TestVerbosePrintsFailureOnce (issue 24 point 12): a Verbose crew whose
// model fails prints the error text once; the agent, task and crew lines say
// they failed because of it.
func TestVerbosePrintsFailureOnce(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Err: errors.New("model exploded")}}}
	a := &agent.Agent{Role: "Writer", Goal: "g", Backstory: "b", LLM: m, MaxRetryLimit: -1}
	wr := &task.Task{Name: "write", Description: "Write.", ExpectedOutput: "text", Agent: a}
	c := &crew.Crew{Name: "newsroom", Agents: []*agent.Agent{a}, Tasks: []*task.Task{wr}, Bus: &event.Bus{}, Verbose: true}
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
	_, kerr := c.Kickoff(context.Background(), nil)
	os.Stderr = old
	w.Close()
	out := <-done
	if kerr == nil {
		t.Fatal("no error")
	}
	if n := strings.Count(out, "model exploded"); n != 1 {
		t.Fatalf("the error is printed %d times, want once:\n%s", n, out)
	}
	for _, s := range []string{"Agent Writer failed", `Task "write" failed`, `Crew "newsroom" failed`} {
		if !strings.Contains(out, s) {
			t.Errorf("missing %q in:\n%s", s, out)
		}
	}
}

package agent_test

import (
	"context"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
)

func TestToolCallThenAnswer(t *testing.T) {
	search := newEcho("search")
	m := &llmtest.Scripted{Replies: []llmtest.Reply{
		{ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"q":"go"}`}}},
		{Content: "Go is a language."},
	}}
	a := &agent.Agent{Role: "Researcher", Goal: "Find facts", LLM: m, Tools: []tool.Tool{search}}
	ctx, rec := record(context.Background())
	res, err := a.Execute(ctx, agent.Job{Description: "What is Go?", ExpectedOutput: "One sentence"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != "Go is a language." || res.Iterations != 2 || search.Runs() != 1 {
		t.Fatalf("got %+v, runs %d", res, search.Runs())
	}
	reqs := m.Requests()
	if len(reqs) != 2 || len(reqs[0].Tools) != 1 || reqs[0].Tools[0].Name != "search" {
		t.Fatalf("requests: %+v", reqs)
	}
	last := reqs[1].Messages[len(reqs[1].Messages)-1]
	if last.Role != llm.RoleTool || last.Content != "search:go" || last.ToolCallID != "call_1" {
		t.Fatalf("tool message: %+v", last)
	}
	rec.checkPairs(t)
	t.Log(rec.tree())
}

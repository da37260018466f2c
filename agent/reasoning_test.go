package agent_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

func TestReasoning(t *testing.T) {
	cases := []struct {
		name         string
		max          int
		plans        []string
		wantAttempts int
		wantReady    bool
		wantPlan     string
	}{
		{name: "ready at once", plans: []string{"1. look\n2. answer\nREADY"}, wantAttempts: 1, wantReady: true,
			wantPlan: "1. look\n2. answer"},
		{name: "refined until ready", plans: []string{"1. look\nNOT READY", "1. look\n2. check\n3. answer\n**READY**"},
			wantAttempts: 2, wantReady: true, wantPlan: "1. look\n2. check\n3. answer"},
		{name: "maximum reached", max: 2, plans: []string{"1. a\nNOT READY", "1. a\n2. b\nNOT READY"},
			wantAttempts: 2, wantPlan: "1. a\n2. b"},
		{name: "no marker is not ready", max: 1, plans: []string{"just do it"}, wantAttempts: 1, wantPlan: "just do it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var replies []llmtest.Reply
			for _, p := range tc.plans {
				replies = append(replies, llmtest.Reply{Content: p})
			}
			replies = append(replies, llmtest.Reply{Content: "the answer"})
			m := &llmtest.Scripted{Replies: replies}
			a := &agent.Agent{Role: "Planner", LLM: m, Reasoning: true, MaxReasoningAttempts: tc.max}
			ctx, rec := record(context.Background())
			res, err := a.Execute(ctx, agent.Job{Description: "Answer the question."})
			if err != nil {
				t.Fatal(err)
			}
			reqs := m.Requests()
			if len(reqs) != tc.wantAttempts+1 {
				t.Fatalf("model calls = %d, want %d", len(reqs), tc.wantAttempts+1)
			}
			if res.Usage.Requests != len(reqs) {
				t.Fatalf("usage counts %d requests, want %d", res.Usage.Requests, len(reqs))
			}
			work := reqs[len(reqs)-1].Messages[1].Content
			if !strings.Contains(work, tc.wantPlan) || strings.Contains(work, "READY") {
				t.Fatalf("the work prompt does not hold the plan without its marker:\n%s", work)
			}
			if !strings.Contains(reqs[0].Messages[1].Content, "Answer the question.") {
				t.Fatal("the planner did not see the job")
			}
			var done *event.ReasoningCompleted
			for _, e := range rec.all() {
				if c, ok := e.(*event.ReasoningCompleted); ok {
					done = c
				}
			}
			if done == nil || done.Attempts != tc.wantAttempts || done.Ready != tc.wantReady || done.Plan != tc.wantPlan {
				t.Fatalf("reasoning_completed = %+v", done)
			}
			tree := strings.Join(rec.tree(), "\n")
			want := "reasoning_started\n" + strings.Repeat("  llm_call_started\n", tc.wantAttempts) +
				"agent_execution_started\n  llm_call_started"
			if tree != want {
				t.Fatalf("event tree:\n%s\nwant:\n%s", tree, want)
			}
			rec.checkPairs(t)
		})
	}
}

func TestReasoningErrors(t *testing.T) {
	a := &agent.Agent{Role: "P", LLM: &llmtest.Scripted{}, Reasoning: true, MaxReasoningAttempts: -1}
	if _, err := a.Execute(context.Background(), agent.Job{Description: "x"}); !errors.Is(err, agent.ErrInvalid) ||
		!strings.Contains(err.Error(), "MaxReasoningAttempts is -1") {
		t.Fatalf("err = %v", err)
	}
	boom := errors.New("planner down")
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Err: boom}}}
	a = &agent.Agent{Role: "P", LLM: m, Reasoning: true}
	ctx, rec := record(context.Background())
	_, err := a.Execute(ctx, agent.Job{Description: "x"})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	var failed bool
	for _, e := range rec.all() {
		if _, ok := e.(*event.ReasoningFailed); ok {
			failed = true
		}
	}
	if !failed {
		t.Fatal("no reasoning_failed event")
	}
	rec.checkPairs(t)
	_ = llm.Usage{}
}

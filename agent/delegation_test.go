package agent_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

func TestDelegation(t *testing.T) {
	tests := []struct {
		name      string
		args      string
		delegates []string
		writerErr bool
		wantObs   string // substring of the observation the manager sees
		wantTree  []string
		wantCalls int // model calls of the writer
	}{
		{
			name:    "to a coworker",
			args:    `{"coworker":"  'writer' ", "task":"Write a haiku","context":"about rain"}`,
			wantObs: "a haiku about rain", wantCalls: 1,
			wantTree: []string{
				"agent_execution_started",
				"  llm_call_started",
				"  tool_usage_started",
				"    delegation_started",
				"      agent_execution_started",
				"        llm_call_started",
				"  llm_call_started",
			},
		},
		{
			name:    "unknown coworker",
			args:    `{"coworker":"Painter","task":"Paint","context":""}`,
			wantObs: `there is no coworker "Painter". Choose one of: "Writer", "Editor"`,
			wantTree: []string{
				"agent_execution_started",
				"  llm_call_started",
				"  tool_usage_started",
				"  llm_call_started",
			},
		},
		{
			name:      "restricted",
			args:      `{"coworker":"writer","task":"Write","context":""}`,
			delegates: []string{"EDITOR"},
			wantObs:   `may not delegate to "Writer". You may delegate to: "Editor"`,
		},
		{
			name:      "coworker fails",
			args:      `{"coworker":"Writer","task":"Write","context":""}`,
			writerErr: true, wantCalls: 1,
			wantObs: `coworker "Writer" could not finish`,
		},
		{
			name:    "missing field",
			args:    `{"coworker":"Writer"}`,
			wantObs: `needs a non-empty "coworker" and "task"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wr := llmtest.Reply{Content: "a haiku about rain", Usage: llm.Usage{TotalTokens: 7, Requests: 1}}
			if tt.writerErr {
				wr = llmtest.Reply{Err: &llm.Error{Kind: llm.ErrAuth}}
			}
			writerLLM := &llmtest.Scripted{Replies: []llmtest.Reply{wr}}
			writer := &agent.Agent{Role: "Writer", LLM: writerLLM}
			editor := &agent.Agent{Role: "Editor", LLM: &llmtest.Scripted{}}
			mgrLLM := &llmtest.Scripted{Replies: []llmtest.Reply{
				{ToolCalls: []llm.ToolCall{{Name: "delegate_work", Arguments: tt.args}}, Usage: llm.Usage{TotalTokens: 100, Requests: 1}},
				{Content: "final", Usage: llm.Usage{TotalTokens: 100, Requests: 1}},
			}}
			mgr := &agent.Agent{Role: "Manager", LLM: mgrLLM, AllowDelegation: true, Delegates: tt.delegates}
			ctx, rec := record(context.Background())
			res, err := mgr.Execute(ctx, agent.Job{Description: "Get a poem",
				Coworkers: []*agent.Agent{mgr, writer, editor}})
			if err != nil {
				t.Fatal(err)
			}
			reqs := mgrLLM.Requests()
			var names []string
			for _, d := range reqs[0].Tools {
				names = append(names, d.Name)
			}
			if !reflect.DeepEqual(names, []string{"delegate_work", "ask_question"}) {
				t.Fatalf("tools offered: %v", names)
			}
			if strings.Contains(reqs[0].Tools[0].Description, `"Manager"`) {
				t.Errorf("the agent is offered itself as coworker: %q", reqs[0].Tools[0].Description)
			}
			obs := reqs[1].Messages[len(reqs[1].Messages)-1].Content
			if !strings.Contains(obs, tt.wantObs) {
				t.Fatalf("observation %q lacks %q", obs, tt.wantObs)
			}
			if got := len(writerLLM.Requests()); got != tt.wantCalls {
				t.Fatalf("writer made %d calls, want %d", got, tt.wantCalls)
			}
			wantTokens := 200
			if tt.wantCalls == 1 && !tt.writerErr {
				wantTokens = 207
				wreq := writerLLM.Requests()[0].Messages[1].Content
				if !strings.Contains(wreq, "Write a haiku") || !strings.Contains(wreq, "about rain") {
					t.Errorf("writer's prompt %q", wreq)
				}
			}
			if res.Usage.TotalTokens != wantTokens {
				t.Errorf("usage %+v, want %d tokens", res.Usage, wantTokens)
			}
			rec.checkPairs(t)
			if tt.wantTree != nil {
				if got := rec.tree(); !reflect.DeepEqual(got, tt.wantTree) {
					t.Fatalf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantTree, "\n"))
				}
			}
			for _, e := range rec.all() {
				switch ev := e.(type) {
				case *event.DelegationStarted:
					if ev.From != "Manager" || ev.To != "Writer" || ev.Question || !strings.HasPrefix(ev.Task, "Write") {
						t.Errorf("delegation started %+v", ev)
					}
				case *event.DelegationCompleted:
					if ev.Result != "a haiku about rain" {
						t.Errorf("delegation completed %+v", ev)
					}
				case *event.DelegationFailed:
					if !tt.writerErr || !errors.Is(ev.Err, llm.ErrAuth) {
						t.Errorf("delegation failed %+v", ev)
					}
				}
			}
		})
	}
}

func TestAskQuestion(t *testing.T) {
	expert := &agent.Agent{Role: "Go Expert", LLM: &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "Use errgroup."}}}}
	m := &llmtest.Scripted{NoTools: true, Replies: []llmtest.Reply{
		{Content: "Thought: ask\nAction: Ask Question\nAction Input: {\"coworker\": \"go-expert\", \"question\": \"How to fan out?\", \"context\": \"Go\"}"},
		{Content: "Final Answer: errgroup it is"},
	}}
	a := &agent.Agent{Role: "Lead", LLM: m, AllowDelegation: true}
	ctx, rec := record(context.Background())
	res, err := a.Execute(ctx, agent.Job{Description: "d", Coworkers: []*agent.Agent{expert}})
	if err != nil || res.Output != "errgroup it is" {
		t.Fatal(res, err)
	}
	if sys := m.Requests()[0].Messages[0].Content; !strings.Contains(sys, "ask_question") || !strings.Contains(sys, `"Go Expert"`) {
		t.Errorf("system prompt %q", sys)
	}
	if obs := m.Requests()[1].Messages[3].Content; obs != "Observation: Use errgroup." {
		t.Errorf("observation %q", obs)
	}
	rec.checkPairs(t)
	found := false
	for _, e := range rec.all() {
		if d, ok := e.(*event.DelegationStarted); ok && d.Question && d.To == "Go Expert" && d.Task == "How to fan out?" {
			found = true
		}
	}
	if !found {
		t.Fatal("no question delegation event")
	}
}

func TestNoDelegationTools(t *testing.T) {
	other := &agent.Agent{Role: "Other", LLM: &llmtest.Scripted{}}
	for _, tc := range []struct {
		name string
		a    *agent.Agent
		job  agent.Job
	}{
		{"no coworkers", &agent.Agent{Role: "R", AllowDelegation: true}, agent.Job{}},
		{"only itself", nil, agent.Job{}},
		{"delegation not allowed", &agent.Agent{Role: "R"}, agent.Job{Coworkers: []*agent.Agent{other}}},
		{"all refused", &agent.Agent{Role: "R", AllowDelegation: true, Delegates: []string{"Nobody"}},
			agent.Job{Coworkers: []*agent.Agent{other}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "ok"}}}
			a := tc.a
			if a == nil {
				a = &agent.Agent{Role: "R", AllowDelegation: true}
				tc.job.Coworkers = []*agent.Agent{a}
			}
			a.LLM = m
			tc.job.Description = "d"
			if _, err := a.Execute(context.Background(), tc.job); err != nil {
				t.Fatal(err)
			}
			if tools := m.Requests()[0].Tools; len(tools) != 0 {
				t.Fatalf("tools offered: %+v", tools)
			}
		})
	}
}

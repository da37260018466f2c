package task_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/task"
)

// userPrompt returns the first user message of a request: the task prompt.
func userPrompt(req llm.Request) string {
	for _, m := range req.Messages {
		if m.Role == llm.RoleUser {
			return m.Content
		}
	}
	return ""
}

func TestTrainingInstructionsGoIntoTheTaskPrompt(t *testing.T) {
	tests := []struct {
		name     string
		training *task.Training
		want     []string // in the task prompt
		wantNot  []string
	}{
		{name: "no training", training: nil, wantNot: []string{"Follow these instructions"}},
		{name: "the agent's role", want: []string{"Write a report on AI.",
			"Follow these instructions, learned from a person's feedback on your earlier work:\n- Cite {sources}.\n- Be brief."},
			training: &task.Training{Instructions: func(role string) []string {
				if role == "{topic} Writer" { // as written (not "AI Writer"), trimmed
					return []string{" Cite {sources}. ", "", "Be brief."}
				}
				return nil
			}}},
		{name: "another role", wantNot: []string{"Follow these instructions"},
			training: &task.Training{Instructions: func(role string) []string {
				if role == "Editor" {
					return []string{"Cut."}
				}
				return nil
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := drafts()
			a := &agent.Agent{Role: " {topic} Writer\n", Goal: "Write.", Backstory: "You write.", LLM: m}
			tk := &task.Task{Name: "report", Description: "Write a report on {topic}.", ExpectedOutput: "A report", Agent: a}
			ctx := task.WithTraining(context.Background(), tt.training)
			if _, err := tk.Execute(ctx, task.Run{Inputs: map[string]any{"topic": "AI"}}); err != nil {
				t.Fatal(err)
			}
			p := userPrompt(m.Requests()[0])
			for _, w := range tt.want {
				if !strings.Contains(p, w) {
					t.Errorf("the task prompt lacks %q:\n%s", w, p)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(p, w) {
					t.Errorf("the task prompt has %q:\n%s", w, p)
				}
			}
		})
	}
}

func TestTrainingRound(t *testing.T) {
	tests := []struct {
		name       string
		answer     string
		humanInput bool
		wantOutput string
		wantRound  task.TrainingRound
		wantCalls  int
	}{
		{name: "feedback revises once", answer: "  Add numbers. ", wantOutput: "draft 2", wantCalls: 2,
			wantRound: task.TrainingRound{Task: "report", Agent: "Writer", Role: "Writer", InitialOutput: "draft 1",
				Feedback: "Add numbers.", ImprovedOutput: "draft 2", Usage: humanUsage}},
		{name: "empty answer accepts", answer: "", wantOutput: "draft 1", wantCalls: 1,
			wantRound: task.TrainingRound{Task: "report", Agent: "Writer", Role: "Writer", InitialOutput: "draft 1",
				ImprovedOutput: "draft 1"}},
		// HumanInput would ask again after the revision; training asks once.
		{name: "replaces human input rounds", answer: "Shorter.", humanInput: true, wantOutput: "draft 2", wantCalls: 2,
			wantRound: task.TrainingRound{Task: "report", Agent: "Writer", Role: "Writer", InitialOutput: "draft 1",
				Feedback: "Shorter.", ImprovedOutput: "draft 2", Usage: humanUsage}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := drafts()
			a := &agent.Agent{Role: "Writer", Goal: "Write.", Backstory: "You write.", LLM: m}
			other, otherQs := answers("from the task's provider")
			tk := &task.Task{Name: "report", Description: "Write a report.", ExpectedOutput: "A report", Agent: a,
				HumanInput: tt.humanInput, HumanProvider: other}
			p, qs := answers(tt.answer)
			var mu sync.Mutex
			var rounds []task.TrainingRound
			ctx := task.WithTraining(context.Background(), &task.Training{Human: p, Iteration: 3,
				Record: func(_ context.Context, r task.TrainingRound) error {
					mu.Lock()
					defer mu.Unlock()
					rounds = append(rounds, r)
					return nil
				}})
			out, err := tk.Execute(ctx, task.Run{})
			if err != nil {
				t.Fatal(err)
			}
			if out.Raw != tt.wantOutput {
				t.Errorf("output %q, want %q", out.Raw, tt.wantOutput)
			}
			if got := len(m.Requests()); got != tt.wantCalls {
				t.Errorf("%d model calls, want %d", got, tt.wantCalls)
			}
			if len(*qs) != 1 || len(*otherQs) != 0 {
				t.Fatalf("questions: %d to the training's provider, %d to the task's; want 1 and 0", len(*qs), len(*otherQs))
			}
			q := (*qs)[0]
			if q.Where != "report" || q.Output != "draft 1" || !strings.Contains(q.Message, "Training run 3") ||
				q.Metadata["iteration"] != "3" || q.Metadata["training"] != "true" {
				t.Errorf("question = %+v", q)
			}
			if len(rounds) != 1 {
				t.Fatalf("%d rounds recorded, want 1", len(rounds))
			}
			r := rounds[0]
			if r.Started.IsZero() {
				t.Error("round without a start time")
			}
			r.Started = tt.wantRound.Started
			if r != tt.wantRound {
				t.Errorf("round = %+v\nwant    %+v", r, tt.wantRound)
			}
			if tt.wantRound.Feedback != "" {
				last := m.Requests()[1]
				if got := last.Messages[len(last.Messages)-1].Content; !strings.Contains(got, tt.wantRound.Feedback) {
					t.Errorf("the revision's last message lacks the feedback: %q", got)
				}
			}
			if want := humanUsage.Add(tt.wantRound.Usage); out.Usage != want {
				t.Errorf("usage %+v, want %+v (both calls)", out.Usage, want)
			}
		})
	}
}

func TestTrainingRoundFailures(t *testing.T) {
	t.Run("no answer", func(t *testing.T) {
		a := &agent.Agent{Role: "Writer", Goal: "Write.", Backstory: "You write.", LLM: drafts()}
		tk := &task.Task{Name: "report", Description: "Write a report.", Agent: a}
		p := human.Func(func(context.Context, human.Question) (string, error) { return "", human.ErrClosed })
		ctx := task.WithTraining(context.Background(), &task.Training{Human: p,
			Record: func(context.Context, task.TrainingRound) error {
				t.Error("recorded a round without an answer")
				return nil
			}})
		_, err := tk.Execute(ctx, task.Run{})
		var he *task.HumanInputError
		if !errors.As(err, &he) || he.Output != "draft 1" || !errors.Is(err, human.ErrClosed) {
			t.Fatalf("err = %v, want a *HumanInputError keeping the answer", err)
		}
	})
	t.Run("record fails", func(t *testing.T) {
		a := &agent.Agent{Role: "Writer", Goal: "Write.", Backstory: "You write.", LLM: drafts()}
		tk := &task.Task{Name: "report", Description: "Write a report.", Agent: a}
		p, _ := answers("")
		disk := errors.New("disk full")
		ctx := task.WithTraining(context.Background(), &task.Training{Human: p,
			Record: func(context.Context, task.TrainingRound) error { return disk }})
		if _, err := tk.Execute(ctx, task.Run{}); !errors.Is(err, disk) || !strings.Contains(err.Error(), `task "report"`) {
			t.Fatalf("err = %v, want the record's error, naming the task", err)
		}
	})
}

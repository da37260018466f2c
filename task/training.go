package task

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
)

// Training joins the tasks of a kickoff to a training, as CrewAI's
// Crew.train does, or gives them what a training taught. Put it in the
// kickoff's context with [WithTraining]: every task run under that context
// reads it (package project's train and run commands do). The zero value
// changes nothing. A Training is read, never modified, by the tasks; its
// functions must be safe for concurrent use (async tasks run at once).
type Training struct {
	// Instructions, if set, returns lines to add to the prompt of each task
	// done by the agent whose Role (as written, before inputs, trimmed of
	// surrounding spaces) is role: the suggestions a training distilled,
	// or during a training the feedback given so far. They follow the
	// task's description, as CrewAI appends them to the task prompt.
	Instructions func(role string) []string
	// Record, if set, makes the kickoff a training run: after the agent's
	// first final answer to each task a person is asked once for feedback
	// (through Human); with feedback the agent revises its answer once, and
	// the revised answer is the task's answer, the one later tasks see. An
	// empty answer accepts the first answer as it is. Record is then
	// called, on the task's goroutine and inside its step, with the round;
	// an error it returns fails the task. While training, these rounds
	// replace the task's own HumanInput rounds.
	Record func(ctx context.Context, r TrainingRound) error
	// Human is where the feedback questions of a training run go; nil
	// means the task's HumanProvider, else the provider in the context,
	// else the console.
	Human human.Provider
	// Iteration numbers the training run (1, 2, ...) in the questions; 0
	// leaves it out.
	Iteration int
}

// TrainingRound is one task's round of a training run: what the agent
// answered first, what the person said, and what the agent answered with
// that feedback. It is a plain value.
type TrainingRound struct {
	// Task is the task's display name.
	Task string
	// Agent is the agent's Role as written (trimmed), the key of its
	// instructions.
	Agent string
	// Role is the role with the kickoff's inputs filled in.
	Role string
	// InitialOutput is the agent's first final answer.
	InitialOutput string
	// Feedback is the person's answer, trimmed; empty when they accepted
	// the first answer.
	Feedback string
	// ImprovedOutput is the answer revised with the feedback (the first
	// answer when there was none).
	ImprovedOutput string
	// Started is when the question was asked.
	Started time.Time
	// Usage is what the revision cost (zero without feedback).
	Usage llm.Usage
}

type trainingKey struct{}

// WithTraining returns a context whose kickoffs' tasks follow t (see
// [Training]). A nil t is ignored.
func WithTraining(ctx context.Context, t *Training) context.Context {
	if t == nil {
		return ctx
	}
	return context.WithValue(ctx, trainingKey{}, t)
}

// TrainingFrom returns the Training WithTraining put in ctx, or nil.
func TrainingFrom(ctx context.Context) *Training {
	t, _ := ctx.Value(trainingKey{}).(*Training)
	return t
}

// instructionsIntro introduces an agent's trained instructions in a task's
// prompt.
const instructionsIntro = "\n\nFollow these instructions, learned from a person's feedback on your earlier work:"

// trainedInstructions is the text added to the description of a task done
// by a: empty without a Training or instructions for a's role.
func trainedInstructions(ctx context.Context, a *agent.Agent) string {
	tr := TrainingFrom(ctx)
	if tr == nil || tr.Instructions == nil {
		return ""
	}
	lines := tr.Instructions(strings.TrimSpace(a.Role))
	var b strings.Builder
	for _, l := range lines {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if b.Len() == 0 {
			b.WriteString(instructionsIntro)
		}
		b.WriteString("\n- ")
		b.WriteString(l)
	}
	return b.String()
}

// trainingQuestion is what a person is asked about an answer in training.
const trainingQuestion = "Training%s: review this answer. Your feedback goes to the agent, which revises the answer once; " +
	"it is also what the agent learns from. Press Enter to accept the answer as it is."

// trainingRound asks for feedback on res, has the agent revise once with
// it, and records the round. It shares HumanInput's question step and its
// way of continuing the agent's conversation (revise).
func (t *Task) trainingRound(ctx context.Context, tr *Training, a *agent.Agent, job agent.Job, name string,
	res *agent.Result) (*agent.Result, error) {
	p := tr.Human
	if p == nil {
		p = t.HumanProvider
	}
	run := ""
	meta := map[string]string{"training": "true"}
	if tr.Iteration > 0 {
		run = " run " + strconv.Itoa(tr.Iteration)
		meta["iteration"] = strconv.Itoa(tr.Iteration)
	}
	round := TrainingRound{Task: name, Agent: strings.TrimSpace(a.Role), Role: RoleOf(a, job.Inputs),
		InitialOutput: res.Output, ImprovedOutput: res.Output, Started: time.Now()}
	meta["agent"] = round.Role
	ans, herr := human.Ask(ctx, p, human.Question{Message: fmt.Sprintf(trainingQuestion, run), Output: res.Output,
		Where: name, Round: 1, Metadata: meta})
	if herr != nil {
		return res, &HumanInputError{Task: name, Output: res.Output, Rounds: 1, Err: herr}
	}
	round.Feedback = ans.Text
	if ans.Text != "" {
		res2, err := revise(ctx, a, job, res, ans.Text)
		if err != nil {
			return &agent.Result{Output: res.Output, Usage: res.Usage}, err
		}
		round.ImprovedOutput, round.Usage = res2.Output, res2.Usage
		res2.Usage = res.Usage.Add(res2.Usage)
		res = res2
	}
	if tr.Record != nil {
		if err := tr.Record(ctx, round); err != nil {
			return res, fmt.Errorf("recording the training round: %w", err)
		}
	}
	return res, nil
}

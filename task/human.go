package task

import (
	"context"
	"fmt"
	"strconv"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
)

// humanQuestion is what a person is asked about a task's answer.
const humanQuestion = "Review this answer. Type feedback for the agent to revise it, or press Enter to accept it."

// feedbackPrompt carries a person's feedback back to the agent.
const feedbackPrompt = "A person reviewed your final answer and gave this feedback:\n\n%s\n\n" +
	"Revise your answer to address it. Give the complete revised answer as your final answer, " +
	"with no comment on the feedback itself."

// HumanInputError is a task with HumanInput whose question to a person got
// no answer (the provider failed, timed out, or the input ended). Output is
// the agent's last answer, which the person had not accepted yet: nothing
// produced before the failure is lost. Err is the [*human.Error], so
// errors.Is(err, human.ErrTimeout) and the like work. It is not modified
// once returned.
type HumanInputError struct {
	// Task is the task's display name.
	Task string
	// Output is the agent's last answer.
	Output string
	// Rounds counts the questions asked, the failed one included.
	Rounds int
	// Err is the cause (a *human.Error).
	Err error
}

// Error names the round and the cause (Execute's error names the task
// around it).
func (e *HumanInputError) Error() string {
	return "human input, round " + strconv.Itoa(e.Rounds) + ": " + fmt.Sprint(e.Err)
}

// Unwrap returns the cause.
func (e *HumanInputError) Unwrap() error { return e.Err }

// execute runs the job once and, with HumanInput, asks a person about each
// final answer: feedback continues the agent's conversation with the
// feedback as a new user message and runs the agent again, until the person
// gives none. The Result's Usage counts every round; on error the Result,
// when not nil, holds the usage of the rounds that succeeded.
func (t *Task) execute(ctx context.Context, a *agent.Agent, job agent.Job, name string) (*agent.Result, error) {
	res, err := a.Execute(ctx, job)
	if err != nil {
		return res, err
	}
	if tr := TrainingFrom(ctx); tr != nil && tr.Record != nil {
		return t.trainingRound(ctx, tr, a, job, name, res)
	}
	if !t.HumanInput {
		return res, nil
	}
	usage := res.Usage
	for round := 1; ; round++ {
		ans, herr := human.Ask(ctx, t.HumanProvider, human.Question{Message: humanQuestion, Output: res.Output,
			Where: name, Round: round})
		if herr != nil {
			res.Usage = usage
			return res, &HumanInputError{Task: name, Output: res.Output, Rounds: round, Err: herr}
		}
		if ans.Text == "" {
			res.Usage = usage
			return res, nil
		}
		res2, err := revise(ctx, a, job, res, ans.Text)
		if err != nil {
			return &agent.Result{Output: res.Output, Usage: usage}, err
		}
		usage = usage.Add(res2.Usage)
		res = res2
	}
}

// revise runs the agent again on job, continuing the conversation of res
// with a person's feedback as a new user message.
func revise(ctx context.Context, a *agent.Agent, job agent.Job, res *agent.Result, feedback string) (*agent.Result, error) {
	next := job
	prior := res.Messages
	if len(prior) >= 2 {
		prior = prior[2:] // after the system and task messages, rebuilt by the agent
	}
	next.Messages = make([]llm.Message, 0, len(prior)+1)
	next.Messages = append(next.Messages, prior...)
	next.Messages = append(next.Messages, llm.Message{Role: llm.RoleUser, Content: fmt.Sprintf(feedbackPrompt, feedback)})
	return a.Execute(ctx, next)
}

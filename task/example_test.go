package task_test

import (
	"context"
	"fmt"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// Summary is the structured output of the example task.
type Summary struct {
	Topic     string   `json:"topic"`
	KeyPoints []string `json:"key_points"`
}

// A task with structured output: the model's JSON reply is validated against
// Summary's schema and decoded into a Summary.
func Example_structuredOutput() {
	model := &llmtest.Scripted{Replies: []llmtest.Reply{
		{Content: `{"topic": "Go", "key_points": ["simple", "fast builds"]}`},
	}}
	analyst := &agent.Agent{Role: "Analyst", Goal: "Summarise {topic}", LLM: model}
	t := &task.Task{
		Name:           "summary",
		Description:    "Summarise the strengths of {topic}.",
		ExpectedOutput: "The topic and its key points",
		Agent:          analyst,
		Output:         task.As[Summary](),
	}
	out, err := t.Execute(context.Background(), task.Run{Inputs: map[string]any{"topic": "Go"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := task.ValueAs[Summary](*out)
	fmt.Println(out.Description)
	fmt.Println(s.Topic, s.KeyPoints)
	fmt.Println(string(out.JSON))
	// Output:
	// Summarise the strengths of Go.
	// Go [simple fast builds]
	// {"topic":"Go","key_points":["simple","fast builds"]}
}

// A guardrail rejects an answer; the agent tries again with the feedback.
func ExampleGuardrail() {
	model := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "TBD"}, {Content: "Ship on Friday."}}}
	t := &task.Task{
		Description: "Decide the release day.",
		Agent:       &agent.Agent{Role: "Lead", LLM: model},
		Guardrails: []task.Guardrail{task.Check("a day", func(o task.TaskOutput) error {
			if o.Raw == "TBD" {
				return fmt.Errorf("name a day")
			}
			return nil
		})},
	}
	out, err := t.Execute(context.Background(), task.Run{})
	fmt.Println(out.Raw, err, len(model.Requests()))
	// Output: Ship on Friday. <nil> 2
}

// A plain-language guardrail: a model checks the rule and answers with a
// structured verdict; its feedback sends the agent back to work.
func ExampleGuardrail_rule() {
	writer := &llmtest.Scripted{Replies: []llmtest.Reply{
		{Content: "Go is fast."},
		{Content: "Go is fast [1] and simple [2]."},
	}}
	judge := &llmtest.Scripted{Replies: []llmtest.Reply{
		{Content: `{"valid": false, "feedback": "cite at least two sources, as [1] and [2]"}`},
		{Content: `{"valid": true, "feedback": ""}`},
	}}
	t := &task.Task{
		Description: "Say why teams pick Go.",
		Agent:       &agent.Agent{Role: "Writer", LLM: writer},
		Guardrails:  []task.Guardrail{{Name: "sources", Rule: "The answer cites at least two sources.", LLM: judge}},
	}
	out, err := t.Execute(context.Background(), task.Run{})
	fmt.Println(out.Raw, err)
	fmt.Println(len(writer.Requests()), "answers,", len(judge.Requests()), "verdicts")
	// Output:
	// Go is fast [1] and simple [2]. <nil>
	// 2 answers, 2 verdicts
}

package agent_test

import (
	"context"
	"fmt"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
)

// An agent with a tool, driven by a scripted model: the model calls the
// tool, then answers.
func ExampleAgent_Execute() {
	type query struct {
		Q string `json:"q" desc:"what to look up"`
	}
	search := tool.New("search", "Look something up", func(_ context.Context, in query) (string, error) {
		return "Go was announced by Google in 2009.", nil
	})
	model := &llmtest.Scripted{Replies: []llmtest.Reply{
		{ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"q":"Go history"}`}}},
		{Content: "Go was announced in 2009."},
	}}
	researcher := &agent.Agent{
		Role:  "{topic} Researcher",
		Goal:  "Find facts about {topic}",
		LLM:   model,
		Tools: []tool.Tool{search},
		StepCallback: func(s agent.Step) {
			for _, c := range s.ToolCalls {
				fmt.Printf("step %d: %s -> %s\n", s.Iteration, c.Call.Name, c.Result.Output)
			}
		},
	}
	res, err := researcher.Execute(context.Background(), agent.Job{
		Description:    "When was Go announced?",
		ExpectedOutput: "One sentence",
		Inputs:         map[string]any{"topic": "Go"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Output)
	fmt.Println("model calls:", res.Usage.Requests)
	// Output:
	// step 1: search -> Go was announced by Google in 2009.
	// Go was announced in 2009.
	// model calls: 2
}

// A missing input is an error before any model call, naming the placeholder
// and the field.
func ExampleAgent_Execute_missingInput() {
	a := &agent.Agent{Role: "Analyst", Goal: "Study {topic}", LLM: &llmtest.Scripted{}}
	_, err := a.Execute(context.Background(), agent.Job{Description: "d", Inputs: map[string]any{"year": 2026}})
	fmt.Println(err)
	// Output:
	// agent "Analyst": invalid agent: interpolate: agent "Analyst" Goal uses {topic} but the inputs have no "topic" (inputs given: year)
}

// A standalone agent whose answer must pass two guardrails: a Go check and
// a plain-language rule checked by a model. The first answer is rejected
// by the rule; the agent answers again with the feedback.
func ExampleGuardrail() {
	writer := &llmtest.Scripted{Replies: []llmtest.Reply{
		{Content: "Go is fast."},
		{Content: "Go is fast: it compiles to machine code [1]."},
	}}
	checker := &llmtest.Scripted{Replies: []llmtest.Reply{
		{Content: `{"valid": false, "feedback": "cite a source for the claim"}`},
		{Content: `{"valid": true, "feedback": ""}`},
	}}
	a := &agent.Agent{Role: "Writer", Goal: "Explain Go", LLM: writer, Guardrails: []agent.Guardrail{
		{Name: "not empty", Func: func(_ context.Context, out agent.KickoffOutput) (agent.KickoffOutput, error) {
			if out.Raw == "" {
				return out, fmt.Errorf("the answer is empty")
			}
			return out, nil
		}},
		{Name: "cites", Rule: "every claim cites a source", LLM: checker},
	}}
	out, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "Why is Go fast?"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Raw)
	fmt.Println("model calls:", out.Usage.Requests)
	// Output:
	// Go is fast: it compiles to machine code [1].
	// model calls: 4
}

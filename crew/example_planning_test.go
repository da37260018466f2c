package crew_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// A crew that plans before it works: one planner call writes a plan for
// every task, and each task's agent gets its plan in its prompt.
func Example_planning() {
	planner := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: `{"plans": [
		{"task_number": 1, "plan": "1. List three strengths. 2. Give one example each."},
		{"task_number": 2, "plan": "1. Pick the strongest point. 2. Write one sentence."}]}`}}}
	// Each agent answers with the first step of the plan it was given.
	follow := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		prompt := req.Messages[len(req.Messages)-1].Content
		plan := prompt[strings.Index(prompt, "requires):\n")+len("requires):\n"):]
		return llmtest.Reply{Content: "Following: " + plan[:strings.Index(plan, " 2.")]}
	}}
	analyst := &agent.Agent{Role: "Analyst", LLM: follow}
	c := &crew.Crew{
		Planning:    true,
		PlanningLLM: planner,
		Tasks: []*task.Task{
			{Name: "analyse", Description: "Analyse why teams pick Go.", Agent: analyst},
			{Name: "summarise", Description: "Summarise the analysis.", Agent: analyst},
		},
	}
	out, err := c.Kickoff(context.Background(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, t := range out.Tasks {
		fmt.Printf("plan %d: %s\n%s: %s\n", i+1, out.Plans[i], t.Name, t.Raw)
	}
	// Output:
	// plan 1: 1. List three strengths. 2. Give one example each.
	// analyse: Following: 1. List three strengths.
	// plan 2: 1. Pick the strongest point. 2. Write one sentence.
	// summarise: Following: 1. Pick the strongest point.
}

package crew_test

import (
	"context"
	"fmt"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// A sequential crew of two agents on scripted models: the writer's task sees
// the researcher's output as context.
func Example() {
	researchModel := &llmtest.Scripted{Replies: []llmtest.Reply{
		{Content: "Go 1.26 ships a faster garbage collector.", Usage: llm.Usage{PromptTokens: 40, CompletionTokens: 10, TotalTokens: 50}},
	}}
	writerModel := &llmtest.Scripted{Replies: []llmtest.Reply{
		{Content: "Go gets faster: the new collector cuts pauses.", Usage: llm.Usage{PromptTokens: 60, CompletionTokens: 12, TotalTokens: 72}},
	}}
	researcher := &agent.Agent{Role: "{topic} Researcher", Goal: "Find news about {topic}", LLM: researchModel}
	writer := &agent.Agent{Role: "Writer", Goal: "Write short articles", LLM: writerModel}
	c := &crew.Crew{
		Name:   "news",
		Agents: []*agent.Agent{researcher, writer},
		Tasks: []*task.Task{
			{Name: "research", Description: "Find the latest news about {topic}.", Agent: researcher},
			{Name: "write", Description: "Write a headline about {topic}.", Agent: writer},
		},
	}
	out, err := c.Kickoff(context.Background(), map[string]any{"topic": "Go"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range out.Tasks {
		fmt.Printf("%s by %s: %s\n", t.Name, t.Agent, t.Raw)
	}
	fmt.Println("tokens:", out.Usage.TotalTokens, "requests:", out.Usage.Requests)
	// Output:
	// research by Go Researcher: Go 1.26 ships a faster garbage collector.
	// write by Writer: Go gets faster: the new collector cuts pauses.
	// tokens: 122 requests: 2
}

// Validation happens before any model call and names the field at fault.
func ExampleCrew_Validate() {
	c := &crew.Crew{Name: "broken", Tasks: []*task.Task{{Name: "orphan", Description: "Do something."}}}
	fmt.Println(c.Validate(nil))
	// Output: crew "broken": Tasks[0].Agent: task "orphan" has no agent; a sequential crew needs an agent on every task
}

// KickoffForEach runs one kickoff per input, concurrently, and returns the
// outputs in input order.
func ExampleCrew_KickoffForEach() {
	model := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		return llmtest.Reply{Content: "summary of " + req.Messages[len(req.Messages)-1].Content}
	}}
	a := &agent.Agent{Role: "Summariser", LLM: model}
	c := &crew.Crew{Tasks: []*task.Task{{Description: "{city}", Agent: a}}, Concurrency: 4}
	batch, err := c.KickoffForEach(context.Background(), []map[string]any{{"city": "Paris"}, {"city": "Oslo"}, {"city": "Lima"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, out := range batch.Outputs {
		fmt.Println(out.Raw)
	}
	fmt.Println("requests:", batch.Usage.Requests)
	// Output:
	// summary of Paris
	// summary of Oslo
	// summary of Lima
	// requests: 3
}

package console_test

import (
	"context"
	"os"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/console"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// A Printer is an event handler: attached to a context, it prints the live
// account of every run below it (what a Verbose crew prints to standard
// error).
func ExampleNewPlain() {
	model := &llmtest.Scripted{Model: "scripted", Replies: []llmtest.Reply{
		{Content: "Let me search.", ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"query":"Go"}`}},
			Usage: llm.Usage{PromptTokens: 50, CompletionTokens: 5, TotalTokens: 55}},
		{Content: "Go is a programming language.", Usage: llm.Usage{PromptTokens: 70, CompletionTokens: 8, TotalTokens: 78}},
	}}
	search := tool.New("search", "Search the web.", func(ctx context.Context, q query) (string, error) {
		return "Go: a language from Google", nil
	})
	a := &agent.Agent{Role: "Analyst", Goal: "Answer questions", LLM: model, Tools: []tool.Tool{search}}
	c := &crew.Crew{Name: "demo", Tasks: []*task.Task{{Name: "define", Description: "What is Go?", Agent: a}}, Bus: &event.Bus{}}

	ctx := event.WithHandler(context.Background(), console.NewPlain(os.Stdout))
	if _, err := c.Kickoff(ctx, nil); err != nil {
		panic(err)
	}
	// Output:
	// Crew "demo" started (sequential process)
	//   Task "define" started, assigned to Analyst
	//     Agent Analyst is working (model scripted)
	//       Thinking: Let me search.
	//       Using tool search({"query":"Go"})
	//       Tool search returned: Go: a language from Google
	//     Final answer of Analyst:
	//       Go is a programming language.
	//   Task "define" done (133 tokens: 120 prompt, 13 completion, 2 requests)
	// Crew "demo" done: 133 tokens: 120 prompt, 13 completion, 2 requests
}

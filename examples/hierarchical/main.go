// Command hierarchical runs a hierarchical crew: a manager receives the task
// and delegates the work to a researcher and a writer with the delegation
// tools, then answers with what they produced. The delegated work appears
// nested under the manager's tool calls in the verbose output and the trace.
//
// With OPENAI_API_KEY set it uses OpenAI (OPENAI_MODEL, default
// gpt-4o-mini); otherwise it says so and runs on scripted models.
//
//	go run ./examples/hierarchical
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/examples/internal/demo"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "hierarchical:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var manager, worker llm.LLM
	if m := demo.OpenAI(); m != nil {
		manager, worker = m, m
	} else {
		manager, worker = scriptedManager(), scriptedWorker()
	}
	researcher := &agent.Agent{
		Role:      "Researcher",
		Goal:      "Find accurate, recent facts about {topic}",
		Backstory: "You dig up facts and check them against several sources.",
		LLM:       worker,
	}
	writer := &agent.Agent{
		Role:      "Writer",
		Goal:      "Write clear, short texts about {topic}",
		Backstory: "You write for busy readers: short sentences, no jargon.",
		LLM:       worker,
	}
	c := &crew.Crew{
		Name:       "editorial team",
		Process:    crew.Hierarchical,
		ManagerLLM: manager,
		Agents:     []*agent.Agent{researcher, writer},
		Tasks: []*task.Task{{
			Name:           "brief",
			Description:    "Produce a one-paragraph brief about {topic}, based on checked facts.",
			ExpectedOutput: "One paragraph of plain prose",
		}},
		Tracing: true,
		Verbose: true,
	}
	out, err := c.Kickoff(ctx, map[string]any{"topic": "heat pumps"})
	if err != nil {
		return err
	}
	fmt.Printf("%s\n\n(by %s; %d tokens in %d requests)\n", out.Raw, out.Tasks[0].Agent, out.Usage.TotalTokens, out.Usage.Requests)
	return nil
}

// scriptedManager delegates research, then writing, then answers with the
// writer's text.
func scriptedManager() llm.LLM {
	return &llmtest.Scripted{Model: "scripted-manager", Respond: func(req *llm.Request) llmtest.Reply {
		var results []string
		for _, m := range req.Messages {
			if m.Role == llm.RoleTool {
				results = append(results, m.Content)
			}
		}
		delegate := func(coworker, what, context string) llmtest.Reply {
			args, _ := json.Marshal(map[string]string{"coworker": coworker, "task": what, "context": context})
			return llmtest.Reply{ToolCalls: []llm.ToolCall{{Name: "delegate_work", Arguments: string(args)}}}
		}
		switch len(results) {
		case 0:
			return delegate("Researcher", "List three checked facts about heat pumps.", "We need a one-paragraph brief for busy readers.")
		case 1:
			return delegate("Writer", "Write one paragraph for busy readers from these facts.", results[0])
		}
		return llmtest.Reply{Content: results[1]}
	}}
}

// scriptedWorker answers as the researcher or the writer, from its system
// prompt.
func scriptedWorker() llm.LLM {
	return &llmtest.Scripted{Model: "scripted-worker", Respond: func(req *llm.Request) llmtest.Reply {
		if strings.Contains(req.Messages[0].Content, "Researcher") {
			return llmtest.Reply{Content: "1. Heat pumps move heat rather than make it, so they deliver 3 to 4 units of heat per unit of electricity.\n" +
				"2. Modern units work down to about -25 °C.\n3. They can also cool a house in summer."}
		}
		return llmtest.Reply{Content: "A heat pump moves heat instead of burning fuel to make it, which is why it gives three to four " +
			"times more heat than the electricity it uses. Today's models keep working in hard frosts, and in summer " +
			"the same unit cools the house."}
	}}
}

// Command kickoff-for-each runs one crew for many inputs at once with
// Crew.KickoffForEach: twelve cities, four kickoffs at a time, outputs in
// input order and the total token usage.
//
// With OPENAI_API_KEY set it uses OpenAI (OPENAI_MODEL, default
// gpt-4o-mini); otherwise it says so and runs on a scripted model with a
// little latency, so the concurrency shows.
//
//	go run ./examples/kickoff-for-each
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/examples/internal/demo"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "kickoff-for-each:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	model := demo.OpenAI()
	if model == nil {
		model = &llmtest.Scripted{Model: "scripted-offline", Respond: func(req *llm.Request) llmtest.Reply {
			prompt := req.Messages[len(req.Messages)-1].Content
			city := strings.TrimSuffix(strings.TrimPrefix(firstLine(prompt), "Write a one-line travel tip for "), ".")
			return llmtest.Reply{Content: "In " + city + ", walk the old town early, before the crowds.", Delay: 50 * time.Millisecond}
		}}
	}
	guide := &agent.Agent{Role: "Travel Guide", Goal: "Give short, useful travel tips", LLM: model}
	c := &crew.Crew{
		Name:        "travel tips",
		Agents:      []*agent.Agent{guide},
		Tasks:       []*task.Task{{Name: "tip", Description: "Write a one-line travel tip for {city}.", ExpectedOutput: "One sentence", Agent: guide}},
		Concurrency: 4,
	}
	cities := []string{"Lisbon", "Porto", "Seville", "Lyon", "Turin", "Ghent", "Krakow", "Ljubljana", "Tallinn", "Bergen", "Galway", "Valletta"}
	inputs := make([]map[string]any, len(cities))
	for i, city := range cities {
		inputs[i] = map[string]any{"city": city}
	}
	start := time.Now()
	batch, err := c.KickoffForEach(ctx, inputs)
	for i, out := range batch.Outputs {
		if out != nil && out.Raw != "" {
			fmt.Printf("%-10s %s\n", cities[i], out.Raw)
		}
	}
	if err != nil {
		return err
	}
	fmt.Printf("\n%d kickoffs in %s, %d tokens in %d requests\n", len(cities), time.Since(start).Round(10*time.Millisecond),
		batch.Usage.TotalTokens, batch.Usage.Requests)
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

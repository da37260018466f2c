// Command memory runs a small travel crew twice with memory on. The first
// kickoff plans a trip and the crew remembers what it learnt about the
// traveller; the second kickoff, a different request, recalls it: the
// recalled memories are printed, go into the agent's prompt, and show in the
// answer and in the trace (retrieval and memory-save spans).
//
// Memories are kept in the local vector store, $CREWAI_VECTOR_DB or
// .crewai/vectors.db, so they also last across runs of this program; each
// run starts by forgetting the crew's earlier memories, to be repeatable
// (`crewai memory list --crew "travel crew"` shows what is kept).
//
// With OPENAI_API_KEY set it uses OpenAI for the agent, the extraction of
// memories and the embeddings (text-embedding-3-small). Without it, it runs
// offline on a scripted model and the hashing embedder.
//
//	go run ./examples/memory
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/examples/internal/demo"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/memory"
	"github.com/crewai-go/crewai/task"
)

const crewName = "travel crew"

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "memory:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	model := demo.OpenAI()
	if model == nil {
		model = scripted()
	}
	mem := &memory.Memory{} // the default embedder and the local store
	if err := mem.Reset(ctx, crewName, ""); err != nil {
		return err
	}
	planner := &agent.Agent{
		Role:      "Travel Planner",
		Goal:      "Plan trips that fit each traveller",
		Backstory: "You plan short city trips and pay attention to what travellers like and cannot do.",
		LLM:       model,
	}
	plan := &task.Task{
		Name:           "request",
		Description:    "{request}",
		ExpectedOutput: "A short answer of a few sentences",
		Agent:          planner,
	}
	c := &crew.Crew{
		Name:    crewName,
		Agents:  []*agent.Agent{planner},
		Tasks:   []*task.Task{plan},
		Memory:  mem,
		Tracing: true,
	}
	requests := []string{
		"Plan a weekend in Lisbon for Ana. Ana is vegetarian and she does not like museums.",
		"Suggest a restaurant for Ana's dinner in Lisbon on Saturday.",
	}
	for i, req := range requests {
		fmt.Printf("== Kickoff %d: %s\n", i+1, req)
		if i > 0 {
			recalled, err := mem.Search(ctx, crewName, "", req)
			if err != nil {
				return err
			}
			fmt.Println("Recalled from memory:")
			for _, r := range recalled {
				fmt.Printf("  - %s (score %.2f)\n", r.Text, r.Score)
			}
		}
		out, err := c.Kickoff(ctx, map[string]any{"request": req})
		if err != nil {
			return err
		}
		fmt.Println(out.Raw)
		items, err := mem.List(ctx, crewName, "")
		if err != nil {
			return err
		}
		fmt.Printf("The crew now remembers %d things.\n\n", len(items))
	}
	return nil
}

// scripted plays the planner and the memory extraction offline. The second
// answer depends on what memory put into the prompt, so the example shows
// recall at work rather than a canned reply.
func scripted() llm.LLM {
	return &llmtest.Scripted{Model: "scripted-offline", Respond: func(req *llm.Request) llmtest.Reply {
		system, user := req.Messages[0].Content, req.Messages[len(req.Messages)-1].Content
		switch {
		case strings.Contains(system, "long-term memory"):
			if strings.Contains(user, "Plan a weekend") {
				return llmtest.Reply{Content: `{"memories": [` +
					`{"text": "Ana is vegetarian, so restaurants for Ana must have vegetarian dishes", "importance": 0.9},` +
					`{"text": "Ana does not like museums", "importance": 0.6}]}`}
			}
			return llmtest.Reply{Content: `{"memories": []}`}
		case strings.Contains(user, "Plan a weekend"):
			return llmtest.Reply{Content: "Saturday: a walk through Alfama and the Tagus riverside, lunch at a vegetarian " +
				"café, sunset at a miradouro. Sunday: a day trip to Sintra's gardens. No museums on the list."}
		case strings.Contains(user, "vegetarian"):
			return llmtest.Reply{Content: "I remember that Ana is vegetarian: book a table at a plant-based restaurant " +
				"in Príncipe Real for Saturday at 8 pm."}
		default:
			return llmtest.Reply{Content: "Book a table at a classic seafood restaurant in Cais do Sodré for Saturday."}
		}
	}}
}

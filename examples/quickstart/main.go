// Command quickstart runs the research crew of the README: a Senior Research
// Analyst with a search tool and a Tech Content Strategist work through a
// research task and a writing task about a topic, in sequence, with tracing
// and the verbose console on.
//
// With CREWAI_MODEL set (such as anthropic/claude-sonnet-4-5) and that
// provider's key, it runs on that model. With OPENAI_API_KEY set it uses
// OpenAI (model from OPENAI_MODEL, default
// gpt-4o-mini; OPENAI_BASE_URL for any compatible server). Without it, it
// says so and runs on a scripted model, so it works offline. The search tool
// returns canned findings either way.
//
//	go run ./examples/quickstart [topic]
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
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// SearchQuery is the search tool's input. The zero value is an empty query. It
// is a plain value, safe to copy.
type SearchQuery struct {
	// Query is what to search for.
	Query string `json:"query" desc:"What to search for"`
}

// search is a stand-in web search: it returns canned findings.
func search(ctx context.Context, q SearchQuery) ([]string, error) {
	return []string{
		"Small language models running on laptops and phones close much of the gap with frontier models.",
		"Agent frameworks move from demos to production, with tracing and evaluation as standard practice.",
		"Multimodal models read charts, screenshots and documents as well as text.",
		"Inference costs per token keep falling while context windows grow past a million tokens.",
	}, nil
}

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	topic := "AI Agents"
	if len(args) > 0 {
		topic = strings.Join(args, " ")
	}
	model := demo.OpenAI()
	if model == nil {
		model = scripted()
	}

	searchTool := tool.New("search", "Search the web for recent developments on a subject.", search)
	researcher := &agent.Agent{
		Role:      "Senior Research Analyst",
		Goal:      "Uncover cutting-edge developments in {topic}",
		Backstory: "You work at a technology think tank and are known for finding what matters in a flood of news, and for backing every claim with a source.",
		LLM:       model,
		Tools:     []tool.Tool{searchTool},
	}
	writer := &agent.Agent{
		Role:      "Tech Content Strategist",
		Goal:      "Write engaging articles on {topic}",
		Backstory: "You turn technical findings into clear, lively prose for a curious general audience.",
		LLM:       model,
	}
	research := &task.Task{
		Name:           "research",
		Description:    "Make a thorough analysis of the latest developments in {topic}: key trends, breakthroughs and their likely impact.",
		ExpectedOutput: "A report of the main findings in bullet points",
		Agent:          researcher,
	}
	writing := &task.Task{
		Name:           "write",
		Description:    "Using the research findings, write a short blog post about {topic} for a general audience.",
		ExpectedOutput: "A blog post of three short paragraphs, in Markdown",
		Agent:          writer,
		Markdown:       true,
	}
	c := &crew.Crew{
		Name:    "research crew",
		Agents:  []*agent.Agent{researcher, writer},
		Tasks:   []*task.Task{research, writing},
		Process: crew.Sequential,
		Tracing: true,
		Verbose: true,
	}
	out, err := c.Kickoff(ctx, map[string]any{"topic": topic})
	if err != nil {
		return err
	}
	fmt.Println(out.Raw)
	u := out.Usage
	fmt.Printf("\nToken usage: %d total (%d prompt, %d cached prompt, %d completion) in %d requests\n",
		u.TotalTokens, u.PromptTokens, u.CachedPromptTokens, u.CompletionTokens, u.Requests)
	return nil
}

// scripted returns an offline model that plays both agents: the analyst
// searches once and reports the findings; the strategist writes a post from
// the report it was given as context.
func scripted() llm.LLM {
	return &llmtest.Scripted{Model: "scripted-offline", Respond: func(req *llm.Request) llmtest.Reply {
		system, user := "", ""
		var results []string
		for _, m := range req.Messages {
			switch m.Role {
			case llm.RoleSystem:
				system = m.Content
			case llm.RoleUser:
				if user == "" {
					user = m.Content
				}
			case llm.RoleTool:
				results = append(results, m.Content)
			}
		}
		if strings.Contains(system, "Senior Research Analyst") {
			if len(results) == 0 {
				return llmtest.Reply{
					Content:   "I will search for the latest developments first.",
					ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"query":"latest developments"}`}},
				}
			}
			return llmtest.Reply{Content: "Key findings:\n" +
				"- Small models now run on laptops and phones, close to frontier quality.\n" +
				"- Agent frameworks are going to production, with tracing as standard practice.\n" +
				"- Multimodal models read charts, screenshots and documents.\n" +
				"- Cost per token keeps falling as context windows grow."}
		}
		return llmtest.Reply{Content: "## The year agents grew up\n\n" +
			"Language models got smaller and cheaper: many now run on an ordinary laptop, close to the best models of a year ago.\n\n" +
			"The agents built on them left the demo stage. Teams now trace every step their agents take, so they can see what happened and what it cost.\n\n" +
			"And they see more than text: charts, screenshots and scanned documents are now everyday input."}
	}}
}

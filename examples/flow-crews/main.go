// Command flow-crews runs a flow that puts two crews under a router: a start
// step takes the request, a router picks a format, and the matching crew (a
// research-and-write crew for an article, a one-poet crew for a poem) does
// the work; a final step, listening to either crew's method, publishes the
// result. Each crew is kicked off with its method's ctx, so in the trace it
// is a child of that method, and its token usage is counted in the flow's.
//
// With OPENAI_API_KEY set it uses OpenAI (model from OPENAI_MODEL, default
// gpt-4o-mini; OPENAI_BASE_URL for any compatible server). Without it, it
// says so and runs on a scripted model, so it works offline.
//
//	go run ./examples/flow-crews [-format article|poem] [topic]
//	go run ./examples/flow-crews -plot flow.html   # write the graph as HTML instead of running
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/examples/internal/demo"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// ContentState is the flow's state. Topic and Format come from the kickoff
// inputs.
// The zero value is the state a kickoff starts from; methods share it
// through flow.State, which locks, so they may run concurrently.
type ContentState struct {
	ID      string `json:"id"`
	Topic   string `json:"topic"`
	Format  string `json:"format"`
	Draft   string `json:"draft"`
	Written string `json:"written_by"`
}

func main() {
	format := flag.String("format", "article", `what to write: "article" or "poem"`)
	plot := flag.String("plot", "", "write the flow's graph as a self-contained HTML page to this file")
	flag.Parse()
	topic := "AI agents in production"
	if flag.NArg() > 0 {
		topic = strings.Join(flag.Args(), " ")
	}
	if err := run(context.Background(), topic, *format, *plot); err != nil {
		fmt.Fprintln(os.Stderr, "flow-crews:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, topic, format, plot string) error {
	model := demo.OpenAI()
	if model == nil {
		model = scripted()
	}
	f := newFlow(articleCrew(model), poemCrew(model))
	if plot != "" {
		if err := writePlot(f, plot); err != nil {
			return err
		}
		fmt.Println("plot written to", plot)
		return nil
	}
	res, err := f.Kickoff(ctx, map[string]any{"topic": topic, "format": format})
	if err != nil {
		return err
	}
	fmt.Printf("\n%s\n\n(written by the %s; state %s)\n", res.Output, res.State.Written, res.StateID)
	u := res.Usage
	fmt.Printf("Token usage: %d total (%d prompt, %d completion) in %d requests\n",
		u.TotalTokens, u.PromptTokens, u.CompletionTokens, u.Requests)
	return nil
}

// newFlow defines the flow over the two crews.
func newFlow(article, poem *crew.Crew) *flow.Flow[ContentState] {
	f := &flow.Flow[ContentState]{Name: "ContentFlow", Tracing: true}

	f.Step(flow.Start("take_request"), func(ctx context.Context, s *flow.State[ContentState]) (any, error) {
		st := s.Get()
		if strings.TrimSpace(st.Topic) == "" {
			return nil, fmt.Errorf("no topic given")
		}
		return st.Topic, nil
	})

	f.Router(flow.Listen("choose_format", flow.On("take_request")).Emits("article", "poem"),
		func(ctx context.Context, s *flow.State[ContentState]) (string, error) {
			switch format := s.Get().Format; format {
			case "article", "poem":
				return format, nil
			default:
				return "", fmt.Errorf("format %q: want \"article\" or \"poem\"", format)
			}
		})

	runCrew := func(c *crew.Crew) flow.StepFunc[ContentState] {
		return func(ctx context.Context, s *flow.State[ContentState]) (any, error) {
			out, err := c.Kickoff(ctx, map[string]any{"topic": s.Get().Topic})
			if err != nil {
				return nil, err
			}
			s.Update(func(st *ContentState) { st.Draft, st.Written = out.Raw, c.Name })
			return out.Raw, nil
		}
	}
	f.Step(flow.Listen("write_article", flow.On("article")), runCrew(article))
	f.Step(flow.Listen("write_poem", flow.On("poem")), runCrew(poem))

	f.Step(flow.Listen("publish", flow.Or(flow.On("write_article"), flow.On("write_poem"))),
		func(ctx context.Context, s *flow.State[ContentState]) (any, error) {
			st := s.Get()
			return fmt.Sprintf("# %s\n\n%s", st.Topic, st.Draft), nil
		})
	return f
}

func articleCrew(model llm.LLM) *crew.Crew {
	researcher := &agent.Agent{
		Role:      "Research Analyst",
		Goal:      "Find the essential facts about {topic}",
		Backstory: "You read widely and sort what matters from noise.",
		LLM:       model,
	}
	writer := &agent.Agent{
		Role:      "Staff Writer",
		Goal:      "Write clear short articles about {topic}",
		Backstory: "You turn notes into plain, lively prose.",
		LLM:       model,
	}
	return &crew.Crew{
		Name:   "article crew",
		Agents: []*agent.Agent{researcher, writer},
		Tasks: []*task.Task{
			{Name: "research", Description: "List the three most important facts about {topic}.",
				ExpectedOutput: "Three bullet points", Agent: researcher},
			{Name: "write", Description: "Write a two-paragraph article about {topic} from the research.",
				ExpectedOutput: "Two short paragraphs", Agent: writer},
		},
	}
}

func poemCrew(model llm.LLM) *crew.Crew {
	poet := &agent.Agent{
		Role:      "Poet",
		Goal:      "Write short poems about {topic}",
		Backstory: "You write compact, vivid verse.",
		LLM:       model,
	}
	return &crew.Crew{
		Name:   "poem crew",
		Agents: []*agent.Agent{poet},
		Tasks: []*task.Task{{Name: "poem", Description: "Write a four-line poem about {topic}.",
			ExpectedOutput: "Four lines of verse", Agent: poet}},
	}
}

func writePlot(f *flow.Flow[ContentState], path string) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.Graph().HTML(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// scripted is the offline model: it answers as whichever agent is asking.
func scripted() llm.LLM {
	return &llmtest.Scripted{Model: "scripted-offline", Respond: func(req *llm.Request) llmtest.Reply {
		system := ""
		for _, m := range req.Messages {
			if m.Role == llm.RoleSystem {
				system = m.Content
			}
		}
		switch {
		case strings.Contains(system, "Research Analyst"):
			return llmtest.Reply{Content: "- Agents now run in production, not only in demos.\n" +
				"- Teams trace every step to see what agents did and what it cost.\n" +
				"- Smaller, cheaper models handle most of the work."}
		case strings.Contains(system, "Staff Writer"):
			return llmtest.Reply{Content: "AI agents have left the lab. Teams run them in production, on smaller and cheaper models that handle most everyday work.\n\n" +
				"What changed is visibility: every step an agent takes is traced, so people can see what it did, why, and what it cost."}
		default:
			return llmtest.Reply{Content: "A task comes in, the agents confer,\n" +
				"each step is traced, each cost is clear;\n" +
				"the model thinks, the tools reply,\n" +
				"and every span says how and why."}
		}
	}}
}

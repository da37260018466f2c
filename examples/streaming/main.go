// Command streaming runs a two-agent crew and prints its output as it is
// produced: every piece of text the models stream, every tool call, tagged
// with the task and agent it belongs to, then the final output and the
// token usage. Stopping early is a break out of the loop (which cancels the
// kickoff); -stop N stops after N pieces.
//
// It runs offline on a scripted model that streams word by word, unless
// OPENAI_API_KEY (or CREWAI_MODEL) is set.
//
//	go run ./examples/streaming
//	go run ./examples/streaming -stop 5
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
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/stream"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// Query is the search tool's input. The zero value is an empty query.
type Query struct {
	// Query is what to search for.
	Query string `json:"query" desc:"What to search for"`
}

func main() {
	stop := flag.Int("stop", 0, "stop after this many pieces of text (0: run to the end)")
	flag.Parse()
	if err := run(context.Background(), *stop); err != nil {
		fmt.Fprintln(os.Stderr, "streaming:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, stop int) error {
	model := demo.OpenAI()
	if model == nil {
		model = scripted()
	}
	search := tool.New("search", "Search the web.", func(ctx context.Context, q Query) (string, error) {
		return "Go 1.23 added range-over-func iterators; Go 1.26 is current.", nil
	})
	researcher := &agent.Agent{Role: "Researcher", Goal: "Find facts about {topic}", LLM: model,
		Tools: []tool.Tool{search}}
	writer := &agent.Agent{Role: "Writer", Goal: "Write about {topic}", LLM: model}
	c := &crew.Crew{Name: "streaming crew", Tracing: true, Tasks: []*task.Task{
		{Name: "research", Description: "Find two facts about {topic}.", Agent: researcher},
		{Name: "write", Description: "Write two sentences about {topic} from the research.", Agent: writer},
	}}

	pieces, where := 0, ""
	for chunk, err := range c.KickoffStream(ctx, map[string]any{"topic": "Go iterators"}) {
		switch chunk.Kind {
		case stream.Final:
			if err != nil {
				return err
			}
			fmt.Printf("\n\nFinal output: %s\nToken usage: %d total in %d requests\n",
				chunk.Output.Raw, chunk.Output.Usage.TotalTokens, chunk.Output.Usage.Requests)
			return nil
		case stream.ToolCall:
			fmt.Printf("\n  -> %s calls %s(%s)\n", chunk.Agent, chunk.ToolCall.Name, chunk.ToolCall.Arguments)
		case stream.Text:
			if w := chunk.Task + " / " + chunk.Agent; w != where {
				where = w
				fmt.Printf("\n[%s] ", w)
			}
			fmt.Print(chunk.Text)
			pieces++
			if stop > 0 && pieces >= stop {
				fmt.Printf("\n\nStopped after %d pieces; the kickoff was cancelled.\n", pieces)
				return nil
			}
		}
	}
	return nil
}

// scripted is the offline model: the researcher searches once and reports,
// the writer writes; replies are streamed word by word.
func scripted() llm.LLM {
	return &llmtest.Scripted{Model: "scripted-offline", Respond: func(req *llm.Request) llmtest.Reply {
		system := req.Messages[0].Content
		searched := false
		for _, m := range req.Messages {
			searched = searched || m.Role == llm.RoleTool
		}
		switch {
		case strings.Contains(system, "Researcher") && !searched:
			return llmtest.Reply{ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"query":"Go iterators"}`}}}
		case strings.Contains(system, "Researcher"):
			return llmtest.Reply{Content: "Fact one: Go 1.23 added range-over-func iterators. Fact two: iter.Seq2 yields pairs."}
		default:
			return llmtest.Reply{Content: "Go iterators let a function drive a range loop. Streaming output is one of their neatest uses."}
		}
	}}
}

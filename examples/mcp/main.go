// Command mcp shows an agent using the tools of an MCP server: the program
// starts a small MCP server of its own (itself, run with "serve-tools", which
// serves the examples' search, calculator and word_count tools over stdio),
// and a researcher agent names that server in its MCPs. The agent lists the
// server's tools, calls them through the protocol, and the trace shows the
// MCP handshake, the tool listing and each call with its MCP attributes.
//
// Offline by default (a scripted model); with OPENAI_API_KEY set, a real
// model chooses the calls. Any MCP server works the same way: replace the
// command by "npx", "-y", "@modelcontextprotocol/server-filesystem", "/some/dir",
// or use mcp.URL("http://127.0.0.1:8931/mcp") for a server over HTTP (such as
// `crewai mcp serve --http 127.0.0.1:8931`).
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/examples/internal/demo"
	"github.com/crewai-go/crewai/internal/demotools"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/mcp"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve-tools" {
		// The MCP server side: serve the demo tools on stdin/stdout.
		svc := &mcp.Service{Name: "demo-tools", Tools: demotools.All()}
		if err := svc.ServeStdio(context.Background()); err != nil {
			log.Fatal(err)
		}
		return
	}
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	// The client side: the server is this same program, started over stdio.
	tools := mcp.Command(self, "serve-tools")
	tools.Name = "demo-tools"

	model := demo.OpenAI()
	if model == nil {
		model = scripted()
	}
	researcher := &agent.Agent{
		Role:      "Research Assistant",
		Goal:      "Answer questions about {topic} with facts from your tools",
		Backstory: "You check every fact with a tool before you write it down.",
		LLM:       model,
		MCPs:      []tool.Source{tools},
	}
	c := &crew.Crew{
		Name:    "mcp research",
		Agents:  []*agent.Agent{researcher},
		Tasks:   []*task.Task{{Description: "Look up {topic} and count the words of what you found.", ExpectedOutput: "One sentence about {topic} and its word count.", Agent: researcher}},
		Tracing: true,
	}
	out, err := c.Kickoff(context.Background(), map[string]any{"topic": "MCP"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Raw)
}

// scripted plays a model that searches, counts the words of the result,
// and answers.
func scripted() llm.LLM {
	return &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		var names []string
		for _, d := range req.Tools {
			names = append(names, d.Name)
		}
		var results []string
		for _, m := range req.Messages {
			if m.Role == llm.RoleTool {
				results = append(results, m.Content)
			}
		}
		switch len(results) {
		case 0:
			fmt.Printf("The agent was offered the MCP server's tools: %s\n", strings.Join(names, ", "))
			return llmtest.Reply{ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"query":"mcp"}`}}}
		case 1:
			fmt.Printf("search (over MCP) said: %s\n", results[0])
			args := fmt.Sprintf(`{"text":%q}`, results[0])
			return llmtest.Reply{ToolCalls: []llm.ToolCall{{Name: "word_count", Arguments: args}}}
		default:
			return llmtest.Reply{Content: fmt.Sprintf("%s (%s words, counted by the MCP server's word_count tool)", results[0], results[1])}
		}
	}}
}

// Command yaml-crew is the research crew of the README defined in YAML, as
// a CrewAI project defines it: config/agents.yaml and config/tasks.yaml
// (embedded in the program), with the search tool registered by name. It
// runs the project commands of package project:
//
//	go run ./examples/yaml-crew                      # run (the default command)
//	go run ./examples/yaml-crew run --input topic="robotics"
//	go run ./examples/yaml-crew log-tasks-outputs
//	go run ./examples/yaml-crew replay -t write
//	go run ./examples/yaml-crew test -n 2
//
// With CREWAI_MODEL or OPENAI_API_KEY set it runs on that model; without, on
// a scripted offline model. The task-output log goes to $CREWAI_STORAGE_DIR,
// else .crewai in the current folder.
package main

import (
	"context"
	"embed"
	"fmt"
	"os"
	"strings"

	"github.com/crewai-go/crewai/examples/internal/demo"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/project"
	"github.com/crewai-go/crewai/tool"
)

//go:embed config
var config embed.FS

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
	}, nil
}

func main() {
	reg := &project.Registry{Tools: map[string]tool.Tool{
		"search": tool.New("search", "Search the web for recent developments on a subject.", search),
	}}
	opts := project.Options{Inputs: map[string]any{"topic": "AI Agents"}}
	if m := demo.OpenAI(); m != nil {
		reg.NewModel = func(string) llm.LLM { return m }
	} else {
		offline := scripted()
		reg.NewModel = func(string) llm.LLM { return offline }
		opts.NewModel = reg.NewModel
	}
	defs, err := project.LoadFS(config, "config", reg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c := defs.Crew("research crew")
	c.Tracing = true
	args := os.Args[1:]
	if len(args) == 0 {
		args = []string{"run"}
	}
	if err := project.Run(context.Background(), c, args, opts); err != nil {
		fmt.Fprintln(os.Stderr, "yaml-crew:", err)
		os.Exit(1)
	}
}

// scripted returns an offline model that plays both agents (and the judge
// of "test"): the analyst searches once and reports; the strategist writes
// a post from the report.
func scripted() llm.LLM {
	return &llmtest.Scripted{Model: "scripted-offline", Respond: func(req *llm.Request) llmtest.Reply {
		system, searched := "", false
		for _, m := range req.Messages {
			switch m.Role {
			case llm.RoleSystem:
				system = m.Content
			case llm.RoleTool:
				searched = true
			}
		}
		switch {
		case strings.Contains(system, "Judge"):
			return llmtest.Reply{Content: `{"quality": 8, "reason": "Clear and on topic."}`}
		case strings.Contains(system, "Senior Research Analyst") && !searched:
			return llmtest.Reply{Content: "I will search first.",
				ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"query":"latest developments"}`}}}
		case strings.Contains(system, "Senior Research Analyst"):
			return llmtest.Reply{Content: "Key findings:\n- Small models run on laptops.\n- Agents reach production, traced.\n- Models read charts and screenshots."}
		}
		return llmtest.Reply{Content: "## The year agents grew up\n\nModels got smaller and cheaper.\n\n" +
			"Agents left the demo stage, and teams trace every step.\n\nAnd they read charts as well as text."}
	}}
}

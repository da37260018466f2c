package memory

import (
	"context"
	"fmt"
	"strings"

	"github.com/crewai-go/crewai/tool"
)

// The names of the memory tools an agent gets.
const (
	SearchToolName = "search_memory"
	SaveToolName   = "save_to_memory"
)

// SearchArgs are the arguments of the search_memory tool.
type SearchArgs struct {
	Query string `json:"query" desc:"What to look for in memory, in a few words"`
}

// SaveArgs are the arguments of the save_to_memory tool.
type SaveArgs struct {
	Text       string  `json:"text" desc:"One self-contained fact to remember for future tasks"`
	Importance float64 `json:"importance,omitempty" desc:"From 0 (minor) to 1 (essential); default 0.5"`
}

// Tools returns the tools that let an agent search memories and save a fact
// explicitly, in the scope of crew and agent. The search covers what the
// whole crew remembers, or, with own (the agent's own Memory,
// agent.Agent.Memory), only what this agent remembers: the scope Recall
// uses for it. Each call is a
// tool step on the bus (and the search a retrieval step inside it). The
// tools of a scope are made once and reused (callers must not modify the
// slice).
func (m *Memory) Tools(crew, agent string, own bool) []tool.Tool {
	key := crew + "\x00" + agent
	if own {
		key += "\x00own"
	}
	if ts, ok := m.tools.Load(key); ok {
		return ts.([]tool.Tool)
	}
	ts, _ := m.tools.LoadOrStore(key, m.newTools(crew, agent, own))
	return ts.([]tool.Tool)
}

func (m *Memory) newTools(crew, agent string, own bool) []tool.Tool {
	scope, whose := "", "the team remembers"
	if own {
		scope, whose = agent, "you remember"
	}
	search := tool.New(SearchToolName, "Search what "+whose+" from earlier tasks and kickoffs. "+
		"Returns the most relevant memories, best first.",
		func(ctx context.Context, a SearchArgs) (string, error) {
			if strings.TrimSpace(a.Query) == "" {
				return "", fmt.Errorf("query is empty; say what to look for")
			}
			res, err := m.Search(ctx, crew, scope, a.Query)
			if err != nil {
				return "", err
			}
			if len(res) == 0 {
				return "Nothing relevant is remembered.", nil
			}
			var b strings.Builder
			for _, r := range res {
				b.WriteString("- ")
				b.WriteString(r.Text)
				b.WriteByte('\n')
			}
			return b.String(), nil
		})
	save := tool.New(SaveToolName, "Save one fact to the team's memory so that later tasks and kickoffs can use it.",
		func(ctx context.Context, a SaveArgs) (string, error) {
			imp := a.Importance
			if imp == 0 {
				imp = 0.5
			}
			if imp < 0 || imp > 1 {
				return "", fmt.Errorf("importance %v is not between 0 and 1", a.Importance)
			}
			if _, err := m.Remember(ctx, Item{Text: a.Text, Crew: crew, Agent: agent, Importance: imp, Source: "tool"}); err != nil {
				return "", err
			}
			return "Saved.", nil
		})
	return []tool.Tool{search, save}
}

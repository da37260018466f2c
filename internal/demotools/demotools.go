// Package demotools holds the small, deterministic tools of the examples:
// served over MCP by `crewai mcp serve` and by the examples/mcp program, and
// usable by any example. They need no network and answer the same way every
// time.
package demotools

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/crewai-go/crewai/tool"
)

// facts is the search tool's tiny offline index.
var facts = map[string]string{
	"mcp":           "The Model Context Protocol (MCP) is an open protocol that lets AI applications use tools, resources and prompts served by separate programs, over stdio or HTTP.",
	"go":            "Go is a statically typed, compiled language designed at Google; its 1.0 release was in March 2012.",
	"crewai":        "CrewAI orchestrates role-playing AI agents that work together on tasks as a crew.",
	"lisbon":        "Lisbon is the capital of Portugal, on the estuary of the Tagus.",
	"opentelemetry": "OpenTelemetry is a vendor-neutral standard and toolkit for traces, metrics and logs.",
}

// SearchArgs are the arguments of the search tool.
type SearchArgs struct {
	Query string `json:"query" jsonschema:"description=What to look up (a word such as mcp, go, crewai, lisbon)"`
}

// CalcArgs are the arguments of the calculator tool.
type CalcArgs struct {
	Op string  `json:"op" jsonschema:"enum=add,enum=sub,enum=mul,enum=div,description=The operation"`
	A  float64 `json:"a" jsonschema:"description=The first operand"`
	B  float64 `json:"b" jsonschema:"description=The second operand"`
}

// CountArgs are the arguments of the word-count tool.
type CountArgs struct {
	Text string `json:"text" jsonschema:"description=The text whose words to count"`
}

// All returns the demo tools: search, calculator and word_count.
func All() []tool.Tool {
	return []tool.Tool{Search(), Calculator(), WordCount()}
}

// Search looks a subject up in a small built-in index.
func Search() tool.Tool {
	return tool.New("search", "Look a subject up in a small offline encyclopedia and return what it says.",
		func(ctx context.Context, in SearchArgs) (string, error) {
			q := strings.ToLower(strings.TrimSpace(in.Query))
			for k, v := range facts {
				if strings.Contains(q, k) {
					return v, nil
				}
			}
			known := make([]string, 0, len(facts))
			for k := range facts {
				known = append(known, k)
			}
			sort.Strings(known)
			return "", errors.New("nothing found for " + in.Query + "; known subjects: " + strings.Join(known, ", "))
		})
}

// Calculator adds, subtracts, multiplies or divides two numbers.
func Calculator() tool.Tool {
	return tool.New("calculator", "Add, subtract, multiply or divide two numbers.",
		func(ctx context.Context, in CalcArgs) (float64, error) {
			switch in.Op {
			case "add":
				return in.A + in.B, nil
			case "sub":
				return in.A - in.B, nil
			case "mul":
				return in.A * in.B, nil
			default:
				if in.B == 0 {
					return 0, errors.New("division by zero")
				}
				return in.A / in.B, nil
			}
		})
}

// WordCount counts the words of a text.
func WordCount() tool.Tool {
	return tool.New("word_count", "Count the words of a text.",
		func(ctx context.Context, in CountArgs) (int, error) { return len(strings.Fields(in.Text)), nil })
}

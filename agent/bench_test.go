package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
)

// pingPong is a minimal scripted model for benchmarks: it asks for one tool
// call, then answers. Unlike llmtest.Scripted it records nothing, so that
// the benchmark measures the agent.
type pingPong struct {
	call *llm.Response
	done *llm.Response
}

func newPingPong() *pingPong {
	return &pingPong{
		call: &llm.Response{ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "search", Arguments: `{"q":"go"}`}},
			FinishReason: "tool_calls", Usage: llm.Usage{PromptTokens: 20, CompletionTokens: 5, TotalTokens: 25, Requests: 1}},
		done: &llm.Response{Content: "Go is a language.", FinishReason: "stop",
			Usage: llm.Usage{PromptTokens: 30, CompletionTokens: 5, TotalTokens: 35, Requests: 1}},
	}
}

func (p *pingPong) Info() llm.Info { return llm.Info{Model: "bench", Provider: "bench"} }
func (p *pingPong) Generate(_ context.Context, req *llm.Request) (*llm.Response, error) {
	if req.Messages[len(req.Messages)-1].Role == llm.RoleTool {
		return p.done, nil
	}
	return p.call, nil
}

type constTool struct{}

func (constTool) Name() string        { return "search" }
func (constTool) Description() string { return "Search the web" }
func (constTool) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`)
}
func (constTool) Run(context.Context, json.RawMessage) (string, error) {
	return "Go: a language by Google", nil
}

// BenchmarkAgentRun measures one execution with two model calls and one tool
// call, tracing off (no subscriber).
func BenchmarkAgentRun(b *testing.B) {
	a := &agent.Agent{Role: "Researcher", Goal: "Find facts about {topic}", Backstory: "Curious.",
		LLM: newPingPong(), Tools: []tool.Tool{constTool{}}}
	job := agent.Job{Description: "What is Go?", ExpectedOutput: "One sentence", Inputs: map[string]any{"topic": "Go"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := a.Execute(ctx, job)
		if err != nil || res.Output != "Go is a language." {
			b.Fatal(res, err)
		}
	}
}

// BenchmarkAgentRunTextProtocol is BenchmarkAgentRun for a model without
// native tool calling.
func BenchmarkAgentRunTextProtocol(b *testing.B) {
	m := &textPingPong{}
	a := &agent.Agent{Role: "Researcher", Goal: "Find facts", LLM: m, Tools: []tool.Tool{constTool{}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := a.Execute(ctx, agent.Job{Description: "What is Go?"})
		if err != nil || res.Output != "Go is a language." {
			b.Fatal(res, err)
		}
	}
}

type textPingPong struct{}

func (textPingPong) Info() llm.Info { return llm.Info{Model: "bench", NoTools: true} }
func (textPingPong) Generate(_ context.Context, req *llm.Request) (*llm.Response, error) {
	if req.Messages[len(req.Messages)-1].Role == llm.RoleUser && len(req.Messages) > 2 {
		return &llm.Response{Content: "Thought: done\nFinal Answer: Go is a language.", Usage: llm.Usage{Requests: 1}}, nil
	}
	return &llm.Response{Content: "Thought: search\nAction: search\nAction Input: {\"q\":\"go\"}", Usage: llm.Usage{Requests: 1}}, nil
}

// namedTool is constTool under another name, returning result.
type namedTool struct {
	name   string
	result string
}

func (t namedTool) Name() string        { return t.name }
func (t namedTool) Description() string { return "Look things up (" + t.name + ")" }
func (t namedTool) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`)
}
func (t namedTool) Run(context.Context, json.RawMessage) (string, error) { return t.result, nil }

// BenchmarkAgentRunTools is BenchmarkAgentRun with 1, 5 and 20 tools
// offered to the model (it calls one of them): how the cost grows with the
// number of tools.
func BenchmarkAgentRunTools(b *testing.B) {
	for _, n := range []int{1, 5, 20} {
		b.Run(fmt.Sprintf("tools=%d", n), func(b *testing.B) {
			tools := make([]tool.Tool, 0, n)
			for i := range n - 1 {
				tools = append(tools, namedTool{name: fmt.Sprintf("tool_%d", i), result: "unused"})
			}
			tools = append(tools, constTool{}) // "search", last: the longest lookup
			a := &agent.Agent{Role: "Researcher", Goal: "Find facts", LLM: newPingPong(), Tools: tools}
			job := agent.Job{Description: "What is Go?", ExpectedOutput: "One sentence"}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				res, err := a.Execute(ctx, job)
				if err != nil || res.Output != "Go is a language." {
					b.Fatal(res, err)
				}
			}
		})
	}
}

// BenchmarkAgentRunMessage is BenchmarkAgentRun with a task description and
// a tool result of 1 KB, 10 KB and 100 KB: how the cost grows with the
// length of the messages.
func BenchmarkAgentRunMessage(b *testing.B) {
	for _, size := range []int{1 << 10, 10 << 10, 100 << 10} {
		b.Run(fmt.Sprintf("len=%dKB", size>>10), func(b *testing.B) {
			text := strings.Repeat("Go is a language. ", size/18+1)[:size]
			a := &agent.Agent{Role: "Researcher", Goal: "Find facts", LLM: newPingPong(),
				Tools: []tool.Tool{namedTool{name: "search", result: text}}}
			job := agent.Job{Description: text, ExpectedOutput: "One sentence"}
			ctx := context.Background()
			b.SetBytes(int64(2 * size))
			b.ReportAllocs()
			for b.Loop() {
				res, err := a.Execute(ctx, job)
				if err != nil || res.Output != "Go is a language." || len(res.Messages[3].Content) != size {
					b.Fatal(res, err)
				}
			}
		})
	}
}

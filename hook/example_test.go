package hook_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/hook"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
)

var emailAddress = regexp.MustCompile(`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`)

// A PII filter: every message is redacted before any model sees it (and so
// before it reaches an event or a trace), while the agent's own
// conversation keeps the original.
func ExampleHooks_redact() {
	model := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "Sent the refund confirmation."}}}
	redact := hook.Hooks{BeforeModel: func(_ context.Context, call *hook.ModelCall) error {
		for i := range call.Messages {
			call.Messages[i].Content = emailAddress.ReplaceAllString(call.Messages[i].Content, "[email]")
		}
		return nil
	}}
	a := &agent.Agent{Role: "Support agent", LLM: model, Hooks: []hook.Hooks{redact}}
	_, err := a.Execute(context.Background(), agent.Job{Description: "Confirm the refund to ann@example.com."})
	fmt.Println(err)
	fmt.Println(model.Requests()[0].Messages[1].Content)
	// Output:
	// <nil>
	// Confirm the refund to [email].
}

type deleteArgs struct {
	Path string `json:"path"`
}

// A policy check that blocks a tool call: the tool does not run, and the
// model is told why and goes on.
func ExampleHooks_block() {
	deleted := 0
	del := tool.New("delete_file", "Delete a file.", func(_ context.Context, in deleteArgs) (string, error) {
		deleted++
		return "deleted " + in.Path, nil
	})
	model := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		for _, m := range req.Messages {
			if m.Role == llm.RoleTool {
				return llmtest.Reply{Content: "I could not delete it: " + m.Content[strings.Index(m.Content, "hook: ")+6:]}
			}
		}
		return llmtest.Reply{ToolCalls: []llm.ToolCall{{Name: "delete_file", Arguments: `{"path":"/etc/passwd"}`}}}
	}}
	policy := hook.Hooks{BeforeTool: func(_ context.Context, call *hook.ToolCall) error {
		if call.Tool == "delete_file" && strings.Contains(call.Arguments, "/etc/") {
			return errors.New("system files are off limits")
		}
		return nil
	}}
	a := &agent.Agent{Role: "Ops", LLM: model, Tools: []tool.Tool{del}, Hooks: []hook.Hooks{policy}}
	res, err := a.Execute(context.Background(), agent.Job{Description: "Remove /etc/passwd."})
	fmt.Println(err, deleted)
	fmt.Println(res.Output)
	// Output:
	// <nil> 0
	// I could not delete it: system files are off limits. Do not repeat it; find another way or give your final answer.
}

package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/hook"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
)

// toolThenAnswer calls tool name with args once, then answers with the
// tool's result.
func toolThenAnswer(name, args string) *llmtest.Scripted {
	return &llmtest.Scripted{Model: "m", Respond: func(req *llm.Request) llmtest.Reply {
		for _, m := range req.Messages {
			if m.Role == llm.RoleTool {
				return llmtest.Reply{Content: "done: " + m.Content}
			}
		}
		return llmtest.Reply{ToolCalls: []llm.ToolCall{{ID: "c1", Name: name, Arguments: args}}}
	}}
}

func TestToolHooks(t *testing.T) {
	cases := []struct {
		name        string
		hooks       hook.Hooks
		wantRuns    int
		wantOutput  string
		wantBlocked string
	}{
		{name: "block before", hooks: hook.Hooks{BeforeTool: func(_ context.Context, c *hook.ToolCall) error {
			if c.Tool == "files" {
				return errors.New("deleting files is not allowed")
			}
			return nil
		}}, wantRuns: 0, wantOutput: "deleting files is not allowed", wantBlocked: "deleting files is not allowed"},
		{name: "rewrite arguments", hooks: hook.Hooks{BeforeTool: func(_ context.Context, c *hook.ToolCall) error {
			c.Arguments = `{"q":"safe"}`
			return nil
		}}, wantRuns: 1, wantOutput: "done: files:safe"},
		{name: "rewrite result", hooks: hook.Hooks{AfterTool: func(_ context.Context, c *hook.ToolCall) error {
			c.Result = strings.ToUpper(c.Result)
			return nil
		}}, wantRuns: 1, wantOutput: "done: FILES:RM"},
		{name: "block result", hooks: hook.Hooks{AfterTool: func(_ context.Context, c *hook.ToolCall) error {
			return errors.New("result withheld")
		}}, wantRuns: 1, wantOutput: "result withheld", wantBlocked: "result withheld"},
		{name: "panic blocks", hooks: hook.Hooks{BeforeTool: func(context.Context, *hook.ToolCall) error {
			panic("bad hook")
		}}, wantRuns: 0, wantOutput: "panicked: bad hook", wantBlocked: "the hook panicked: bad hook"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := newEcho("files")
			a := &agent.Agent{Role: "Ops", LLM: toolThenAnswer("files", `{"q":"rm"}`), Tools: []tool.Tool{files},
				Hooks: []hook.Hooks{tc.hooks}}
			ctx, rec := record(context.Background())
			res, err := a.Execute(ctx, agent.Job{Description: "clean up"})
			if err != nil {
				t.Fatal(err)
			}
			if files.Runs() != tc.wantRuns {
				t.Fatalf("tool runs = %d, want %d", files.Runs(), tc.wantRuns)
			}
			if !strings.Contains(res.Output, tc.wantOutput) {
				t.Fatalf("output %q does not contain %q", res.Output, tc.wantOutput)
			}
			var blocked string
			for _, e := range rec.all() {
				if f, ok := e.(*event.ToolFinished); ok {
					blocked = f.Blocked
				}
			}
			if blocked != tc.wantBlocked {
				t.Fatalf("ToolFinished.Blocked = %q, want %q", blocked, tc.wantBlocked)
			}
			rec.checkPairs(t)
		})
	}
}

var email = regexp.MustCompile(`[\w.+-]+@[\w-]+\.[\w.]+`)

func TestModelHooks(t *testing.T) {
	t.Run("redact before the model", func(t *testing.T) {
		m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "ok"}}}
		a := &agent.Agent{Role: "Support", LLM: m, Hooks: []hook.Hooks{{BeforeModel: func(_ context.Context, c *hook.ModelCall) error {
			for i := range c.Messages {
				c.Messages[i].Content = email.ReplaceAllString(c.Messages[i].Content, "[email]")
			}
			return nil
		}}}}
		ctx, rec := record(context.Background())
		res, err := a.Execute(ctx, agent.Job{Description: "Reply to ann@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		sent := m.Requests()[0].Messages[1].Content
		if strings.Contains(sent, "ann@example.com") || !strings.Contains(sent, "[email]") {
			t.Fatalf("the model saw %q", sent)
		}
		if !strings.Contains(res.Messages[1].Content, "ann@example.com") {
			t.Fatalf("the agent's own conversation was changed: %q", res.Messages[1].Content)
		}
		for _, e := range rec.all() {
			if s, ok := e.(*event.LLMCallStarted); ok {
				b, _ := json.Marshal(s.Messages)
				if strings.Contains(string(b), "ann@example.com") {
					t.Fatal("the event (and so the trace) holds the address the hook removed")
				}
			}
		}
	})
	t.Run("rewrite the reply", func(t *testing.T) {
		m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "card 4111 1111 1111 1111"}}}
		a := &agent.Agent{Role: "Support", LLM: m, Hooks: []hook.Hooks{{AfterModel: func(_ context.Context, c *hook.ModelCall) error {
			c.Response.Content = strings.ReplaceAll(c.Response.Content, "4111 1111 1111 1111", "[card]")
			return nil
		}}}}
		res, err := a.Execute(context.Background(), agent.Job{Description: "x"})
		if err != nil || res.Output != "card [card]" {
			t.Fatalf("output %v, err %v", res, err)
		}
	})
	for _, stage := range []string{"before", "after"} {
		t.Run("block "+stage, func(t *testing.T) {
			m := &llmtest.Scripted{Model: "m", Replies: []llmtest.Reply{{Content: "secret plan"}, {Content: "again"}}}
			deny := func(context.Context, *hook.ModelCall) error { return errors.New("budget exhausted") }
			h := hook.Hooks{BeforeModel: deny}
			if stage == "after" {
				h = hook.Hooks{AfterModel: deny}
			}
			a := &agent.Agent{Role: "Support", LLM: m, Hooks: []hook.Hooks{h}}
			ctx, rec := record(context.Background())
			_, err := a.Execute(ctx, agent.Job{Description: "x"})
			var be *hook.BlockedError
			if !errors.As(err, &be) || be.Reason != "budget exhausted" || be.Stage != stage+" model" {
				t.Fatalf("err = %v, want a *hook.BlockedError %s the model", err, stage)
			}
			var ae *agent.Error
			if !errors.As(err, &ae) || ae.Attempts != 1 {
				t.Fatalf("a block is not retried: %+v", ae)
			}
			wantCalls := map[string]int{"before": 0, "after": 1}[stage]
			if len(m.Requests()) != wantCalls {
				t.Fatalf("model calls = %d, want %d", len(m.Requests()), wantCalls)
			}
			var reason string
			for _, e := range rec.all() {
				if f, ok := e.(*event.LLMCallFailed); ok {
					reason = f.Blocked
				}
			}
			if reason != "budget exhausted" {
				t.Fatalf("LLMCallFailed.Blocked = %q", reason)
			}
			rec.checkPairs(t)
		})
	}
}

func TestHookOrder(t *testing.T) {
	var order []string
	mark := func(name string) hook.Hooks {
		return hook.Hooks{BeforeModel: func(context.Context, *hook.ModelCall) error {
			order = append(order, name)
			return nil
		}}
	}
	unregister := hook.Register(mark("process"))
	defer unregister()
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "ok"}}}
	a := &agent.Agent{Role: "A", LLM: m, Hooks: []hook.Hooks{mark("agent")}}
	if _, err := a.Execute(context.Background(), agent.Job{Description: "x", Hooks: []hook.Hooks{mark("crew")}}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "process,crew,agent" {
		t.Fatalf("order = %s", got)
	}
	unregister()
	unregister() // a second call does nothing
	if len(hook.Registered()) != 0 {
		t.Fatal("the process hook is still registered")
	}
}

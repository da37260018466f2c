package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
)

// failingModel calls the tool "flaky" once, then answers with what the tool
// result said.
func failingModel() *llmtest.Scripted {
	return &llmtest.Scripted{Model: "m", Respond: func(req *llm.Request) llmtest.Reply {
		for _, m := range req.Messages {
			if m.Role == llm.RoleTool {
				return llmtest.Reply{Content: "answer after: " + m.Content}
			}
		}
		return llmtest.Reply{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "flaky", Arguments: `{"q":"x"}`}}}
	}}
}

func TestToolFailurePolicy(t *testing.T) {
	errDown := errors.New("backend down")
	flaky := func() tool.Tool {
		return &fnTool{name: "flaky", fn: func(context.Context, json.RawMessage) (string, error) { return "", errDown }}
	}
	cases := []struct {
		name      string
		agentPol  agent.ToolFailurePolicy
		jobPol    agent.ToolFailurePolicy
		wantRaise bool
		wantWarn  bool
	}{
		{name: "default warns", wantWarn: true},
		{name: "warn", agentPol: agent.ToolFailureWarn, wantWarn: true},
		{name: "ignore", agentPol: agent.ToolFailureIgnore},
		{name: "raise", agentPol: agent.ToolFailureRaise, wantRaise: true},
		{name: "job raise", jobPol: agent.ToolFailureRaise, wantRaise: true},
		{name: "agent ignore beats job raise", agentPol: agent.ToolFailureIgnore, jobPol: agent.ToolFailureRaise},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			prev := slog.Default()
			slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
			defer slog.SetDefault(prev)
			m := failingModel()
			a := &agent.Agent{Role: "Worker", LLM: m, Tools: []tool.Tool{flaky()}, ToolFailurePolicy: tc.agentPol}
			res, err := a.Execute(context.Background(), agent.Job{Description: "do it", ToolFailurePolicy: tc.jobPol})
			if tc.wantRaise {
				var tf *agent.ToolFailureError
				if !errors.As(err, &tf) {
					t.Fatalf("err = %v, want a *ToolFailureError", err)
				}
				if tf.Tool != "flaky" || !errors.Is(err, errDown) {
					t.Fatalf("ToolFailureError = %+v, want tool flaky wrapping the tool's error", tf)
				}
				var ae *agent.Error
				if !errors.As(err, &ae) || ae.Attempts != 1 {
					t.Fatalf("a tool failure under raise is not retried: %+v", ae)
				}
				if n := len(m.Requests()); n != 1 {
					t.Fatalf("model calls = %d, want 1 (the execution ends at the failure)", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if !strings.Contains(res.Output, "backend down") {
				t.Fatalf("the model did not see the failure: %q", res.Output)
			}
			warned := strings.Contains(logs.String(), "tool=flaky")
			if warned != tc.wantWarn {
				t.Fatalf("warning logged = %v, want %v; log: %s", warned, tc.wantWarn, logs.String())
			}
		})
	}
}

func TestToolFailurePolicyInvalid(t *testing.T) {
	a := &agent.Agent{Role: "Worker", LLM: failingModel(), ToolFailurePolicy: "explode"}
	_, err := a.Execute(context.Background(), agent.Job{Description: "x"})
	if !errors.Is(err, agent.ErrInvalid) || !strings.Contains(err.Error(), `"explode"`) || !strings.Contains(err.Error(), "ToolFailurePolicy") {
		t.Fatalf("err = %v, want ErrInvalid naming the field and the value", err)
	}
	a.ToolFailurePolicy = ""
	_, err = a.Execute(context.Background(), agent.Job{Description: "x", ToolFailurePolicy: "loud"})
	if !errors.Is(err, agent.ErrInvalid) || !strings.Contains(err.Error(), "Job.ToolFailurePolicy") {
		t.Fatalf("err = %v, want ErrInvalid naming Job.ToolFailurePolicy", err)
	}
}

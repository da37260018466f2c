package task_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

func replies(texts ...string) []llmtest.Reply {
	out := make([]llmtest.Reply, len(texts))
	for i, s := range texts {
		out[i] = llmtest.Reply{Content: s}
	}
	return out
}

// counting wraps a guardrail function and counts its checks.
func counting(n *atomic.Int32, fn func(out task.TaskOutput) (task.TaskOutput, error)) func(context.Context, task.TaskOutput) (task.TaskOutput, error) {
	return func(_ context.Context, out task.TaskOutput) (task.TaskOutput, error) {
		n.Add(1)
		return fn(out)
	}
}

func TestGuardrailChain(t *testing.T) {
	var firstChecks, secondChecks atomic.Int32
	upper := func(out task.TaskOutput) (task.TaskOutput, error) {
		out.Raw = strings.ToUpper(out.Raw)
		return out, nil
	}
	cases := []struct {
		name         string
		replies      []string
		second       func(out task.TaskOutput) (task.TaskOutput, error)
		secondBudget int
		wantRaw      string
		wantFirst    int32
		wantSecond   int32
		wantCalls    int
		wantErr      string
	}{
		{
			name: "transform passes to the next", replies: []string{"draft"},
			second: func(out task.TaskOutput) (task.TaskOutput, error) {
				if out.Raw != "DRAFT" {
					return out, errors.New("the second guardrail did not get the transformed output")
				}
				return out, nil
			},
			wantRaw: "DRAFT", wantFirst: 1, wantSecond: 1, wantCalls: 1,
		},
		{
			name: "a retry starts at the failing guardrail", replies: []string{"draft", "final"},
			second: func(out task.TaskOutput) (task.TaskOutput, error) {
				if !strings.Contains(strings.ToLower(out.Raw), "final") {
					return out, errors.New("say final")
				}
				return out, nil
			},
			// the fresh output is not upper-cased again: the first guardrail
			// does not run on it
			wantRaw: "final", wantFirst: 1, wantSecond: 2, wantCalls: 2,
		},
		{
			name: "per-guardrail budget", replies: []string{"a", "b", "c"}, secondBudget: 1,
			second: func(out task.TaskOutput) (task.TaskOutput, error) {
				return out, errors.New("never good")
			},
			wantFirst: 1, wantSecond: 2, wantCalls: 2, wantErr: `second rejected all 2 attempts`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			firstChecks.Store(0)
			secondChecks.Store(0)
			m := &llmtest.Scripted{Replies: replies(tc.replies...)}
			tk := &task.Task{Name: "g", Description: "Write", Agent: newAgent(m), Guardrails: []task.Guardrail{
				{Name: "first", Func: counting(&firstChecks, upper)},
				{Name: "second", Func: counting(&secondChecks, tc.second), MaxRetries: tc.secondBudget},
			}}
			rec := &recorder{}
			ctx := event.WithHandler(event.StartRun(context.Background(), &event.Bus{}), rec)
			out, err := tk.Execute(ctx, task.Run{})
			assert.Equal(t, tc.wantFirst, firstChecks.Load(), "checks of the first guardrail")
			assert.Equal(t, tc.wantSecond, secondChecks.Load(), "checks of the second guardrail")
			assert.Len(t, m.Requests(), tc.wantCalls)
			if tc.wantErr != "" {
				var ge *task.GuardrailError
				require.ErrorAs(t, err, &ge)
				assert.Equal(t, "second", ge.Guardrail)
				assert.Equal(t, 1, ge.Index)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantRaw, out.Raw)
			// every check is one guardrail step with its verdict
			var verdicts []string
			rec.mu.Lock()
			for _, e := range rec.ev {
				if c, ok := e.(*event.GuardrailCompleted); ok {
					v := c.Guardrail + ":"
					if c.Success {
						v += "ok"
					} else {
						v += "rejected"
					}
					if c.Transformed {
						v += "+transformed"
					}
					verdicts = append(verdicts, v)
				}
			}
			rec.mu.Unlock()
			assert.Equal(t, int(tc.wantFirst+tc.wantSecond), len(verdicts), "%v", verdicts)
			assert.Equal(t, "first:ok+transformed", verdicts[0])
		})
	}
}

func TestRuleGuardrail(t *testing.T) {
	writer := &llmtest.Scripted{Replies: replies("Go is fast.", "Go is fast [1] and simple [2].")}
	judge := &llmtest.Scripted{Model: "judge", Replies: []llmtest.Reply{
		{Content: `{"valid": false, "feedback": "cite at least two sources"}`, Usage: llm.Usage{PromptTokens: 7, TotalTokens: 7, Requests: 1}},
		{Content: "```json\n{\"valid\": true, \"feedback\": \"\"}\n```", Usage: llm.Usage{PromptTokens: 5, TotalTokens: 5, Requests: 1}},
	}}
	tk := &task.Task{Name: "why", Description: "Say why teams pick Go.", Agent: newAgent(writer),
		Guardrails: []task.Guardrail{{Rule: "The answer cites at least two sources.", LLM: judge}}}
	rec := &recorder{}
	ctx := event.WithHandler(event.StartRun(context.Background(), &event.Bus{}), rec)
	out, err := tk.Execute(ctx, task.Run{})
	require.NoError(t, err)
	assert.Equal(t, "Go is fast [1] and simple [2].", out.Raw)
	jr := judge.Requests()
	require.Len(t, jr, 2)
	require.NotNil(t, jr[0].ResponseFormat, "the verdict is asked for as structured output")
	assert.Contains(t, string(jr[0].ResponseFormat.Schema), `"valid"`)
	assert.Contains(t, lastUser(jr[0]), "cites at least two sources")
	assert.Contains(t, lastUser(jr[0]), "Go is fast.")
	wr := writer.Requests()
	require.Len(t, wr, 2)
	assert.Contains(t, lastUser(wr[1]), "cite at least two sources", "the model's feedback reached the agent")
	assert.Equal(t, 2+2, out.Usage.Requests, "the judge's calls count in the task's usage")
	// the judge's execution nests inside the guardrail step
	var inGuardrail bool
	open := map[uint64]event.Kind{}
	rec.mu.Lock()
	for _, e := range rec.ev {
		h := e.EventHeader()
		if h.Phase == event.Start {
			open[h.ID] = e.Kind()
			if a, ok := e.(*event.AgentStarted); ok && a.Role == "Guardrail" && open[h.ParentID] == event.KindGuardrailStarted {
				inGuardrail = true
			}
		}
	}
	rec.mu.Unlock()
	assert.True(t, inGuardrail, "the rule check is an agent step under the guardrail step")
}

func TestRuleGuardrailErrors(t *testing.T) {
	t.Run("unreadable verdict fails the task", func(t *testing.T) {
		writer := &llmtest.Scripted{Replies: replies("text")}
		judge := &llmtest.Scripted{Replies: replies("looks fine to me")}
		tk := &task.Task{Name: "x", Description: "d", Agent: newAgent(writer),
			Guardrails: []task.Guardrail{{Name: "tone", Rule: "polite", LLM: judge}}}
		_, err := tk.Execute(context.Background(), task.Run{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `guardrail "tone"`)
		assert.Contains(t, err.Error(), "verdict")
		var ge *task.GuardrailError
		assert.False(t, errors.As(err, &ge), "a broken check is not a rejection")
	})
	t.Run("the agent's model judges by default", func(t *testing.T) {
		m := &llmtest.Scripted{Replies: replies("answer", `{"valid": true, "feedback": ""}`)}
		tk := &task.Task{Name: "x", Description: "d", Agent: newAgent(m),
			Guardrails: []task.Guardrail{{Rule: "non-empty"}}}
		out, err := tk.Execute(context.Background(), task.Run{})
		require.NoError(t, err)
		assert.Equal(t, "answer", out.Raw)
		assert.Len(t, m.Requests(), 2)
	})
}

func TestGuardrailDefinition(t *testing.T) {
	ok := func(_ context.Context, o task.TaskOutput) (task.TaskOutput, error) { return o, nil }
	cases := []struct {
		name string
		g    task.Guardrail
		want string
	}{
		{name: "empty", g: task.Guardrail{Name: "nothing"}, want: `Guardrails[0] (nothing) has neither Func nor Rule`},
		{name: "both", g: task.Guardrail{Func: ok, Rule: "r"}, want: `Guardrails[0] (guardrail 1) has both Func and Rule`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &llmtest.Scripted{Replies: replies("a")}
			tk := &task.Task{Name: "x", Description: "d", Agent: newAgent(m), Guardrails: []task.Guardrail{tc.g}}
			require.ErrorContains(t, tk.Validate(nil), tc.want)
			_, err := tk.Execute(context.Background(), task.Run{})
			require.ErrorContains(t, err, tc.want)
			assert.Empty(t, m.Requests(), "nothing is sent to the model")
		})
	}
}

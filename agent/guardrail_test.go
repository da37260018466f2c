package agent_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tracing"
)

// answers scripts one model reply per text.
func answers(texts ...string) *llmtest.Scripted {
	rs := make([]llmtest.Reply, len(texts))
	for i, s := range texts {
		rs[i] = llmtest.Reply{Content: s, Usage: kickUsage}
	}
	return &llmtest.Scripted{Replies: rs}
}

// TestKickoffGuardrails: a standalone Kickoff's guardrails run in order; a
// transformed answer goes on; a rejection makes the agent answer again with
// the feedback, and the new answer starts at the guardrail that rejected;
// a budget spent is a *GuardrailError inside the *agent.Error.
func TestKickoffGuardrails(t *testing.T) {
	upper := func(_ context.Context, out agent.KickoffOutput) (agent.KickoffOutput, error) {
		out.Raw = strings.ToUpper(out.Raw)
		out.Role, out.Usage = "someone else", llm.Usage{PromptTokens: 999}
		return out, nil
	}
	needs := func(word string) func(context.Context, agent.KickoffOutput) (agent.KickoffOutput, error) {
		return func(_ context.Context, out agent.KickoffOutput) (agent.KickoffOutput, error) {
			if !strings.Contains(strings.ToLower(out.Raw), word) {
				return out, fmt.Errorf("mention %s", word)
			}
			return out, nil
		}
	}
	tests := []struct {
		name        string
		replies     []string
		guardrails  []agent.Guardrail
		maxRetries  int
		want        string
		wantCalls   []int // calls per guardrail
		wantErr     string
		wantAttempt int
	}{
		{name: "accepted unchanged", replies: []string{"go is fast"},
			guardrails: []agent.Guardrail{{Name: "go", Func: needs("go")}}, want: "go is fast", wantCalls: []int{1}},
		{name: "transformed, then checked", replies: []string{"go is fast"},
			guardrails: []agent.Guardrail{{Func: upper}, {Func: needs("go")}}, want: "GO IS FAST", wantCalls: []int{1, 1}},
		{name: "rejected once: the rejecting guardrail and later ones run again, not earlier ones",
			replies:    []string{"go is fast", "go is fast and safe"},
			guardrails: []agent.Guardrail{{Func: needs("go")}, {Name: "safety", Func: needs("safe")}, {Func: needs("fast")}},
			want:       "go is fast and safe", wantCalls: []int{1, 2, 1}},
		{name: "budget spent", replies: []string{"a", "b", "c"}, maxRetries: 2,
			guardrails: []agent.Guardrail{{Name: "safety", Func: needs("safe")}},
			wantErr:    "the answer failed safety after 3 attempts: mention safe", wantAttempt: 3, wantCalls: []int{3}},
		{name: "no retry", replies: []string{"a"},
			guardrails: []agent.Guardrail{{Name: "safety", Func: needs("safe"), MaxRetries: -1}},
			wantErr:    "mention safe", wantAttempt: 1, wantCalls: []int{1}},
		{name: "a panicking guardrail rejects", replies: []string{"a", "b"},
			guardrails: []agent.Guardrail{{Name: "boom", MaxRetries: 1, Func: func(context.Context, agent.KickoffOutput) (agent.KickoffOutput, error) {
				panic("kaboom")
			}}},
			wantErr: "panicked: kaboom", wantAttempt: 2, wantCalls: []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := make([]int, len(tt.guardrails))
			for i := range tt.guardrails {
				fn := tt.guardrails[i].Func
				tt.guardrails[i].Func = func(ctx context.Context, out agent.KickoffOutput) (agent.KickoffOutput, error) {
					calls[i]++
					return fn(ctx, out)
				}
			}
			m := answers(tt.replies...)
			a := &agent.Agent{Role: "Writer", LLM: m, Guardrails: tt.guardrails, GuardrailMaxRetries: tt.maxRetries}
			out, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "Tell me about Go."})
			assert.Equal(t, tt.wantCalls, calls)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				var ge *agent.GuardrailError
				require.ErrorAs(t, err, &ge)
				assert.Equal(t, tt.wantAttempt, ge.Attempts)
				var ae *agent.Error
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, len(m.Requests()), ae.Usage.Requests, "the usage of every answer is counted")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.Raw)
			assert.Equal(t, "Writer", out.Role, "a guardrail cannot change who answered")
			reqs := m.Requests()
			assert.Equal(t, len(tt.replies), len(reqs))
			assert.Equal(t, len(reqs), out.Usage.Requests)
			if len(reqs) > 1 {
				last := reqs[len(reqs)-1].Messages
				fb := last[len(last)-1].Content
				assert.Contains(t, fb, "rejected by a check: mention safe")
				assert.Contains(t, last[len(last)-2].Content, tt.replies[0], "the rejected answer is in the conversation")
			}
		})
	}
}

// TestKickoffRuleGuardrail: a plain-language rule is checked by a model
// (its own, else the agent's) with a structured verdict; its feedback is
// what the agent answers again with, and the checks' tokens are counted.
func TestKickoffRuleGuardrail(t *testing.T) {
	m := answers("Go is fast.", "Go is fast [1][2].")
	judge := answers(`{"valid": false, "feedback": "cite two sources"}`, "```json\n{\"valid\": true, \"feedback\": \"\"}\n```")
	a := &agent.Agent{Role: "Writer", LLM: m, Guardrails: []agent.Guardrail{{Rule: "cites two sources", LLM: judge}}}
	out, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "Is Go fast?"})
	require.NoError(t, err)
	assert.Equal(t, "Go is fast [1][2].", out.Raw)
	assert.Equal(t, 4, out.Usage.Requests, "two answers and two checks")
	jr := judge.Requests()
	require.Len(t, jr, 2)
	require.NotNil(t, jr[0].ResponseFormat)
	assert.Contains(t, string(jr[0].ResponseFormat.Schema), `"valid"`)
	assert.Contains(t, jr[0].Messages[1].Content, "cites two sources")
	assert.Contains(t, jr[1].Messages[1].Content, "Go is fast [1][2].")
	last := m.Requests()[1].Messages
	assert.Contains(t, last[len(last)-1].Content, "cite two sources")

	bad := answers("not a verdict")
	a = &agent.Agent{Role: "Writer", LLM: answers("x"), Guardrails: []agent.Guardrail{{Rule: "r", LLM: bad}}}
	_, err = a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "p"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `checking the rule`)
}

// TestKickoffGuardrailDefinition: a guardrail with neither or both of
// Func and Rule is refused before any model call, naming it.
func TestKickoffGuardrailDefinition(t *testing.T) {
	f := func(_ context.Context, o agent.KickoffOutput) (agent.KickoffOutput, error) { return o, nil }
	for _, g := range []agent.Guardrail{{Name: "empty"}, {Name: "both", Func: f, Rule: "r"}} {
		m := answers("x")
		a := &agent.Agent{Role: "Writer", LLM: m, Guardrails: []agent.Guardrail{g}}
		_, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "p"})
		require.ErrorIs(t, err, agent.ErrInvalid)
		assert.Contains(t, err.Error(), "Guardrails[0] ("+g.Name+")")
		assert.Empty(t, m.Requests())
	}
}

// TestKickoffGuardrailSpans: each check is a "guardrail {role}" span under
// the kickoff's root with its verdict; a rule's check holds its model call;
// the answer after a rejection is an agent attempt span of its own.
func TestKickoffGuardrailSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard), tracing.WithContentCapture(true))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	judge := answers(`{"valid": false, "feedback": "too short"}`, `{"valid": true, "feedback": ""}`)
	a := &agent.Agent{Role: "Writer", LLM: answers("Go.", "Go is a language."), Tracing: true, Tracer: tr, Bus: &event.Bus{},
		Guardrails: []agent.Guardrail{{Name: "length", Rule: "at least three words", LLM: judge}}}
	_, err = a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "What is Go?"})
	require.NoError(t, err)
	spans := exp.GetSpans()
	assert.Equal(t, "invoke_agent Writer\n"+
		"  chat scripted-model\n"+
		"  guardrail Writer\n"+
		"    invoke_agent Guardrail\n"+
		"      chat scripted-model\n"+
		"  invoke_agent Writer\n"+ // the answer again: an attempt of its own
		"    chat scripted-model\n"+
		"  guardrail Writer\n"+
		"    invoke_agent Guardrail\n"+
		"      chat scripted-model\n", spanTree(spans))
	var verdicts []string
	for _, s := range spans {
		if s.Name != "guardrail Writer" {
			continue
		}
		v := map[string]string{}
		for _, kv := range s.Attributes {
			v[string(kv.Key)] = kv.Value.String()
		}
		verdicts = append(verdicts, v["crewai.guardrail.success"]+" "+v["crewai.guardrail.feedback"]+" "+v["gen_ai.agent.name"]+" "+v["crewai.guardrail.name"])
	}
	assert.ElementsMatch(t, []string{"false too short Writer length", "true  Writer length"}, verdicts)
}

// TestKickoffGuardrailVerbose: Verbose prints each verdict once, naming the
// guardrail and the agent.
func TestKickoffGuardrailVerbose(t *testing.T) {
	n := 0
	a := &agent.Agent{Role: "Writer", LLM: answers("a", "b"), Verbose: true, Bus: &event.Bus{},
		Guardrails: []agent.Guardrail{{Name: "second try", Func: func(_ context.Context, o agent.KickoffOutput) (agent.KickoffOutput, error) {
			if n++; n == 1 {
				return o, fmt.Errorf("try again")
			}
			return o, nil
		}}}}
	out := captureStderr(t, func() {
		_, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "p"})
		assert.NoError(t, err)
	})
	assert.Equal(t, 1, strings.Count(out, "Guardrail second try rejected the answer of Writer (attempt 1): try again"), out)
	assert.Equal(t, 1, strings.Count(out, "Guardrail second try accepted the answer of Writer"), out)
}

// TestVerdictRejection: a valid verdict is no rejection; an invalid one is
// a *RuleError with the model's feedback, or one naming the rule.
func TestVerdictRejection(t *testing.T) {
	assert.NoError(t, agent.Verdict{Valid: true, Feedback: "ignored"}.Rejection("r"))
	var re *agent.RuleError
	require.ErrorAs(t, agent.Verdict{Feedback: "cite a source"}.Rejection("cites"), &re)
	assert.Equal(t, agent.RuleError{Rule: "cites", Feedback: "cite a source"}, *re)
	require.ErrorAs(t, agent.Verdict{Feedback: "  "}.Rejection("cites"), &re)
	assert.Equal(t, "the output does not follow the rule: cites", re.Feedback)
}

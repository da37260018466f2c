package task

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/guardchain"
	"github.com/crewai-go/crewai/llm"
)

// Guardrail checks a task output before it is accepted, as one of a task's
// Guardrails (run in order). It is either a Go function (Func) or a
// plain-language rule that a model checks (Rule); exactly one is set.
//
// Func returns the output to pass on and nil to accept it: the output it was
// given, unchanged, or a transformed one, which the next guardrail and the
// task's result get (CrewAI's (True, new_value)); or an error, whose text is
// the feedback the agent gets to fix its answer. A Guardrail is a plain
// value; Func must be safe for concurrent use when the task is run by
// concurrent kickoffs.
type Guardrail struct {
	// Name names the guardrail in events, spans and errors; empty means
	// "guardrail N" (N its position, from 1).
	Name string
	// Func checks the output in Go (see the type's doc).
	Func func(ctx context.Context, out TaskOutput) (TaskOutput, error)
	// Rule is a rule in plain language ("the answer cites at least two
	// sources"), checked by a model that answers with a structured verdict:
	// valid, or feedback saying what is wrong.
	Rule string
	// LLM is the model that checks Rule; nil means the model of the agent
	// that ran the task.
	LLM llm.LLM
	// MaxRetries is this guardrail's budget: how many times the agent may
	// try again after this guardrail rejected its output. 0 means the
	// task's GuardrailMaxRetries; a negative value means no retry.
	MaxRetries int
}

// Check returns a Guardrail that accepts an output, unchanged, when fn
// returns nil, and otherwise rejects it with fn's error as feedback.
func Check(name string, fn func(out TaskOutput) error) Guardrail {
	return Guardrail{Name: name, Func: func(_ context.Context, out TaskOutput) (TaskOutput, error) {
		return out, fn(out)
	}}
}

// label returns the guardrail's name for events and errors.
func (g *Guardrail) label(i int) string { return guardchain.Label(g.Name, i) }

// validateGuardrails checks the task's guardrails.
func (t *Task) validateGuardrails() error {
	for i := range t.Guardrails {
		g := &t.Guardrails[i]
		switch {
		case g.Func == nil && strings.TrimSpace(g.Rule) == "":
			return fmt.Errorf("task: task %q Guardrails[%d] (%s) has neither Func nor Rule; set one", t.DisplayName(), i, g.label(i))
		case g.Func != nil && g.Rule != "":
			return fmt.Errorf("task: task %q Guardrails[%d] (%s) has both Func and Rule; set one", t.DisplayName(), i, g.label(i))
		}
	}
	return nil
}

// guard is the state of a task's guardrails across the agent's attempts.
type guard struct {
	t     *Task
	name  string
	model llm.LLM // the agent's, for rules without their own LLM
	chain guardchain.State
}

// run passes out through the guardrails (see package guardchain): the
// accepted (maybe transformed) output; or, on a rejection within budget,
// retry true and the feedback; or an error that ends the task (a rejection
// over budget is a *GuardrailError). usage is what rule checks cost.
func (g *guard) run(ctx context.Context, attempt int, out TaskOutput) (res TaskOutput, feedback error, retry bool, usage llm.Usage, err error) {
	gs := g.t.Guardrails
	budget := func(i int) int {
		return guardchain.Budget(gs[i].MaxRetries, g.t.GuardrailMaxRetries, DefaultGuardrailMaxRetries)
	}
	res, feedback, retry, over, usage, err := guardchain.Run(&g.chain, len(gs), budget, out,
		func(i int, o TaskOutput) (TaskOutput, llm.Usage, error, error) { return g.check(ctx, i, attempt, o) })
	if over != nil {
		err = &GuardrailError{Task: g.name, Guardrail: gs[over.Index].label(over.Index), Index: over.Index,
			Attempts: over.Attempts, Err: over.Err}
	}
	return res, feedback, retry, usage, err
}

// check runs guardrail i on out inside a guardrail step. ferr is the
// rejection (a panic of Func is one); cerr an error of the check itself (a
// rule's model failing), which ends the task.
func (g *guard) check(ctx context.Context, i, attempt int, out TaskOutput) (next TaskOutput, usage llm.Usage, ferr, cerr error) {
	gr := &g.t.Guardrails[i]
	label := gr.label(i)
	sctx, step := event.Begin(ctx, event.GuardrailStarted{Header: event.Header{Source: "task:" + g.name},
		Task: g.name, Attempt: attempt, Guardrail: label, Index: i, Rule: gr.Rule})
	next = out
	defer func() {
		if p := recover(); p != nil {
			next, ferr = out, fmt.Errorf("task: guardrail %q of task %q panicked: %v", label, g.name, p)
		}
		fb := ""
		if ferr != nil {
			fb = ferr.Error()
		}
		if cerr != nil {
			fb = cerr.Error()
		}
		transformed := ferr == nil && cerr == nil && (next.Raw != out.Raw || !bytes.Equal(next.JSON, out.JSON))
		event.End(step, event.GuardrailCompleted{Task: g.name, Attempt: attempt, Success: ferr == nil && cerr == nil,
			Feedback: fb, Guardrail: label, Transformed: transformed})
	}()
	if gr.Func != nil {
		res, err := gr.Func(sctx, out)
		if err != nil {
			return out, llm.Usage{}, err, nil
		}
		// What the task is and what it cost are not the guardrail's to change.
		res.Name, res.Description, res.ExpectedOutput, res.Agent, res.Usage = out.Name, out.Description,
			out.ExpectedOutput, out.Agent, out.Usage
		if res.Format == "" {
			res.Format = FormatRaw
		}
		return res, llm.Usage{}, nil, nil
	}
	m := gr.LLM
	if m == nil {
		m = g.model
	}
	if m == nil {
		return out, llm.Usage{}, nil, fmt.Errorf("task: guardrail %q of task %q: no model to check the rule; set Guardrail.LLM or the task's agent's LLM", label, g.name)
	}
	v, used, err := agent.CheckRule(sctx, m, gr.Rule, out.String())
	if err != nil {
		return out, used, nil, fmt.Errorf("task: guardrail %q of task %q: checking the rule: %w", label, g.name, err)
	}
	return out, used, v.Rejection(gr.Rule), nil
}

// RuleError is the rejection of a plain-language guardrail: the model's
// feedback on an output that does not follow the rule (the agent
// package's, shared by task and agent guardrails).
type RuleError = agent.RuleError

// Verdict is the structured reply of the model that checks a plain-language
// guardrail (see agent.CheckRule).
type Verdict = agent.Verdict

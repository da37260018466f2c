package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/guardchain"
	"github.com/crewai-go/crewai/internal/lenientjson"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
)

// DefaultGuardrailMaxRetries is how many times a standalone Kickoff may
// answer again after a guardrail rejected its answer, when neither the
// guardrail's MaxRetries nor Agent.GuardrailMaxRetries is set (CrewAI's
// guardrail_max_retries default).
const DefaultGuardrailMaxRetries = 3

// Guardrail checks the answer of a standalone [Agent.Kickoff] before it
// is returned, as one of the agent's Guardrails (run in order). A task's
// output is checked by the task's own guardrails (task.Guardrail) instead:
// these apply to Kickoff only, as CrewAI's agent guardrail applies to
// Agent.kickoff.
//
// It is either a Go function (Func) or a plain-language rule that a model
// checks (Rule); exactly one is set. Func returns the answer to pass on and
// nil to accept it (the answer it was given, or a transformed one, which
// the next guardrail and the caller get), or an error whose text is the
// feedback the agent gets to answer again. The rejected guardrail and
// those after it check the new answer; the ones before it, which accepted
// the earlier answer, do not run again. A Guardrail is a plain value; Func
// must be safe for concurrent use when the agent runs concurrent kickoffs.
type Guardrail struct {
	// Name names the guardrail in events, spans and errors; empty means
	// "guardrail N" (N its position, from 1).
	Name string
	// Func checks the answer in Go (see the type's doc). Role, Usage and
	// Messages of the answer it returns are ignored.
	Func func(ctx context.Context, out KickoffOutput) (KickoffOutput, error)
	// Rule is a rule in plain language, checked by a model with
	// [CheckRule].
	Rule string
	// LLM is the model that checks Rule; nil means the agent's LLM.
	LLM llm.LLM
	// MaxRetries is this guardrail's budget: how many times the agent may
	// answer again after this guardrail rejected its answer. 0 means the
	// agent's GuardrailMaxRetries; a negative value means no retry.
	MaxRetries int
}

// validateGuardrails checks the agent's guardrails.
func (a *Agent) validateGuardrails() error {
	for i := range a.Guardrails {
		g := &a.Guardrails[i]
		switch {
		case g.Func == nil && strings.TrimSpace(g.Rule) == "":
			return invalid("Guardrails[%d] (%s) has neither Func nor Rule; set one", i, guardchain.Label(g.Name, i))
		case g.Func != nil && g.Rule != "":
			return invalid("Guardrails[%d] (%s) has both Func and Rule; set one", i, guardchain.Label(g.Name, i))
		}
	}
	return nil
}

// GuardrailError is an answer still rejected by a guardrail once its retry
// budget is spent. It is not modified once returned; match it with
// errors.As (Kickoff returns it inside an [*Error]).
type GuardrailError struct {
	// Role is the agent's role.
	Role string
	// Guardrail is the guardrail's name, and Index its position.
	Guardrail string
	Index     int
	// Attempts counts the answers this guardrail rejected.
	Attempts int
	// Err is the last rejection (a [*RuleError] for a rule).
	Err error
}

// Error names the agent, the guardrail and the last feedback.
func (e *GuardrailError) Error() string {
	return fmt.Sprintf("agent %q: the answer failed %s after %d attempts: %v", e.Role, e.Guardrail, e.Attempts, e.Err)
}

// Unwrap returns the last rejection.
func (e *GuardrailError) Unwrap() error { return e.Err }

// RuleError is the rejection of a plain-language guardrail: the model's
// feedback on an output that does not follow the rule. It is read-only
// once returned.
type RuleError struct {
	// Rule is the guardrail's rule.
	Rule string
	// Feedback is what the model said is wrong.
	Feedback string
}

// Error returns the model's feedback.
func (e *RuleError) Error() string { return e.Feedback }

// Verdict is the structured reply of the model that checks a
// plain-language rule ([CheckRule]). The zero value is a rejection without
// feedback.
type Verdict struct {
	// Valid is true when the output follows the rule.
	Valid bool `json:"valid"`
	// Feedback says what is wrong and how to fix it; empty when Valid.
	Feedback string `json:"feedback"`
}

// Rejection returns nil when v is valid, else the [*RuleError] for rule,
// with v's feedback (or, when the model gave none, one naming the rule).
func (v Verdict) Rejection(rule string) error {
	if v.Valid {
		return nil
	}
	fb := v.Feedback
	if strings.TrimSpace(fb) == "" {
		fb = "the output does not follow the rule: " + rule
	}
	return &RuleError{Rule: rule, Feedback: fb}
}

// verdictSchema is Verdict's JSON schema, asked of the model.
const verdictSchema = `{"type":"object","properties":{"valid":{"type":"boolean","description":"true when the output follows the rule"},` +
	`"feedback":{"type":"string","description":"what is wrong and how to fix it; empty when valid"}},` +
	`"required":["valid","feedback"],"additionalProperties":false}`

var verdictFormat = &llm.ResponseFormat{Name: "verdict", Schema: json.RawMessage(verdictSchema)}

const (
	judgeRole      = "Guardrail"
	judgeGoal      = "Decide whether an output follows a rule, and say precisely what is wrong when it does not."
	judgeBackstory = "You review the work of others against one rule at a time. You are strict about the rule and " +
		"ignore everything else."
)

// CheckRule asks m whether output follows rule, and returns its verdict
// with the tokens it spent. It runs as a small agent execution with
// structured output, so that it is an agent step with its model call on
// the bus (a guardrail's span holds it). A reply that is not a verdict is
// an error. Task and agent guardrails given as rules use it.
func CheckRule(ctx context.Context, m llm.LLM, rule, output string) (Verdict, llm.Usage, error) {
	if m == nil {
		return Verdict{}, llm.Usage{}, fmt.Errorf("agent: no model to check the rule %q; set the guardrail's LLM", rule)
	}
	a := &Agent{Role: judgeRole, Goal: judgeGoal, Backstory: judgeBackstory, LLM: m}
	job := Job{
		Description: "Check whether the output below follows this rule.\n\nRule: " + rule +
			"\n\nOutput to check:\n" + output,
		ExpectedOutput: "Only a JSON object {\"valid\": true or false, \"feedback\": \"...\"}: valid is true when the " +
			"output follows the rule; otherwise feedback says what is wrong and how to fix it.\n\nJSON schema:\n" +
			verdictSchema,
		Tools:          []tool.Tool{},
		ResponseFormat: verdictFormat,
	}
	res, err := a.Execute(ctx, job)
	if err != nil {
		return Verdict{}, spentBy(err), err
	}
	for _, c := range lenientjson.Candidates(res.Output) {
		var v struct {
			Valid    *bool   `json:"valid"`
			Feedback *string `json:"feedback"`
		}
		if json.Unmarshal([]byte(c), &v) == nil && v.Valid != nil {
			vd := Verdict{Valid: *v.Valid}
			if v.Feedback != nil {
				vd.Feedback = *v.Feedback
			}
			return vd, res.Usage, nil
		}
	}
	return Verdict{}, res.Usage, fmt.Errorf("agent: the model's verdict is not a JSON object with a boolean \"valid\" (reply %q)", res.Output)
}

// kickoffGuard is the state of an agent's guardrails across the answers of
// one Kickoff.
type kickoffGuard struct {
	a     *Agent
	role  string
	chain guardchain.State
}

// run passes out through the guardrails (see package guardchain): the
// accepted (maybe transformed) answer; or, on a rejection within budget,
// retry true and the feedback; or an error that ends the kickoff (a
// rejection over budget is a *GuardrailError). usage is what rule checks
// cost.
func (g *kickoffGuard) run(ctx context.Context, attempt int, out KickoffOutput) (res KickoffOutput, feedback error, retry bool, usage llm.Usage, err error) {
	gs := g.a.Guardrails
	budget := func(i int) int {
		return guardchain.Budget(gs[i].MaxRetries, g.a.GuardrailMaxRetries, DefaultGuardrailMaxRetries)
	}
	res, feedback, retry, over, usage, err := guardchain.Run(&g.chain, len(gs), budget, out,
		func(i int, o KickoffOutput) (KickoffOutput, llm.Usage, error, error) {
			return g.check(ctx, i, attempt, o)
		})
	if over != nil {
		err = &GuardrailError{Role: g.role, Guardrail: guardchain.Label(gs[over.Index].Name, over.Index), Index: over.Index,
			Attempts: over.Attempts, Err: over.Err}
	}
	return res, feedback, retry, usage, err
}

// check runs guardrail i on out inside a guardrail step. ferr is the
// rejection (a panic of Func is one); cerr an error of the check itself (a
// rule's model failing), which ends the kickoff.
func (g *kickoffGuard) check(ctx context.Context, i, attempt int, out KickoffOutput) (next KickoffOutput, usage llm.Usage, ferr, cerr error) {
	gr := &g.a.Guardrails[i]
	label := guardchain.Label(gr.Name, i)
	var st event.Step
	sctx := ctx
	if event.Enabled(ctx) {
		sctx, st = event.Begin(ctx, event.GuardrailStarted{Header: event.Header{Source: "agent:" + g.role},
			Agent: g.role, Attempt: attempt, Guardrail: label, Index: i, Rule: gr.Rule})
	}
	next = out
	defer func() {
		if p := recover(); p != nil {
			next, ferr = out, fmt.Errorf("agent: guardrail %q of agent %q panicked: %v", label, g.role, p)
		}
		if !st.Active() {
			return
		}
		fb := ""
		if ferr != nil {
			fb = ferr.Error()
		}
		if cerr != nil {
			fb = cerr.Error()
		}
		transformed := ferr == nil && cerr == nil && (next.Raw != out.Raw || string(next.JSON) != string(out.JSON))
		event.End(st, event.GuardrailCompleted{Agent: g.role, Attempt: attempt, Success: ferr == nil && cerr == nil,
			Feedback: fb, Guardrail: label, Transformed: transformed})
	}()
	if gr.Func != nil {
		res, err := gr.Func(sctx, out)
		if err != nil {
			return out, llm.Usage{}, err, nil
		}
		// Who answered, what it cost and the conversation are not the
		// guardrail's to change.
		res.Role, res.Usage, res.Messages = out.Role, out.Usage, out.Messages
		return res, llm.Usage{}, nil, nil
	}
	m := gr.LLM
	if m == nil {
		m = g.a.LLM
	}
	v, used, err := CheckRule(sctx, m, gr.Rule, out.String())
	if err != nil {
		return out, used, nil, fmt.Errorf("agent: guardrail %q of agent %q: checking the rule: %w", label, g.role, err)
	}
	return out, used, v.Rejection(gr.Rule), nil
}

package agent

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
)

// ToolFailurePolicy says what an execution does when a tool fails: when
// the tool itself returns an error or panics (a problem with the call, such
// as invalid arguments or an unknown tool, is not a tool failure: the model
// is told and may correct it). The zero value is empty: the crew's policy,
// else ToolFailureWarn. It is a plain value, safe to share.
type ToolFailurePolicy string

// The tool failure policies, as CrewAI's tool_failure_policy.
const (
	// ToolFailureWarn gives the failure to the model as the call's result,
	// and logs a warning (slog) naming the agent, the tool and the error.
	// It is the default.
	ToolFailureWarn ToolFailurePolicy = "warn"
	// ToolFailureIgnore gives the failure to the model as the call's
	// result, and nothing more.
	ToolFailureIgnore ToolFailurePolicy = "ignore"
	// ToolFailureRaise ends the execution with a [*ToolFailureError] naming
	// the tool; it is not retried.
	ToolFailureRaise ToolFailurePolicy = "raise"
)

// check reports whether p is a known policy (or empty).
func (p ToolFailurePolicy) check(field string) error {
	switch p {
	case "", ToolFailureWarn, ToolFailureIgnore, ToolFailureRaise:
		return nil
	}
	return invalid("%s is %q; use %q, %q or %q (or leave it empty for the default, %q)",
		field, string(p), ToolFailureIgnore, ToolFailureWarn, ToolFailureRaise, ToolFailureWarn)
}

// ToolFailureError ends an execution whose tool failed under
// ToolFailureRaise. It names the tool and wraps the tool's error, so
// errors.Is and errors.As see through it. The zero value is not meaningful;
// it is read-only once returned.
type ToolFailureError struct {
	// Tool is the name of the tool that failed.
	Tool string
	// CallID is the model's ID of the call.
	CallID string
	// Err is the tool's error (a *tool.PanicError for a panic).
	Err error
}

// Error returns `tool "<name>" failed: <cause>`.
func (e *ToolFailureError) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return "tool " + strconv.Quote(e.Tool) + " failed (ToolFailurePolicy raise): " + msg
}

// Unwrap returns the tool's error.
func (e *ToolFailureError) Unwrap() error { return e.Err }

// policy returns the policy in force: the agent's, else the job's (a
// crew's), else ToolFailureWarn.
func (p *plan) policy() ToolFailurePolicy {
	if p.a.ToolFailurePolicy != "" {
		return p.a.ToolFailurePolicy
	}
	if p.job.ToolFailurePolicy != "" {
		return p.job.ToolFailurePolicy
	}
	return ToolFailureWarn
}

// toolFailures applies the tool failure policy to the results of one step.
func (e *execution) toolFailures(ctx context.Context, results []ToolCallResult) error {
	for i := range results {
		r := &results[i]
		if r.Result.Err == nil || r.Repeated {
			continue
		}
		switch e.policy() {
		case ToolFailureRaise:
			return &ToolFailureError{Tool: r.Call.Name, CallID: r.Call.ID, Err: r.Result.Err}
		case ToolFailureIgnore:
		default:
			slog.WarnContext(ctx, "agent: a tool failed; the model gets the error and goes on (ToolFailurePolicy warn)",
				"agent", e.role, "tool", r.Call.Name, "error", r.Result.Err.Error())
		}
	}
	return nil
}

// isToolFailure reports whether err ends an execution under
// ToolFailureRaise (never retried).
func isToolFailure(err error) bool {
	var tf *ToolFailureError
	return errors.As(err, &tf)
}

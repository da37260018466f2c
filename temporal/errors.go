package crewtemporal

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"go.temporal.io/sdk/temporal"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/llm"
)

// NonRetryable marks err as not worth retrying: the activity that returns it
// fails at once, without the retries of its retry policy. It returns nil for
// a nil err. errors.Is and errors.As see through the mark.
func NonRetryable(err error) error {
	if err == nil {
		return nil
	}
	return &nonRetryableError{err: err}
}

type nonRetryableError struct{ err error }

func (e *nonRetryableError) Error() string { return e.err.Error() }
func (e *nonRetryableError) Unwrap() error { return e.err }

// IsNonRetryable reports whether err is one that retrying cannot fix, and
// that an activity of this package therefore fails without retries: an error
// marked with [NonRetryable] or a Temporal ApplicationError marked
// non-retryable; bad input or definitions (*flow.InputError,
// *flow.DefinitionError, *flow.CorruptStateError, *crew.ValidationError);
// a method that panicked (*event.PanicError); a model call refused for its
// key or request (llm.ErrAuth, llm.ErrBadRequest, llm.ErrContextWindow).
// Other errors (rate limits, server and transport faults, timeouts,
// a crew's failed task) are retried. Options.NonRetryable adds more.
func IsNonRetryable(err error) bool {
	var nr *nonRetryableError
	if errors.As(err, &nr) {
		return true
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.NonRetryable() {
		return true
	}
	var (
		ie *flow.InputError
		de *flow.DefinitionError
		ce *flow.CorruptStateError
		pe *event.PanicError
		ve *crew.ValidationError
	)
	switch {
	case errors.As(err, &ie), errors.As(err, &de), errors.As(err, &ce), errors.As(err, &pe), errors.As(err, &ve):
		return true
	case errors.Is(err, llm.ErrAuth), errors.Is(err, llm.ErrBadRequest), errors.Is(err, llm.ErrContextWindow):
		return true
	}
	return false
}

// ErrorType names err's type the way it travels in a Temporal
// ApplicationError: the ErrorType() string of the first error in the chain
// that has such a method, else the Go type (such as "*flow.InputError") of
// the first error that is not a plain wrapper (fmt.Errorf, errors.Join, the
// flow's *flow.MethodError, the mark of [NonRetryable]).
func ErrorType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Type() != "" {
		return ae.Type()
	}
	for e := err; e != nil; {
		if t, ok := e.(interface{ ErrorType() string }); ok {
			return t.ErrorType()
		}
		var next error
		switch x := e.(type) {
		case *nonRetryableError:
			next = x.err
		case *flow.MethodError:
			next = x.Err
		case interface{ Unwrap() []error }:
			if errs := x.Unwrap(); len(errs) > 0 {
				next = errs[0]
			}
		default:
			t := reflect.TypeOf(e)
			if isPlainWrapper(t) {
				next = errors.Unwrap(e)
			} else {
				return t.String()
			}
		}
		if next == nil {
			return reflect.TypeOf(e).String()
		}
		e = next
	}
	return ""
}

func isPlainWrapper(t reflect.Type) bool {
	s := t.String()
	return s == "*fmt.wrapError" || s == "*fmt.wrapErrors"
}

// activityError turns the error of a method or crew run into the error its
// activity fails with: a Temporal ApplicationError with the error's text and
// type, marked non-retryable when retrying cannot help. A cancelled ctx is
// returned as is, so that Temporal reports the cancellation.
func activityError(ctx context.Context, err error, extra func(error) bool) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return err
	}
	msg := err.Error()
	var me *flow.MethodError
	if errors.As(err, &me) && me.Err != nil {
		msg = me.Err.Error() // the method's own text, without the flow's prefix
	}
	nr := IsNonRetryable(err) || (extra != nil && extra(err))
	return temporal.NewApplicationErrorWithOptions(msg, ErrorType(err), temporal.ApplicationErrorOptions{NonRetryable: nr})
}

// MethodError is the error of a flow run on Temporal whose method failed
// (after its retries): it names the flow and the method, and keeps the type
// and text of the method's error as they crossed the wire. Err is the
// Temporal error it came from (a *temporal.WorkflowExecutionError chain),
// which errors.As can search for *temporal.ApplicationError,
// *temporal.TimeoutError and the like. The zero value is an empty report.
// It is not modified after it is returned, so it is safe for concurrent use.
type MethodError struct {
	// Flow and Method name the flow and the method.
	Flow   string `json:"flow"`
	Method string `json:"method"`
	// Type is the method's error type (see [ErrorType]), such as
	// "*flow.InputError", or a Temporal failure kind such as "TimeoutError".
	Type string `json:"type"`
	// Message is the method's error text.
	Message string `json:"message"`
	// NonRetryable is true when the error was not retried.
	NonRetryable bool `json:"non_retryable"`
	// Err is the Temporal error.
	Err error `json:"-"`
}

// Error returns `crewtemporal: flow "F": method "m": <type>: <message>`.
func (e *MethodError) Error() string {
	return fmt.Sprintf("crewtemporal: flow %q: method %q: %s: %s", e.Flow, e.Method, e.Type, e.Message)
}

// Unwrap returns Err.
func (e *MethodError) Unwrap() error { return e.Err }

// CrewError is the error of one crew kickoff run as an activity, as the
// client or a workflow sees it: the crew's name and the type and text of its
// error. The zero value is an empty report. It is not modified after it is
// returned, so it is safe for concurrent use.
type CrewError struct {
	// Crew names the crew.
	Crew string `json:"crew"`
	// Type and Message are the kickoff error's type (see [ErrorType]) and
	// text.
	Type    string `json:"type"`
	Message string `json:"message"`
	// NonRetryable is true when the error was not retried.
	NonRetryable bool `json:"non_retryable"`
}

// Error returns `crewtemporal: crew "C": <type>: <message>`.
func (e *CrewError) Error() string {
	return fmt.Sprintf("crewtemporal: crew %q: %s: %s", e.Crew, e.Type, e.Message)
}

// remoteFailure extracts the type, text and retryability of an activity's
// failure as the workflow sees it.
func remoteFailure(err error) (typ, msg string, nonRetryable bool) {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type(), ae.Message(), ae.NonRetryable()
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return "TimeoutError", te.Error(), false
	}
	var ce *temporal.CanceledError
	if errors.As(err, &ce) {
		return "CanceledError", ce.Error(), true
	}
	var pe *temporal.PanicError
	if errors.As(err, &pe) {
		return "PanicError", pe.Error(), true
	}
	return ErrorType(err), err.Error(), false
}

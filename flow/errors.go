package flow

import (
	"errors"
	"fmt"
)

// ErrMaxMethodRuns is matched (errors.Is) by the error of a flow in which a
// method would have run more than Flow.MaxMethodRuns times.
var ErrMaxMethodRuns = errors.New("flow: method run limit reached")

// ErrStateNotFound is matched (errors.Is) by the error of a kickoff asked to
// resume a state ID that the store does not hold, and by [Store.Load].
var ErrStateNotFound = errors.New("flow: no saved state with this id")

// ErrStateBusy is matched (errors.Is) by the error of a kickoff given a
// state ID (the "id" input, or [Flow.Resume]) that another kickoff is
// running: two kickoffs never resume the same state at once.
var ErrStateBusy = errors.New("flow: the state is being run by another kickoff")

// DefinitionError reports a mistake in a flow's definition, found before
// anything runs. The zero value is an empty report.
// Nothing modifies it once returned: it is safe to read from several
// goroutines.
type DefinitionError struct {
	// Flow is the flow's name.
	Flow string
	// Method names the faulty method, or is empty for the flow as a whole.
	Method string
	// Reason says what is wrong and what is accepted.
	Reason string
}

// Error returns `flow "F": method "m" <reason>`.
func (e *DefinitionError) Error() string {
	if e.Method == "" {
		return fmt.Sprintf("flow %q: %s", e.Flow, e.Reason)
	}
	return fmt.Sprintf("flow %q: method %q %s", e.Flow, e.Method, e.Reason)
}

// MethodError reports that a method failed (returned an error, panicked,
// returned an undeclared label, hit the run limit, or its state could not be
// saved), which failed the flow. The zero value is an empty report.
// Nothing modifies it once returned: it is safe to read from several
// goroutines.
type MethodError struct {
	// Flow and Method name the flow and the method.
	Flow   string
	Method string
	// Err is what went wrong: the method's own error, an *event.PanicError, or an
	// error matching ErrMaxMethodRuns.
	Err error
}

// Error returns `flow "F": method "m": <err>`.
func (e *MethodError) Error() string {
	return fmt.Sprintf("flow %q: method %q: %v", e.Flow, e.Method, e.Err)
}

// Unwrap returns Err.
func (e *MethodError) Unwrap() error { return e.Err }

// InputError reports a kickoff input that cannot go into the state. The zero
// value is an empty report.
// Nothing modifies it once returned: it is safe to read from several
// goroutines.
type InputError struct {
	// Field is the input's key.
	Field string
	// Value is the input's value.
	Value any
	// Want describes what is accepted: the field's type, or the list of
	// known fields for an unknown key.
	Want string
	// Err is the underlying decoding error, if any.
	Err error
}

// Error names the field, the value and what is accepted.
func (e *InputError) Error() string {
	s := fmt.Sprintf("flow: input %q: value %s (%T) %s", e.Field, short(e.Value), e.Value, e.Want)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Err.
func (e *InputError) Unwrap() error { return e.Err }

// CorruptStateError reports a saved state that cannot be restored. The zero
// value is an empty report.
// Nothing modifies it once returned: it is safe to read from several
// goroutines.
type CorruptStateError struct {
	// StateID is the ID of the saved state; Method the method after which
	// it was saved.
	StateID string
	Method  string
	// Err is the decoding error.
	Err error
}

// Error names the state ID, the method and the decoding error.
func (e *CorruptStateError) Error() string {
	return fmt.Sprintf("flow: saved state %q (after method %q) is corrupt: %v", e.StateID, e.Method, e.Err)
}

// Unwrap returns Err.
func (e *CorruptStateError) Unwrap() error { return e.Err }

func short(v any) string {
	s := fmt.Sprintf("%#v", v)
	if _, ok := v.(string); ok {
		s = fmt.Sprintf("%q", v)
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

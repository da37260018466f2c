package llm

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors for the kinds of model failure callers branch on. An
// [*Error] matches the sentinel of its Kind with errors.Is.
var (
	// ErrRateLimit: the provider answered 429 (after any retries).
	ErrRateLimit = errors.New("llm: rate limited")
	// ErrContextWindow: the request does not fit in the model's context.
	ErrContextWindow = errors.New("llm: context window exceeded")
	// ErrAuth: the API key is missing, wrong or not allowed (401, 403).
	ErrAuth = errors.New("llm: authentication failed")
	// ErrBadRequest: the provider rejected the request (4xx other than 429).
	ErrBadRequest = errors.New("llm: bad request")
	// ErrServer: the provider failed (5xx) after any retries.
	ErrServer = errors.New("llm: server error")
	// ErrTransport: no usable answer reached us (connection refused or
	// reset, a truncated stream, malformed JSON) after any retries.
	ErrTransport = errors.New("llm: transport error")
	// ErrEmptyResponse: the provider answered with no choice at all.
	ErrEmptyResponse = errors.New("llm: empty response")
)

// Error is a failed model call. It names the model, the HTTP status (0 when
// there was none) and the provider's message. Match its kind with errors.Is
// (errors.Is(err, llm.ErrRateLimit)) or read it with errors.As. The zero value
// is not meaningful.
type Error struct {
	// Kind classifies the failure: it is one of the sentinel errors
	// ErrRateLimit, ErrContextWindow, ErrAuth, ErrBadRequest, ErrServer,
	// ErrTransport, ErrEmptyResponse (nil for none), which errors.Is
	// matches.
	Kind error
	// Model is the model that was called.
	Model string
	// Provider is the provider's gen_ai.provider.name.
	Provider string
	// Status is the HTTP status code, or 0.
	Status int
	// Code is the provider's error code, such as "context_length_exceeded".
	Code string
	// Message is the provider's error message.
	Message string
	// RetryAfter is the wait the provider asked for, if any.
	RetryAfter time.Duration
	// Attempts counts the requests made, retries included.
	Attempts int
	// Interrupted is set when a streamed reply failed after some of its
	// text had reached Request.OnChunk: the client does not retry it (the
	// text is already out), so a caller may run the call again (an agent
	// re-runs its attempt).
	Interrupted bool
	// Err is the underlying error, if any.
	Err error
}

// Error returns a message naming the model, the status and the provider's
// message.
func (e *Error) Error() string {
	kind := "error"
	if e.Kind != nil {
		kind = e.Kind.Error()
	}
	msg := fmt.Sprintf("%s (model %q", kind, e.Model)
	if e.Status != 0 {
		msg += fmt.Sprintf(", status %d", e.Status)
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(", after %d attempts", e.Attempts)
	}
	msg += ")"
	if e.Message != "" {
		msg += ": " + e.Message
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// ErrorType returns a short, low-cardinality name of the failure for the
// error.type span attribute, such as "rate_limit".
func (e *Error) ErrorType() string {
	switch e.Kind {
	case ErrRateLimit:
		return "rate_limit"
	case ErrContextWindow:
		return "context_window_exceeded"
	case ErrAuth:
		return "authentication"
	case ErrBadRequest:
		return "bad_request"
	case ErrServer:
		return "server_error"
	case ErrTransport:
		return "transport"
	case ErrEmptyResponse:
		return "empty_response"
	}
	return "_OTHER"
}

package llmtest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/crewai-go/crewai/llm"
)

// Fault is a failure a [Reply] injects instead of its answer. The zero value,
// FaultNone, injects nothing. [Scripted] returns the error the real client
// returns once it has given up on the fault (it does not retry); the fake
// [Server] produces the fault on the wire, so that the real client's retries
// and error mapping are exercised. It is a plain value, safe to share.
type Fault int

// The faults. The HTTP ones answer with an OpenAI-style error body
// ({"error": {"message", "type", "code"}}); Reply.Message replaces the
// message and Reply.RetryAfter adds a Retry-After header.
const (
	// FaultNone answers normally.
	FaultNone Fault = iota
	// FaultRateLimit answers 429 (code rate_limit_exceeded).
	FaultRateLimit
	// FaultServerError answers 500.
	FaultServerError
	// FaultUnavailable answers 503.
	FaultUnavailable
	// FaultContextLength answers 400 with code context_length_exceeded.
	FaultContextLength
	// FaultUnauthorized answers 401 (code invalid_api_key).
	FaultUnauthorized
	// FaultBadRequest answers 400 (invalid_request_error).
	FaultBadRequest
	// FaultStatus answers Reply.Status with Reply.Message.
	FaultStatus
	// FaultReset closes the connection (with a TCP reset) without answering.
	FaultReset
	// FaultHang never answers: the request waits until its context ends (the
	// client gives up) or the server is closed.
	FaultHang
	// FaultMalformedJSON answers 200 with a body (or, streamed, an event)
	// that is not valid JSON.
	FaultMalformedJSON
	// FaultEmptyChoices answers 200 with an empty choices list.
	FaultEmptyChoices
	// FaultTruncated cuts the reply short: half of the JSON body, or, for a
	// streamed reply, the role event and the first half of the content and
	// tool-call events (rounded down), then the connection is dropped.
	FaultTruncated
)

var faultNames = [...]string{"none", "rate_limit", "server_error", "unavailable", "context_length",
	"unauthorized", "bad_request", "status", "reset", "hang", "malformed_json", "empty_choices", "truncated"}

// String returns the fault's name, such as "rate_limit".
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// httpError returns the status, error type, code and default message of an
// HTTP error fault; ok is false for the other faults.
func (f Fault) httpError(r *Reply) (status int, typ, code, msg string, ok bool) {
	switch f {
	case FaultRateLimit:
		status, typ, code, msg = http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
			"llmtest fault: rate limit reached for requests; try again later"
	case FaultServerError:
		status, typ, msg = http.StatusInternalServerError, "server_error",
			"llmtest fault: the server had an error while processing the request"
	case FaultUnavailable:
		status, typ, msg = http.StatusServiceUnavailable, "server_error",
			"llmtest fault: the service is temporarily overloaded"
	case FaultContextLength:
		status, typ, code, msg = http.StatusBadRequest, "invalid_request_error", "context_length_exceeded",
			"llmtest fault: the messages need more tokens than the model's maximum context length allows"
	case FaultUnauthorized:
		status, typ, code, msg = http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
			"llmtest fault: the API key is not valid"
	case FaultBadRequest:
		status, typ, msg = http.StatusBadRequest, "invalid_request_error",
			"llmtest fault: the request is invalid"
	case FaultStatus:
		status, typ, msg = r.Status, "error", "llmtest fault: status "+strconv.Itoa(r.Status)
		if status < 400 || status > 599 {
			status = http.StatusInternalServerError
		}
	default:
		return 0, "", "", "", false
	}
	if r.Message != "" {
		msg = r.Message
	}
	return status, typ, code, msg, true
}

// err returns the error the real client returns for the fault once it gives
// up. For FaultHang it waits until ctx ends. For FaultTruncated it first
// delivers the pieces a truncated stream would have delivered.
func (f Fault) err(ctx context.Context, info llm.Info, req *llm.Request, r *Reply) error {
	e := &llm.Error{Model: info.Model, Provider: info.Provider, Attempts: 1}
	if status, _, code, msg, ok := f.httpError(r); ok {
		e.Status, e.Code, e.Message = status, code, msg
		switch {
		case status == http.StatusTooManyRequests:
			e.Kind = llm.ErrRateLimit
		case f == FaultContextLength:
			e.Kind = llm.ErrContextWindow
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			e.Kind = llm.ErrAuth
		case status >= 500:
			e.Kind = llm.ErrServer
		default:
			e.Kind = llm.ErrBadRequest
		}
		return e
	}
	switch f {
	case FaultHang:
		<-ctx.Done()
		e.Kind, e.Err, e.Message = llm.ErrTransport, ctx.Err(), "the call was abandoned: "+ctx.Err().Error()
	case FaultReset:
		e.Kind, e.Message = llm.ErrTransport, "llmtest fault: connection reset by peer"
	case FaultMalformedJSON:
		e.Kind, e.Message = llm.ErrTransport, "llmtest fault: malformed JSON in the reply"
	case FaultEmptyChoices:
		e.Kind, e.Status, e.Message = llm.ErrEmptyResponse, http.StatusOK, "the reply has no choices"
	case FaultTruncated:
		if req.OnChunk != nil {
			p := r.pieces()
			for _, s := range p[:len(p)/2] {
				req.OnChunk(s)
			}
		}
		e.Kind, e.Message = llm.ErrTransport, "llmtest fault: the reply was truncated"
	default:
		return fmt.Errorf("llmtest: Reply.Fault is %d, which is not a known Fault", int(f))
	}
	return e
}

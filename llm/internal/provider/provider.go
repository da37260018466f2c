// Package provider is the plumbing the native model clients (llm/anthropic,
// llm/gemini, llm/bedrock) share: the checks every configuration goes
// through and the state every client keeps ([Configure], [Core]: Info,
// Check, CloseIdleConnections and String are one line in each client), an
// HTTP transport that records each attempt's status and Retry-After, the
// classification of failures that carry no provider error, key scrubbing,
// and the attempt timeout. The
// retry loop itself is [llm.RetryPolicy]. Nothing here keeps state between
// calls; every function is safe for concurrent use.
package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crewai-go/crewai/llm"
)

// Attempt records what the HTTP layer saw during one request: whether it was
// sent, and the status and Retry-After of the reply. The zero value is an
// attempt not yet sent.
type Attempt struct {
	Sent       bool
	Status     int
	RetryAfter time.Duration
}

type attemptKey struct{}

// WithAttempt returns ctx carrying a new Attempt that [Recorder] fills in.
func WithAttempt(ctx context.Context) (context.Context, *Attempt) {
	a := &Attempt{}
	return context.WithValue(ctx, attemptKey{}, a), a
}

// Recorder is an http.RoundTripper that records each response's status and
// Retry-After in the [Attempt] of the request's context.
type Recorder struct{ Next http.RoundTripper }

// RoundTrip sends req through Next and records what came back.
func (r Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	rec, _ := req.Context().Value(attemptKey{}).(*Attempt)
	if rec != nil {
		rec.Sent = true
	}
	next := r.Next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if rec != nil && resp != nil {
		rec.Status = resp.StatusCode
		rec.RetryAfter = llm.ParseRetryAfter(resp.Header, time.Now())
	}
	return resp, err
}

// HTTPClient returns hc (or, when nil, a client with a connection pool sized
// for concurrent agents) whose transport records attempts. hc itself is not
// modified.
func HTTPClient(hc *http.Client) *http.Client {
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 256
		t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		return &http.Client{Transport: Recorder{Next: t}}
	}
	cp := *hc
	cp.Transport = Recorder{Next: hc.Transport}
	return &cp
}

// AttemptContext returns the context of one attempt: ctx bounded by timeout
// (none when timeout <= 0) and carrying a fresh Attempt record.
func AttemptContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc, *Attempt) {
	cancel := context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	ctx, rec := WithAttempt(ctx)
	return ctx, cancel, rec
}

// MaxMessage bounds the provider text kept in an error.
const MaxMessage = 1000

// APIError builds the error of a provider's error reply (status, code and
// message) and says whether it may be retried, following
// [llm.ClassifyStatus].
func APIError(info llm.Info, rec *Attempt, status int, code, message string, err error) (*llm.Error, bool) {
	if len(message) > MaxMessage {
		message = message[:MaxMessage] + "…"
	}
	e := &llm.Error{Model: info.Model, Provider: info.Provider, Status: status, Code: code, Message: message, Err: err}
	if rec != nil {
		e.RetryAfter = rec.RetryAfter
		if e.Status == 0 {
			e.Status = rec.Status
		}
	}
	kind, retry := llm.ClassifyStatus(e.Status, code, message)
	e.Kind = kind
	return e, retry
}

// Failure builds the error of an attempt that failed without a provider
// error reply, and says whether it may be retried: the caller's ctx ended
// (not retried), the request was never sent (a bad request, not retried),
// or a transport failure (timeout, reset, malformed or truncated reply:
// retried).
func Failure(parent context.Context, info llm.Info, rec *Attempt, timeout time.Duration, err error) (*llm.Error, bool) {
	e := &llm.Error{Model: info.Model, Provider: info.Provider, Err: err}
	switch {
	case parent.Err() != nil:
		e.Kind, e.Err = llm.ErrTransport, parent.Err()
		e.Message = "the call was abandoned: " + parent.Err().Error()
		return e, false
	case rec != nil && !rec.Sent:
		e.Kind = llm.ErrBadRequest
		e.Message = "the request was not sent: " + err.Error()
		return e, false
	}
	e.Kind = llm.ErrTransport
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		e.Message = fmt.Sprintf("no answer within the attempt timeout of %v", timeout)
	case errors.As(err, &syn), errors.As(err, &typ):
		e.Message = "malformed JSON in the reply: " + err.Error()
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		e.Message = "the connection ended before the reply was complete: " + err.Error()
	}
	return e, true
}

// Redact removes every non-empty secret from what e shows: its message and
// the text of the error it wraps (replaced by its scrubbed text when it
// holds a secret, so that no caller digging with errors.As finds it).
func Redact(e *llm.Error, secrets ...string) *llm.Error {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		e.Message = strings.ReplaceAll(e.Message, s, "[REDACTED]")
		if e.Err != nil && strings.Contains(e.Err.Error(), s) {
			e.Err = errors.New(strings.ReplaceAll(e.Err.Error(), s, "[REDACTED]"))
		}
	}
	return e
}

// Server returns the host and port of a base URL (443 or 80 when the URL
// names none), or an error naming the URL without its password.
func Server(base string) (string, int, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := base
		if err == nil && u.User != nil {
			shown = u.Redacted()
		}
		return "", 0, fmt.Errorf("base URL %q is not an http or https URL with a host", shown)
	}
	port := 80
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	} else if u.Scheme == "https" {
		port = 443
	}
	return u.Hostname(), port, nil
}

// IsJSONObject reports whether b is a JSON object.
func IsJSONObject(b json.RawMessage) bool {
	s := strings.TrimSpace(string(b))
	return strings.HasPrefix(s, "{") && json.Valid(b)
}

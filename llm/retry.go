package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/crewai-go/crewai/internal/urlmask"
)

// attempt records what the HTTP layer saw during one request, so that the
// retry loop can tell a request that was never sent from one that failed,
// and read the Retry-After headers of an error reply (go-openai's errors do
// not carry the headers).
type attempt struct {
	sent       bool
	status     int
	retryAfter time.Duration
	rewrite
}

// rewrite is what the HTTP layer changes in the body go-openai encoded.
type rewrite struct {
	// emptyContent lists the messages that must be sent with "content": ""
	// (go-openai leaves an empty content out, which OpenAI rejects on system,
	// user and tool messages and on assistant messages without tool calls).
	emptyContent []int
	// parts are the JSON of the content parts go-openai has no type for
	// (files, audio), in the order of their placeholders.
	parts []json.RawMessage
}

type attemptKey struct{}

// recordingDoer wraps the HTTP client and records each response's status and
// Retry-After in the attempt carried by the request's context.
// It also adds the base URL's query parameters to each request.
type recordingDoer struct {
	hc    *http.Client
	query url.Values // of the base URL
}

func (d recordingDoer) Do(req *http.Request) (*http.Response, error) {
	if len(d.query) > 0 {
		q := req.URL.Query()
		for k, vs := range d.query {
			if !q.Has(k) {
				q[k] = vs
			}
		}
		req.URL.RawQuery = q.Encode()
	}
	rec, _ := req.Context().Value(attemptKey{}).(*attempt)
	if rec != nil && (len(rec.emptyContent) > 0 || len(rec.parts) > 0) && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = replaceParts(body, rec.parts)
		if len(rec.emptyContent) > 0 {
			if body, err = addEmptyContent(body, rec.emptyContent); err != nil {
				return nil, err
			}
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if rec != nil {
		rec.sent = true
	}
	resp, err := d.hc.Do(req)
	if rec != nil && resp != nil {
		rec.status = resp.StatusCode
		rec.retryAfter = parseRetryAfter(resp.Header, time.Now())
	}
	return resp, err
}

// addEmptyContent adds "content": "" to the messages of a chat-completions
// body at the positions idx that have no content.
func addEmptyContent(body []byte, idx []int) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, fmt.Errorf("llm: re-encoding the request: %w", err)
	}
	var msgs []map[string]json.RawMessage
	if err := json.Unmarshal(top["messages"], &msgs); err != nil {
		return nil, fmt.Errorf("llm: re-encoding the request's messages: %w", err)
	}
	for _, i := range idx {
		if i < len(msgs) && msgs[i] != nil {
			if _, ok := msgs[i]["content"]; !ok {
				msgs[i]["content"] = json.RawMessage(`""`)
			}
		}
	}
	b, err := json.Marshal(msgs)
	if err != nil {
		return nil, fmt.Errorf("llm: re-encoding the request's messages: %w", err)
	}
	top["messages"] = b
	return json.Marshal(top)
}

// parseRetryAfter reads retry-after-ms (milliseconds) or Retry-After (delay
// seconds or an HTTP date) from h. It returns 0 when neither is usable.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 && s < 1e9 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// contextPhrases are lower-case fragments of the messages providers use when
// a request does not fit in the model's context.
var contextPhrases = []string{
	"context_length_exceeded", "maximum context length", "context length", "context window",
	"too many tokens", "input is too long", "prompt is too long", "exceeds token limit",
	"reduce the length of the messages",
	"input token count", "exceeds the maximum number of tokens",
}

func isContextMessage(code, msg string) bool {
	if code == "context_length_exceeded" {
		return true
	}
	m := strings.ToLower(msg)
	for _, p := range contextPhrases {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

// maxMessage bounds the provider text kept in an error.
const maxMessage = 1000

// classify turns an error of go-openai (or of the transport) into an *Error
// and says whether it may be retried. rec is the attempt's record; parent is
// the caller's ctx (its end is not a retryable transport failure).
func (c *Client) classify(parent context.Context, err error, rec *attempt) (*Error, bool) {
	e := &Error{Model: c.cfg.Model, Provider: c.info.Provider, Status: rec.status, RetryAfter: rec.retryAfter}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case parent.Err() != nil:
		e.Kind, e.Status = ErrTransport, 0
		e.Err = parent.Err()
		e.Message = "the call was abandoned: " + parent.Err().Error()
		return e, false
	case errors.As(err, &apiErr):
		if apiErr.HTTPStatusCode != 0 {
			e.Status = apiErr.HTTPStatusCode
		}
		e.Code = codeString(apiErr.Code)
		if e.Code == "" {
			e.Code = apiErr.Type
		}
		e.Message = apiErr.Message
	case errors.As(err, &reqErr):
		e.Status = reqErr.HTTPStatusCode
		e.Message = strings.TrimSpace(string(reqErr.Body))
		if e.Message == "" {
			e.Message = reqErr.HTTPStatus
		}
	case !rec.sent:
		// go-openai refused the request before sending it.
		e.Kind, e.Status = ErrBadRequest, 0
		e.Err = err
		e.Message = "llm: the request was not sent: " + err.Error()
		return c.redact(e), false
	default:
		e.Kind, e.Err = ErrTransport, err
		e.Status = 0
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			e.Message = fmt.Sprintf("no answer within the attempt timeout of %v", c.cfg.Timeout)
		case errors.As(err, &syn), errors.As(err, &typ):
			e.Message = "malformed JSON in the reply: " + err.Error()
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			e.Message = "the connection ended before the reply was complete: " + err.Error()
		}
		return c.redact(e), true
	}
	if len(e.Message) > maxMessage {
		e.Message = e.Message[:maxMessage] + "…"
	}
	e.Err = err
	// An error event inside a stream (no status) or a status outside
	// 4xx/5xx is treated as a server failure.
	var retry bool
	e.Kind, retry = ClassifyStatus(e.Status, e.Code, e.Message)
	return c.redact(e), retry
}

func codeString(code any) string {
	switch v := code.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// redact removes the API key and the base URL's secrets from everything an
// error shows.
func (c *Client) redact(e *Error) *Error {
	if len(c.urlSecrets) > 0 {
		e.Message = urlmask.Text(e.Message, c.urlSecrets)
		if e.Err != nil {
			if msg := e.Err.Error(); urlmask.Text(msg, c.urlSecrets) != msg {
				// Keep what errors.Is needs (the transport's cause) below a
				// masked text.
				var ue *url.Error
				inner := error(nil)
				if errors.As(e.Err, &ue) {
					inner = ue.Err
				}
				e.Err = &maskedError{msg: urlmask.Text(msg, c.urlSecrets), err: inner}
			}
		}
	}
	key := c.cfg.APIKey
	if key == "" {
		return e
	}
	e.Message = strings.ReplaceAll(e.Message, key, "[REDACTED]")
	if e.Err == nil || !strings.Contains(e.Err.Error(), key) {
		return e
	}
	// Nothing below the *Error may still hold the key, not even for a caller
	// that digs with errors.As: a provider's error is copied with its message
	// scrubbed; anything else is replaced by its scrubbed text.
	var api *openai.APIError
	if errors.As(e.Err, &api) {
		scrubbed := *api
		scrubbed.Message = strings.ReplaceAll(api.Message, key, "[REDACTED]")
		scrubbed.Param = nil
		if !strings.Contains(scrubbed.Error(), key) && e.Err == error(api) {
			e.Err = &scrubbed
			return e
		}
	}
	e.Err = errors.New(strings.ReplaceAll(e.Err.Error(), key, "[REDACTED]"))
	return e
}

// wrapGiveUp records on e why the loop stopped waiting, keeping e's kind.
func wrapGiveUp(e *Error, why error) *Error {
	cp := *e
	note := "gave up before retrying: " + why.Error()
	if cp.Message != "" {
		cp.Message += " (" + note + ")"
	}
	if cp.Err != nil {
		cp.Err = fmt.Errorf("%w; gave up before retrying: %w", cp.Err, why)
	} else {
		cp.Err = fmt.Errorf("gave up before retrying: %w", why)
	}
	return &cp
}

// maskedError is an error whose text had secrets masked; it wraps the part
// of the original that holds none (or nothing).
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

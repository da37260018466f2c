package jaegertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ErrNotFound is returned (wrapped) by [Client.Trace] when Jaeger does not
// know the trace ID.
var ErrNotFound = errors.New("jaegertest: trace not found")

// Client reads from Jaeger's v1 JSON query API. The zero value is not usable:
// BaseURL must be set. A Client is safe for concurrent use.
type Client struct {
	// BaseURL is the query service's base URL, for example
	// "http://127.0.0.1:16686".
	BaseURL string
	// HTTP is the client used for requests. Nil means a client with a
	// 10-second timeout.
	HTTP *http.Client
	// PollInterval is the pause between attempts of the Wait methods. Zero
	// means 100 milliseconds.
	PollInterval time.Duration
}

var defaultHTTP = &http.Client{Timeout: 10 * time.Second}

// envelope is the v1 API's response wrapper.
type envelope[T any] struct {
	Data   T          `json:"data"`
	Errors []apiError `json:"errors"`
}

type apiError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func (c *Client) get(ctx context.Context, path string, query url.Values, into any) error {
	if c.BaseURL == "" {
		return errors.New("jaegertest: Client.BaseURL is empty; want the query service's URL such as http://127.0.0.1:16686")
	}
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("jaegertest: %w", err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("jaegertest: GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("jaegertest: GET %s: read body: %w", u, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("GET %s: %w", u, ErrNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("jaegertest: GET %s: status %s: %s", u, resp.Status, bytes.TrimSpace(body))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("jaegertest: GET %s: decode: %w", u, err)
	}
	return nil
}

// Services returns the service names Jaeger has received spans from.
func (c *Client) Services(ctx context.Context) ([]string, error) {
	var env envelope[[]string]
	if err := c.get(ctx, "/api/services", nil, &env); err != nil {
		return nil, err
	}
	slices.Sort(env.Data)
	return env.Data, nil
}

// Trace returns the trace with the given hex ID. An unknown ID yields an error
// that wraps [ErrNotFound].
func (c *Client) Trace(ctx context.Context, traceID string) (*Trace, error) {
	if traceID == "" || strings.Trim(strings.ToLower(traceID), "0123456789abcdef") != "" {
		return nil, fmt.Errorf("jaegertest: trace ID %q; want a non-empty hex string", traceID)
	}
	var env envelope[[]Trace]
	if err := c.get(ctx, "/api/traces/"+traceID, nil, &env); err != nil {
		return nil, err
	}
	if len(env.Data) == 0 {
		return nil, fmt.Errorf("trace %s: %w", traceID, ErrNotFound)
	}
	return &env.Data[0], nil
}

// FindTraces returns up to limit traces (limit <= 0 means 1000) that have
// spans from the given service and started within the last hour, newest
// first as Jaeger orders them.
func (c *Client) FindTraces(ctx context.Context, service string, limit int) ([]Trace, error) {
	if service == "" {
		return nil, errors.New("jaegertest: FindTraces: service is empty; want the service name the spans were sent with")
	}
	if limit <= 0 {
		limit = 1000
	}
	q := url.Values{
		"service":  {service},
		"limit":    {fmt.Sprint(limit)},
		"lookback": {"1h"},
	}
	var env envelope[[]Trace]
	if err := c.get(ctx, "/api/traces", q, &env); err != nil {
		return nil, err
	}
	return env.Data, nil
}

// WaitTraces polls FindTraces(service) until done returns true for the result
// and returns that result. When ctx ends first it returns the last result
// with an error that says what was seen; ctx should carry a deadline. Query
// errors are retried until then.
func (c *Client) WaitTraces(ctx context.Context, service string, done func([]Trace) bool) ([]Trace, error) {
	var last []Trace
	var lastErr error
	err := c.poll(ctx, func() bool {
		last, lastErr = c.FindTraces(ctx, service, 0)
		return lastErr == nil && done(last)
	})
	if err != nil {
		return last, fmt.Errorf("jaegertest: waiting for the traces of service %q (last saw %d traces, %d spans; last query error: %v): %w",
			service, len(last), countSpans(last), lastErr, err)
	}
	return last, nil
}

// WaitTrace polls Trace(traceID) until the trace exists and done returns true
// for it (a nil done accepts any trace). When ctx ends first it returns the
// last trace seen, if any, with an error; ctx should carry a deadline.
func (c *Client) WaitTrace(ctx context.Context, traceID string, done func(*Trace) bool) (*Trace, error) {
	var last *Trace
	var lastErr error
	err := c.poll(ctx, func() bool {
		var tr *Trace
		tr, lastErr = c.Trace(ctx, traceID)
		if lastErr != nil {
			return false
		}
		last = tr
		return done == nil || done(tr)
	})
	if err != nil {
		n := 0
		if last != nil {
			n = len(last.Spans)
		}
		return last, fmt.Errorf("jaegertest: waiting for trace %s (last saw %d spans; last query error: %v): %w", traceID, n, lastErr, err)
	}
	return last, nil
}

func (c *Client) poll(ctx context.Context, try func() bool) error {
	every := c.PollInterval
	if every <= 0 {
		every = 100 * time.Millisecond
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if try() {
			return nil
		}
		t.Reset(every)
	}
}

func countSpans(ts []Trace) int {
	n := 0
	for _, t := range ts {
		n += len(t.Spans)
	}
	return n
}

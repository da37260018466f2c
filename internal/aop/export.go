package aop

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// maxSessions bounds the executions whose grants an Exporter keeps; the
// least recently used is forgotten first (a later export for it asks for a
// new grant).
const maxSessions = 256

// Exporter sends OTLP requests to AOP, one grant per execution. Build it
// with [NewExporter].
type Exporter struct {
	c *Client

	mu       sync.Mutex
	sessions map[string]*list.Element // execution ID -> element holding *session
	lru      list.List
}

// session is one execution's grant.
type session struct {
	id    string
	mu    sync.Mutex // one grant request at a time per execution
	grant *Grant
	fail  *GrantError // a permanent failure, remembered
}

// NewExporter returns an Exporter asking its grants through c.
func NewExporter(c *Client) *Exporter {
	return &Exporter{c: c, sessions: make(map[string]*list.Element)}
}

// Result counts the spans of one [Exporter.Export] call.
type Result struct {
	// Sent counts spans the collector accepted.
	Sent int
	// Dropped counts spans too large to fit a request on their own.
	Dropped int
	// Failed counts spans not sent because a request failed (no grant, the
	// collector down or answering an error), and spans the collector
	// reported as rejected.
	Failed int
}

// ExportError says why a request to the collector failed. It never holds
// the grant token.
type ExportError struct {
	// Status is the collector's HTTP status, or 0 when there was no answer.
	Status int
	// Reason says what went wrong when Status is 0.
	Reason string
	// Err is the transport error, if any.
	Err error
}

func (e *ExportError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("aop: the collector answered HTTP %d%s", e.Status, collectorHint(e.Status))
	}
	return "aop: sending to the collector failed: " + e.Reason
}

func (e *ExportError) Unwrap() error { return e.Err }

// Cause names the failure in few words (see [GrantError.Cause]).
func (e *ExportError) Cause() string {
	if e.Status != 0 {
		return fmt.Sprintf("AOP collector HTTP %d", e.Status)
	}
	return "AOP collector " + e.Reason
}

func collectorHint(status int) string {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return " (the grant was refused, even renewed)"
	case http.StatusRequestEntityTooLarge:
		return " (request too large)"
	}
	return ""
}

// TooLargeError reports spans dropped because each alone encodes to more
// than the request cap.
type TooLargeError struct {
	// Spans is how many were dropped; Largest the largest encoded size seen.
	Spans, Largest int
	// Limit is the cap in bytes.
	Limit int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("aop: %d span(s) dropped: one span alone encodes to up to %d bytes, over the %d-byte request cap",
		e.Spans, e.Largest, e.Limit)
}

// Cause names the failure in few words (see [GrantError.Cause]).
func (e *TooLargeError) Cause() string { return "span over the AOP request cap" }

// TraceURL returns the dashboard link AOP offered for the execution, or ""
// when none was offered or the execution has no grant.
func (e *Exporter) TraceURL(executionID string) string {
	id, err := canonicalUUID(executionID)
	if err != nil {
		return ""
	}
	e.mu.Lock()
	el := e.sessions[id]
	e.mu.Unlock()
	if el == nil {
		return ""
	}
	s := el.Value.(*session)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.grant == nil {
		return ""
	}
	return s.grant.TraceURL
}

// CloseIdle closes idle connections.
func (e *Exporter) CloseIdle() { e.c.http.CloseIdleConnections() }

func (e *Exporter) session(id string) *session {
	e.mu.Lock()
	defer e.mu.Unlock()
	if el := e.sessions[id]; el != nil {
		e.lru.MoveToFront(el)
		return el.Value.(*session)
	}
	s := &session{id: id}
	e.sessions[id] = e.lru.PushFront(s)
	if e.lru.Len() > maxSessions {
		old := e.lru.Back()
		e.lru.Remove(old)
		delete(e.sessions, old.Value.(*session).id)
	}
	return s
}

// current returns the execution's grant, asking for one (or a renewal) when
// there is none or it expires within the renewal margin. stale, when not
// nil, is a grant the collector refused: it is replaced even if it looks
// valid.
func (e *Exporter) current(ctx context.Context, s *session, stale *Grant) (*Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	g := s.grant
	if g != nil && g != stale && g.ExpiresAt.Sub(e.c.cfg.Now()) > e.c.cfg.RenewBefore {
		return g, nil
	}
	ng, err := e.c.Grant(ctx, s.id)
	if err != nil {
		var ge *GrantError
		if errors.As(err, &ge) && ge.Permanent() {
			s.fail = ge
		}
		return nil, err
	}
	if ng.TraceURL == "" && g != nil {
		ng.TraceURL = g.TraceURL
	}
	s.grant = ng
	return ng, nil
}

// entry is one span with the resource and scope it came under.
type entry struct {
	rs   *tracepb.ResourceSpans
	ss   *tracepb.ScopeSpans
	span *tracepb.Span
}

func flatten(req *coltracepb.ExportTraceServiceRequest) []entry {
	var out []entry
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				out = append(out, entry{rs, ss, sp})
			}
		}
	}
	return out
}

// build makes a request of entries, keeping their order and grouping
// neighbours that share a resource and scope.
func build(es []entry) *coltracepb.ExportTraceServiceRequest {
	req := &coltracepb.ExportTraceServiceRequest{}
	var rs *tracepb.ResourceSpans
	var ss *tracepb.ScopeSpans
	var lastRS *tracepb.ResourceSpans
	var lastSS *tracepb.ScopeSpans
	for _, e := range es {
		if rs == nil || e.rs != lastRS {
			rs = &tracepb.ResourceSpans{Resource: e.rs.GetResource(), SchemaUrl: e.rs.GetSchemaUrl()}
			req.ResourceSpans = append(req.ResourceSpans, rs)
			lastRS, ss = e.rs, nil
		}
		if ss == nil || e.ss != lastSS {
			ss = &tracepb.ScopeSpans{Scope: e.ss.GetScope(), SchemaUrl: e.ss.GetSchemaUrl()}
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
			lastSS = e.ss
		}
		ss.Spans = append(ss.Spans, e.span)
	}
	return req
}

// Export sends req's spans for executionID: in requests of at most the
// span and byte caps (a request over the byte cap is halved until it fits;
// a span too large alone is dropped and counted), each with the
// execution's grant, renewed when it is about to expire. It stops at the
// first request that fails and counts the spans not sent as failed. The
// error is a [*GrantError], an [*ExportError] or, when the only trouble was
// dropped spans, a [*TooLargeError]. req is not modified.
func (e *Exporter) Export(ctx context.Context, executionID string, req *coltracepb.ExportTraceServiceRequest) (Result, error) {
	var res Result
	id, err := canonicalUUID(executionID)
	if err != nil {
		return res, fmt.Errorf("aop: execution id %q: %w", executionID, err)
	}
	all := flatten(req)
	if len(all) == 0 {
		return res, nil
	}
	s := e.session(id)
	maxSpans, maxBytes := e.c.cfg.MaxSpans, e.c.cfg.MaxRequestBytes
	// A stack of pending parts, the next to send on top, so that spans go
	// in their order.
	var pending [][]entry
	for end := len(all); end > 0; end -= maxSpans {
		pending = append(pending, all[max(0, end-maxSpans):end])
	}
	var tooLarge *TooLargeError
	var buf []byte
	for len(pending) > 0 {
		part := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		buf, err = proto.MarshalOptions{}.MarshalAppend(buf[:0], build(part))
		if err != nil {
			res.Failed += len(part)
			return res, fmt.Errorf("aop: encoding spans: %w", err)
		}
		if len(buf) > maxBytes {
			if len(part) == 1 {
				res.Dropped++
				if tooLarge == nil {
					tooLarge = &TooLargeError{Limit: maxBytes}
				}
				tooLarge.Spans++
				tooLarge.Largest = max(tooLarge.Largest, len(buf))
				continue
			}
			mid := len(part) / 2
			pending = append(pending, part[mid:], part[:mid])
			continue
		}
		rejected, err := e.send(ctx, s, buf)
		if err != nil {
			res.Failed += len(part)
			for _, p := range pending {
				res.Failed += len(p)
			}
			return res, err
		}
		rejected = min(rejected, len(part))
		res.Sent += len(part) - rejected
		res.Failed += rejected
	}
	if tooLarge != nil {
		return res, tooLarge
	}
	return res, nil
}

// send posts one encoded request with the execution's grant; a 401 or 403
// gets one more try with a fresh grant. It returns the number of spans the
// collector reported as rejected.
func (e *Exporter) send(ctx context.Context, s *session, body []byte) (int, error) {
	var stale *Grant
	for attempt := 0; ; attempt++ {
		g, err := e.current(ctx, s, stale)
		if err != nil {
			return 0, err
		}
		status, rejected, err := e.post(ctx, g, body)
		if err != nil {
			return 0, err
		}
		switch {
		case status >= 200 && status < 300:
			return rejected, nil
		case (status == http.StatusUnauthorized || status == http.StatusForbidden) && attempt == 0:
			stale = g
			continue
		}
		return 0, &ExportError{Status: status}
	}
}

func (e *Exporter) post(ctx context.Context, g *Grant, body []byte) (status, rejected int, err error) {
	ctx, cancel := context.WithTimeout(ctx, e.c.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.CollectorURL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, &ExportError{Reason: "bad collector URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", e.c.cfg.UserAgent)
	req.Header.Set("Authorization", "Bearer "+g.token)
	resp, err := e.c.http.Do(req)
	if err != nil {
		return 0, 0, &ExportError{Reason: transportReason(err), Err: stripURL(err)}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 && len(raw) > 0 {
		var out coltracepb.ExportTraceServiceResponse
		if proto.Unmarshal(raw, &out) == nil {
			rejected = int(min(out.GetPartialSuccess().GetRejectedSpans(), 1<<31-1))
		}
	}
	return resp.StatusCode, rejected, nil
}

// Package aoptest is a fake CrewAI AOP for tests: the grants endpoint and an
// OTLP/HTTP traces receiver on 127.0.0.1, with faults to inject.
//
// The fake checks what the real service would: the grant request's
// credential, body and execution id; the collector request's grant token
// (known, not expired by the fake's clock, for the execution of its spans)
// and its size ([aop.MaxRequestBytes], answered with 413 when over). It
// records every grant request and every accepted span.
//
// A Server is safe for concurrent use.
package aoptest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/internal/aop"
)

// DefaultCredential is the credential a new Server accepts.
const DefaultCredential = "test-pat-0123456789"

// Server is the fake. Build it with [New]; Close it when done.
type Server struct {
	// URL is the base URL, the value for CREWAI_PLUS_URL.
	URL string

	srv     *httptest.Server
	release chan struct{}
	relOnce sync.Once

	mu           sync.Mutex
	credential   string
	ttl          time.Duration
	now          func() time.Time
	grantStatus  int
	exportStatus int
	override     map[string]any
	hangGrants   bool
	hangExports  bool
	tokens       map[string]tokenInfo
	grants       []GrantRequest
	requests     []Request
}

type tokenInfo struct {
	execution string
	expires   time.Time
}

// GrantRequest is one request the grants endpoint received.
type GrantRequest struct {
	// Authorization is the header as received.
	Authorization string
	// ExecutionID is the body's execution_uuid.
	ExecutionID string
	// IncludeTraceURL is the body's include_trace_url.
	IncludeTraceURL bool
	// Token is the grant token answered, or "" when refused.
	Token string
}

// Request is one request the collector accepted.
type Request struct {
	// Token is the grant token it carried.
	Token string
	// Bytes is the size of its body.
	Bytes int
	// Spans are its spans.
	Spans []*tracepb.Span
}

// New starts a fake accepting [DefaultCredential], granting 15 minutes.
func New() *Server {
	s := &Server{
		credential: DefaultCredential, ttl: 15 * time.Minute, now: time.Now,
		tokens: map[string]tokenInfo{}, release: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+aop.GrantsPath, s.grant)
	mux.HandleFunc("POST /v1/traces", s.collect)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	s.relOnce.Do(func() { close(s.release) })
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SetCredential sets the credential the grants endpoint accepts.
func (s *Server) SetCredential(c string) { s.mu.Lock(); s.credential = c; s.mu.Unlock() }

// SetTTL sets how long new grants last.
func (s *Server) SetTTL(d time.Duration) { s.mu.Lock(); s.ttl = d; s.mu.Unlock() }

// SetClock sets the clock grants are issued and checked with.
func (s *Server) SetClock(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// SetGrantStatus makes the grants endpoint answer status (0: normal).
func (s *Server) SetGrantStatus(status int) { s.mu.Lock(); s.grantStatus = status; s.mu.Unlock() }

// SetExportStatus makes the collector answer status (0: normal).
func (s *Server) SetExportStatus(status int) { s.mu.Lock(); s.exportStatus = status; s.mu.Unlock() }

// SetGrantOverride replaces fields of the grant answers (a nil value
// removes the field).
func (s *Server) SetGrantOverride(fields map[string]any) {
	s.mu.Lock()
	s.override = fields
	s.mu.Unlock()
}

// HangGrants makes the grants endpoint hold requests until the client gives
// up or the Server is closed.
func (s *Server) HangGrants(on bool) { s.mu.Lock(); s.hangGrants = on; s.mu.Unlock() }

// HangExports makes the collector hold requests until the client gives up
// or the Server is closed.
func (s *Server) HangExports(on bool) { s.mu.Lock(); s.hangExports = on; s.mu.Unlock() }

// ExpireAll makes every grant issued so far expired.
func (s *Server) ExpireAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.tokens {
		v.expires = time.Time{}
		s.tokens[k] = v
	}
}

// Grants returns the grant requests received so far.
func (s *Server) Grants() []GrantRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]GrantRequest(nil), s.grants...)
}

// Requests returns the collector requests accepted so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Spans returns every span accepted so far, in arrival order.
func (s *Server) Spans() []*tracepb.Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*tracepb.Span
	for _, r := range s.requests {
		out = append(out, r.Spans...)
	}
	return out
}

func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.release:
	}
}

func (s *Server) grant(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	hang := s.hangGrants
	s.mu.Unlock()
	if hang {
		s.hang(r)
		return
	}
	var body struct {
		ExecutionUUID   string `json:"execution_uuid"`
		IncludeTraceURL bool   `json:"include_trace_url"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(raw, &body); err != nil || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gr := GrantRequest{Authorization: r.Header.Get("Authorization"), ExecutionID: body.ExecutionUUID,
		IncludeTraceURL: body.IncludeTraceURL}
	status := s.grantStatus
	if status == 0 && gr.Authorization != "Bearer "+s.credential {
		status = http.StatusUnauthorized
	}
	if status == 0 && body.ExecutionUUID == "" {
		status = http.StatusUnprocessableEntity
	}
	if status != 0 && status != http.StatusOK {
		s.grants = append(s.grants, gr)
		http.Error(w, `{"error":"refused"}`, status)
		return
	}
	gr.Token = fmt.Sprintf("grant-%d-%s", len(s.grants)+1, strings.Repeat("x", 8))
	expires := s.now().Add(s.ttl)
	s.tokens[gr.Token] = tokenInfo{execution: body.ExecutionUUID, expires: expires}
	s.grants = append(s.grants, gr)
	answer := map[string]any{
		"token":          gr.Token,
		"collector_url":  s.URL + "/v1/traces",
		"execution_uuid": body.ExecutionUUID,
		"expires_at":     expires.UTC().Format(time.RFC3339Nano),
		"tier":           aop.Tier,
		"trace_url":      s.URL + "/crewai_plus/otel_traces/" + body.ExecutionUUID,
	}
	for k, v := range s.override {
		if v == nil {
			delete(answer, k)
		} else {
			answer[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

func (s *Server) collect(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	hang := s.hangExports
	s.mu.Unlock()
	if hang {
		s.hang(r)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4*aop.MaxRequestBytes))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exportStatus != 0 {
		http.Error(w, "injected", s.exportStatus)
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	info, known := s.tokens[token]
	if !ok || !known || !s.now().Before(info.expires) {
		http.Error(w, "grant unknown or expired", http.StatusUnauthorized)
		return
	}
	if len(raw) > aop.MaxRequestBytes {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	if r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "content type", http.StatusUnsupportedMediaType)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, "decode", http.StatusBadRequest)
		return
	}
	rec := Request{Token: token, Bytes: len(raw)}
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				if execOf(sp) != info.execution {
					http.Error(w, "span of another execution", http.StatusForbidden)
					return
				}
				rec.Spans = append(rec.Spans, sp)
			}
		}
	}
	s.requests = append(s.requests, rec)
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func execOf(sp *tracepb.Span) string {
	for _, kv := range sp.Attributes {
		if kv.Key == aop.AttrExecutionUUID {
			return kv.Value.GetStringValue()
		}
	}
	return ""
}

// Attr returns a span's attribute as a string (numbers and booleans
// printed with fmt), and whether the span has it.
func Attr(sp *tracepb.Span, key string) (string, bool) {
	for _, kv := range sp.Attributes {
		if kv.Key != key {
			continue
		}
		switch v := kv.Value.GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			return v.StringValue, true
		case *commonpb.AnyValue_IntValue:
			return fmt.Sprint(v.IntValue), true
		case *commonpb.AnyValue_DoubleValue:
			return fmt.Sprint(v.DoubleValue), true
		case *commonpb.AnyValue_BoolValue:
			return fmt.Sprint(v.BoolValue), true
		}
		return kv.Value.String(), true
	}
	return "", false
}

package llmtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crewai-go/crewai/llm"
)

// DefaultMaxRecorded is how many requests a [Server] keeps for
// [Server.Requests] when [ServerConfig].MaxRecorded is 0.
const DefaultMaxRecorded = 1000

// maxBody bounds the request bodies the server reads.
const maxBody = 32 << 20

// ServerConfig configures a fake server. The zero value is a server with an
// empty script: every request gets a 400 error saying the script is empty.
// NewServer copies it; a ServerConfig may be shared while no one modifies it.
type ServerConfig struct {
	// Replies are played in order, one per request (retries included).
	Replies []Reply
	// Respond, if set, computes the reply to each request instead of
	// Replies. It is called concurrently and must be safe for that.
	Respond func(r *ServerRequest) Reply
	// Latency is waited before every reply (in addition to Reply.Delay),
	// honouring the request's context.
	Latency time.Duration
	// EmbeddingDimensions is the length of the vectors POST .../embeddings
	// answers with; 0 means [DefaultEmbeddingDimensions].
	EmbeddingDimensions int
	// EmbeddingFaults are injected, in order, into the first embeddings
	// requests (one per request, retries included); later requests are
	// answered. Only the HTTP faults (rate limit, server errors, bad
	// request, status), FaultReset and FaultHang apply.
	EmbeddingFaults []Reply
	// MaxRecorded bounds the requests kept for [Server.Requests] (the first
	// ones are kept): 0 means [DefaultMaxRecorded], a negative value keeps
	// none (for load tests). [Server.Count] counts every request anyway.
	MaxRecorded int
}

// ServerRequest is a request the fake server received, decoded. The zero value
// is an empty request. Requests returns copies that the caller owns, safe to
// read from any goroutine.
type ServerRequest struct {
	// Seq is the request's position among all the server received (1, 2...).
	Seq int64
	// Method, Path and RawQuery are those of the HTTP request, such as
	// "POST", "/v1/chat/completions" and "" (Azure puts the deployment in
	// the path and api-version in the query).
	Method, Path, RawQuery string
	// Authorized tells whether an Authorization or api-key header was sent.
	// The key itself is not kept.
	Authorized bool
	// Organization is the OpenAI-Organization header.
	Organization string
	// Model is the requested model.
	Model string
	// Stream and IncludeUsage are the stream flags of the request.
	Stream, IncludeUsage bool
	// MaxTokens and MaxCompletionTokens are the two length limits as sent
	// (Request.MaxTokens holds the larger).
	MaxTokens, MaxCompletionTokens int
	// Thinking is the thinking type an Anthropic request asked for
	// ("enabled", "adaptive"; "" or "disabled" when off), and
	// ThinkingBudget its budget_tokens.
	Thinking       string
	ThinkingBudget int
	// Request is the request in the llm package's terms.
	Request llm.Request
	// Body is the raw JSON body.
	Body []byte
}

// Server is a fake OpenAI-compatible chat-completions server on a loopback
// port (an httptest.Server). It serves POST .../chat/completions (any prefix,
// so Azure's deployment paths work) and POST .../embeddings (deterministic
// vectors, see [Server.Embeddings]), plays its script, injects the replies'
// faults, and streams (server-sent events, with a final usage event when
// stream_options.include_usage is set) when the request asks. A Server is safe
// for concurrent use; it starts no goroutine of its own beyond net/http's per
// connection, and its memory is bounded by MaxRecorded. Close it when done.
//
// Like OpenAI, it refuses with 400 (OpenAI's error body, with param and
// code) a request without a model or messages, a message without the
// content OpenAI requires (every message but an assistant message that
// calls tools), an unknown role, a tool call without an ID or a name, tool
// calls not answered by the tool messages right after them or a tool
// message answering none, a tool name OpenAI refuses, a temperature outside
// 0 to 2, and stream_options without stream. Refused requests are not
// recorded. Replies carry OpenAI's required fields: message content (null
// on a reply that only calls tools), refusal and choices[].logprobs (null).
// The zero Server is not usable: make one with NewServer.
type Server struct {
	cfg     ServerConfig
	ts      *httptest.Server
	done    chan struct{}
	closing sync.Once
	count   atomic.Int64
	next    atomic.Int64
	nextEmb atomic.Int64
	mu      sync.Mutex
	reqs    []ServerRequest
	dialect dialect // nil: OpenAI chat completions
}

// NewServer starts a fake server configured by cfg.
func NewServer(cfg ServerConfig) *Server { return newServer(cfg, nil) }

func newServer(cfg ServerConfig, d dialect) *Server {
	if cfg.MaxRecorded == 0 {
		cfg.MaxRecorded = DefaultMaxRecorded
	}
	s := &Server{cfg: cfg, done: make(chan struct{}), dialect: d}
	s.ts = httptest.NewServer(s)
	return s
}

// URL returns the base URL to configure a client with: for the OpenAI fake
// it ends in "/v1" (such as http://127.0.0.1:PORT/v1); for the Anthropic,
// Gemini and Bedrock fakes it is the server's root (http://127.0.0.1:PORT),
// as their SDKs add the API's path themselves.
func (s *Server) URL() string {
	if s.dialect != nil {
		return s.ts.URL
	}
	return s.ts.URL + "/v1"
}

// Close ends hanging and waiting requests, closes every connection and
// stops the server. It waits for the handlers to return. Calling it more
// than once is harmless.
func (s *Server) Close() {
	s.closing.Do(func() {
		close(s.done)
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// Count returns how many requests the server has received.
func (s *Server) Count() int { return int(s.count.Load()) }

// Requests returns copies of the recorded requests, in arrival order.
func (s *Server) Requests() []ServerRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ServerRequest(nil), s.reqs...)
}

// ServeHTTP answers one request; it is what the httptest server runs.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seq := s.count.Add(1)
	if s.dialect != nil {
		s.serveDialect(w, r, seq)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/embeddings") {
		s.embeddings(w, r, seq)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url",
			fmt.Sprintf("llmtest: no route %s %s; the fake server serves POST .../chat/completions and .../embeddings", r.Method, r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed",
			"llmtest: use POST for chat completions, not "+r.Method)
		return
	}
	body, err := readBody(r)
	if err != nil {
		return // the client went away
	}
	if len(body) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "body_too_large",
			fmt.Sprintf("llmtest: the request body is larger than %d bytes", maxBody))
		return
	}
	sr, err := decodeRequest(body)
	if err != nil {
		var ie *invalidRequest
		if errors.As(err, &ie) {
			writeParamError(w, http.StatusBadRequest, "invalid_request_error", ie.param, ie.code, ie.msg)
			return
		}
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_json", err.Error())
		return
	}
	if ie := checkRequest(sr); ie != nil {
		writeParamError(w, http.StatusBadRequest, "invalid_request_error", ie.param, ie.code, ie.msg)
		return
	}
	sr.Seq, sr.Method, sr.Path, sr.RawQuery = seq, r.Method, r.URL.Path, r.URL.RawQuery
	sr.Authorized = r.Header.Get("Authorization") != "" || r.Header.Get("api-key") != ""
	sr.Organization = r.Header.Get("OpenAI-Organization")
	sr.Body = body
	s.record(sr)

	reply, ok := s.replyFor(sr)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "script_exhausted",
			fmt.Sprintf("%v (request %d)", ErrScriptExhausted, seq))
		return
	}
	if !s.wait(r, s.cfg.Latency+reply.Delay) {
		s.abortIfClosed()
		return
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	if reply.Err != nil && reply.Fault == FaultNone {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", reply.Err.Error())
		return
	}
	s.answer(w, r, sr, &reply)
}

// readBody reads at most maxBody+1 bytes of r's body, in one buffer of the
// announced length when there is one.
func readBody(r *http.Request) ([]byte, error) {
	lr := io.LimitReader(r.Body, maxBody+1)
	if n := r.ContentLength; n > 0 && n <= maxBody {
		buf := make([]byte, n+1) // one more byte to see the end without growing
		k, err := io.ReadFull(lr, buf)
		switch err {
		case nil: // more than announced: read the rest as usual
			rest, err := io.ReadAll(lr)
			return append(buf, rest...), err
		case io.ErrUnexpectedEOF, io.EOF:
			if int64(k) == n {
				return buf[:k], nil
			}
		}
		return nil, err // a short body is the client gone away
	}
	return io.ReadAll(lr)
}

func (s *Server) record(sr *ServerRequest) {
	if s.cfg.MaxRecorded < 0 {
		return
	}
	s.mu.Lock()
	if len(s.reqs) < s.cfg.MaxRecorded {
		s.reqs = append(s.reqs, *sr)
	}
	s.mu.Unlock()
}

func (s *Server) replyFor(sr *ServerRequest) (Reply, bool) {
	if s.cfg.Respond != nil {
		return s.cfg.Respond(sr), true
	}
	i := s.next.Add(1) - 1
	if i >= int64(len(s.cfg.Replies)) {
		return Reply{}, false
	}
	return s.cfg.Replies[i], true
}

// abortIfClosed drops the connection without an answer when the server is
// closing, so that a waiting client sees an error rather than an empty reply.
func (s *Server) abortIfClosed() {
	select {
	case <-s.done:
		panic(http.ErrAbortHandler)
	default:
	}
}

// wait waits d, or until the request's context ends or the server closes;
// it reports whether the full wait happened.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, sr *ServerRequest, reply *Reply) {
	if status, typ, code, msg, ok := reply.Fault.httpError(reply); ok {
		writeError(w, status, typ, code, msg)
		return
	}
	switch reply.Fault {
	case FaultNone, FaultMalformedJSON, FaultEmptyChoices, FaultTruncated:
	case FaultReset:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // close with a reset, not a clean FIN
				}
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.done:
			s.abortIfClosed()
		}
		return
	default:
		writeError(w, http.StatusInternalServerError, "server_error", "", fmt.Sprintf("llmtest: unknown fault %v", reply.Fault))
		return
	}
	model := sr.Model
	if model == "" {
		model = "llmtest-model"
	}
	resp := ResponseFor(model, &sr.Request, *reply)
	id := "chatcmpl-llmtest-" + strconv.FormatInt(sr.Seq, 10)
	if sr.Stream {
		s.stream(w, sr, reply, resp, id)
		return
	}
	out := wireResponse{ID: id, Object: "chat.completion", Created: time.Now().Unix(), Model: model,
		Choices: []wireChoice{}, Usage: wireUsageOf(resp.Usage)}
	if reply.Fault != FaultEmptyChoices {
		finish := resp.FinishReason
		msg := &wireMessage{Role: "assistant", ToolCalls: wireCallsOf(resp.ToolCalls)}
		if content := resp.Content; content != "" || len(resp.ToolCalls) == 0 {
			msg.Content = &content // null on a reply that only calls tools
		}
		out.Choices = append(out.Choices, wireChoice{Message: msg, FinishReason: &finish})
	}
	b := appendJSON(nil, &out)
	w.Header().Set("Content-Type", "application/json")
	switch reply.Fault {
	case FaultMalformedJSON:
		b = []byte(`{"id":"` + id + `","object":"chat.completion","choices":[{"index":0,"message":<html>not json</html>}]}`)
	case FaultTruncated:
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b[:len(b)/2])
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write(b)
}

// stream sends resp as server-sent events.
func (s *Server) stream(w http.ResponseWriter, sr *ServerRequest, reply *Reply, resp *llm.Response, id string) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	created := time.Now().Unix()
	buf := make([]byte, 0, 512)
	send := func(ch *wireResponse) bool {
		buf = append(appendJSON(append(buf[:0], "data: "...), ch), "\n\n"...)
		if _, err := w.Write(buf); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	chunk := func(d *wireOutMessage, finish *string) *wireResponse {
		return &wireResponse{ID: id, Object: "chat.completion.chunk", Created: created, Model: resp.Model,
			Choices: []wireChoice{{Delta: d, FinishReason: finish}}}
	}
	if reply.Fault == FaultEmptyChoices {
		ch := chunk(nil, nil)
		ch.Choices = []wireChoice{}
		if sr.IncludeUsage {
			ch.Usage = wireUsageOf(resp.Usage)
		}
		send(ch)
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
		return
	}
	empty := ""
	if !send(chunk(&wireOutMessage{Role: "assistant", Content: &empty}, nil)) {
		return
	}
	if reply.Fault == FaultMalformedJSON {
		_, _ = io.WriteString(w, "data: {\"id\":\""+id+"\",\"choices\":[{\"delta\":<html>not json\n\n")
		_ = rc.Flush()
		return
	}
	// The body events: content pieces, then each tool call as a head (ID
	// and name) and its arguments in two halves.
	var events []*wireOutMessage
	for _, p := range reply.pieces() {
		events = append(events, &wireOutMessage{Content: &p})
	}
	for i, c := range resp.ToolCalls {
		a1, a2 := splitHalf(c.Arguments)
		head := wireCall{Index: &i, ID: c.ID, Type: "function"}
		head.Function.Name, head.Function.Arguments = c.Name, a1
		tail := wireCall{Index: &i}
		tail.Function.Arguments = a2
		events = append(events, &wireOutMessage{ToolCalls: []wireCall{head}}, &wireOutMessage{ToolCalls: []wireCall{tail}})
	}
	if reply.Fault == FaultTruncated {
		for _, d := range events[:len(events)/2] {
			if !send(chunk(d, nil)) {
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	for _, d := range events {
		if !send(chunk(d, nil)) {
			return
		}
	}
	finish := resp.FinishReason
	if !send(chunk(&wireOutMessage{}, &finish)) {
		return
	}
	if sr.IncludeUsage {
		ch := chunk(nil, nil)
		ch.Choices = []wireChoice{}
		ch.Usage = wireUsageOf(resp.Usage)
		if !send(ch) {
			return
		}
	}
	_, _ = io.WriteString(w, "data: [DONE]\n\n")
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	writeParamError(w, status, typ, "", code, msg)
}

// writeParamError writes an OpenAI error body naming the parameter at
// fault (param is null when empty, as is code).
func writeParamError(w http.ResponseWriter, status int, typ, param, code, msg string) {
	var e wireError
	e.Error.Message, e.Error.Type = msg, typ
	if code != "" {
		e.Error.Code = &code
	}
	if param != "" {
		e.Error.Param = &param
	}
	b, _ := json.Marshal(e)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

package llmtest

import (
	"net/http"
	"strconv"

	"github.com/crewai-go/crewai/llm"
)

// dialect is the wire format of a provider's fake: how a request is routed,
// decoded and checked, and how replies and errors are written. The Server
// does the rest (script, recording, latency, faults) the same way for every
// provider.
type dialect interface {
	// decode checks the route and the headers and decodes the body. A
	// non-nil *apiErr is answered as is (a 4xx the provider would send).
	decode(r *http.Request, body []byte) (*ServerRequest, *apiErr)
	// writeError writes an error reply in the provider's format.
	writeError(w http.ResponseWriter, e *apiErr)
	// faultError returns the provider's error for an HTTP fault, or nil for
	// the other faults.
	faultError(reply *Reply) *apiErr
	// answer writes the reply resp (non-streamed or streamed, as sr asks),
	// applying the body faults (malformed JSON, empty reply, truncation).
	answer(w http.ResponseWriter, sr *ServerRequest, reply *Reply, resp *llm.Response)
}

// apiErr is an error reply: the HTTP status, the provider's error type or
// code, and the message.
type apiErr struct {
	status int
	typ    string
	msg    string
}

// serveDialect answers one request of a provider fake.
func (s *Server) serveDialect(w http.ResponseWriter, r *http.Request, seq int64) {
	d := s.dialect
	body, err := readBody(r)
	if err != nil {
		return // the client went away
	}
	if len(body) > maxBody {
		d.writeError(w, &apiErr{status: http.StatusRequestEntityTooLarge, msg: "llmtest: the request body is too large"})
		return
	}
	sr, ae := d.decode(r, body)
	if ae != nil {
		d.writeError(w, ae)
		return
	}
	sr.Seq, sr.Method, sr.Path, sr.RawQuery = seq, r.Method, r.URL.Path, r.URL.RawQuery
	sr.Body = body
	s.record(sr)
	reply, ok := s.replyFor(sr)
	if !ok {
		d.writeError(w, &apiErr{status: http.StatusBadRequest, msg: ErrScriptExhausted.Error()})
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
		d.writeError(w, &apiErr{status: http.StatusBadRequest, msg: reply.Err.Error()})
		return
	}
	if ae := d.faultError(&reply); ae != nil {
		d.writeError(w, ae)
		return
	}
	switch reply.Fault {
	case FaultReset, FaultHang:
		s.answer(w, r, sr, &reply) // the same on every wire
		return
	}
	model := sr.Model
	if model == "" {
		model = "llmtest-model"
	}
	d.answer(w, sr, &reply, ResponseFor(model, &sr.Request, reply))
}

// truncate writes half of b with a Content-Length for all of it, then drops
// the connection.
func truncate(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b[:len(b)/2])
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

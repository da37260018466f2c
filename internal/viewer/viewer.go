// Package viewer is the local trace viewer behind "crewai traces view": an
// HTTP handler that serves a single page (HTML, JavaScript and CSS embedded in
// the binary, no CDN) and a small JSON API over the trace files of one
// folder.
//
// # Endpoints
//
//	GET /                          the page (html/template)
//	GET /static/{file}             embedded assets
//	GET /api/traces                {"traces": [Summary...], "skipped": ["warning"...]}
//	GET /api/traces/{id}           one trace: spans with decoded messages, totals
//	GET /api/traces/{id}/otlp      the trace as one OTLP/JSON export request (download)
//
// {id} is a trace ID or a unique prefix of one.
//
// # Security
//
// The viewer shows prompts and model replies, which are untrusted text. The
// handler:
//   - answers only GET and HEAD;
//   - refuses with 403 any request whose Host header is not a loopback name
//     (localhost, 127.0.0.0/8, [::1]), a defence against DNS rebinding, so
//     that a web page the user visits cannot read their traces through a name
//     that resolves to 127.0.0.1;
//   - sends a strict Content-Security-Policy (scripts and styles only from
//     the viewer itself, no inline script, no framing), X-Content-Type-Options
//     nosniff and Referrer-Policy no-referrer;
//   - renders data in the page only through textContent (never innerHTML),
//     and in JSON with HTML-escaping, so a reply containing markup is shown as
//     text and never runs;
//   - never writes into the traces folder;
//   - with Options.Token set (the crewai command always sets a fresh random
//     one), answers 403 to any request that does not carry the token, so
//     that another user of the machine, who can reach the loopback port too,
//     cannot read the traces. The token is accepted in the token query
//     parameter (the URL the command prints and opens), an
//     "Authorization: Bearer" header, or a cookie: a page request with a
//     valid token query sets the cookie (HttpOnly, SameSite=Strict, named
//     after a hash of the token so that two viewers do not clash) and is
//     redirected to the same page without the token, which keeps it out of
//     the address bar and history. As notebook servers do.
//
// Listening on a loopback address only is the caller's job (the crewai
// command refuses any other address); [CheckLoopbackAddr] helps.
//
// Every function of this package is safe for concurrent use.
package viewer

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/otlpjson"
	"github.com/crewai-go/crewai/internal/pricing"
	"github.com/crewai-go/crewai/internal/tracefile"
)

//go:embed assets
var assets embed.FS

// CSP is the Content-Security-Policy sent with every response.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Options configures [Handler]. The zero value serves $CREWAI_TRACES_DIR (or
// .crewai/traces) with the default prices. Handler copies it, so it may be
// reused or changed afterwards.
type Options struct {
	// Dir is the traces folder; "" means [tracefile.Dir].
	Dir string
	// Prices prices LLM calls without an llm.cost.total attribute; nil
	// means [pricing.Default].
	Prices *pricing.Table
	// Token, when set, is required on every request (see the package
	// doc); "" serves without one. [NewToken] makes a good one.
	Token string
}

// NewToken returns a random token for Options.Token (128 bits from
// crypto/rand, base32, URL-safe). It is safe for concurrent use.
func NewToken() string { return rand.Text() }

// TokenQuery is the query parameter that carries the token.
const TokenQuery = "token"

var page = template.Must(template.ParseFS(assets, "assets/index.html"))

// Handler returns the viewer's HTTP handler. It is safe for concurrent use;
// it reads the folder anew on every request.
func Handler(o Options) http.Handler {
	if o.Dir == "" {
		o.Dir = tracefile.Dir()
	}
	if o.Prices == nil {
		o.Prices = pricing.Default()
	}
	h := &handler{o: o}
	static, _ := fs.Sub(assets, "assets")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.index)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /api/traces", h.list)
	mux.HandleFunc("GET /api/traces/{id}", h.trace)
	mux.HandleFunc("GET /api/traces/{id}/otlp", h.otlp)
	return secure(mux, o.Token)
}

// IsLoopbackHost reports whether host (a Host header value, with or without a
// port) names the local machine: "localhost", an address in 127.0.0.0/8, or
// ::1.
func IsLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckLoopbackAddr returns an error unless addr ("host:port") is a loopback
// address the viewer may listen on. "localhost" is accepted and mapped to
// 127.0.0.1; an empty host is refused (it would mean every interface), and
// so is a port that is not a number from 0 (a free port) to 65535. It returns
// the address to listen on. It is safe for concurrent use.
func CheckLoopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("viewer: address %q: want host:port on a loopback address, such as 127.0.0.1:0: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("viewer: address %q: the viewer listens on loopback only (127.0.0.1, ::1 or localhost), since traces hold prompts and replies", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("viewer: address %q: port %q: want a number from 0 (a free port) to 65535", addr, port)
	}
	return net.JoinHostPort(host, port), nil
}

// cookieName is the name of the cookie carrying token.
func cookieName(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "crewai_viewer_" + hex.EncodeToString(sum[:6])
}

// tokenOK reports whether r carries token; fromQuery says it came in the
// query (and so should be moved to a cookie).
func tokenOK(r *http.Request, token, cookie string) (ok, fromQuery bool) {
	eq := func(s string) bool { return subtle.ConstantTimeCompare([]byte(s), []byte(token)) == 1 }
	if q := r.URL.Query().Get(TokenQuery); q != "" && eq(q) {
		return true, true
	}
	if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && eq(strings.TrimSpace(a)) {
		return true, false
	}
	if c, err := r.Cookie(cookie); err == nil && eq(c.Value) {
		return true, false
	}
	return false, false
}

func secure(next http.Handler, token string) http.Handler {
	cookie := cookieName(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		if !IsLoopbackHost(r.Host) {
			http.Error(w, "forbidden: the trace viewer answers only requests addressed to localhost, 127.0.0.1 or [::1]", http.StatusForbidden)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			hd.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if token != "" {
			ok, fromQuery := tokenOK(r, token, cookie)
			if !ok {
				http.Error(w, "forbidden: open the address printed by \"crewai traces view\"; it carries the viewer's token", http.StatusForbidden)
				return
			}
			if fromQuery && r.URL.Path == "/" {
				http.SetCookie(w, &http.Cookie{Name: cookie, Value: token, Path: "/", HttpOnly: true,
					SameSite: http.SameSiteStrictMode})
				q := r.URL.Query()
				q.Del(TokenQuery)
				u := *r.URL
				u.RawQuery = q.Encode()
				hd.Set("Cache-Control", "no-store")
				http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

type handler struct {
	o     Options
	cache tracefile.Cache // summaries of unchanged files are not re-read
}

func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = page.Execute(w, struct{ Dir string }{h.o.Dir})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w) // escapes <, > and & in strings
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var nf *tracefile.NotFoundError
	var amb *tracefile.AmbiguousError
	switch {
	case errors.As(err, &nf):
		status = http.StatusNotFound
	case errors.As(err, &amb):
		status = http.StatusConflict
	case strings.Contains(err.Error(), "hexadecimal"):
		status = http.StatusBadRequest
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// ListResponse is the body of GET /api/traces. It is a plain value, safe for
// concurrent reads; the zero value is no traces and no skipped files.
type ListResponse struct {
	Traces  []tracefile.Summary `json:"traces"`
	Skipped []string            `json:"skipped"`
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	sums, skipped, err := h.cache.List(h.o.Dir, h.o.Prices)
	if err != nil {
		writeError(w, err)
		return
	}
	resp := ListResponse{Traces: sums, Skipped: []string{}}
	if resp.Traces == nil {
		resp.Traces = []tracefile.Summary{}
	}
	for _, s := range skipped {
		resp.Skipped = append(resp.Skipped, s.Error())
	}
	writeJSON(w, http.StatusOK, resp)
}

func (h *handler) trace(w http.ResponseWriter, r *http.Request) {
	t, err := tracefile.Load(h.o.Dir, r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Build(t, h.o.Prices))
}

func (h *handler) otlp(w http.ResponseWriter, r *http.Request) {
	t, err := tracefile.Load(h.o.Dir, r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := otlpjson.Marshal(t.Merged())
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"trace-%s.otlp.json\"", t.ID))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// TraceView is the body of GET /api/traces/{id}: what the page needs to draw
// one trace. Times are nanoseconds from the trace's start. It is a plain
// value, safe for concurrent reads; the zero value is an empty trace.
type TraceView struct {
	Summary tracefile.Summary `json:"summary"`
	Spans   []SpanView        `json:"spans"`
	ByAgent []tracefile.Total `json:"by_agent"`
	ByModel []tracefile.Total `json:"by_model"`
}

// SpanView is one span as the page shows it. It is a plain value, safe for
// concurrent reads; the zero value is an unnamed span of no operation.
type SpanView struct {
	ID       string        `json:"id"`
	Parent   string        `json:"parent,omitempty"`
	Name     string        `json:"name"`
	Op       string        `json:"op"`
	Kind     string        `json:"kind"`
	Depth    int           `json:"depth"`
	Offset   time.Duration `json:"offset_ns"`
	Duration time.Duration `json:"duration_ns"`
	// Status is "error" for a span whose OTel status is Error, else "ok":
	// the library leaves a span that ended without error Unset, as OTel
	// asks instrumentation to do, and a user reads that as success.
	Status string `json:"status"`
	// OTelStatus is the span's OTel status code as stored: "unset", "ok" or
	// "error".
	OTelStatus string              `json:"otel_status"`
	Error      string              `json:"error,omitempty"`
	Agent      string              `json:"agent,omitempty"`
	Model      string              `json:"model,omitempty"`
	Tool       string              `json:"tool,omitempty"`
	Usage      *chat.Usage         `json:"usage,omitempty"`
	Cost       float64             `json:"cost_usd,omitempty"`
	CostKnown  bool                `json:"cost_known"`
	Input      []tracefile.Message `json:"input_messages,omitempty"`
	Output     []tracefile.Message `json:"output_messages,omitempty"`
	ToolArgs   string              `json:"tool_arguments,omitempty"`
	ToolResult string              `json:"tool_result,omitempty"`
	Attributes []KV                `json:"attributes"`
	Events     []EventView         `json:"events,omitempty"`
}

// KV is one attribute with its value formatted as text. The zero value is an
// empty key and value; it is safe for concurrent reads.
type KV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// EventView is one span event. The zero value is an unnamed event at the
// trace's start with no attributes; it is safe for concurrent reads.
type EventView struct {
	Name       string        `json:"name"`
	Offset     time.Duration `json:"offset_ns"`
	Attributes []KV          `json:"attributes"`
}

func kvs(as []tracefile.Attribute) []KV {
	out := make([]KV, 0, len(as))
	for _, a := range as {
		out = append(out, KV{Key: a.Key, Value: tracefile.FormatValue(a.Value)})
	}
	return out
}

// Build turns a trace into the page's view of it.
func Build(t *tracefile.Trace, prices *pricing.Table) TraceView {
	v := TraceView{Summary: t.Summary(prices), Spans: make([]SpanView, 0, len(t.Spans))}
	v.ByAgent, v.ByModel = t.Totals(prices)
	off := func(at time.Time) time.Duration {
		if at.IsZero() || at.Before(t.Start) {
			return 0
		}
		return at.Sub(t.Start)
	}
	for _, s := range t.Spans {
		sv := SpanView{
			ID: s.SpanID, Parent: s.ParentSpanID, Name: s.Name, Op: s.Op(), Kind: s.Kind, Depth: s.Depth,
			Offset: off(s.Start), Duration: s.Duration(), Status: "ok", OTelStatus: strings.ToLower(s.StatusCode),
			Error: s.ErrorMessage(), Attributes: kvs(s.Attributes), Tool: s.Str("gen_ai.tool.name"),
			ToolArgs: s.Str("gen_ai.tool.call.arguments"), ToolResult: s.Str("gen_ai.tool.call.result"),
		}
		if s.Failed() {
			sv.Status = "error"
		} else {
			sv.Error = ""
		}
		if s.IsLLM() {
			u := s.Usage()
			sv.Usage = &u
			sv.Model = s.Model()
			sv.Agent = s.Agent()
			sv.Cost, sv.CostKnown = s.Cost(prices)
			sv.Input, _ = tracefile.ParseMessages(s.Str("gen_ai.input.messages"))
			sv.Output, _ = tracefile.ParseMessages(s.Str("gen_ai.output.messages"))
		}
		for _, e := range s.Events {
			sv.Events = append(sv.Events, EventView{Name: e.Name, Offset: off(e.Time), Attributes: kvs(e.Attributes)})
		}
		v.Spans = append(v.Spans, sv)
	}
	return v
}

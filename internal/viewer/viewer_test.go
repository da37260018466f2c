package viewer_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
	"github.com/crewai-go/crewai/internal/viewer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const evil = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`

func fixture(t *testing.T) (dir, id string) {
	t.Helper()
	dir = t.TempDir()
	id = tracefiletest.TraceID("viewer")
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, err := tracefiletest.WriteFile(dir, id, tracefiletest.Crew(id, base, tracefiletest.CrewOptions{Name: "crew<b>", Reply: evil})...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "junk.jsonl"), []byte("<script>not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, id
}

func get(t *testing.T, h http.Handler, host, path string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Host = host
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHostCheck(t *testing.T) {
	dir, _ := fixture(t)
	h := viewer.Handler(viewer.Options{Dir: dir})
	for _, host := range []string{"127.0.0.1:8080", "localhost:1234", "LOCALHOST", "[::1]:9", "127.1.2.3", "::1"} {
		if w := get(t, h, host, "/api/traces"); w.Code != http.StatusOK {
			t.Errorf("host %q: %d", host, w.Code)
		}
	}
	for _, host := range []string{"evil.example:8080", "attacker.com", "192.168.1.2:80", "0.0.0.0:80", "localhost.evil.com", "", "127.0.0.1.nip.io"} {
		for _, path := range []string{"/", "/api/traces", "/static/app.js"} {
			w := get(t, h, host, path)
			if w.Code != http.StatusForbidden {
				t.Errorf("host %q path %s: %d, want 403", host, path, w.Code)
			}
			if strings.Contains(w.Body.String(), "crew") {
				t.Errorf("host %q leaked data", host)
			}
		}
	}
}

func TestSecurityHeadersAndMethods(t *testing.T) {
	dir, _ := fixture(t)
	h := viewer.Handler(viewer.Options{Dir: dir})
	for _, path := range []string{"/", "/static/app.js", "/api/traces", "/nope"} {
		w := get(t, h, "127.0.0.1", path)
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/api/traces", strings.NewReader("{}"))
	r.Host = "127.0.0.1"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", w.Code)
	}
}

func TestAssets(t *testing.T) {
	dir, _ := fixture(t)
	h := viewer.Handler(viewer.Options{Dir: dir})
	tests := []struct{ path, ctype, contains string }{
		{"/", "text/html", `<script src="/static/app.js" defer></script>`},
		{"/static/app.js", "javascript", "textContent"},
		{"/static/app.css", "text/css", ".waterfall"},
	}
	for _, tt := range tests {
		w := get(t, h, "localhost", tt.path)
		if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Type"), tt.ctype) || !strings.Contains(w.Body.String(), tt.contains) {
			t.Errorf("%s: %d %q", tt.path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	// No inline script, no external resource in the page.
	body := get(t, h, "localhost", "/").Body.String()
	if strings.Count(body, "<script") != 1 || strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Fatalf("page: %s", body)
	}
	// The JavaScript never uses innerHTML / outerHTML / insertAdjacentHTML / document.write.
	js := get(t, h, "localhost", "/static/app.js").Body.String()
	for _, bad := range []string{".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, bad) {
			t.Errorf("app.js uses %s", bad)
		}
	}
}

func TestPageEscapesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), `"><script>alert(1)</script>`)
	h := viewer.Handler(viewer.Options{Dir: dir})
	body := get(t, h, "localhost", "/").Body.String()
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatalf("dir not escaped: %s", body)
	}
}

func TestAPI(t *testing.T) {
	dir, id := fixture(t)
	h := viewer.Handler(viewer.Options{Dir: dir})

	w := get(t, h, "localhost", "/api/traces")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("list: %d", w.Code)
	}
	raw := w.Body.String()
	if strings.Contains(raw, "<") {
		t.Fatalf("JSON not HTML-escaped: %s", raw)
	}
	var list viewer.ListResponse
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Traces) != 1 || list.Traces[0].ID != id || list.Traces[0].Name != "crew<b>" || len(list.Skipped) != 1 || !strings.Contains(list.Skipped[0], "junk.jsonl") {
		t.Fatalf("list: %+v", list)
	}

	w = get(t, h, "localhost", "/api/traces/"+id[:6])
	if w.Code != 200 || strings.Contains(w.Body.String(), "<script") {
		t.Fatalf("trace: %d", w.Code)
	}
	var tv viewer.TraceView
	if err := json.Unmarshal(w.Body.Bytes(), &tv); err != nil {
		t.Fatal(err)
	}
	if len(tv.Spans) != 10 || tv.Spans[0].Op != "invoke_workflow" || tv.Spans[0].Depth != 0 || len(tv.ByAgent) != 2 || len(tv.ByModel) != 1 {
		t.Fatalf("trace view: %d spans", len(tv.Spans))
	}
	var chat *viewer.SpanView
	for i := range tv.Spans {
		if tv.Spans[i].Op == "chat" && tv.Spans[i].Usage.CompletionTokens == 300 {
			chat = &tv.Spans[i]
		}
	}
	if chat == nil || chat.Output[0].Parts[0].Content != evil || chat.Input[1].Parts[0].Content != "Continue with the tool results" ||
		!chat.CostKnown || chat.Cost <= 0 || chat.Agent != "Researcher" || chat.Offset != 660*time.Millisecond {
		t.Fatalf("chat span: %+v", chat)
	}
	var failedTool bool
	for _, s := range tv.Spans {
		if s.Op == "execute_tool" && s.Status == "error" && s.Error == "tool search: query must not be empty" && s.ToolArgs == `{"query":""}` && len(s.Events) == 1 {
			failedTool = true
		}
	}
	if !failedTool {
		t.Fatal("failed tool span not shown")
	}
	if chat.Status != "ok" || chat.OTelStatus != "unset" || chat.Error != "" {
		t.Fatalf("successful chat span: status %q, otel_status %q, error %q; want ok, unset and none", chat.Status, chat.OTelStatus, chat.Error)
	}

	w = get(t, h, "localhost", "/api/traces/"+id+"/otlp")
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("otlp: %d %v", w.Code, w.Header())
	}
	tr, err := tracefile.Read(w.Body)
	if err != nil || tr.ID != id || len(tr.Spans) != 10 {
		t.Fatalf("download does not read back: %v", err)
	}

	for path, code := range map[string]int{
		"/api/traces/ffffffff":      404,
		"/api/traces/zz":            400,
		"/api/traces/ffffffff/otlp": 404,
	} {
		if w := get(t, h, "localhost", path); w.Code != code {
			t.Errorf("%s: %d, want %d", path, w.Code, code)
		}
	}
}

func TestServerNeverWritesFolder(t *testing.T) {
	dir, id := fixture(t)
	before := listing(t, dir)
	srv := httptest.NewServer(viewer.Handler(viewer.Options{Dir: dir}))
	defer srv.Close()
	for _, p := range []string{"/", "/api/traces", "/api/traces/" + id, "/api/traces/" + id + "/otlp", "/static/app.js"} {
		resp, err := srv.Client().Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}
	if after := listing(t, dir); after != before {
		t.Fatalf("folder changed:\n%s\n%s", before, after)
	}
}

func listing(t *testing.T, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		info, _ := e.Info()
		b.WriteString(e.Name() + " " + info.ModTime().String() + "\n")
	}
	return b.String()
}

func TestCheckLoopbackAddr(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.1:0": "127.0.0.1:0", "localhost:8080": "127.0.0.1:8080", "[::1]:0": "[::1]:0", "127.0.0.2:1": "127.0.0.2:1"} {
		if got, err := viewer.CheckLoopbackAddr(in); err != nil || got != want {
			t.Errorf("%s: %q %v", in, got, err)
		}
	}
	for _, in := range []string{":8080", "0.0.0.0:80", "192.168.0.1:80", "example.com:80", "127.0.0.1", "[::]:0",
		"127.0.0.1:99999", "127.0.0.1:-1", "localhost:http", "127.0.0.1:abc", "127.0.0.1:", "127.0.0.1:00x"} {
		if _, err := viewer.CheckLoopbackAddr(in); err == nil || !strings.HasPrefix(err.Error(), "viewer: ") {
			t.Errorf("%s accepted (%v)", in, err)
		}
	}
}

// A span that ended without error is stored with OTel status Unset (the
// library leaves it so, as OTel asks instrumentation to do); the viewer shows
// it as "ok" and keeps the stored code in otel_status.
func TestSpanStatus(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		code, status, otel string
		msg, wantErr       string
	}{
		{code: "UNSET", status: "ok", otel: "unset"},
		{code: "OK", status: "ok", otel: "ok"},
		{code: "ERROR", status: "error", otel: "error", msg: "boom", wantErr: "boom"},
		{code: "UNSET", status: "ok", otel: "unset", msg: "ignored on a span that did not fail"},
	} {
		sp := &tracefile.Span{SpanID: "01", Name: "chat m", StatusCode: tc.code, StatusMessage: tc.msg, Start: start, End: start.Add(time.Second)}
		v := viewer.Build(&tracefile.Trace{ID: "0a", Spans: []*tracefile.Span{sp}, Roots: []*tracefile.Span{sp}, Start: sp.Start, End: sp.End}, nil)
		got := v.Spans[0]
		if got.Status != tc.status || got.OTelStatus != tc.otel || got.Error != tc.wantErr {
			t.Errorf("OTel status %s: status %q, otel_status %q, error %q; want %q, %q, %q", tc.code, got.Status, got.OTelStatus, got.Error, tc.status, tc.otel, tc.wantErr)
		}
	}
}

// TestToken: with a token, every path answers 403 without it; the token is
// accepted in the query (the page then moves it to a cookie and redirects),
// a Bearer header or the cookie.
func TestToken(t *testing.T) {
	dir, id := fixture(t)
	token := viewer.NewToken()
	if len(token) < 20 || viewer.NewToken() == token {
		t.Fatalf("weak token %q", token)
	}
	h := viewer.Handler(viewer.Options{Dir: dir, Token: token})
	paths := []string{"/", "/static/app.js", "/api/traces", "/api/traces/" + id, "/api/traces/" + id + "/otlp"}
	for _, p := range paths {
		for _, q := range []string{"", "?token=", "?token=" + strings.ToLower(token), "?token=" + token + "x"} {
			if rec := get(t, h, "127.0.0.1:8080", p+q); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), id) {
				t.Errorf("%s%s without the token: %d", p, q, rec.Code)
			}
		}
		if rec := get(t, h, "127.0.0.1:8080", p+"?token="+token); p != "/" && rec.Code != http.StatusOK {
			t.Errorf("%s with the token: %d", p, rec.Code)
		}
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+p, nil)
		r.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			t.Errorf("%s with a Bearer header: %d", p, rec.Code)
		}
	}
	rec := get(t, h, "127.0.0.1:8080", "/?token="+token)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" || len(cookies) != 1 ||
		cookies[0].Value != token || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("page with the token: %d %q %+v", rec.Code, rec.Header().Get("Location"), cookies)
	}
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/api/traces", nil)
	r.AddCookie(cookies[0])
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), id) {
		t.Fatalf("with the cookie: %d", rec.Code)
	}
}

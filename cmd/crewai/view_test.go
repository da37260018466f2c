package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
	"github.com/crewai-go/crewai/internal/viewer"
)

var urlRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+/\S*`)

// startView runs "traces view" until the returned stop is called.
func startView(t *testing.T, opener func(string) error, args ...string) (url string, stop func() result) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	c := &cli{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, loc: time.UTC, open: opener}
	done := make(chan int, 1)
	go func() { done <- c.run(ctx, append([]string{"traces", "view"}, args...)) }()
	for {
		if m := urlRE.FindString(out.String()); m != "" {
			url = m
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("view exited with %d: %s", code, errb.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	return url, func() result {
		cancel()
		code := <-done
		return result{out.String(), errb.String(), code}
	}
}

func TestView(t *testing.T) {
	dir := fixtureDir(t)
	id := tracefiletest.TraceID("ok")
	url, stop := startView(t, nil, id[:5], "--dir", dir, "--no-open")
	if !strings.HasSuffix(url, "#/trace/"+id) {
		t.Fatalf("url %q", url)
	}
	page, _, _ := strings.Cut(url, "#")
	base, query, ok := strings.Cut(page, "?")
	token, hasToken := strings.CutPrefix(query, viewer.TokenQuery+"=")
	if !ok || !hasToken || len(token) < 20 {
		t.Fatalf("url %q carries no token", url)
	}
	// The printed address opens the page: it sets the cookie and redirects
	// to the page without the token; the API then answers with the cookie.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	defer client.CloseIdleConnections()
	resp, err := client.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RawQuery != "" {
		t.Fatalf("page: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	resp, err = client.Get(base + "api/traces")
	if err != nil {
		t.Fatal(err)
	}
	var list viewer.ListResponse
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.Traces) != 3 || len(list.Skipped) != 2 {
		t.Fatalf("%v %+v", err, list)
	}
	// Without the token (another local user), with a wrong one, or naming
	// another host: refused.
	for _, tc := range []struct {
		name, url, host string
	}{
		{"no token", base + "api/traces", ""},
		{"no token, page", base, ""},
		{"wrong token", base + "api/traces?token=" + strings.Repeat("A", len(token)), ""},
		{"rebinding host", base + "api/traces?token=" + token, "rebind.example.com"},
	} {
		req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), `"traces"`) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	if r := stop(); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestViewOpensBrowser(t *testing.T) {
	dir := fixtureDir(t)
	var mu sync.Mutex
	var opened []string
	var content string
	var mode os.FileMode
	url, stop := startView(t, func(u string) error {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, u)
		b, _ := os.ReadFile(u)
		content = string(b)
		if fi, err := os.Stat(u); err == nil {
			mode = fi.Mode().Perm()
		}
		return nil
	}, "--dir", dir)
	r := stop()
	mu.Lock()
	defer mu.Unlock()
	// The browser gets a file only its owner reads that redirects to the
	// address (a command line would show the token to every user).
	if r.code != 0 || len(opened) != 1 || strings.Contains(opened[0], "token") || !strings.Contains(content, url) ||
		mode != 0o600 {
		t.Fatalf("opened %v (mode %v: %q) for %s (%+v)", opened, mode, content, url, r)
	}
	if _, err := os.Stat(opened[0]); !os.IsNotExist(err) {
		t.Errorf("the launch file is left behind after the viewer stopped: %v", err)
	}
}

func TestViewUnknownTrace(t *testing.T) {
	dir := fixtureDir(t)
	r := runCLI(t, nil, "traces", "view", "eeee", "--dir", dir, "--no-open")
	if r.code != 1 || !strings.Contains(r.stderr, `no trace "eeee"`) {
		t.Fatalf("%+v", r)
	}
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
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
	if !strings.HasSuffix(url, "/#/trace/"+id) {
		t.Fatalf("url %q", url)
	}
	base := strings.TrimSuffix(url, "#/trace/"+id)
	resp, err := http.Get(base + "api/traces")
	if err != nil {
		t.Fatal(err)
	}
	var list viewer.ListResponse
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || len(list.Traces) != 3 || len(list.Skipped) != 2 {
		t.Fatalf("%v %+v", err, list)
	}
	// A request naming another host is refused even on the loopback socket.
	req, _ := http.NewRequest(http.MethodGet, base+"api/traces", nil)
	req.Host = "rebind.example.com"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("rebinding host: %d", resp.StatusCode)
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
	url, stop := startView(t, func(u string) error {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, u)
		return nil
	}, "--dir", dir)
	r := stop()
	mu.Lock()
	defer mu.Unlock()
	if r.code != 0 || len(opened) != 1 || opened[0] != url {
		t.Fatalf("opened %v for %s (%+v)", opened, url, r)
	}
}

func TestViewUnknownTrace(t *testing.T) {
	dir := fixtureDir(t)
	r := runCLI(t, nil, "traces", "view", "eeee", "--dir", dir, "--no-open")
	if r.code != 1 || !strings.Contains(r.stderr, `no trace "eeee"`) {
		t.Fatalf("%+v", r)
	}
}

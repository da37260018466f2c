package tracing

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crewai-go/crewai/internal/traceenv"
)

// runWithDeadline runs the synthetic crew and fails the test if it has not
// returned after a generous deadline (a hang detector, not a timing test).
func runWithDeadline(t *testing.T, tr *Tracer) (string, time.Duration) {
	t.Helper()
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		out, err := runCrew(context.Background(), tr, scenario{})
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("run failed: %v", r.err)
		}
		return r.out, time.Since(start)
	case <-time.After(20 * time.Second):
		t.Fatal("kickoff hung on a failing backend")
	}
	return "", 0
}

func TestBackendFaults(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc // nil: nobody listens
		cause   string
	}{
		{"refused", nil, "connection refused"},
		{"hang", nil, "timeout"},
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) }, "HTTP 500"},
		{"400", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad", http.StatusBadRequest) }, "HTTP 400"},
		{"403", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }, "HTTP 403"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clearOTLPEnv(t)
			var endpoint string
			release := make(chan struct{})
			switch {
			case c.name == "refused":
				lis, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				endpoint = "http://" + lis.Addr().String()
				lis.Close()
			case c.name == "hang":
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-r.Context().Done():
					case <-release:
					}
				}))
				defer srv.Close()
				defer close(release)
				endpoint = srv.URL
			default:
				srv := httptest.NewServer(c.handler)
				defer srv.Close()
				endpoint = srv.URL
			}
			t.Setenv(traceenv.EnvOTLPEndpoint, endpoint)
			t.Setenv(traceenv.EnvFlushTimeout, "300ms")
			logs := &logBuf{}
			notice := &logBuf{}
			tr, err := New(WithLogger(logs.logger()), WithNotice(notice))
			if err != nil {
				t.Fatal(err)
			}
			out, took := runWithDeadline(t, tr)
			if out != "answer write" {
				t.Errorf("result changed: %q", out)
			}
			// a second run: still no more warnings for the same cause
			runWithDeadline(t, tr)
			t.Logf("%s: kickoff with finish took %v (flush timeout 300ms)", c.name, took)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = tr.Shutdown(ctx)
			cancel()
			if n := logs.warnings(); n != 1 {
				t.Errorf("%d warnings, want 1:\n%s", n, logs)
			}
			if !strings.Contains(logs.String(), c.cause) {
				t.Errorf("warning does not name %q:\n%s", c.cause, logs)
			}
			if notice.String() != "" {
				t.Errorf("notice printed for a failed export: %q", notice)
			}
			st := tr.Stats()
			if c.name != "hang" && st.Failed == 0 {
				t.Errorf("stats %+v: no failure counted", st)
			}
			if st.Exported != 0 {
				t.Errorf("stats %+v: exported to a failing backend", st)
			}
		})
	}
}

func TestUnwritableTracesDir(t *testing.T) {
	clearOTLPEnv(t)
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(traceenv.EnvTracesDir, filepath.Join(file, "traces"))
	logs := &logBuf{}
	tr, err := New(WithLogger(logs.logger()), WithNotice(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, tr)
	for i := 0; i < 3; i++ {
		if out, _ := runWithDeadline(t, tr); out != "answer write" {
			t.Fatalf("result %q", out)
		}
	}
	if n := logs.warnings(); n != 1 || !strings.Contains(logs.String(), "traces folder") {
		t.Errorf("%d warnings:\n%s", n, logs)
	}
	if st := tr.Stats(); st.Failed != 33 || st.Exported != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestQueueFullDrops(t *testing.T) {
	block := make(chan struct{})
	exp := &blockingExporter{block: block}
	logs := &logBuf{}
	tr, err := New(WithExporter(exp), WithQueueSize(4), WithLogger(logs.logger()), WithNotice(nil),
		WithFlushTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
		t.Fatal(err)
	}
	close(block)
	shutdown(t, tr)
	st := tr.Stats()
	if st.Dropped == 0 || st.Started != 11 || st.Exported+st.Dropped+st.Failed != st.Started {
		t.Errorf("stats %+v", st)
	}
	if !strings.Contains(logs.String(), "queue is full") {
		t.Errorf("no drop warning:\n%s", logs)
	}
}

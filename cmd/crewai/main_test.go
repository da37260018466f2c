package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main() // the test binary acting as the crewai command (TestSignalStopsCommands)
		return
	}
	goleak.VerifyTestMain(m)
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type result struct {
	stdout, stderr string
	code           int
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runCLICtx(context.Background(), t, env, args...)
}

func runCLICtx(ctx context.Context, t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb syncBuffer
	c := &cli{stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }, loc: time.UTC}
	code := c.run(ctx, args)
	return result{out.String(), errb.String(), code}
}

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixtureDir writes three traces (ok, failed with an unknown model, a newer
// flow-like one) and a corrupt and a foreign file.
func fixtureDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	write := func(seed string, start time.Time, o tracefiletest.CrewOptions) {
		id := tracefiletest.TraceID(seed)
		if _, err := tracefiletest.WriteFile(dir, id, tracefiletest.Crew(id, start, o)...); err != nil {
			t.Fatal(err)
		}
	}
	write("ok", base, tracefiletest.CrewOptions{})
	write("failed", base.Add(time.Hour), tracefiletest.CrewOptions{Name: "local_crew", Model: "llama3.1:8b", Fail: true})
	write("gpt5", base.Add(2*time.Hour), tracefiletest.CrewOptions{Name: "blog_crew", Model: "gpt-5"})
	if err := os.WriteFile(filepath.Join(dir, tracefiletest.TraceID("corrupt")+".jsonl"), []byte(`{"resourceSpans": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestUsageAndExitCodes(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stderr string
		stdout string
	}{
		{nil, 2, "missing command", ""},
		{[]string{"help"}, 0, "", "crewai traces list"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`, ""},
		{[]string{"traces"}, 2, "missing subcommand", ""},
		{[]string{"traces", "nope"}, 2, `unknown subcommand "nope"`, ""},
		{[]string{"traces", "list", "-h"}, 0, "Usage: crewai traces list", ""},
		{[]string{"traces", "show", "-h"}, 0, "Usage: crewai traces show ID", ""},
		{[]string{"traces", "view", "-h"}, 0, "Usage: crewai traces view", ""},
		{[]string{"traces", "push", "-h"}, 0, "/v1/traces is added", ""},
		{[]string{"flow", "plot", "-h"}, 0, "Usage: crewai flow plot", ""},
		{[]string{"flow"}, 2, "missing subcommand", ""},
		{[]string{"traces", "list", "--bogus"}, 2, "flag provided but not defined: -bogus", ""},
		{[]string{"traces", "list", "extra"}, 2, `unexpected argument "extra"`, ""},
		{[]string{"traces", "show"}, 2, "want exactly one trace ID", ""},
		{[]string{"traces", "show", "a", "b"}, 2, "want exactly one trace ID", ""},
		{[]string{"traces", "show", "xyz"}, 2, `trace ID "xyz": want 1 to 32 hexadecimal digits`, ""},
		{[]string{"traces", "show", "abc", "--dir", "/nonexistent-dir-for-test"}, 2, `traces show: --dir "/nonexistent-dir-for-test": no such folder`, ""},
		{[]string{"traces", "list", "--dir", "/nonexistent-dir-for-test"}, 2, `traces list: --dir "/nonexistent-dir-for-test": no such folder`, ""},
		{[]string{"traces", "view", "--dir", "/nonexistent-dir-for-test", "--no-open"}, 2, `traces view: --dir "/nonexistent-dir-for-test": no such folder`, ""},
		{[]string{"traces", "push", "abc", "--endpoint", "http://x", "--dir", "/nonexistent-dir-for-test"}, 2, `traces push: --dir "/nonexistent-dir-for-test": no such folder`, ""},
		{[]string{"traces", "list", "--dir", "main_test.go"}, 2, `--dir "main_test.go": is a file`, ""},
		{[]string{"traces", "list", "--json=maybe"}, 2, `invalid boolean value "maybe" for -json`, ""},
		{[]string{"traces", "view", "--addr", "127.0.0.1:99999", "--no-open"}, 2, `--addr: viewer: address "127.0.0.1:99999": port "99999": want a number from 0`, ""},
		{[]string{"traces", "view", "--addr", "localhost:http", "--no-open"}, 2, `port "http"`, ""},
		{[]string{"traces", "view", "a", "b", "--no-open"}, 2, "want at most one trace ID", ""},
		{[]string{"traces", "push", "abc", "--endpoint", "http://x", "--timeout", "0s"}, 2, "--timeout 0s: want a positive duration", ""},
		{[]string{"traces", "push", "abc", "--endpoint", "http://x", "--timeout", "soon"}, 2, `invalid value "soon" for flag -timeout`, ""},
		{[]string{"traces", "push", "abc", "--endpoint", "grpc://h:1", "--protocol", "grpc"}, 2, `scheme "grpc": want http or https`, ""},
		{[]string{"traces", "view", "--addr", "0.0.0.0:0", "--no-open"}, 2, "loopback only", ""},
		{[]string{"traces", "view", "--addr", "nonsense", "--no-open"}, 2, "want host:port", ""},
		{[]string{"traces", "push", "abc"}, 2, "--endpoint is required", ""},
		{[]string{"traces", "push", "abc", "--endpoint", "ftp://x"}, 2, "want an http:// or https:// URL", ""},
		{[]string{"traces", "push", "abc", "--endpoint", "http://x", "--protocol", "udp"}, 2, `--protocol "udp"`, ""},
		{[]string{"traces", "push", "abc", "--endpoint", "http://x", "--header", "novalue"}, 2, `--header number 1 (7 bytes, value not shown)`, ""},
		{[]string{"traces", "push", "abc", "--endpoint", "nohost", "--protocol", "grpc"}, 2, "want host:port", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCLI(t, nil, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) || !strings.Contains(r.stdout, tt.stdout) {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestBadPricesFile(t *testing.T) {
	dir := fixtureDir(t)
	pf := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(pf, []byte(`{"models": {"x": {"input": -1, "output": 1}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, map[string]string{"CREWAI_PRICES_FILE": pf}, "traces", "list", "--dir", dir)
	if r.code != 1 || !strings.Contains(r.stderr, `models["x"].input = -1`) || !strings.Contains(r.stderr, "CREWAI_PRICES_FILE") {
		t.Fatalf("%+v", r)
	}
}

// A bad flag is reported once, after the subcommand's usage, as the last
// thing on stderr.
func TestBadFlagReportedOnce(t *testing.T) {
	r := runCLI(t, nil, "traces", "list", "--bogus")
	const msg = "flag provided but not defined: -bogus"
	if r.code != 2 || strings.Count(r.stderr, msg) != 1 || !strings.Contains(r.stderr, "Usage: crewai traces list") ||
		strings.Index(r.stderr, "Usage:") > strings.Index(r.stderr, msg) {
		t.Fatalf("code %d, stderr:\n%s", r.code, r.stderr)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

func TestListGolden(t *testing.T) {
	dir := fixtureDir(t)
	r := runCLI(t, nil, "traces", "list", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	golden(t, "list.golden", r.stdout)
	// (stderr is not a golden file: protobuf's error texts vary on purpose.)
	// One warning per bad file, each naming it.
	if strings.Count(r.stderr, "warning") != 2 || !strings.Contains(r.stderr, "README.md") || !strings.Contains(r.stderr, tracefiletest.TraceID("corrupt")) {
		t.Fatalf("warnings: %s", r.stderr)
	}
	// The env variable picks the folder too.
	r2 := runCLI(t, map[string]string{"CREWAI_TRACES_DIR": dir}, "traces", "list")
	if r2.stdout != r.stdout {
		t.Fatalf("CREWAI_TRACES_DIR: %s", r2.stdout)
	}
}

func TestListJSON(t *testing.T) {
	dir := fixtureDir(t)
	r := runCLI(t, nil, "traces", "list", "--json", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	var sums []tracefile.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sums); err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3 || sums[0].Name != "blog_crew" || sums[1].CostKnown || sums[1].Status != "error" || sums[2].ID != tracefiletest.TraceID("ok") {
		t.Fatalf("%+v", sums)
	}
	// An empty folder is an empty array, not null.
	r = runCLI(t, nil, "traces", "list", "--json", "--dir", t.TempDir())
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("empty: %q", r.stdout)
	}
	// A $CREWAI_TRACES_DIR that does not exist yet is no traces, said so (a
	// --dir that does not exist is a usage error: TestUsageAndExitCodes).
	r = runCLI(t, map[string]string{tracefile.EnvDir: filepath.Join(t.TempDir(), "none")}, "traces", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "No traces in") || !strings.Contains(r.stdout, "the folder does not exist") {
		t.Fatalf("missing: %+v", r)
	}
}

func TestShowGolden(t *testing.T) {
	dir := fixtureDir(t)
	for _, tc := range []struct{ seed, golden string }{{"ok", "show_ok.golden"}, {"failed", "show_failed.golden"}} {
		id := tracefiletest.TraceID(tc.seed)
		r := runCLI(t, nil, "traces", "show", id[:7], "--dir", dir) // flags after the ID work
		if r.code != 0 {
			t.Fatalf("code %d: %s", r.code, r.stderr)
		}
		golden(t, tc.golden, r.stdout)
	}
}

func TestShowJSON(t *testing.T) {
	dir := fixtureDir(t)
	id := tracefiletest.TraceID("ok")
	r := runCLI(t, nil, "traces", "show", "--json", "--dir", dir, id)
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	var v struct {
		Spans []struct{ Name string } `json:"spans"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || len(v.Spans) != 10 {
		t.Fatalf("%v %d", err, len(v.Spans))
	}
}

func TestShowPrefixResolution(t *testing.T) {
	dir := t.TempDir()
	// Two traces sharing a prefix.
	ids := []string{"abcd0000000000000000000000000001", "abcd0000000000000000000000000002"}
	for _, id := range ids {
		if _, err := tracefiletest.WriteFile(dir, id, tracefiletest.Crew(id, base, tracefiletest.CrewOptions{})...); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(t, nil, "traces", "show", "abcd", "--dir", dir)
	if r.code != 1 || !strings.Contains(r.stderr, "ambiguous") || !strings.Contains(r.stderr, ids[0]) || !strings.Contains(r.stderr, ids[1]) {
		t.Fatalf("%+v", r)
	}
	r = runCLI(t, nil, "traces", "show", "ABCD0000000000000000000000000002", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "Trace "+ids[1]) {
		t.Fatalf("%+v", r)
	}
	r = runCLI(t, nil, "traces", "show", "ee", "--dir", dir)
	if r.code != 1 || !strings.Contains(r.stderr, `no trace "ee"`) {
		t.Fatalf("%+v", r)
	}
	// A corrupt file that matches is an error naming it, exit 1.
	bad := filepath.Join(dir, "ffff0000000000000000000000000001.jsonl")
	if err := os.WriteFile(bad, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "traces", "show", "ffff", "--dir", dir)
	if r.code != 1 || !strings.Contains(r.stderr, bad) {
		t.Fatalf("%+v", r)
	}
}

func TestPricesFileOverride(t *testing.T) {
	dir := fixtureDir(t)
	pf := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(pf, []byte(`{"models": {"llama3.1:8b": {"input": 1000, "output": 1000}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, map[string]string{"CREWAI_PRICES_FILE": pf}, "traces", "list", "--json", "--dir", dir)
	var sums []tracefile.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sums); err != nil {
		t.Fatal(err)
	}
	// 4,880 tokens at $1000 per 1M (cached at the input rate) = $4.88
	if !sums[1].CostKnown || sums[1].Cost < 4.879 || sums[1].Cost > 4.881 {
		t.Fatalf("%+v", sums[1])
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := fmtInt(in); got != want {
			t.Errorf("fmtInt(%d) = %q", in, got)
		}
	}
	if fmtCost(0.5, false) != "-" || fmtCost(0.00123, true) != "$0.001230" || fmtCost(1.5, true) != "$1.5000" || fmtCost(0, true) != "$0" {
		t.Error("fmtCost")
	}
	if oneLine("a\n  b\tc") != "a b c" {
		t.Error("oneLine")
	}
}

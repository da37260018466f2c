package tracefile_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crewai-go/crewai/internal/pricing"
	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

// sameSummary fails unless got equals want, costs compared to 1e-9
// relative (the streamed summary adds costs in file order, not tree order).
func sameSummary(t *testing.T, got, want tracefile.Summary) {
	t.Helper()
	if math.Abs(got.Cost-want.Cost) > 1e-9*math.Max(1, math.Abs(want.Cost)) {
		t.Fatalf("cost %v, want %v", got.Cost, want.Cost)
	}
	got.Cost = want.Cost
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("streamed summary\n%+v\nwant\n%+v", got, want)
	}
}

// TestSummarizeFileMatchesRead: the streamed summary that List uses equals
// the summary of the fully built trace, for ordinary and odd trees.
func TestSummarizeFileMatchesRead(t *testing.T) {
	id := tracefiletest.TraceID("s")
	crewOK := tracefiletest.Crew(id, base, tracefiletest.CrewOptions{})
	crewFail := tracefiletest.Crew(id, base, tracefiletest.CrewOptions{Fail: true, Model: "no-such-model"})
	spec := func(specs ...tracefiletest.Spec) [][]byte {
		return [][]byte{tracefiletest.Lines(tracefiletest.Request(id, base, specs...))}
	}
	tests := []struct {
		name  string
		lines [][]byte
	}{
		{"crew", [][]byte{tracefiletest.Lines(crewOK...)}},
		{"failed crew, unknown model", [][]byte{tracefiletest.Lines(crewFail...)}},
		{"spans exported twice", [][]byte{tracefiletest.Lines(crewOK...), tracefiletest.Lines(crewOK[0])}},
		{"root under a remote parent", spec(
			tracefiletest.Spec{ID: "kid", Parent: "root", Name: "chat gpt-4o", Start: time.Second, End: 2 * time.Second,
				Attrs: map[string]any{"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 5}},
			tracefiletest.Spec{ID: "root", Parent: "remote", Name: "crew remote", End: 3 * time.Second, Error: "boom"})},
		{"cycle", spec(
			tracefiletest.Spec{ID: "a", Parent: "c", Name: "a x"},
			tracefiletest.Spec{ID: "b", Parent: "a", Name: "b y"},
			tracefiletest.Spec{ID: "c", Parent: "b", Name: "c z"})},
		{"two roots, same start", spec(
			tracefiletest.Spec{ID: "r2", Name: "flow zeta"},
			tracefiletest.Spec{ID: "r1", Name: "crew alpha", Attrs: map[string]any{"gen_ai.workflow.name": "wf"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), id+".jsonl")
			var data []byte
			for _, l := range tt.lines {
				data = append(data, l...)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			tr, err := tracefile.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tracefile.SummarizeFile(context.Background(), path, pricing.Default())
			if err != nil {
				t.Fatal(err)
			}
			sameSummary(t, got, tr.Summary(pricing.Default()))
		})
	}
}

// TestTruncatedLastLine: a last line cut short (a crash in the middle of a
// write) loses only that line, with a warning naming it; Read, ReadFile and
// List agree. A bad line before the last still rejects the file.
func TestTruncatedLastLine(t *testing.T) {
	id := tracefiletest.TraceID("cut")
	reqs := tracefiletest.Crew(id, base, tracefiletest.CrewOptions{})
	first := tracefiletest.Lines(reqs[0])
	all := tracefiletest.Lines(reqs...)
	whole, err := tracefile.Read(strings.NewReader(string(first)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, id+".jsonl")
	if err := os.WriteFile(path, all[:len(all)-40], 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err := tracefile.ReadFile(path)
	if err != nil {
		t.Fatalf("a truncated last line rejects the whole file: %v", err)
	}
	if len(tr.Spans) != len(whole.Spans) || len(tr.Warnings) != 1 || !strings.Contains(tr.Warnings[0], "line 2: truncated last line") {
		t.Fatalf("%d spans (want %d), warnings %q", len(tr.Spans), len(whole.Spans), tr.Warnings)
	}
	sums, skipped, err := tracefile.List(dir, nil)
	if err != nil || len(skipped) != 0 || len(sums) != 1 || sums[0].Spans != len(whole.Spans) ||
		!reflect.DeepEqual(sums[0].Warnings, tr.Warnings) {
		t.Fatalf("list: %+v %v %v", sums, skipped, err)
	}
	// Only a truncated line: no span, rejected.
	if err := os.WriteFile(path, first[:len(first)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	var fe *tracefile.FormatError
	if _, err := tracefile.ReadFile(path); !errors.As(err, &fe) || !strings.Contains(err.Error(), "holds no span") {
		t.Fatalf("only a truncated line: %v", err)
	}
}

// TestDeepChain: a 200 000-deep chain of spans (a valid file) is listed and
// built in time linear in its spans; it used to take time quadratic in its
// depth (minutes). The time is logged, not asserted (see RELIABILITY.md).
func TestDeepChain(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	dir := t.TempDir()
	id := tracefiletest.TraceID("deep")
	path, err := tracefiletest.WriteChain(dir, id, n, 1000)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sums, skipped, err := tracefile.List(dir, nil)
	listed := time.Since(start)
	if err != nil || len(skipped) != 0 || len(sums) != 1 || sums[0].Spans != n || sums[0].Name != "deep" {
		t.Fatalf("list: %+v %v %v", sums, skipped, err)
	}
	start = time.Now()
	tr, err := tracefile.ReadFile(path)
	read := time.Since(start)
	if err != nil || len(tr.Spans) != n || len(tr.Roots) != 1 || tr.Spans[n-1].Depth != n-1 {
		t.Fatalf("read: %v", err)
	}
	t.Logf("%d-deep chain: List %v, ReadFile %v", n, listed, read)
	// Cancelled: List stops with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := tracefile.ListContext(ctx, dir, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled list: %v", err)
	}
}

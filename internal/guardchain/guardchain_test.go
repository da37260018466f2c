package guardchain

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/llm"
)

// TestRun: outputs go through the guardrails in order; a rejection within
// budget asks for a new output, which starts at the rejecting guardrail;
// over budget ends the run; a check's own error ends it at once.
func TestRun(t *testing.T) {
	// Guardrail 0 appends "a"; guardrail 1 accepts only outputs with a
	// "!"; guardrail 2 accepts all.
	errCheck := errors.New("the checker is down")
	tests := []struct {
		name      string
		budget    int
		inputs    []string // the outputs given, one per round
		checkErr  bool
		wantOut   string
		wantRetry int   // rounds that asked for a retry
		wantOver  *Over // over budget
		wantCalls [3]int
	}{
		{name: "accepted at once", budget: 1, inputs: []string{"x!"}, wantOut: "x!a", wantCalls: [3]int{1, 1, 1}},
		{name: "one retry, restarted at the rejecting guardrail", budget: 1, inputs: []string{"x", "y!"},
			wantOut: "y!", wantRetry: 1, wantCalls: [3]int{1, 2, 1}},
		{name: "over budget", budget: 1, inputs: []string{"x", "y"}, wantRetry: 1,
			wantOver: &Over{Index: 1, Attempts: 2}, wantCalls: [3]int{1, 2, 0}},
		{name: "negative budget: no retry", budget: -1, inputs: []string{"x"},
			wantOver: &Over{Index: 1, Attempts: 1}, wantCalls: [3]int{1, 1, 0}},
		{name: "a check's error", budget: 1, inputs: []string{"x!"}, checkErr: true, wantCalls: [3]int{1, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s State
			var calls [3]int
			check := func(i int, out string) (string, llm.Usage, error, error) {
				calls[i]++
				u := llm.Usage{Requests: 1}
				switch i {
				case 0:
					return out + "a", u, nil, nil
				case 1:
					if tt.checkErr {
						return out, u, nil, errCheck
					}
					if !strings.Contains(out, "!") {
						return out, u, fmt.Errorf("end with !"), nil
					}
				}
				return out, u, nil, nil
			}
			retries := 0
			for round, in := range tt.inputs {
				res, fb, retry, over, usage, err := Run(&s, 3, func(int) int { return tt.budget }, in, check)
				if usage.Requests == 0 {
					t.Errorf("round %d: no usage counted", round)
				}
				switch {
				case err != nil:
					if !tt.checkErr || !errors.Is(err, errCheck) {
						t.Fatalf("round %d: error %v", round, err)
					}
				case over != nil:
					if tt.wantOver == nil || over.Index != tt.wantOver.Index || over.Attempts != tt.wantOver.Attempts || over.Err == nil {
						t.Fatalf("round %d: over %+v, want %+v", round, over, tt.wantOver)
					}
				case retry:
					retries++
					if fb == nil {
						t.Fatalf("round %d: retry without feedback", round)
					}
				default:
					if res != tt.wantOut {
						t.Errorf("round %d: output %q, want %q", round, res, tt.wantOut)
					}
				}
			}
			if retries != tt.wantRetry || calls != tt.wantCalls {
				t.Errorf("%d retries, calls %v; want %d, %v", retries, calls, tt.wantRetry, tt.wantCalls)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	for _, c := range []struct{ own, owner, def, want int }{
		{0, 0, 3, 3}, {0, 5, 3, 5}, {2, 5, 3, 2}, {-1, 5, 3, -1}, {0, -1, 3, -1},
	} {
		if got := Budget(c.own, c.owner, c.def); got != c.want {
			t.Errorf("Budget(%d, %d, %d) = %d, want %d", c.own, c.owner, c.def, got, c.want)
		}
	}
}

func TestLabel(t *testing.T) {
	if got := Label("safety", 4); got != "safety" {
		t.Errorf("Label(safety) = %q", got)
	}
	if got := Label("", 0); got != "guardrail 1" {
		t.Errorf("Label(\"\", 0) = %q, want guardrail 1", got)
	}
}

package human_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// FuzzCollapse: whatever the answer and the model's reply, Collapse never
// panics and returns an outcome from the list, the default, the trimmed
// answer (no model), or an error.
func FuzzCollapse(f *testing.F) {
	f.Add("approve", `{"outcome":"approved"}`, "approved")
	f.Add("add a chart", "needs_changes", "")
	f.Add("", "", "approved")
	f.Add("  Rejected. ", `{"outcome": 3}`, "")
	f.Add("hmm", "approved and needs_changes", "rejected")
	f.Fuzz(func(t *testing.T, answer, reply, def string) {
		outcomes := []string{"approved", "needs_changes", "rejected"}
		for _, withModel := range []bool{false, true} {
			var m *llmtest.Scripted
			if withModel {
				m = &llmtest.Scripted{Replies: []llmtest.Reply{{Content: reply}}}
			}
			var got string
			var err error
			if m != nil {
				got, err = human.Collapse(context.Background(), m, answer, outcomes, def)
			} else {
				got, err = human.Collapse(context.Background(), nil, answer, outcomes, def)
			}
			if err != nil {
				continue
			}
			ok := slices.Contains(outcomes, got) || (got == def && def != "") || (!withModel && got == strings.TrimSpace(answer))
			if !ok {
				t.Fatalf("Collapse(%q, model=%v reply %q, def %q) = %q: not an outcome, the default or the answer",
					answer, withModel, reply, def, got)
			}
		}
	})
}

//go:build !race

package crew_test

import (
	"testing"

	"github.com/crewai-go/crewai/llm/llmtest"
)

// Crew.Validate, which runs on every kickoff, allocates nothing when the
// crew is fine (the race detector's instrumentation allocates, hence the
// build tag).
func TestValidateAllocatesNothing(t *testing.T) {
	c := validateCrew(&llmtest.Scripted{})
	in := map[string]any{"topic": "AI"}
	if err := c.Validate(in); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(200, func() { _ = c.Validate(in) }); n != 0 {
		t.Fatalf("Crew.Validate allocates %v times per call, want 0", n)
	}
}

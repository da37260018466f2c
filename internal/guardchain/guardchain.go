// Package guardchain runs an output through a list of guardrails across
// retries, as CrewAI does for tasks and agents: in order, each guardrail
// passing the output (maybe transformed) to the next; a rejection within the
// rejecting guardrail's budget asks for a new output, which starts at that
// guardrail (the ones before it accepted the earlier output); a rejection
// over budget ends the run. The task and agent packages keep their own
// guardrail types and errors; this is the logic they share. A State is
// used by one goroutine at a time.
package guardchain

import (
	"strconv"

	"github.com/crewai-go/crewai/llm"
)

// State is the progress of one task's or kickoff's outputs through its
// guardrails. The zero value starts at the first guardrail with no retry
// spent.
type State struct {
	from int   // the guardrail the next output starts at
	used []int // retries spent, per guardrail
}

// Check runs guardrail i on out: next is the output to pass on, ferr a
// rejection (its text the feedback), cerr an error of the check itself that
// ends the run; usage is what the check cost.
type Check[T any] func(i int, out T) (next T, usage llm.Usage, ferr, cerr error)

// Over is a rejection over budget: guardrail Index rejected Attempts
// outputs, the last with Err.
type Over struct {
	Index    int
	Attempts int
	Err      error
}

// Run passes out through the n guardrails from the one that rejected the
// last output (the first, for the first output); budget(i) is guardrail
// i's retry budget. It returns the accepted (maybe transformed) output; or,
// on a rejection within budget, retry true and the feedback; or, over
// budget, over; or the error of a check. usage is what the checks cost.
func Run[T any](s *State, n int, budget func(i int) int, out T, check Check[T]) (res T, feedback error, retry bool, over *Over, usage llm.Usage, err error) {
	if s.used == nil {
		s.used = make([]int, n)
	}
	for i := s.from; i < n; i++ {
		next, u, ferr, cerr := check(i, out)
		usage = usage.Add(u)
		if cerr != nil {
			return out, nil, false, nil, usage, cerr
		}
		if ferr == nil {
			out = next
			continue
		}
		if s.used[i] >= max(budget(i), 0) {
			return out, nil, false, &Over{Index: i, Attempts: s.used[i] + 1, Err: ferr}, usage, nil
		}
		s.used[i]++
		s.from = i
		return out, ferr, true, nil, usage, nil
	}
	return out, nil, false, nil, usage, nil
}

// Label names guardrail i (from 0) in events, spans and errors: its name,
// else "guardrail N" (N from 1).
func Label(name string, i int) string {
	if name != "" {
		return name
	}
	return "guardrail " + strconv.Itoa(i+1)
}

// Budget returns a guardrail's retry budget: its own when set, else the
// owner's default when set, else def; negative means none.
func Budget(own, owner, def int) int {
	if own != 0 {
		return own
	}
	if owner != 0 {
		return owner
	}
	return def
}

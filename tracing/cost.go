package tracing

import "github.com/crewai-go/crewai/event"

// callCost is the price of one model call in US dollars, when known: the
// cost the emitter computed.
func callCost(v *event.LLMCallCompleted) (float64, bool) {
	if v.Cost > 0 {
		return v.Cost, true
	}
	return 0, false
}

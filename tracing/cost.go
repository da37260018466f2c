package tracing

import (
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/pricing"
)

// callCost is the price of one model call in US dollars, when known: the
// cost the emitter computed, else the built-in price table's estimate for
// the response model, then the requested model.
func callCost(v *event.LLMCallCompleted) (float64, bool) {
	if v.Cost > 0 {
		return v.Cost, true
	}
	if v.Usage.PromptTokens == 0 && v.Usage.CompletionTokens == 0 {
		return 0, false
	}
	for _, m := range []string{v.ResponseModel, v.Model} {
		if m == "" {
			continue
		}
		if usd, ok := pricing.Default().Cost(m, v.Usage); ok {
			return usd, true
		}
	}
	return 0, false
}

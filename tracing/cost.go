package tracing

import (
	"sync"
	"sync/atomic"

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
	for _, m := range [2]string{v.ResponseModel, v.Model} {
		if m == "" {
			continue
		}
		if pr, ok := priceOf(m); ok {
			if usd, ok := pr.Cost(v.Usage); ok {
				return usd, true
			}
		}
	}
	return 0, false
}

// knownPrice is the built-in table's answer for one model name.
type knownPrice struct {
	price pricing.Price
	ok    bool
}

// prices caches the built-in table's answers by model name (the table never
// changes), so that a call does not normalise the name and try the snapshot
// pattern again; at most maxPriceCache names are kept.
var (
	prices      sync.Map // string -> knownPrice
	pricesCount atomic.Int32
)

const maxPriceCache = 256

// priceOf is pricing.Default().Lookup(model), cached.
func priceOf(model string) (pricing.Price, bool) {
	if v, ok := prices.Load(model); ok {
		k := v.(knownPrice)
		return k.price, k.ok
	}
	pr, ok := pricing.Default().Lookup(model)
	if pricesCount.Load() < maxPriceCache {
		if _, loaded := prices.LoadOrStore(model, knownPrice{pr, ok}); !loaded {
			pricesCount.Add(1)
		}
	}
	return pr, ok
}

package pricing_test

import (
	"fmt"
	"strings"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/pricing"
)

func ExampleTable_Cost() {
	u := chat.Usage{PromptTokens: 12_000, CachedPromptTokens: 2_000, CompletionTokens: 800}
	usd, ok := pricing.Default().Cost("gpt-4o-mini-2024-07-18", u)
	fmt.Printf("%.6f %v\n", usd, ok)
	_, ok = pricing.Default().Cost("llama3.1:8b", u)
	fmt.Println(ok)
	// Output:
	// 0.002130 true
	// false
}

func ExampleLoad() {
	tab, err := pricing.Load(strings.NewReader(`{"models": {"my-model": {"input": 1, "output": 4}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	usd, ok := tab.Cost("my-model", chat.Usage{PromptTokens: 1_000_000, CompletionTokens: 500_000})
	fmt.Println(usd, ok)
	_, err = pricing.Load(strings.NewReader(`{"models": {"my-model": {"input": 1}}}`))
	fmt.Println(err)
	// Output:
	// 3 true
	// pricing: models["my-model"].output = missing: a non-negative number of USD per 1M tokens is required
}

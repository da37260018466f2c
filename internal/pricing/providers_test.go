package pricing

import (
	"errors"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/chat"
)

// TestProviderModels prices the model names each provider's client reports
// (and the model strings users write), cache reads and writes included.
func TestProviderModels(t *testing.T) {
	const M = 1_000_000
	tests := []struct {
		name  string
		model string
		u     chat.Usage
		want  float64
		ok    bool
	}{
		{"anthropic snapshot, cache read and write", "claude-sonnet-4-5-20250929",
			chat.Usage{PromptTokens: M, CachedPromptTokens: 200_000, CacheWriteTokens: 100_000, CompletionTokens: 100_000},
			0.7*3 + 0.2*0.3 + 0.1*3.75 + 0.1*15, true},
		{"anthropic model string", "anthropic/claude-haiku-4-5", chat.Usage{PromptTokens: M}, 1, true},
		{"anthropic latest alias", "claude-3-5-sonnet-latest", chat.Usage{PromptTokens: M}, 3, true},
		{"opus 4.5", "claude-opus-4-5-20251101", chat.Usage{CompletionTokens: M}, 25, true},
		{"cache write only", "claude-haiku-4-5", chat.Usage{PromptTokens: M, CacheWriteTokens: M}, 1.25, true},
		{"cache write capped at the rest of the prompt", "claude-haiku-4-5",
			chat.Usage{PromptTokens: 100, CachedPromptTokens: 60, CacheWriteTokens: 100}, (60*0.1 + 40*1.25) / 1e6, true},
		{"bedrock cross-region ID", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", chat.Usage{PromptTokens: M}, 3, true},
		{"bedrock model string", "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", chat.Usage{CompletionTokens: M}, 4, true},
		{"bedrock global ID", "global.anthropic.claude-haiku-4-5-20251001-v1:0", chat.Usage{PromptTokens: M, CachedPromptTokens: M}, 0.1, true},
		{"nova", "amazon.nova-pro-v1:0", chat.Usage{PromptTokens: M, CompletionTokens: M}, 0.8 + 3.2, true},
		{"nova cross-region", "eu.amazon.nova-lite-v1:0", chat.Usage{PromptTokens: M}, 0.06, true},
		{"llama on bedrock", "meta.llama3-3-70b-instruct-v1:0", chat.Usage{PromptTokens: M}, 0.72, true},
		{"gemini cached", "gemini-2.5-flash", chat.Usage{PromptTokens: M, CachedPromptTokens: 500_000}, 0.15 + 0.015, true},
		{"gemini model string", "gemini/gemini-2.5-pro", chat.Usage{CompletionTokens: M}, 10, true},
		{"gemini versioned", "models/gemini-2.0-flash-001", chat.Usage{PromptTokens: M}, 0.10, true},
		{"vertex model string", "vertex_ai/gemini-2.5-flash-lite", chat.Usage{PromptTokens: M}, 0.10, true},
		{"openai unchanged", "gpt-4o", chat.Usage{PromptTokens: M, CacheWriteTokens: M}, 2.5, true},
		{"unknown claude variant", "claude-sonnet-4-5-extended", chat.Usage{PromptTokens: 10}, 0, false},
		{"unknown gemini variant", "gemini-2.5-flash-image", chat.Usage{PromptTokens: 10}, 0, false},
		{"unknown bedrock vendor", "acme.model-v1:0", chat.Usage{PromptTokens: 10}, 0, false},
		{"negative cache write", "claude-haiku-4-5", chat.Usage{CacheWriteTokens: -1}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Default().Cost(tt.model, tt.u)
			if ok != tt.ok || !near(got, tt.want) {
				t.Fatalf("Cost(%q, %+v) = %v, %v; want %v, %v", tt.model, tt.u, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestDefaultCoversProviders: every provider's current models have prices,
// with cache reads cheaper than input and Anthropic's cache writes dearer.
func TestDefaultCoversProviders(t *testing.T) {
	families := map[string][]string{
		"anthropic": {"claude-opus-4-5", "claude-opus-4-1", "claude-sonnet-4-5", "claude-sonnet-4", "claude-haiku-4-5", "claude-3-7-sonnet", "claude-3-5-haiku"},
		"gemini":    {"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash", "gemini-3-pro-preview"},
		"bedrock":   {"amazon.nova-pro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-micro-v1:0", "amazon.nova-premier-v1:0", "us.anthropic.claude-sonnet-4-20250514-v1:0"},
		"openai":    {"gpt-5", "gpt-4o-mini"},
	}
	for provider, names := range families {
		for _, m := range names {
			pr, ok := Default().Lookup(m)
			if !ok || pr.Input <= 0 || pr.Output <= 0 || pr.CachedInput <= 0 || pr.CachedInput >= pr.Input || pr.CacheWrite < pr.Input {
				t.Errorf("%s %s: %+v %v", provider, m, pr, ok)
			}
			if provider == "anthropic" && !near(pr.CacheWrite, pr.Input*1.25) {
				t.Errorf("%s: cache write %v, want 1.25 x input %v", m, pr.CacheWrite, pr.Input)
			}
		}
	}
}

func TestLoadCacheWrite(t *testing.T) {
	tab, err := Load(strings.NewReader(`{"models": {
		"claude-sonnet-4-5": {"input": 2, "cached_input": 0.2, "cache_write": 2.5, "output": 10},
		"plain": {"input": 1, "output": 2}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	if pr, _ := tab.Lookup("anthropic/claude-sonnet-4-5-20250929"); pr != (Price{Input: 2, CachedInput: 0.2, CacheWrite: 2.5, Output: 10}) {
		t.Errorf("override: %+v", pr)
	}
	if pr, _ := tab.Lookup("plain"); pr.CacheWrite != 1 || pr.CachedInput != 1 {
		t.Errorf("defaults to input: %+v", pr)
	}
	_, err = Load(strings.NewReader(`{"models": {"m": {"input": 1, "output": 1, "cache_write": -3}}}`))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != `models["m"].cache_write` || fe.Value != "-3" {
		t.Fatalf("negative cache_write: %v", err)
	}
}

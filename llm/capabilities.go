package llm

import "strings"

// Capabilities describes what a model accepts, as far as this package knows.
// The zero value is a model with no known restriction and an unknown context
// window.
type Capabilities struct {
	// NoStop is true for models that reject the stop parameter (the o1, o3
	// and o4 series and the gpt-5 family).
	NoStop bool
	// Reasoning is true for reasoning models: they take
	// max_completion_tokens instead of max_tokens and accept no sampling
	// temperature other than the default, so the client drops it.
	Reasoning bool
	// NoThinking is true for models without extended thinking (Claude
	// models before 3.7): the Anthropic client refuses a thinking budget
	// for them at New rather than send a request Anthropic rejects.
	NoThinking bool
	// ContextWindow is the context size in tokens, 0 if unknown.
	ContextWindow int
}

// capEntry is one row of the capability table: a model-name prefix and what
// models of that name accept.
type capEntry struct {
	prefix string
	caps   Capabilities
}

// capTable is ordered so that longer, more specific prefixes come first.
var capTable = [...]capEntry{
	{"gpt-5", Capabilities{NoStop: true, Reasoning: true, ContextWindow: 400_000}},
	{"o4-mini", Capabilities{NoStop: true, Reasoning: true, ContextWindow: 200_000}},
	{"o4", Capabilities{NoStop: true, Reasoning: true, ContextWindow: 200_000}},
	{"o3-mini", Capabilities{NoStop: true, Reasoning: true, ContextWindow: 200_000}},
	{"o3", Capabilities{NoStop: true, Reasoning: true, ContextWindow: 200_000}},
	{"o1-mini", Capabilities{NoStop: true, Reasoning: true, ContextWindow: 128_000}},
	{"o1-preview", Capabilities{NoStop: true, Reasoning: true, ContextWindow: 128_000}},
	{"o1", Capabilities{NoStop: true, Reasoning: true, ContextWindow: 200_000}},
	{"gpt-4.1", Capabilities{ContextWindow: 1_047_576}},
	{"gpt-4.5", Capabilities{ContextWindow: 128_000}},
	{"gpt-4o", Capabilities{ContextWindow: 128_000}},
	{"chatgpt-4o", Capabilities{ContextWindow: 128_000}},
	{"gpt-4-turbo", Capabilities{ContextWindow: 128_000}},
	{"gpt-4-32k", Capabilities{ContextWindow: 32_768}},
	{"gpt-4", Capabilities{ContextWindow: 8_192}},
	{"gpt-3.5-turbo", Capabilities{ContextWindow: 16_385}},
	{"claude-sonnet-4-5", Capabilities{ContextWindow: 200_000}},
	{"claude-sonnet-4", Capabilities{ContextWindow: 200_000}},
	{"claude-opus-4", Capabilities{ContextWindow: 200_000}},
	{"claude-haiku-4", Capabilities{ContextWindow: 200_000}},
	{"claude-3-7-sonnet", Capabilities{ContextWindow: 200_000}},
	{"claude-3-5-sonnet", Capabilities{NoThinking: true, ContextWindow: 200_000}},
	{"claude-3-5-haiku", Capabilities{NoThinking: true, ContextWindow: 200_000}},
	{"claude-3-haiku", Capabilities{NoThinking: true, ContextWindow: 200_000}},
	{"claude-3-opus", Capabilities{NoThinking: true, ContextWindow: 200_000}},
	{"gemini-2.5-pro", Capabilities{ContextWindow: 1_048_576}},
	{"gemini-2.5-flash", Capabilities{ContextWindow: 1_048_576}},
	{"gemini-2.0-flash", Capabilities{ContextWindow: 1_048_576}},
	{"gemini-3", Capabilities{ContextWindow: 1_048_576}},
	{"gemini-1.5-pro", Capabilities{ContextWindow: 2_097_152}},
	{"gemini-1.5-flash", Capabilities{ContextWindow: 1_048_576}},
}

// CapabilitiesOf looks model up in the package's table of well-known models.
// A provider prefix ("openai/gpt-4o") is ignored, and a name matches an entry
// when it equals the entry or continues it with '-', '.', ':' or '@'
// ("gpt-4o-2024-08-06" is a "gpt-4o"). Unknown models get the zero value.
func CapabilitiesOf(model string) Capabilities {
	name := strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	for _, e := range capTable {
		if !strings.HasPrefix(name, e.prefix) {
			continue
		}
		if len(name) == len(e.prefix) {
			return e.caps
		}
		switch name[len(e.prefix)] {
		case '-', '.', ':', '@':
			return e.caps
		}
	}
	return Capabilities{}
}

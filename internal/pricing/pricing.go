// Package pricing holds the price table used to estimate what LLM calls cost:
// US dollars per one million tokens for prompt (input) tokens, prompt tokens
// read from the provider's cache, prompt tokens written to it, and
// completion (output) tokens.
//
// # Built-in prices
//
// [Default] knows the current chat models of the four providers the
// library has clients for, at their published standard-tier list prices
// (see [PricesDate]):
//
//   - OpenAI: gpt-5, gpt-5-mini, gpt-5-nano, the gpt-4.1 family, gpt-4o,
//     gpt-4o-mini, o1, o3, o3-mini, o4-mini, gpt-4-turbo, gpt-4,
//     gpt-3.5-turbo (cache writes cost the input price).
//   - Anthropic: Claude Opus 4.5, 4.1 and 4, Sonnet 4.5, 4 and 3.7, Haiku
//     4.5 and 3.5, and the Claude 3 models; cache writes are the 5-minute
//     writes (1.25 times the input price), cache reads a tenth of it. Long
//     context (over 200k tokens) prices are not modelled.
//   - Gemini (Gemini API and Vertex AI): gemini-3-pro-preview,
//     gemini-2.5-pro, gemini-2.5-flash, gemini-2.5-flash-lite,
//     gemini-2.0-flash, gemini-2.0-flash-lite, gemini-1.5-pro and
//     gemini-1.5-flash, at the prices for prompts up to 200k tokens (128k
//     for 1.5); cached tokens at the context-caching rate (storage is not
//     counted), no write price (implicit caching has none).
//   - Bedrock: the Anthropic models above under their Bedrock IDs (same
//     prices), Amazon Nova Premier, Pro, Lite and Micro, and Meta Llama 3.3
//     70B and 3.1 8B/70B instruct.
//
// They are estimates: batch, flex and priority tiers, regional and
// provisioned-throughput prices, Azure deployments, fine-tuned models and
// later price changes are not reflected. A user whose prices differ
// overrides them with a JSON file ([Load], [LoadFile], and the
// CREWAI_PRICES_FILE variable read by [FromEnv]).
//
// # Matching a model name
//
// A model name is lower-cased and a leading provider prefix of a model
// string ("openai/", "anthropic/", "gemini/", "vertex_ai/", "bedrock/",
// "models/") is removed, and so is what Bedrock adds to a model ID: a
// cross-region prefix ("us.", "eu.", "apac.", "global.", ...), the vendor
// ("anthropic.", "amazon.", "meta."), and the version suffix ("-v1:0"). The
// name is then looked up exactly; failing that, if it ends with a snapshot
// suffix (a date "-YYYY-MM-DD" or "-YYYYMMDD", as in
// "gpt-4o-mini-2024-07-18" or "claude-sonnet-4-5-20250929", a Gemini
// version "-001", or "-latest"), the name without it. Names that merely
// start like a known model ("gpt-4o-realtime-preview",
// "gpt-4o-audio-preview", "gpt-3.5-turbo-16k") are unknown: they are priced
// differently, and an unknown model gets no cost rather than a wrong one.
// Snapshots whose price differs from their family (gpt-4o-2024-05-13,
// gpt-3.5-turbo-1106, ...) have their own entries.
//
// # How a cost is computed
//
// Usage follows the OpenAI convention: [chat.Usage.PromptTokens] includes the
// cached prompt tokens (cache reads) and the tokens written to the cache
// (cache writes, reported by Anthropic and Bedrock), and
// [chat.Usage.CompletionTokens] includes the reasoning tokens. So the cost is
//
//	(prompt - cache_read - cache_write) × input + cache_read × cached_input
//	    + cache_write × cache_write_price + completion × output
//
// divided by one million. Cache reads and writes larger than the prompt are
// capped at it.
//
// # Override file
//
// The override file is a JSON object:
//
//	{
//	  "models": {
//	    "my-finetune": {"input": 3.0, "cached_input": 1.5, "output": 12.0},
//	    "claude-sonnet-4-5": {"input": 3, "cached_input": 0.3, "cache_write": 3.75, "output": 15},
//	    "gpt-4o": {"input": 2.5, "output": 10},
//	    "gpt-4": null
//	  }
//	}
//
// Each entry replaces (never partially updates) the built-in entry of that
// name; "input" and "output" are required, "cached_input" and
// "cache_write" default to "input"; all are non-negative numbers of dollars
// per one million tokens.
// null removes a built-in model, so that it gets no cost. Unknown fields are
// errors, so that a typo cannot silently leave a wrong price in place.
package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/crewai-go/crewai/chat"
)

// PricesDate is the date the built-in prices were taken from the providers'
// public price lists (OpenAI's in August 2025, the others' in November 2025).
const PricesDate = "2025-11"

// EnvPricesFile names the environment variable that points to a JSON price
// override file (see the package doc for its format).
const EnvPricesFile = "CREWAI_PRICES_FILE"

// Price is what one model costs, in US dollars per one million tokens. The
// zero value is a free model. It is a plain value, safe to copy.
// A plain value: reading it from several goroutines is safe; changing it
// while another goroutine reads it is not.
type Price struct {
	// Input is the price of prompt tokens that were not served from cache.
	Input float64 `json:"input"`
	// CachedInput is the price of prompt tokens served from the provider's
	// prompt cache.
	CachedInput float64 `json:"cached_input"`
	// CacheWrite is the price of prompt tokens written to the provider's
	// prompt cache (Anthropic and Bedrock bill them apart); the built-in
	// table and override files set it to Input where the provider has no
	// separate price.
	CacheWrite float64 `json:"cache_write"`
	// Output is the price of completion tokens, reasoning tokens included.
	Output float64 `json:"output"`
}

// Table maps model names to prices. A Table is immutable once built, so it is
// safe for concurrent use. The zero value and a nil *Table both behave like
// [Default].
type Table struct {
	prices map[string]Price
}

// p is a helper to keep the built-in table short: cache writes at the input
// price.
func p(in, cached, out float64) Price {
	return Price{Input: in, CachedInput: cached, CacheWrite: in, Output: out}
}

// claude is an Anthropic price: cache reads at a tenth of the input price,
// 5-minute cache writes at 1.25 times it.
func claude(in, out float64) Price {
	return Price{Input: in, CachedInput: in / 10, CacheWrite: in * 1.25, Output: out}
}

// builtin returns a fresh copy of the built-in prices (USD per 1M tokens,
// OpenAI standard tier, August 2025).
func builtin() map[string]Price {
	return map[string]Price{
		"gpt-5":             p(1.25, 0.125, 10),
		"gpt-5-chat-latest": p(1.25, 0.125, 10),
		"gpt-5-mini":        p(0.25, 0.025, 2),
		"gpt-5-nano":        p(0.05, 0.005, 0.40),

		"gpt-4.1":      p(2, 0.50, 8),
		"gpt-4.1-mini": p(0.40, 0.10, 1.60),
		"gpt-4.1-nano": p(0.10, 0.025, 0.40),

		"gpt-4o":            p(2.50, 1.25, 10),
		"gpt-4o-2024-05-13": p(5, 5, 15),
		"chatgpt-4o-latest": p(5, 5, 15),
		"gpt-4o-mini":       p(0.15, 0.075, 0.60),

		"o1":         p(15, 7.50, 60),
		"o1-preview": p(15, 7.50, 60),
		"o1-mini":    p(1.10, 0.55, 4.40),
		"o3":         p(2, 0.50, 8),
		"o3-mini":    p(1.10, 0.55, 4.40),
		"o4-mini":    p(1.10, 0.275, 4.40),

		"gpt-4-turbo": p(10, 10, 30),
		"gpt-4":       p(30, 30, 60),
		"gpt-4-0613":  p(30, 30, 60),

		"gpt-3.5-turbo":      p(0.50, 0.50, 1.50),
		"gpt-3.5-turbo-0125": p(0.50, 0.50, 1.50),
		"gpt-3.5-turbo-1106": p(1, 1, 2),
		"gpt-3.5-turbo-0613": p(1.50, 1.50, 2),

		// Anthropic (and the same models on Bedrock), November 2025.
		"claude-opus-4-5":   claude(5, 25),
		"claude-opus-4-1":   claude(15, 75),
		"claude-opus-4-0":   claude(15, 75),
		"claude-opus-4":     claude(15, 75),
		"claude-sonnet-4-5": claude(3, 15),
		"claude-sonnet-4-0": claude(3, 15),
		"claude-sonnet-4":   claude(3, 15),
		"claude-3-7-sonnet": claude(3, 15),
		"claude-3-5-sonnet": claude(3, 15),
		"claude-haiku-4-5":  claude(1, 5),
		"claude-3-5-haiku":  claude(0.80, 4),
		"claude-3-opus":     claude(15, 75),
		"claude-3-sonnet":   claude(3, 15),
		"claude-3-haiku":    Price{Input: 0.25, CachedInput: 0.03, CacheWrite: 0.30, Output: 1.25},

		// Gemini API and Vertex AI, prompts up to 200k tokens, November 2025.
		"gemini-3-pro-preview":  p(2, 0.20, 12),
		"gemini-2.5-pro":        p(1.25, 0.125, 10),
		"gemini-2.5-flash":      p(0.30, 0.03, 2.50),
		"gemini-2.5-flash-lite": p(0.10, 0.01, 0.40),
		"gemini-2.0-flash":      p(0.10, 0.025, 0.40),
		"gemini-2.0-flash-lite": p(0.075, 0.075, 0.30),
		"gemini-1.5-pro":        p(1.25, 0.3125, 5),
		"gemini-1.5-flash":      p(0.075, 0.01875, 0.30),

		// Bedrock's own models (on-demand, us-east-1), November 2025.
		"nova-premier":          p(2.50, 0.625, 12.50),
		"nova-pro":              p(0.80, 0.20, 3.20),
		"nova-lite":             p(0.06, 0.015, 0.24),
		"nova-micro":            p(0.035, 0.00875, 0.14),
		"llama3-3-70b-instruct": p(0.72, 0.72, 0.72),
		"llama3-1-70b-instruct": p(0.72, 0.72, 0.72),
		"llama3-1-8b-instruct":  p(0.22, 0.22, 0.22),
	}
}

var defaultTable = sync.OnceValue(func() *Table { return &Table{prices: builtin()} })

// Default returns the built-in price table. The same immutable table is
// returned on every call; it is safe for concurrent use.
func Default() *Table { return defaultTable() }

func (t *Table) table() map[string]Price {
	if t == nil || t.prices == nil {
		return Default().prices
	}
	return t.prices
}

// snapshotSuffix matches a snapshot suffix: a date ("-2024-07-18",
// "-20250929"), a Gemini version ("-001") or "-latest".
var snapshotSuffix = regexp.MustCompile(`-(\d{4}-\d{2}-\d{2}|\d{8}|\d{3}|latest)$`)

// bedrockID matches what Bedrock adds around a model name: a cross-region
// inference prefix, the vendor, and the version suffix.
var bedrockID = regexp.MustCompile(`^(?:(?:us|eu|apac|global|us-gov|jp|au|ca)\.)?(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|qwen|writer|openai)\.(.+?)(?:-v\d+(?::\d+)?)?$`)

// providerPrefixes are the model-string prefixes normalize removes.
var providerPrefixes = []string{"openai/", "anthropic/", "gemini/", "vertex_ai/", "bedrock/", "models/"}

// normalize lower-cases a model name and strips a provider prefix and
// Bedrock's additions to the name.
func normalize(model string) string {
	m := strings.ToLower(strings.TrimSpace(model))
	for _, p := range providerPrefixes {
		if rest, ok := strings.CutPrefix(m, p); ok {
			m = rest
			break
		}
	}
	m = strings.TrimPrefix(m, "models/")
	if sm := bedrockID.FindStringSubmatch(m); sm != nil {
		m = sm[1]
	}
	return m
}

// Lookup returns the price of model, matched as the package doc describes,
// and whether the model is known. It is safe for concurrent use.
func (t *Table) Lookup(model string) (Price, bool) {
	prices := t.table()
	m := normalize(model)
	if m == "" {
		return Price{}, false
	}
	if pr, ok := prices[m]; ok {
		return pr, true
	}
	if loc := snapshotSuffix.FindStringIndex(m); loc != nil {
		if pr, ok := prices[m[:loc[0]]]; ok {
			return pr, true
		}
	}
	return Price{}, false
}

// Cost returns the estimated cost in US dollars of the token usage u on
// model, and ok=true. For an unknown model, or a usage with negative counts,
// it returns 0 and ok=false: never a guessed cost. Cached prompt tokens and
// cache writes (both counted inside PromptTokens) are billed at their own
// rates; counts larger than the prompt count are capped at it. It is safe
// for concurrent use.
func (t *Table) Cost(model string, u chat.Usage) (usd float64, ok bool) {
	pr, ok := t.Lookup(model)
	if !ok {
		return 0, false
	}
	return pr.Cost(u)
}

// Cost returns what usage u costs at price p, and ok=false (with 0) if a
// token count is negative. See [Table.Cost].
func (p Price) Cost(u chat.Usage) (usd float64, ok bool) {
	if u.PromptTokens < 0 || u.CachedPromptTokens < 0 || u.CacheWriteTokens < 0 || u.CompletionTokens < 0 {
		return 0, false
	}
	cached := min(u.CachedPromptTokens, u.PromptTokens)
	written := min(u.CacheWriteTokens, u.PromptTokens-cached)
	uncached := u.PromptTokens - cached - written
	usd = (float64(uncached)*p.Input + float64(cached)*p.CachedInput + float64(written)*p.CacheWrite +
		float64(u.CompletionTokens)*p.Output) / 1e6
	return usd, true
}

// Models returns the known model names, sorted. It is safe for concurrent use.
func (t *Table) Models() []string {
	prices := t.table()
	names := make([]string, 0, len(prices))
	for n := range prices {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// FieldError reports a bad value in a price override file. Callers can
// detect it with [errors.As].
// The zero value is an empty report. Nothing modifies it once returned: it
// is safe to read from several goroutines.
type FieldError struct {
	// Field is the JSON path of the bad value, such as models["x"].input.
	Field string
	// Value is the offending value as it appeared (or "missing").
	Value string
	// Reason says what is accepted.
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("%s = %s: %s", e.Field, e.Value, e.Reason)
}

// fileEntry is one model in an override file; pointers tell missing from 0.
type fileEntry struct {
	Input       *float64 `json:"input"`
	CachedInput *float64 `json:"cached_input"`
	CacheWrite  *float64 `json:"cache_write"`
	Output      *float64 `json:"output"`
}

// Load reads a JSON price override (format in the package doc) from r and
// returns the built-in table with the override merged over it. A malformed
// file returns an error naming the field, the value and what is accepted
// (a *[FieldError] for bad values). The result is safe for concurrent use.
func Load(r io.Reader) (*Table, error) {
	t, err := load(r)
	if err != nil {
		return nil, fmt.Errorf("pricing: %w", err)
	}
	return t, nil
}

// load is Load without the package prefix on its errors.
func load(r io.Reader) (*Table, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading price file: %w", err)
	}
	var top struct {
		Models map[string]json.RawMessage `json:"models"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("price file is not a JSON object of the form {\"models\": {\"name\": {\"input\": n, \"cached_input\": n, \"output\": n}}}: %w", err)
	}
	if dec.More() {
		return nil, errors.New("price file has data after its JSON object")
	}
	if top.Models == nil {
		return nil, &FieldError{Field: "models", Value: "missing", Reason: "a JSON object mapping model names to prices is required"}
	}
	prices := builtin()
	names := make([]string, 0, len(top.Models))
	for n := range top.Models {
		names = append(names, n)
	}
	sort.Strings(names) // deterministic error reporting
	for _, name := range names {
		raw := top.Models[name]
		key := normalize(name)
		field := fmt.Sprintf("models[%q]", name)
		if key == "" {
			return nil, &FieldError{Field: field, Value: fmt.Sprintf("%q", name), Reason: "a model name must not be empty"}
		}
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			delete(prices, key)
			continue
		}
		var e fileEntry
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil {
			return nil, &FieldError{Field: field, Value: truncate(string(raw)), Reason: "want null or an object with fields input, cached_input, cache_write, output (numbers, USD per 1M tokens): " + err.Error()}
		}
		pr, err := e.price(field)
		if err != nil {
			return nil, err
		}
		prices[key] = pr
	}
	return &Table{prices: prices}, nil
}

func (e fileEntry) price(field string) (Price, error) {
	check := func(name string, v *float64, required bool) (float64, error) {
		if v == nil {
			if required {
				return 0, &FieldError{Field: field + "." + name, Value: "missing", Reason: "a non-negative number of USD per 1M tokens is required"}
			}
			return math.NaN(), nil
		}
		if *v < 0 || math.IsInf(*v, 0) || math.IsNaN(*v) {
			return 0, &FieldError{Field: field + "." + name, Value: fmt.Sprint(*v), Reason: "must be a non-negative number of USD per 1M tokens"}
		}
		return *v, nil
	}
	in, err := check("input", e.Input, true)
	if err != nil {
		return Price{}, err
	}
	out, err := check("output", e.Output, true)
	if err != nil {
		return Price{}, err
	}
	cached, err := check("cached_input", e.CachedInput, false)
	if err != nil {
		return Price{}, err
	}
	if math.IsNaN(cached) {
		cached = in
	}
	write, err := check("cache_write", e.CacheWrite, false)
	if err != nil {
		return Price{}, err
	}
	if math.IsNaN(write) {
		write = in
	}
	return Price{Input: in, CachedInput: cached, CacheWrite: write, Output: out}, nil
}

func truncate(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// LoadFile is [Load] on the file at path; errors name the file.
func LoadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pricing: %w", err)
	}
	defer f.Close()
	t, err := load(f)
	if err != nil {
		return nil, fmt.Errorf("pricing: %s: %w", path, err)
	}
	return t, nil
}

// FromEnv returns the table named by the CREWAI_PRICES_FILE environment
// variable (loaded with [LoadFile]), or [Default] when it is unset or empty.
func FromEnv() (*Table, error) {
	path := os.Getenv(EnvPricesFile)
	if path == "" {
		return Default(), nil
	}
	t, err := LoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (from %s)", err, EnvPricesFile)
	}
	return t, nil
}

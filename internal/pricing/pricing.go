// Package pricing holds the price table used to estimate what LLM calls cost:
// US dollars per one million tokens for prompt (input) tokens, cached prompt
// tokens and completion (output) tokens.
//
// # Built-in prices
//
// [Default] knows the common OpenAI chat models (gpt-5, gpt-5-mini,
// gpt-5-nano, the gpt-4.1 family, gpt-4o, gpt-4o-mini, o1, o3, o3-mini,
// o4-mini, gpt-4-turbo, gpt-4, gpt-3.5-turbo). The prices are OpenAI's
// published standard-tier list prices as of August 2025 (see [PricesDate]).
// They are estimates: batch, flex and priority tiers, regional endpoints,
// Azure deployments, fine-tuned models and later price changes are not
// reflected. A user whose prices differ overrides them with a JSON file
// ([Load], [LoadFile], and the CREWAI_PRICES_FILE variable read by [FromEnv]).
//
// # Matching a model name
//
// A model name is lower-cased and a leading "openai/" provider prefix is
// removed. It is then looked up exactly; failing that, if it ends with a dated
// snapshot suffix ("-YYYY-MM-DD", as in "gpt-4o-mini-2024-07-18"), the longest
// known name that is a prefix of it and is followed only by that suffix is
// used. Names that merely start like a known model ("gpt-4o-realtime-preview",
// "gpt-4o-audio-preview", "gpt-3.5-turbo-16k") are unknown: they are priced
// differently, and an unknown model gets no cost rather than a wrong one.
// Snapshots whose price differs from their family (gpt-4o-2024-05-13,
// gpt-3.5-turbo-1106, ...) have their own entries.
//
// # How a cost is computed
//
// Usage follows the OpenAI convention: [chat.Usage.PromptTokens] includes the
// cached prompt tokens, and [chat.Usage.CompletionTokens] includes the
// reasoning tokens. So the cost is
//
//	(prompt - cached) × input + cached × cached_input + completion × output
//
// divided by one million. A model without a cached rate bills cached tokens at
// the input rate.
//
// # Override file
//
// The override file is a JSON object:
//
//	{
//	  "models": {
//	    "my-finetune": {"input": 3.0, "cached_input": 1.5, "output": 12.0},
//	    "gpt-4o": {"input": 2.5, "output": 10},
//	    "gpt-4": null
//	  }
//	}
//
// Each entry replaces (never partially updates) the built-in entry of that
// name; "input" and "output" are required, "cached_input" defaults to
// "input"; all are non-negative numbers of dollars per one million tokens.
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

// PricesDate is the date the built-in prices were taken from OpenAI's public
// price list.
const PricesDate = "2025-08"

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
	// Output is the price of completion tokens, reasoning tokens included.
	Output float64 `json:"output"`
}

// Table maps model names to prices. A Table is immutable once built, so it is
// safe for concurrent use. The zero value and a nil *Table both behave like
// [Default].
type Table struct {
	prices map[string]Price
}

// p is a helper to keep the built-in table short.
func p(in, cached, out float64) Price { return Price{Input: in, CachedInput: cached, Output: out} }

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

// snapshotSuffix matches a dated snapshot suffix such as "-2024-07-18".
var snapshotSuffix = regexp.MustCompile(`-\d{4}-\d{2}-\d{2}$`)

// normalize lower-cases a model name and strips an "openai/" provider prefix.
func normalize(model string) string {
	m := strings.ToLower(strings.TrimSpace(model))
	return strings.TrimPrefix(m, "openai/")
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
// it returns 0 and ok=false: never a guessed cost. Cached prompt tokens
// (counted inside PromptTokens) are billed at the cached rate; a cached count
// larger than the prompt count is capped at the prompt count. It is safe for
// concurrent use.
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
	if u.PromptTokens < 0 || u.CachedPromptTokens < 0 || u.CompletionTokens < 0 {
		return 0, false
	}
	cached := min(u.CachedPromptTokens, u.PromptTokens)
	uncached := u.PromptTokens - cached
	usd = (float64(uncached)*p.Input + float64(cached)*p.CachedInput + float64(u.CompletionTokens)*p.Output) / 1e6
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
			return nil, &FieldError{Field: field, Value: truncate(string(raw)), Reason: "want null or an object with fields input, cached_input, output (numbers, USD per 1M tokens): " + err.Error()}
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
	return Price{Input: in, CachedInput: cached, Output: out}, nil
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

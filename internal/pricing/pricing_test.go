package pricing

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/chat"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestCost(t *testing.T) {
	tests := []struct {
		name  string
		model string
		u     chat.Usage
		want  float64
		ok    bool
	}{
		{"exact", "gpt-4o-mini", chat.Usage{PromptTokens: 1_000_000, CompletionTokens: 1_000_000}, 0.15 + 0.60, true},
		{"dated snapshot", "gpt-4o-mini-2024-07-18", chat.Usage{PromptTokens: 2_000_000}, 0.30, true},
		{"snapshot with own price", "gpt-4o-2024-05-13", chat.Usage{PromptTokens: 1_000_000}, 5, true},
		{"gpt-4o snapshot", "gpt-4o-2024-08-06", chat.Usage{CompletionTokens: 1000}, 0.01, true},
		{"cached billed at cached rate", "gpt-4o", chat.Usage{PromptTokens: 1_000_000, CachedPromptTokens: 400_000}, 0.6*2.5 + 0.4*1.25, true},
		{"cached capped at prompt", "gpt-4.1", chat.Usage{PromptTokens: 100, CachedPromptTokens: 500}, 100 * 0.5 / 1e6, true},
		{"case and provider prefix", "OpenAI/GPT-5-Mini", chat.Usage{PromptTokens: 1_000_000}, 0.25, true},
		{"gpt-5 dated", "gpt-5-2025-08-07", chat.Usage{CompletionTokens: 1_000_000}, 10, true},
		{"o3-mini", "o3-mini-2025-01-31", chat.Usage{PromptTokens: 1_000_000}, 1.10, true},
		{"zero usage", "gpt-4o", chat.Usage{}, 0, true},
		{"unknown", "llama3.1:8b", chat.Usage{PromptTokens: 10}, 0, false},
		{"empty model", "", chat.Usage{PromptTokens: 10}, 0, false},
		{"prefix but not snapshot", "gpt-4o-realtime-preview", chat.Usage{PromptTokens: 10}, 0, false},
		{"prefix but other model", "gpt-3.5-turbo-16k", chat.Usage{PromptTokens: 10}, 0, false},
		{"dated unknown family", "gpt-4o-audio-preview-2024-12-17", chat.Usage{PromptTokens: 10}, 0, false},
		{"negative tokens", "gpt-4o", chat.Usage{PromptTokens: -1}, 0, false},
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

func TestNilAndZeroTableAreDefault(t *testing.T) {
	u := chat.Usage{PromptTokens: 1000, CompletionTokens: 1000}
	want, _ := Default().Cost("gpt-4o", u)
	var nilT *Table
	if got, ok := nilT.Cost("gpt-4o", u); !ok || got != want {
		t.Fatalf("nil table: %v %v", got, ok)
	}
	if got, ok := (&Table{}).Cost("gpt-4o", u); !ok || got != want {
		t.Fatalf("zero table: %v %v", got, ok)
	}
}

func TestDefaultCoversRequiredFamilies(t *testing.T) {
	for _, m := range []string{"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-3.5-turbo"} {
		pr, ok := Default().Lookup(m)
		if !ok || pr.Input <= 0 || pr.Output <= 0 || pr.CachedInput <= 0 || pr.CachedInput > pr.Input {
			t.Errorf("%s: %+v %v", m, pr, ok)
		}
	}
	if len(Default().Models()) < 13 {
		t.Fatalf("Models() = %v", Default().Models())
	}
}

func TestLoadMerges(t *testing.T) {
	tab, err := Load(strings.NewReader(`{"models": {
		"My-Model": {"input": 3, "cached_input": 1, "output": 12},
		"gpt-4o": {"input": 1, "output": 2},
		"gpt-4": null}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := tab.Cost("my-model", chat.Usage{PromptTokens: 1_000_000, CachedPromptTokens: 500_000, CompletionTokens: 1_000_000}); !ok || !near(got, 1.5+0.5+12) {
		t.Fatalf("my-model: %v %v", got, ok)
	}
	// cached_input and cache_write default to input
	if pr, _ := tab.Lookup("gpt-4o"); pr != (Price{Input: 1, CachedInput: 1, CacheWrite: 1, Output: 2}) {
		t.Fatalf("gpt-4o override: %+v", pr)
	}
	if _, ok := tab.Cost("gpt-4", chat.Usage{PromptTokens: 1}); ok {
		t.Fatal("gpt-4 should have been removed")
	}
	if _, ok := tab.Lookup("gpt-4o-mini"); !ok {
		t.Fatal("defaults not kept")
	}
	// The default table is not changed by an override.
	if pr, _ := Default().Lookup("gpt-4o"); pr.Input != 2.5 {
		t.Fatalf("Default changed: %+v", pr)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		field          string
	}{
		{"not json", `nope`, "not a JSON object", ""},
		{"unknown top field", `{"model": {}}`, `unknown field "model"`, ""},
		{"missing models", `{}`, "models = missing", "models"},
		{"missing input", `{"models": {"x": {"output": 1}}}`, `models["x"].input = missing`, `models["x"].input`},
		{"missing output", `{"models": {"x": {"input": 1}}}`, `models["x"].output = missing`, `models["x"].output`},
		{"negative", `{"models": {"x": {"input": 1, "output": -2}}}`, `models["x"].output = -2: must be a non-negative`, `models["x"].output`},
		{"negative cached", `{"models": {"x": {"input": 1, "output": 2, "cached_input": -1}}}`, `models["x"].cached_input = -1`, `models["x"].cached_input`},
		{"typo field", `{"models": {"x": {"input": 1, "ouput": 2}}}`, `unknown field "ouput"`, `models["x"]`},
		{"string value", `{"models": {"x": {"input": "1", "output": 2}}}`, `models["x"]`, `models["x"]`},
		{"not object", `{"models": {"x": 5}}`, `models["x"] = 5`, `models["x"]`},
		{"empty name", `{"models": {" ": {"input": 1, "output": 1}}}`, `must not be empty`, `models[" "]`},
		{"trailing data", `{"models": {}} {}`, "data after", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "pricing: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			var fe *FieldError
			if tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
				t.Fatalf("want FieldError on %s, got %#v", tt.field, err)
			}
		})
	}
}

func TestLoadFileAndFromEnv(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "prices.json")
	if err := os.WriteFile(good, []byte(`{"models": {"local-model": {"input": 0, "output": 0}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"models": {"x": {"input": 1}}}`), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Setenv(EnvPricesFile, "")
	if tab, err := FromEnv(); err != nil || tab != Default() {
		t.Fatalf("unset: %v %v", tab, err)
	}
	t.Setenv(EnvPricesFile, good)
	tab, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := tab.Cost("local-model", chat.Usage{PromptTokens: 5}); !ok || c != 0 {
		t.Fatalf("local-model: %v %v", c, ok)
	}
	t.Setenv(EnvPricesFile, bad)
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), EnvPricesFile) || !strings.Contains(err.Error(), `models["x"].output`) {
		t.Fatalf("bad file error: %v", err)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.json")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(`{"models": {"x": {"input": 1, "output": 2}}}`)
	f.Add(`{"models": {"gpt-4o": null}}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := Load(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, m := range tab.Models() {
			pr, ok := tab.Lookup(m)
			if !ok || pr.Input < 0 || pr.Output < 0 || pr.CachedInput < 0 {
				t.Fatalf("%q: %+v %v", m, pr, ok)
			}
		}
	})
}

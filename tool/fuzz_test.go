package tool_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/crewai-go/crewai/tool"
)

type fuzzArgs struct {
	Query   string            `json:"query"`
	Limit   int8              `json:"limit,omitempty" jsonschema:"minimum=1"`
	Mode    string            `json:"mode,omitempty" jsonschema:"enum=web,enum=news"`
	Count   uint16            `json:"count,omitempty"`
	Score   float64           `json:"score,omitempty"`
	Tags    []string          `json:"tags,omitempty" jsonschema:"maxItems=3"`
	Meta    map[string]string `json:"meta,omitempty"`
	Address *address          `json:"address,omitempty"`
	Tree    *node             `json:"tree,omitempty"`
	Any     any               `json:"any,omitempty"`
}

// FuzzRunArgs feeds random bytes as a model's arguments: the Runner must
// never panic, must always give the model a non-empty text, and must only
// run the function with arguments that decode into its input type.
func FuzzRunArgs(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `{"query":"go"}`, `{"query":"go","limit":300}`, `{"query":"go","limit":3.0}`,
		`{"query":"go","count":-1}`, `{"query":"go","mode":"x"}`, `{"query":"go","tags":["a","b","c","d"]}`,
		`{"query":"go","tree":{"name":"a","children":[{"name":"b"}]}}`, `"{\"query\":\"x\"}"`, `"{"`,
		`[`, `null`, `{"query":"\u0000\ud800"}`, `{"query":"go","score":1e400}`, `{"query":"go"}}`,
		`{"query":"go","address":{"city":"x","zip":1}}`, `{"query":"go","meta":{"k":1}}`,
	} {
		f.Add(s)
	}
	fn := func(ctx context.Context, in fuzzArgs) (string, error) {
		b, err := json.Marshal(in)
		return string(b), err
	}
	r := tool.NewRunner([]tool.Tool{tool.New("fuzz", "Fuzz target.", fn, tool.Cache(true))})
	f.Fuzz(func(t *testing.T, args string) {
		res := r.Run(context.Background(), "fuzz", args)
		if res.Output == "" {
			t.Fatalf("empty output for %q: %+v", args, res)
		}
		if res.Panic {
			t.Fatalf("panic for %q: %v\n%s", args, res.Err, res.Stack)
		}
		if res.IsError != (res.Problem != "") {
			t.Fatalf("IsError %v but Problem %q for %q", res.IsError, res.Problem, args)
		}
		if !res.IsError {
			var back fuzzArgs
			if err := json.Unmarshal([]byte(res.Output), &back); err != nil {
				t.Fatalf("tool ran for %q but echoed %q: %v", args, res.Output, err)
			}
		}
		if res.IsError && res.Problem != tool.ProblemInvalidArgs {
			t.Fatalf("unexpected problem for %q: %+v", args, res)
		}
	})
}

// FuzzSanitizeName checks that every sanitised name is one providers accept.
func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"", "search", "Get Weather", "Météo", "天气", "a.b/c", "___", fmt.Sprint(make([]int, 30))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := tool.SanitizeName(name)
		if err != nil {
			return
		}
		if !providerName.MatchString(got) {
			t.Fatalf("SanitizeName(%q) = %q, not a valid provider name", name, got)
		}
		again, err := tool.SanitizeName(got)
		if err != nil || (len(got) < tool.MaxNameLen && again != got) {
			t.Fatalf("SanitizeName is not stable: %q -> %q -> %q (%v)", name, got, again, err)
		}
	})
}

package tool_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/tool"
)

func TestMaxUsage(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		calls   int
		wantRan int64
	}{
		{"limit 2 of 4", 2, 4, 2},
		{"limit 1 of 3", 1, 3, 1},
		{"zero is no limit", 0, 5, 5},
		{"negative is no limit", -3, 5, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			r := tool.NewRunner([]tool.Tool{newSearch(t, &calls, tool.MaxUsage(tc.limit))})
			ctx := tool.WithRunState(context.Background())
			// calls with bad arguments do not use up the limit
			assert.True(t, r.Run(ctx, "search_tool", `{}`).IsError)
			var limited int
			for i := range tc.calls {
				res := r.Run(ctx, "search_tool", fmt.Sprintf(`{"query":"q%d"}`, i))
				if res.IsError {
					limited++
					assert.Equal(t, tool.ProblemUsageLimit, res.Problem)
					assert.Contains(t, res.Output, fmt.Sprintf(`tool "search_tool" has reached its limit of %d use`, tc.limit))
					assert.NoError(t, res.Err)
				}
			}
			assert.Equal(t, tc.wantRan, calls.Load())
			assert.Equal(t, tc.calls-int(tc.wantRan), limited)
			assert.Equal(t, int(tc.wantRan), tool.RunStateFrom(ctx).Uses("search_tool"))
		})
	}
}

func TestCache(t *testing.T) {
	var calls atomic.Int64
	r := tool.NewRunner([]tool.Tool{newSearch(t, &calls, tool.Cache(true))})
	ctx := tool.WithRunState(context.Background())
	steps := []struct {
		args    string
		hit     bool
		wantRan int64
	}{
		{`{"query":"go","limit":2}`, false, 1},
		{`{"query":"go","limit":2}`, true, 1},
		{` { "limit" : 2, "query": "go" } `, true, 1}, // order and spacing do not matter
		{`"{\"query\":\"go\",\"limit\":2}"`, true, 1}, // nor encoding twice
		{`{"query":"go","limit":3}`, false, 2},
		{`{"query":"go"}`, false, 3},
		{`{"query":"go","limit":"bad"}`, false, 3}, // invalid: neither cached nor run
	}
	for i, s := range steps {
		res := r.Run(ctx, "search_tool", s.args)
		assert.Equal(t, s.hit, res.CacheHit, "step %d", i)
		assert.Equal(t, s.wantRan, calls.Load(), "step %d", i)
		if s.hit {
			assert.Equal(t, "q=go limit=2 mode= tags=[] city=", res.Output)
		}
	}
}

func TestCacheSkipsErrors(t *testing.T) {
	var calls atomic.Int64
	f := tool.New("flaky", "", func(ctx context.Context, in struct {
		N int `json:"n"`
	}) (string, error) {
		if calls.Add(1) == 1 {
			return "", errBoom
		}
		return "fine", nil
	}, tool.Cache(true))
	r := tool.NewRunner([]tool.Tool{f})
	ctx := context.Background()
	assert.Equal(t, tool.ProblemToolError, r.Run(ctx, "flaky", `{"n":1}`).Problem)
	res := r.Run(ctx, "flaky", `{"n":1}`)
	assert.Equal(t, "fine", res.Output)
	assert.False(t, res.CacheHit, "an error is not cached")
	res = r.Run(ctx, "flaky", `{"n":1}`)
	assert.True(t, res.CacheHit)
	assert.Equal(t, int64(2), calls.Load())
}

func TestCacheKey(t *testing.T) {
	var calls atomic.Int64
	var seen sync.Map
	key := func(args json.RawMessage) string {
		seen.Store(string(args), true)
		var in searchArgs
		if err := json.Unmarshal(args, &in); err != nil {
			return ""
		}
		if in.Query == "nocache" {
			return ""
		}
		return strings.ToLower(in.Query) // limit and mode do not matter
	}
	r := tool.NewRunner([]tool.Tool{newSearch(t, &calls, tool.CacheKey(key))})
	ctx := tool.WithRunState(context.Background())
	steps := []struct {
		args    string
		hit     bool
		wantRan int64
	}{
		{`{"query":"Go","limit":1}`, false, 1},
		{`{"query":"go","limit":5}`, true, 1},
		{`{"query":"GO","mode":"web"}`, true, 1},
		{`{"query":"rust"}`, false, 2},
		{`{"query":"nocache"}`, false, 3},
		{`{"query":"nocache"}`, false, 4},
	}
	for i, s := range steps {
		res := r.Run(ctx, "search_tool", s.args)
		assert.Equal(t, s.hit, res.CacheHit, "step %d", i)
		assert.Equal(t, s.wantRan, calls.Load(), "step %d", i)
	}
	// the key function sees the canonical arguments
	_, ok := seen.Load(`{"limit":1,"query":"Go"}`)
	assert.True(t, ok)
}

func TestCacheHitDoesNotUseUpLimit(t *testing.T) {
	var calls atomic.Int64
	r := tool.NewRunner([]tool.Tool{newSearch(t, &calls, tool.Cache(true), tool.MaxUsage(1))})
	ctx := tool.WithRunState(context.Background())
	assert.False(t, r.Run(ctx, "search_tool", `{"query":"a"}`).IsError)
	assert.True(t, r.Run(ctx, "search_tool", `{"query":"a"}`).CacheHit)
	assert.Equal(t, tool.ProblemUsageLimit, r.Run(ctx, "search_tool", `{"query":"b"}`).Problem)
	assert.Equal(t, int64(1), calls.Load())
}

func TestResultAsAnswer(t *testing.T) {
	var calls atomic.Int64
	ok := newSearch(t, &calls, tool.ResultAsAnswer(), tool.Cache(true))
	failing := tool.New("failing", "", func(ctx context.Context, in struct{}) (string, error) { return "", errBoom }, tool.ResultAsAnswer())
	r := tool.NewRunner([]tool.Tool{ok, failing})
	ctx := context.Background()
	res := r.Run(ctx, "search_tool", `{"query":"a"}`)
	assert.True(t, res.ResultAsAnswer)
	res = r.Run(ctx, "search_tool", `{"query":"a"}`)
	assert.True(t, res.CacheHit)
	assert.True(t, res.ResultAsAnswer, "a cached result is still the answer")
	assert.False(t, r.Run(ctx, "search_tool", `{}`).ResultAsAnswer, "invalid arguments are not an answer")
	assert.False(t, r.Run(ctx, "failing", `{}`).ResultAsAnswer, "an error is not an answer")
	assert.False(t, tool.NewRunner([]tool.Tool{newSearch(t, &calls)}).Run(ctx, "search_tool", `{"query":"a"}`).ResultAsAnswer)
}

func TestWith(t *testing.T) {
	var handCalls atomic.Int64
	hand := handTool{calls: &handCalls, schema: `{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}`}
	assert.Nil(t, tool.With(nil, tool.MaxUsage(1)))

	limited := tool.With(hand, tool.MaxUsage(1))
	both := tool.With(limited, tool.ResultAsAnswer())
	assert.Equal(t, "hand", both.Name())
	assert.Equal(t, hand.Description(), both.Description())
	assert.JSONEq(t, hand.schema, string(both.Schema()))
	opts := both.(tool.OptionsProvider).ToolOptions()
	assert.Equal(t, 1, opts.MaxUsage, "options of nested With calls merge")
	assert.True(t, opts.ResultAsAnswer)
	assert.Equal(t, tool.Options{MaxUsage: 1}, limited.(tool.OptionsProvider).ToolOptions(), "With does not modify its argument")

	ctx := tool.WithRunState(context.Background())
	r := tool.NewRunner([]tool.Tool{both})
	assert.Equal(t, tool.ProblemInvalidArgs, r.Run(ctx, "hand", `{"n":"x"}`).Problem, "the wrapped schema is enforced")
	res := r.Run(ctx, "hand", `{"n":1}`)
	assert.Equal(t, `hand:{"n":1}`, res.Output)
	assert.True(t, res.ResultAsAnswer)
	assert.Equal(t, tool.ProblemUsageLimit, r.Run(ctx, "hand", `{"n":2}`).Problem)

	// the unwrapped tool has no limit
	plain := tool.NewRunner([]tool.Tool{hand})
	for range 3 {
		assert.False(t, plain.Run(ctx, "hand", `{"n":1}`).IsError)
	}

	// With on a typed tool keeps its options and adds to them
	var calls atomic.Int64
	typed := newSearch(t, &calls, tool.Cache(true))
	w := tool.With(typed, tool.MaxUsage(2))
	assert.Equal(t, tool.Options{Cache: true, MaxUsage: 2}, w.(tool.OptionsProvider).ToolOptions())
	assert.Equal(t, tool.Options{Cache: true}, typed.ToolOptions())
	wr := tool.NewRunner([]tool.Tool{w})
	assert.Contains(t, wr.Run(ctx, "search_tool", `{"query":1}`).Output, `field "query": got 1 (number), expected string`)

	// With on a broken typed tool still reports why it is broken
	broken := tool.With(tool.New("x", "", noop[int]), tool.Cache(true))
	assert.Equal(t, tool.ProblemToolError, tool.NewRunner([]tool.Tool{broken}).Run(ctx, "x", "{}").Problem)
}

func TestRunStateSeparation(t *testing.T) {
	var calls atomic.Int64
	search := newSearch(t, &calls, tool.MaxUsage(1), tool.Cache(true))
	call := func(ctx context.Context, r *tool.Runner, q string) tool.Result {
		return r.Run(ctx, "search_tool", fmt.Sprintf(`{"query":%q}`, q))
	}

	t.Run("each run has its own counts and cache", func(t *testing.T) {
		r := tool.NewRunner([]tool.Tool{search})
		run1 := tool.WithRunState(context.Background())
		run2 := tool.WithRunState(context.Background())
		assert.False(t, call(run1, r, "a").IsError)
		assert.False(t, call(run2, r, "a").CacheHit, "run 2 does not see run 1's cache")
		assert.False(t, call(run2, r, "a").IsError)
		assert.Equal(t, tool.ProblemUsageLimit, call(run1, r, "b").Problem)
		assert.Equal(t, tool.ProblemUsageLimit, call(run2, r, "b").Problem)
	})
	t.Run("runners in one run share it", func(t *testing.T) {
		ctx := tool.WithRunState(context.Background())
		agent1, agent2 := tool.NewRunner([]tool.Tool{search}), tool.NewRunner([]tool.Tool{search})
		assert.False(t, call(ctx, agent1, "a").IsError)
		assert.True(t, call(ctx, agent2, "a").CacheHit)
		assert.Equal(t, tool.ProblemUsageLimit, call(ctx, agent2, "b").Problem)
	})
	t.Run("nested runs share the outer state", func(t *testing.T) {
		outer := tool.WithRunState(context.Background())
		inner := tool.WithRunState(outer)
		assert.Same(t, tool.RunStateFrom(outer), tool.RunStateFrom(inner))
		assert.Nil(t, tool.RunStateFrom(context.Background()))
	})
	t.Run("without a run state each runner keeps its own", func(t *testing.T) {
		ctx := context.Background()
		agent1, agent2 := tool.NewRunner([]tool.Tool{search}), tool.NewRunner([]tool.Tool{search})
		assert.False(t, call(ctx, agent1, "a").IsError)
		assert.Equal(t, tool.ProblemUsageLimit, call(ctx, agent1, "b").Problem)
		assert.False(t, call(ctx, agent2, "b").IsError)
	})
	t.Run("two tools with the same name keep separate counts", func(t *testing.T) {
		var other atomic.Int64
		twin := newSearch(t, &other, tool.MaxUsage(1))
		ctx := tool.WithRunState(context.Background())
		assert.False(t, call(ctx, tool.NewRunner([]tool.Tool{search}), "a").IsError)
		assert.False(t, call(ctx, tool.NewRunner([]tool.Tool{twin}), "a").IsError)
		assert.Equal(t, 2, tool.RunStateFrom(ctx).Uses("search_tool"))
	})
}

// sliceTool is not comparable: its state is keyed by its name.
type sliceTool struct {
	handTool
	extra []string
}

func TestNonComparableTool(t *testing.T) {
	var calls atomic.Int64
	st := sliceTool{handTool: handTool{calls: &calls, schema: `{"type":"object"}`}, extra: []string{"x"}}
	r := tool.NewRunner([]tool.Tool{tool.With(st, tool.MaxUsage(1)), st})
	ctx := tool.WithRunState(context.Background())
	assert.False(t, r.Run(ctx, "hand", `{}`).IsError)
	assert.Equal(t, tool.ProblemUsageLimit, r.Run(ctx, "hand", `{}`).Problem)

	plain := tool.NewRunner([]tool.Tool{st})
	for range 2 {
		assert.False(t, plain.Run(ctx, "hand", `{}`).IsError)
	}
	assert.Equal(t, 3, tool.RunStateFrom(ctx).Uses("hand"))
}

func TestConcurrentCalls(t *testing.T) {
	const limit, callers = 10, 64
	var calls atomic.Int64
	search := newSearch(t, &calls, tool.MaxUsage(limit))
	r := tool.NewRunner([]tool.Tool{search})
	ctx := tool.WithRunState(context.Background())
	var ok, limited atomic.Int64
	var g errgroup.Group
	g.SetLimit(16)
	for i := range callers {
		g.Go(func() error {
			res := r.Run(ctx, "Search Tool", fmt.Sprintf(`{"query":"q%d"}`, i))
			switch res.Problem {
			case "":
				ok.Add(1)
			case tool.ProblemUsageLimit:
				limited.Add(1)
			default:
				return fmt.Errorf("call %d: unexpected result %+v", i, res)
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	assert.Equal(t, int64(limit), ok.Load())
	assert.Equal(t, int64(callers-limit), limited.Load())
	assert.Equal(t, int64(limit), calls.Load())
}

func TestConcurrentRunsAndCache(t *testing.T) {
	const runs, perRun = 8, 20
	var calls atomic.Int64
	search := newSearch(t, &calls, tool.MaxUsage(3), tool.Cache(true))
	var g errgroup.Group
	results := make([][]tool.Result, runs)
	for run := range runs {
		g.Go(func() error {
			ctx := tool.WithRunState(context.Background())
			r := tool.NewRunner([]tool.Tool{search})
			var inner errgroup.Group
			res := make([]tool.Result, perRun)
			for i := range perRun {
				inner.Go(func() error {
					res[i] = r.Run(ctx, "search_tool", fmt.Sprintf(`{"query":"q%d"}`, i%5))
					return nil
				})
			}
			err := inner.Wait()
			results[run] = res
			return err
		})
	}
	require.NoError(t, g.Wait())
	for run, res := range results {
		ran := map[string]bool{}
		for _, r := range res {
			switch {
			case r.Problem == tool.ProblemUsageLimit:
			case r.IsError:
				t.Fatalf("run %d: unexpected %+v", run, r)
			case !r.CacheHit:
				ran[r.Output] = true
			}
		}
		// 5 distinct queries but at most 3 uses per run; identical queries
		// racing each other may both run, within the limit
		assert.LessOrEqual(t, len(ran), 3, "run %d", run)
		assert.NotEmpty(t, ran, "run %d", run)
	}
	assert.LessOrEqual(t, calls.Load(), int64(runs*3))
}

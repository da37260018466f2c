package tool_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/crewai-go/crewai/tool"
)

func benchRunner(b *testing.B, opts ...tool.Option) *tool.Runner {
	b.Helper()
	f := tool.New("search_tool", "Searches.", func(ctx context.Context, in searchArgs) (string, error) {
		return in.Query, nil
	}, opts...)
	err := f.Err()
	if err != nil {
		b.Fatal(err)
	}
	return tool.NewRunner([]tool.Tool{f})
}

// BenchmarkRunnerRun measures one valid call: parse, validate, decode, run,
// render.
func BenchmarkRunnerRun(b *testing.B) {
	r := benchRunner(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := r.Run(ctx, "search_tool", `{"query":"go","limit":3,"mode":"news","tags":["a","b"],"address":{"city":"Oslo"}}`); res.IsError {
			b.Fatal(res.Output)
		}
	}
}

// BenchmarkRunnerRunInvalid measures a call answered with a validation
// message.
func BenchmarkRunnerRunInvalid(b *testing.B) {
	r := benchRunner(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := r.Run(ctx, "search_tool", `{"limit":"x","mode":"images","colour":1}`); !res.IsError {
			b.Fatal("expected an error")
		}
	}
}

// BenchmarkRunnerRunCacheHit measures a call answered from the run's cache.
func BenchmarkRunnerRunCacheHit(b *testing.B) {
	r := benchRunner(b, tool.Cache(true))
	ctx := tool.WithRunState(context.Background())
	r.Run(ctx, "search_tool", `{"query":"go"}`)
	b.ReportAllocs()
	for b.Loop() {
		if res := r.Run(ctx, "search_tool", `{"query":"go"}`); !res.CacheHit {
			b.Fatal("expected a cache hit")
		}
	}
}

// BenchmarkRunnerRunParallel measures concurrent calls sharing one run
// state (a usage limit that is never reached).
func BenchmarkRunnerRunParallel(b *testing.B) {
	r := benchRunner(b, tool.MaxUsage(1<<62))
	ctx := tool.WithRunState(context.Background())
	var failed atomic.Bool
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r.Run(ctx, "search_tool", `{"query":"go"}`).IsError {
				failed.Store(true)
			}
		}
	})
	if failed.Load() {
		b.Fatal("a call failed")
	}
}

// BenchmarkNew measures building a typed tool: schema generation and
// compilation, done once per tool.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := tool.New("search_tool", "Searches.", noop[searchArgs]).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

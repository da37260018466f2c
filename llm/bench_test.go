package llm_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

func benchClient(b *testing.B, cfg llmtest.ServerConfig) (*llm.Client, *llmtest.Server) {
	b.Helper()
	cfg.MaxRecorded = -1
	srv := llmtest.NewServer(cfg)
	b.Cleanup(srv.Close)
	c, err := llm.New(llm.Config{Model: "gpt-4o-mini", BaseURL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	return c, srv
}

func answer(*llmtest.ServerRequest) llmtest.Reply {
	return llmtest.Reply{Content: "The answer is forty-two, as everybody knows by now."}
}

// BenchmarkGenerate is one non-streamed call through go-openai, HTTP on
// loopback and the fake server (both sides are measured).
func BenchmarkGenerate(b *testing.B) {
	c, _ := benchClient(b, llmtest.ServerConfig{Respond: answer})
	req := userReq("What is the answer?")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Generate(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateStream is one streamed call (10 content events, usage).
func BenchmarkGenerateStream(b *testing.B) {
	c, _ := benchClient(b, llmtest.ServerConfig{Respond: answer})
	req := userReq("What is the answer?")
	req.OnChunk = func(string) {}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Generate(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerateParallel200Latency50ms drives 200 concurrent callers
// through one client against a server that answers after 50 ms, the load
// harness's shape; it reports requests per second.
func BenchmarkGenerateParallel200Latency50ms(b *testing.B) {
	c, srv := benchClient(b, llmtest.ServerConfig{Respond: answer, Latency: 50 * time.Millisecond})
	ctx := context.Background()
	b.SetParallelism(max(1, 200/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		req := userReq("What is the answer?")
		for pb.Next() {
			if _, err := c.Generate(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(srv.Count())/time.Since(start).Seconds(), "req/s")
}

// BenchmarkRetry is a call that meets a 503 and succeeds on the retry
// (with a 1 µs backoff): the cost of the retry path itself.
func BenchmarkRetry(b *testing.B) {
	srv := llmtest.NewServer(llmtest.ServerConfig{MaxRecorded: -1, Respond: func(r *llmtest.ServerRequest) llmtest.Reply {
		if r.Seq%2 == 1 {
			return llmtest.Reply{Fault: llmtest.FaultUnavailable}
		}
		return answer(r)
	}})
	b.Cleanup(srv.Close)
	c, err := llm.New(llm.Config{Model: "gpt-4o-mini", BaseURL: srv.URL(), BackoffBase: time.Microsecond, BackoffMax: time.Microsecond})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.CloseIdleConnections)
	req := userReq("What is the answer?")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Generate(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

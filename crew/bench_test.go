package crew_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// BenchmarkKickoffForEach runs 200 kickoffs of a two-task crew (three model
// calls each: search tool call, research answer, article) at concurrency 20
// on a model with a fixed latency, and reports efficiency = ideal / wall,
// where ideal = 200 × 3 × latency / 20.
func BenchmarkKickoffForEach(b *testing.B) {
	const (
		inputs      = 200
		concurrency = 20
		steps       = 3
		latency     = 5 * time.Millisecond
	)
	delayed := func(m *llmtest.Scripted) *llmtest.Scripted {
		inner := m.Respond
		m.Respond = func(req *llm.Request) llmtest.Reply {
			r := inner(req)
			r.Delay = latency
			return r
		}
		return m
	}
	researcher := newAgent("Researcher", delayed(searcher()), searchTool())
	writer := newAgent("Writer", delayed(echo("article")))
	c := &crew.Crew{Agents: []*agent.Agent{researcher, writer}, Tasks: []*task.Task{
		{Name: "research", Description: "Research {topic}.", Agent: researcher},
		{Name: "write", Description: "Write about {topic}.", Agent: writer}}, Bus: &event.Bus{}}
	in := make([]map[string]any, inputs)
	for i := range in {
		in[i] = map[string]any{"topic": fmt.Sprint(i)}
	}
	ideal := time.Duration(inputs*steps) * latency / concurrency
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		batch, err := c.KickoffForEach(context.Background(), in, crew.WithConcurrency(concurrency))
		if err != nil {
			b.Fatal(err)
		}
		if batch.Usage.Requests != inputs*steps {
			b.Fatalf("%d requests, want %d", batch.Usage.Requests, inputs*steps)
		}
	}
	wall := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(ideal)/float64(wall), "efficiency")
	b.ReportMetric(float64(inputs)/wall.Seconds(), "kickoffs/s")
}

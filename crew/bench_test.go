package crew_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

// BenchmarkKickoffForEach runs 200 kickoffs of a two-task crew (three model
// calls each: search tool call, research answer, article) at concurrency 20
// on a model with a fixed latency (5 ms and 50 ms), and reports efficiency =
// ideal / wall, where ideal = 200 × 3 × latency / 20 (150 ms and 1.5 s). The
// longer latency shows the scheduling itself; the shorter one also weighs
// the CPU cost of the kickoffs, so it is the one a loaded machine lowers.
func BenchmarkKickoffForEach(b *testing.B) {
	for _, latency := range []time.Duration{5 * time.Millisecond, 50 * time.Millisecond} {
		b.Run("latency="+latency.String(), func(b *testing.B) { benchmarkKickoffForEach(b, latency) })
		b.Run("control,latency="+latency.String(), func(b *testing.B) { benchmarkTimerControl(b, latency) })
	}
}

// benchmarkTimerControl is the same shape without a crew: 200 jobs of three
// timer waits of latency each, 20 at a time. Its efficiency is what the
// machine's scheduler and timers allow; the crew's efficiency divided by it
// is the share the library keeps.
func benchmarkTimerControl(b *testing.B, latency time.Duration) {
	const (
		inputs      = 200
		concurrency = 20
		steps       = 3
	)
	ideal := time.Duration(inputs*steps) * latency / concurrency
	start := time.Now()
	for b.Loop() {
		var g errgroup.Group
		g.SetLimit(concurrency)
		for range inputs {
			g.Go(func() error {
				for range steps {
					t := time.NewTimer(latency)
					<-t.C
				}
				return nil
			})
		}
		_ = g.Wait()
	}
	wall := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(ideal)/float64(wall), "efficiency")
}

func benchmarkKickoffForEach(b *testing.B, latency time.Duration) {
	const (
		inputs      = 200
		concurrency = 20
		steps       = 3
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

// BenchmarkValidate is Crew.Validate as every kickoff runs it, on the crew
// of the side-by-side comparison (one agent with a tool, listed in Agents
// and named by the task, inputs filling the description): each agent is
// checked once, and nothing is allocated when nothing is wrong.
func BenchmarkValidate(b *testing.B) {
	c := validateCrew(&llmtest.Scripted{})
	in := map[string]any{"topic": "AI"}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Validate(in); err != nil {
			b.Fatal(err)
		}
	}
}

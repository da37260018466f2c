package event_test

import (
	"context"
	"testing"

	"github.com/crewai-go/crewai/event"
)

// BenchmarkEmit measures one point event with 0, 1 and 4 synchronous
// subscribers that do nothing.
func BenchmarkEmit(b *testing.B) {
	for _, n := range []int{0, 1, 4} {
		b.Run(map[int]string{0: "subscribers=0", 1: "subscribers=1", 4: "subscribers=4"}[n], func(b *testing.B) {
			bus := &event.Bus{}
			for range n {
				defer bus.Subscribe(event.HandlerFunc(func(event.Event) {}))()
			}
			ctx := event.StartRun(context.Background(), bus)
			ctx, _ = event.Begin(ctx, event.TaskStarted{Task: "t"})
			b.ReportAllocs()
			for b.Loop() {
				event.Emit(ctx, event.ToolStarted{Tool: "search", Arguments: `{"q":"x"}`, Attempt: 1})
			}
		})
	}
}

// BenchmarkStep measures a Begin/End pair with 0 and 1 subscribers.
func BenchmarkStep(b *testing.B) {
	for _, n := range []int{0, 1} {
		b.Run(map[int]string{0: "subscribers=0", 1: "subscribers=1"}[n], func(b *testing.B) {
			bus := &event.Bus{}
			if n == 1 {
				defer bus.Subscribe(event.HandlerFunc(func(event.Event) {}))()
			}
			ctx := event.StartRun(context.Background(), bus)
			b.ReportAllocs()
			for b.Loop() {
				_, st := event.Begin(ctx, event.ToolStarted{Tool: "search"})
				event.End(st, event.ToolFinished{Tool: "search", Result: "ok"})
			}
		})
	}
}

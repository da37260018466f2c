package flow_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/crewai-go/crewai/flow"
)

// BenchmarkKickoffLoop: the seed's flow (4 method runs, a loop through a
// router), nobody subscribed.
func BenchmarkKickoffLoop(b *testing.B) {
	f := loopFlow(3)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Kickoff(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKickoffFanOut: one start, 32 concurrent listeners updating the
// shared state, joined by an And of all of them.
func BenchmarkKickoffFanOut(b *testing.B) {
	const n = 32
	f := &flow.Flow[orState]{}
	f.Step(flow.Start("root"), count("root"))
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("l%02d", i)
		f.Step(flow.Listen(names[i], "root"), count(names[i]))
	}
	f.Step(flow.When("join", flow.And(names...)), count("join"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := f.Kickoff(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.State.Runs["join"] != 1 {
			b.Fatal("join did not run once")
		}
	}
}

// BenchmarkKickoffParallel: many goroutines kicking off one Flow value.
func BenchmarkKickoffParallel(b *testing.B) {
	f := loopFlow(3)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.Kickoff(context.Background(), map[string]any{"Counter": 1}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

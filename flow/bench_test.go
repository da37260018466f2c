package flow_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/flow/sqlitestore"
)

// BenchmarkKickoffLoop: the seed's flow (5 method runs, a loop through a
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
	names := make([]flow.Condition, n)
	for i := range n {
		name := fmt.Sprintf("l%02d", i)
		names[i] = flow.On(name)
		f.Step(flow.Listen(name, flow.On("root")), count(name))
	}
	f.Step(flow.Listen("join", flow.And(names...)), count("join"))
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

// BenchmarkKickoffPersist: the seed's flow with its state and progress saved
// after each of its 5 method runs and once at the end, in memory or in an
// SQLite file; resume-*: a kickoff resuming a saved, unfinished kickoff of
// that flow plus a sixth method, which had failed (the replay of 5 saved
// runs, then 1 run and 2 saves).
func BenchmarkKickoffPersist(b *testing.B) {
	ctx := context.Background()
	db, err := sqlitestore.Open(ctx, filepath.Join(b.TempDir(), "states.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, s := range []struct {
		name  string
		store flow.Store
	}{{"memory", &flow.MemoryStore{}}, {"sqlite", db}} {
		b.Run(s.name, func(b *testing.B) {
			f := loopFlow(3)
			f.Persist = s.store
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Kickoff(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("resume-"+s.name, func(b *testing.B) {
			var fail atomic.Bool
			f := loopFlow(3)
			f.Persist = s.store
			f.Step(flow.Listen("last", flow.On("final_method")), func(ctx ctxT, st *flow.State[exampleState]) (any, error) {
				if fail.Load() {
					return nil, errors.New("stop")
				}
				return nil, nil
			})
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				fail.Store(true)
				res, err := f.Kickoff(ctx, nil)
				if err == nil {
					b.Fatal("no failure")
				}
				fail.Store(false)
				b.StartTimer()
				if _, err := f.Kickoff(ctx, map[string]any{"id": res.StateID}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package event_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/event"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder collects events; safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) Handle(e event.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.Event(nil), r.events...)
}

func TestHeadersAndParents(t *testing.T) {
	bus := &event.Bus{}
	rec := &recorder{}
	defer bus.Subscribe(rec)()

	ctx := event.StartRun(context.Background(), bus)
	ctx1, crew := event.Begin(ctx, event.CrewStarted{Crew: "c"})
	ctx2, task := event.Begin(ctx1, event.TaskStarted{Task: "t"})
	event.Emit(ctx2, event.Retry{Operation: "chat", Attempt: 1})
	event.End(task, event.TaskCompleted{Task: "t", Output: "done"})
	event.End(crew, event.CrewCompleted{Crew: "c"})

	got := rec.all()
	want := []struct {
		kind          event.Kind
		phase         event.Phase
		id, parent, s uint64
	}{
		{event.KindCrewStarted, event.Start, 1, 0, 0},
		{event.KindTaskStarted, event.Start, 2, 1, 0},
		{event.KindRetry, event.Point, 3, 2, 0},
		{event.KindTaskCompleted, event.Finish, 4, 1, 2},
		{event.KindCrewCompleted, event.Finish, 5, 0, 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	run := event.RunOf(ctx)
	if run.IsZero() {
		t.Fatal("run ID is zero")
	}
	var last time.Time
	for i, w := range want {
		h := got[i].EventHeader()
		if got[i].Kind() != w.kind || h.Phase != w.phase || h.ID != w.id || h.Seq != w.id ||
			h.ParentID != w.parent || h.StartID != w.s || h.Run != run {
			t.Errorf("event %d = %s %s id=%d parent=%d start=%d run=%s; want %s %s id=%d parent=%d start=%d",
				i, got[i].Kind(), h.Phase, h.ID, h.ParentID, h.StartID, h.Run, w.kind, w.phase, w.id, w.parent, w.s)
		}
		if h.Time.Before(last) {
			t.Errorf("event %d time goes backwards", i)
		}
		last = h.Time
	}
	if tc := got[3].(*event.TaskCompleted); tc.Output != "done" {
		t.Errorf("payload lost: %+v", tc)
	}
}

func TestNoRunNoSubscriberIsSilent(t *testing.T) {
	ctx := context.Background()
	ctx2, st := event.Begin(ctx, event.TaskStarted{})
	if ctx2 != ctx || st.Active() {
		t.Fatal("Begin outside a run must be inert")
	}
	event.End(st, event.TaskCompleted{}) // must not panic
	event.Emit(ctx, event.Retry{})
	if event.Enabled(ctx) {
		t.Fatal("Enabled outside a run")
	}
	bus := &event.Bus{}
	ctx = event.StartRun(ctx, bus)
	if event.Enabled(ctx) {
		t.Fatal("Enabled with no subscriber")
	}
	allocs := testing.AllocsPerRun(100, func() {
		c, s := event.Begin(ctx, event.TaskStarted{Task: "x"})
		event.Emit(c, event.Retry{Attempt: 1})
		event.End(s, event.TaskCompleted{Task: "x"})
	})
	if allocs != 0 {
		t.Fatalf("emitting with no subscriber allocated %v times", allocs)
	}
}

func TestStartRunJoinsExistingRun(t *testing.T) {
	ctx := event.StartRun(context.Background(), &event.Bus{})
	if event.StartRun(ctx, &event.Bus{}) != ctx {
		t.Fatal("StartRun inside a run must return the same context")
	}
	if !event.InRun(ctx) {
		t.Fatal("InRun false")
	}
}

// TestConcurrentRunsAreSeparate runs 20 runs at once and checks that every
// run's events form one complete tree of their own.
func TestConcurrentRunsAreSeparate(t *testing.T) {
	bus := &event.Bus{}
	rec := &recorder{}
	defer bus.Subscribe(rec)()

	const runs, tasks = 20, 5
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := event.StartRun(context.Background(), bus)
			ctx, crew := event.Begin(ctx, event.CrewStarted{Crew: fmt.Sprint("crew-", i)})
			var tw sync.WaitGroup
			for j := range tasks {
				tw.Add(1)
				go func() {
					defer tw.Done()
					c, st := event.Begin(ctx, event.TaskStarted{Task: fmt.Sprint("task-", j)})
					event.Emit(c, event.LLMStreamChunk{Chunk: "x"})
					event.End(st, event.TaskCompleted{})
				}()
			}
			tw.Wait()
			event.End(crew, event.CrewCompleted{Crew: fmt.Sprint("crew-", i)})
		}()
	}
	wg.Wait()

	byRun := map[event.RunID][]event.Event{}
	for _, e := range rec.all() {
		byRun[e.EventHeader().Run] = append(byRun[e.EventHeader().Run], e)
	}
	if len(byRun) != runs {
		t.Fatalf("got %d runs, want %d", len(byRun), runs)
	}
	for run, evs := range byRun {
		if len(evs) != 2+3*tasks {
			t.Fatalf("run %s has %d events, want %d", run, len(evs), 2+3*tasks)
		}
		ids := map[uint64]event.Event{}
		open := map[uint64]bool{}
		var prevSeq uint64
		var crewName string
		for _, e := range evs {
			h := e.EventHeader()
			if h.Seq <= prevSeq {
				t.Fatalf("run %s: sequence not increasing in delivery order (%d after %d)", run, h.Seq, prevSeq)
			}
			prevSeq = h.Seq
			ids[h.ID] = e
			if h.ParentID != 0 {
				if _, ok := ids[h.ParentID]; !ok {
					t.Fatalf("run %s: event %d has parent %d from outside its run", run, h.ID, h.ParentID)
				}
			}
			switch h.Phase {
			case event.Start:
				open[h.ID] = true
			case event.Finish:
				if !open[h.StartID] {
					t.Fatalf("run %s: end %d for a start %d that is not open", run, h.ID, h.StartID)
				}
				delete(open, h.StartID)
			}
			if cs, ok := e.(*event.CrewStarted); ok {
				crewName = cs.Crew
			}
			if cc, ok := e.(*event.CrewCompleted); ok && cc.Crew != crewName {
				t.Fatalf("run %s mixes crews %q and %q", run, crewName, cc.Crew)
			}
		}
		if len(open) != 0 {
			t.Fatalf("run %s: %d steps never ended", run, len(open))
		}
	}
}

func TestPanickingSubscriberIsIsolatedAndReportedOnce(t *testing.T) {
	var logs bytes.Buffer
	bus := &event.Bus{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	rec := &recorder{}
	defer bus.Subscribe(event.HandlerFunc(func(event.Event) { panic("boom") }), event.Named("bad"))()
	defer bus.Subscribe(rec)()

	ctx := event.StartRun(context.Background(), bus)
	for range 3 {
		event.Emit(ctx, event.Retry{})
	}
	if n := len(rec.all()); n != 3 {
		t.Fatalf("healthy subscriber got %d events, want 3", n)
	}
	if c := strings.Count(logs.String(), "subscriber panicked"); c != 1 {
		t.Fatalf("panic reported %d times, want once:\n%s", c, logs.String())
	}
	if !strings.Contains(logs.String(), "bad") || !strings.Contains(logs.String(), "boom") {
		t.Fatalf("report should name the subscriber and the panic: %s", logs.String())
	}
}

func TestAsyncSubscriberDropsAndFlushes(t *testing.T) {
	var logs bytes.Buffer
	bus := &event.Bus{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	release := make(chan struct{})
	var mu sync.Mutex
	var seen []uint64
	unsub := bus.Subscribe(event.HandlerFunc(func(e event.Event) {
		<-release
		mu.Lock()
		seen = append(seen, e.EventHeader().Seq)
		mu.Unlock()
	}), event.Async(2), event.Named("slow"))

	ctx := event.StartRun(context.Background(), bus)
	// The handler blocks on the first event; the queue holds two more; the
	// rest are dropped.
	for range 10 {
		event.Emit(ctx, event.Retry{})
	}
	close(release)
	if err := bus.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := append([]uint64(nil), seen...)
	mu.Unlock()
	if len(got) < 1 || len(got) > 3 {
		t.Fatalf("delivered %d events, want 1 to 3", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("async delivery out of order: %v", got)
		}
	}
	if d := bus.Dropped(); d != uint64(10-len(got)) {
		t.Fatalf("Dropped = %d, want %d", d, 10-len(got))
	}
	if c := strings.Count(logs.String(), "queue full"); c != 1 {
		t.Fatalf("drops reported %d times, want once", c)
	}
	unsub()
	unsub() // twice is harmless
	if !strings.Contains(logs.String(), "dropped=") {
		t.Fatalf("removal should report the drop count: %s", logs.String())
	}
}

func TestFlushHonoursContext(t *testing.T) {
	bus := &event.Bus{}
	block := make(chan struct{})
	unsub := bus.Subscribe(event.HandlerFunc(func(event.Event) { <-block }), event.Async(1))
	ctx := event.StartRun(context.Background(), bus)
	event.Emit(ctx, event.Retry{})
	event.Emit(ctx, event.Retry{})
	fctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := bus.Flush(fctx); err == nil {
		t.Fatal("Flush with a done context and a stuck subscriber returned nil")
	}
	close(block)
	unsub()
}

func TestOnFiltersByType(t *testing.T) {
	bus := &event.Bus{}
	var tools []string
	defer event.On(bus, func(e *event.ToolStarted) { tools = append(tools, e.Tool) })()
	ctx := event.StartRun(context.Background(), bus)
	event.Emit(ctx, event.Retry{})
	_, st := event.Begin(ctx, event.ToolStarted{Tool: "search"})
	event.End(st, event.ToolFinished{Tool: "search"})
	if strings.Join(tools, ",") != "search" {
		t.Fatalf("On delivered %v", tools)
	}
}

func TestWithHandlerSeesOnlyItsSubtree(t *testing.T) {
	bus := &event.Bus{}
	ctx := event.StartRun(context.Background(), bus)
	all := &recorder{}
	ctx = event.WithHandler(ctx, all)
	ctx1, outer := event.Begin(ctx, event.FlowStarted{Flow: "f"})
	sub := &recorder{}
	ctx2 := event.WithHandler(ctx1, sub)
	_, inner := event.Begin(ctx2, event.CrewStarted{Crew: "c"})
	event.End(inner, event.CrewCompleted{Crew: "c"})
	event.Emit(ctx1, event.Retry{}) // outside sub's subtree
	event.End(outer, event.FlowFinished{Flow: "f"})

	if n := len(all.all()); n != 5 {
		t.Fatalf("outer handler got %d events, want 5", n)
	}
	got := sub.all()
	if len(got) != 2 || got[0].Kind() != event.KindCrewStarted || got[1].Kind() != event.KindCrewCompleted {
		t.Fatalf("subtree handler got %v", got)
	}
	if got[0].EventHeader().ParentID != all.all()[0].EventHeader().ID {
		t.Fatal("crew's parent should be the flow's start event")
	}
	if !event.Enabled(ctx) {
		t.Fatal("Enabled must be true with a handler attached")
	}
}

func TestFailureOf(t *testing.T) {
	err := fmt.Errorf("x")
	if f := event.FailureOf(&event.ToolFailed{Failure: event.Failure{Err: err}}); f == nil || f.Err != err {
		t.Fatal("FailureOf(ToolFailed) lost the error")
	}
	if event.FailureOf(&event.ToolFinished{}) != nil {
		t.Fatal("FailureOf(ToolFinished) should be nil")
	}
}

func TestSubscribeRefusesNilHandlerAndIgnoresNilOption(t *testing.T) {
	bus := &event.Bus{}
	for name, h := range map[string]event.Handler{"nil": nil, "nil HandlerFunc": event.HandlerFunc(nil)} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "handler is nil") {
					t.Errorf("%s: recovered %v, want a panic saying the handler is nil", name, r)
				}
			}()
			bus.Subscribe(h)
		}()
	}
	var got []event.Kind
	unsub := bus.Subscribe(event.HandlerFunc(func(e event.Event) { got = append(got, e.Kind()) }), nil, event.Named("n"))
	defer unsub()
	ctx := event.StartRun(context.Background(), bus)
	event.Emit(ctx, event.Retry{Operation: "op"})
	if len(got) != 1 || got[0] != event.KindRetry {
		t.Fatalf("got %v, want one retry event", got)
	}
}

// TestSetDefault checks that runs started without a bus use the bus
// SetDefault names, that runs started before keep theirs, and that nil is
// ignored.
func TestSetDefault(t *testing.T) {
	orig := event.Default()
	t.Cleanup(func() { event.SetDefault(orig) })
	before := event.StartRun(context.Background(), nil) // on orig

	b := &event.Bus{}
	var mu sync.Mutex
	var got []string
	defer b.Subscribe(event.HandlerFunc(func(e event.Event) {
		mu.Lock()
		got = append(got, e.(*event.Retry).Operation)
		mu.Unlock()
	}))()
	event.SetDefault(b)
	event.SetDefault(nil)
	if event.Default() != b {
		t.Fatal("Default() is not the bus given to SetDefault (or nil replaced it)")
	}
	event.Emit(event.StartRun(context.Background(), nil), event.Retry{Operation: "after"})
	event.Emit(before, event.Retry{Operation: "before"})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "after" {
		t.Fatalf("the new default bus saw %q, want [after]", got)
	}
}

package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/event"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fnTool is a tool made from a function, for tests.
type fnTool struct {
	name   string
	schema string
	fn     func(ctx context.Context, args json.RawMessage) (string, error)
}

func (t *fnTool) Name() string        { return t.name }
func (t *fnTool) Description() string { return "test tool " + t.name }
func (t *fnTool) Schema() json.RawMessage {
	if t.schema == "" {
		return json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`)
	}
	return json.RawMessage(t.schema)
}
func (t *fnTool) Run(ctx context.Context, args json.RawMessage) (string, error) {
	return t.fn(ctx, args)
}

// echoTool answers "<name>:<q>" and counts its runs.
type echoTool struct {
	fnTool
	mu   sync.Mutex
	runs int
}

func newEcho(name string) *echoTool {
	t := &echoTool{}
	t.name = name
	t.fn = func(_ context.Context, args json.RawMessage) (string, error) {
		var in struct{ Q string }
		if err := json.Unmarshal(args, &in); err != nil {
			return "", err
		}
		t.mu.Lock()
		t.runs++
		t.mu.Unlock()
		return name + ":" + in.Q, nil
	}
	return t
}

func (t *echoTool) Runs() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.runs
}

// recorder collects the events of a run.
type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) Handle(e event.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// record returns a context whose run delivers its events to a new recorder.
func record(ctx context.Context) (context.Context, *recorder) {
	r := &recorder{}
	return event.WithHandler(event.StartRun(ctx, &event.Bus{}), r), r
}

func (r *recorder) all() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.Event(nil), r.events...)
}

// checkPairs checks that every start event has exactly one end event, with
// the same parent, and that every parent is an open start.
func (r *recorder) checkPairs(t *testing.T) {
	t.Helper()
	starts := map[uint64]event.Event{}
	ends := map[uint64]int{}
	for _, e := range r.all() {
		h := e.EventHeader()
		switch h.Phase {
		case event.Start:
			starts[h.ID] = e
		case event.Finish:
			ends[h.StartID]++
			if s, ok := starts[h.StartID]; !ok {
				t.Errorf("end %s (id %d) has no start %d", e.Kind(), h.ID, h.StartID)
			} else if s.EventHeader().ParentID != h.ParentID {
				t.Errorf("end %s parent %d, start parent %d", e.Kind(), h.ParentID, s.EventHeader().ParentID)
			}
		}
		if h.ParentID != 0 {
			if _, ok := starts[h.ParentID]; !ok {
				t.Errorf("%s (id %d) has parent %d which is not a start", e.Kind(), h.ID, h.ParentID)
			}
		}
	}
	for id, s := range starts {
		if ends[id] != 1 {
			t.Errorf("start %s (id %d) has %d ends, want 1", s.Kind(), id, ends[id])
		}
	}
}

// tree renders the events as an indented outline of start kinds (and point
// events), for comparing shapes.
func (r *recorder) tree() []string {
	depth := map[uint64]int{0: -1}
	var out []string
	for _, e := range r.all() {
		h := e.EventHeader()
		if h.Phase == event.Finish {
			continue
		}
		d := depth[h.ParentID] + 1
		if h.Phase == event.Start {
			depth[h.ID] = d
		}
		out = append(out, fmt.Sprintf("%*s%s", 2*d, "", e.Kind()))
	}
	return out
}

// kinds returns the kinds of all events, in order.
func (r *recorder) kinds() []event.Kind {
	var out []event.Kind
	for _, e := range r.all() {
		out = append(out, e.Kind())
	}
	return out
}

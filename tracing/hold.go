package tracing

import (
	"context"
	"maps"
	"reflect"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
)

// The keep rule's hold.
//
// A kickoff the ratio sampler drops, while the keep rule is on, is not
// traced as it goes: its events are recorded (shallow copies, in order)
// and nothing else is built. At its end the rule decides: a kickoff that
// failed or was slow has its recorded events turned into spans then, as a
// traced kickoff's would have been as they came (same names, attributes,
// times and tree, all sampled); any other is forgotten and counted in
// Stats.Unsampled. So an unsampled kickoff costs a copy of each event, not
// the spans, attributes and exports of a traced one (BenchmarkCrewSampled
// in ./bench).
//
// What a copy cannot keep is done when the event is recorded: values the
// spans render as JSON and that the program may change later (flow state,
// results, inputs) are rendered then, and an MCP call's trace context is
// injected then (with the kickoff's trace ID and the sampled flag off, as
// the ratio decided; the server's spans, if it keeps them, name a parent
// span ID of their own).

// holdEventsPerSpan bounds the events recorded for one held kickoff:
// that many per span the export queue holds ([WithQueueSize]). A kickoff
// that records more is no longer held; if the rule then keeps it, its
// steps are counted in Stats.Dropped, with one warning.
const holdEventsPerSpan = 4

// heldRun is the recording of a run dropped by the sampler, held for the
// keep rule until the run ends.
type heldRun struct {
	events []event.Event   // the run's events, copied, in order
	open   map[uint64]bool // start event ID -> root, for the steps not ended yet
	steps  int             // start events seen: the spans the run would have
	failed bool            // a root step failed
	start  time.Time       // when the first root step started
	over   bool            // more events than the limit: the recording was let go
}

// record copies one event of a held run and notes what the keep rule
// looks at: the roots, their failures, the run's start.
func (r *runTracer) record(e event.Event, h *event.Header) {
	hr := r.hold
	switch h.Phase {
	case event.Start:
		hr.steps++
		root := h.ParentID == 0
		if !root {
			_, parent := hr.open[h.ParentID]
			root = !parent
		}
		if hr.open == nil {
			hr.open = make(map[uint64]bool, 8)
		}
		hr.open[h.ID] = root
		if root && hr.start.IsZero() {
			hr.start = h.Time
		}
	case event.Finish:
		root, ok := hr.open[h.StartID]
		delete(hr.open, h.StartID)
		if ok && root {
			if f := event.FailureOf(e); f != nil && f.Err != nil {
				hr.failed = true
			}
		}
	}
	if hr.over {
		return
	}
	if len(hr.events) >= r.t.holdLimit {
		hr.over, hr.events = true, nil
		return
	}
	if hr.events == nil {
		hr.events = make([]event.Event, 0, 64)
	}
	hr.events = append(hr.events, r.copyEvent(e))
}

// copyEvent returns a shallow copy of e with what must be settled now
// settled (see the file comment).
func (r *runTracer) copyEvent(e event.Event) event.Event {
	v := reflect.ValueOf(e)
	c := reflect.New(v.Type().Elem())
	c.Elem().Set(v.Elem())
	ce := c.Interface().(event.Event)
	t := r.t
	switch x := ce.(type) {
	case *event.LLMStreamChunk:
		if x.ToolCall != nil {
			tc := *x.ToolCall
			x.ToolCall = &tc
		}
	case *event.MCPCallStarted:
		if x.Propagation != nil && r.traceID.IsValid() {
			sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: r.traceID, SpanID: newSpanID()})
			traceContext.Inject(trace.ContextWithSpanContext(context.Background(), sc), x.Propagation)
		}
		x.Propagation = nil
	case *event.CrewStarted:
		x.Inputs = maps.Clone(x.Inputs)
	case *event.FlowStarted:
		x.Inputs = maps.Clone(x.Inputs)
	case *event.FlowFinished:
		if t.capture {
			x.Result, x.State = t.freeze(x.Result), t.freeze(x.State)
		}
	case *event.MethodStarted:
		if t.capture {
			x.State = t.freeze(x.State)
		}
	case *event.MethodFinished:
		if t.capture {
			x.Result, x.State = t.freeze(x.Result), t.freeze(x.State)
		}
	}
	return ce
}

// frozen is a value rendered when its event was recorded (see
// [Tracer.anyValue]).
type frozen struct{ s, mime string }

// freeze renders v now, for a span built later.
func (t *Tracer) freeze(v any) any {
	if v == nil {
		return nil
	}
	s, mime := t.anyValue(v)
	return frozen{s, mime}
}

// settle decides the keep rule for a held run at its end (r.mu held): a
// run whose root step failed or was left open, or that took keepSlower or
// longer, is kept: its recorded events become its spans now, and settle
// returns true for finishRun to end and flush them as a traced run's. Any
// other run is counted unsampled and settle returns false.
func (r *runTracer) settle(now time.Time) bool {
	hr := r.hold
	r.hold = nil
	t := r.t
	keep := hr.failed || t.keepSlower > 0 && !hr.start.IsZero() && now.Sub(hr.start) >= t.keepSlower
	for _, root := range hr.open {
		keep = keep || root // a root left open: the kickoff did not end well
	}
	if !keep {
		t.unsampled.Add(uint64(hr.steps))
		return false
	}
	if hr.over {
		t.holdDrops.Add(uint64(hr.steps))
		t.warnOnce("hold limit", "tracing: a kickoff kept by the keep rule (failed or slow) had more events than "+
			"its hold may record; its spans are dropped and counted in Tracer.Stats (reported once; a larger "+
			"WithQueueSize raises the limit)", "events", t.holdLimit)
		return false
	}
	r.whole = true // every span of it is sampled (see runSampler)
	r.spans = make(map[uint64]*openSpan, 8)
	for _, e := range hr.events {
		h := e.EventHeader()
		switch h.Phase {
		case event.Start:
			r.start(e, h)
		case event.Finish:
			r.end(e, h)
		default:
			r.point(e, h)
		}
	}
	return true
}

package event

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"
)

// run is the state shared by every event of one run.
type run struct {
	id  RunID
	bus *Bus
	mu  sync.Mutex // orders emission: sequence numbers and deliveries
	seq uint64
}

// scope is what a context carries: the run, the current parent, and the
// handlers attached to this subtree.
type scope struct {
	run      *run
	parent   uint64
	handlers []*subscriber
}

type scopeKey struct{}

func scopeOf(ctx context.Context) *scope {
	s, _ := ctx.Value(scopeKey{}).(*scope)
	return s
}

// StartRun returns a context that carries a new run whose events go to bus
// (nil means [Default]()). If ctx already carries a run, ctx is returned as is:
// the caller's steps join that run (a crew kicked off inside a flow method is
// part of the flow's run).
func StartRun(ctx context.Context, bus *Bus) context.Context {
	if scopeOf(ctx) != nil {
		return ctx
	}
	if bus == nil {
		bus = Default()
	}
	var id RunID
	binary.BigEndian.PutUint64(id[:8], rand.Uint64())
	binary.BigEndian.PutUint64(id[8:], rand.Uint64())
	return context.WithValue(ctx, scopeKey{}, &scope{run: &run{id: id, bus: bus}})
}

// InRun reports whether ctx carries a run.
func InRun(ctx context.Context) bool { return scopeOf(ctx) != nil }

// RunOf returns the ID of the run ctx carries, or the zero RunID.
func RunOf(ctx context.Context) RunID {
	if s := scopeOf(ctx); s != nil {
		return s.run.id
	}
	return RunID{}
}

// ParentOf returns the ID of the step that events emitted with ctx will have
// as parent, or 0 at the top of a run or outside one.
func ParentOf(ctx context.Context) uint64 {
	if s := scopeOf(ctx); s != nil {
		return s.parent
	}
	return 0
}

// WithHandler returns a context in which every event emitted in ctx's subtree
// is also delivered to h, synchronously and in sequence order, in addition to
// the bus's subscribers. It opens a run on [Default] if ctx has none. A panic
// in h is isolated like a subscriber's.
func WithHandler(ctx context.Context, h Handler) context.Context {
	if h == nil {
		panic("event: WithHandler with a nil handler")
	}
	ctx = StartRun(ctx, nil)
	s := scopeOf(ctx)
	hs := make([]*subscriber, 0, len(s.handlers)+1)
	hs = append(hs, s.handlers...)
	hs = append(hs, newSubscriber(h, subConfig{}, s.run.bus))
	return context.WithValue(ctx, scopeKey{}, &scope{run: s.run, parent: s.parent, handlers: hs})
}

// Enabled reports whether an event emitted with ctx would reach anyone. An
// emitter checks it before doing work to build an expensive payload.
func Enabled(ctx context.Context) bool {
	s := scopeOf(ctx)
	return s != nil && s.active()
}

func (s *scope) active() bool {
	return len(s.handlers) > 0 || s.run.bus.HasSubscribers()
}

// deliver stamps e's header and hands it to every handler and subscriber, in
// the run's order. The caller has set Phase, ParentID and StartID.
func (s *scope) deliver(e Event) uint64 {
	h := e.EventHeader()
	r := s.run
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	h.ID, h.Seq, h.Run, h.Time = r.seq, r.seq, r.id, time.Now()
	for _, x := range s.handlers {
		x.deliver(e)
	}
	if subs := r.bus.subs.Load(); subs != nil {
		for _, x := range *subs {
			x.deliver(e)
		}
	}
	return h.ID
}

// Emit announces a point event (one that is not a step) such as a stream
// chunk or a retry. Pass the event by value: it is copied to the heap only
// when someone is listening, so emitting with no subscriber does not
// allocate.
func Emit[E any, P interface {
	*E
	Event
}](ctx context.Context, e E) {
	s := scopeOf(ctx)
	if s == nil || !s.active() {
		return
	}
	p := P(new(E))
	*(*E)(p) = e
	h := p.EventHeader()
	h.Phase, h.ParentID, h.StartID = Point, s.parent, 0
	s.deliver(p)
}

// Step is an open step, returned by [Begin] and closed by [End]. The zero
// value is a step that nobody listens to; ending it does nothing. A Step is a
// small value; copy it freely, but end it exactly once. Its methods are safe
// for concurrent use; End must not be called for the same Step from two
// goroutines.
type Step struct {
	s  *scope // the scope the step was begun in
	id uint64 // its start event's ID
}

// Active reports whether the step's start event was delivered, so that its
// end event will be too.
func (st Step) Active() bool { return st.s != nil }

// ID returns the ID of the step's start event, or 0 for an inactive step.
func (st Step) ID() uint64 { return st.id }

// Begin announces the start of a step and returns the context in which the
// step is the parent of what happens inside it, and the Step to pass to [End].
// Every Begin must be matched by exactly one End, on every path (errors,
// panics, cancellation): emitters use defer. With nobody listening, Begin
// returns ctx unchanged and an inactive Step without allocating.
func Begin[E any, P interface {
	*E
	Event
}](ctx context.Context, e E) (context.Context, Step) {
	s := scopeOf(ctx)
	if s == nil || !s.active() {
		return ctx, Step{}
	}
	p := P(new(E))
	*(*E)(p) = e
	h := p.EventHeader()
	h.Phase, h.ParentID, h.StartID = Start, s.parent, 0
	id := s.deliver(p)
	child := &scope{run: s.run, parent: id, handlers: s.handlers}
	return context.WithValue(ctx, scopeKey{}, child), Step{s: s, id: id}
}

// End announces the end of the step st (its completed or failed event). Its
// parent is the step's own parent, and its StartID the step's start event.
// It returns the end event's ID, which a later step may name as its cause
// (a flow method's MethodStarted.TriggeredBy). Ending an inactive Step does
// nothing and returns 0.
func End[E any, P interface {
	*E
	Event
}](st Step, e E) uint64 {
	if st.s == nil {
		return 0
	}
	p := P(new(E))
	*(*E)(p) = e
	h := p.EventHeader()
	h.Phase, h.ParentID, h.StartID = Finish, st.s.parent, st.id
	return st.s.deliver(p)
}

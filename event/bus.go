package event

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Handler receives events. Handle must not keep or modify the event after it
// returns unless it copies it, and must not emit events. A synchronous
// handler is called on the emitting goroutines, so Handle must be safe for
// concurrent use when several runs are going on. The zero Handler is nil,
// which Subscribe refuses.
type Handler interface {
	// Handle receives one event.
	Handle(Event)
}

// HandlerFunc adapts a function to [Handler]. The zero value is a nil
// function, which Subscribe refuses; the function must be safe for
// concurrent use like any Handler.
type HandlerFunc func(Event)

// Handle calls f(e).
func (f HandlerFunc) Handle(e Event) { f(e) }

// Bus delivers events to its subscribers. The zero value is a bus with no
// subscribers, ready to use. A Bus is safe for concurrent use and must not be
// copied after first use.
type Bus struct {
	// Logger receives the reports of panicking subscribers and dropped
	// events. Nil means slog.Default().
	Logger *slog.Logger

	mu      sync.Mutex // serialises changes of subs
	subs    atomic.Pointer[[]*subscriber]
	dropped atomic.Uint64
}

// defaultBus holds the process default bus.
var defaultBus atomic.Pointer[Bus]

func init() { defaultBus.Store(&Bus{}) }

// Default returns the process default bus, used by every crew and flow that
// does not name a bus of its own (as slog.Default is the default logger).
func Default() *Bus { return defaultBus.Load() }

// SetDefault makes b the process default bus for the runs that start after
// it returns; runs already started keep the bus they started on. A nil b is
// ignored.
func SetDefault(b *Bus) {
	if b != nil {
		defaultBus.Store(b)
	}
}

// SubscribeOption configures a subscription ([Async], [Named]). Options are
// plain functions, safe to share; a nil option is ignored.
type SubscribeOption func(*subConfig)

type subConfig struct {
	queue int
	name  string
}

// Async makes the subscriber asynchronous: events are put on a bounded queue
// of the given size (at least 1) and handled by one goroutine owned by the
// subscription, in emission order. When the queue is full the event is
// dropped and counted. Use it for a subscriber that may be slow (network I/O,
// a UI); synchronous subscribers must be fast.
func Async(queue int) SubscribeOption {
	return func(c *subConfig) {
		if queue < 1 {
			queue = 1
		}
		c.queue = queue
	}
}

// Named names the subscriber in the bus's reports (panics, drops).
func Named(name string) SubscribeOption {
	return func(c *subConfig) { c.name = name }
}

// Subscribe adds h to the bus and returns the function that removes it. For
// an asynchronous subscriber, removing it waits until its queue is drained.
// Calling the returned function more than once is harmless. A nil h (or a
// nil HandlerFunc) is a programming error: Subscribe panics with a message
// saying so, at the call, rather than when the first event arrives.
// Subscribe is safe for concurrent use, also with emitting.
func (b *Bus) Subscribe(h Handler, opts ...SubscribeOption) (unsubscribe func()) {
	if f, ok := h.(HandlerFunc); h == nil || (ok && f == nil) {
		panic("event: Bus.Subscribe: the handler is nil; pass a Handler or a non-nil HandlerFunc")
	}
	var cfg subConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := newSubscriber(h, cfg, b)
	b.mu.Lock()
	old := b.subs.Load()
	var next []*subscriber
	if old != nil {
		next = append(next, (*old)...)
	}
	next = append(next, s)
	b.subs.Store(&next)
	b.mu.Unlock()

	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			cur := b.subs.Load()
			var kept []*subscriber
			if cur != nil {
				for _, x := range *cur {
					if x != s {
						kept = append(kept, x)
					}
				}
			}
			b.subs.Store(&kept)
			b.mu.Unlock()
			s.close()
		})
	}
}

// On subscribes fn to the events of type P only (for example
// event.On(bus, func(e *event.ToolStarted) {...})) and returns the function
// that removes it.
func On[E any, P interface {
	*E
	Event
}](b *Bus, fn func(P), opts ...SubscribeOption) (unsubscribe func()) {
	if fn == nil {
		panic("event: On with a nil function")
	}
	return b.Subscribe(HandlerFunc(func(e Event) {
		if v, ok := e.(P); ok {
			fn(v)
		}
	}), opts...)
}

// HasSubscribers reports whether the bus has at least one subscriber.
func (b *Bus) HasSubscribers() bool {
	p := b.subs.Load()
	return p != nil && len(*p) > 0
}

// Dropped returns how many events asynchronous subscribers of this bus have
// dropped because their queue was full, since the bus was created.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() }

// Flush waits until every asynchronous subscriber has handled the events
// queued before the call, or until ctx is done, whichever comes first; it
// returns ctx's error in the second case.
func (b *Bus) Flush(ctx context.Context) error {
	p := b.subs.Load()
	if p == nil {
		return nil
	}
	for _, s := range *p {
		if err := s.flush(ctx); err != nil {
			return fmt.Errorf("event: flush: %w", err)
		}
	}
	return nil
}

func (b *Bus) logger() *slog.Logger {
	if b != nil && b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}

// subscriber is one handler, synchronous or with its own queue.
type subscriber struct {
	h        Handler
	name     string
	bus      *Bus // for the logger and the drop count; may be nil
	queue    chan item
	done     chan struct{}
	closed   atomic.Bool
	closeMu  sync.RWMutex // held for reading while enqueueing, for writing to close
	panicked atomic.Bool
	dropped  atomic.Uint64
}

type item struct {
	e     Event
	flush chan struct{}
}

func newSubscriber(h Handler, cfg subConfig, b *Bus) *subscriber {
	s := &subscriber{h: h, name: cfg.name, bus: b}
	if s.name == "" {
		s.name = fmt.Sprintf("%T", h)
	}
	if cfg.queue > 0 {
		s.queue = make(chan item, cfg.queue)
		s.done = make(chan struct{})
		go s.loop()
	}
	return s
}

func (s *subscriber) loop() {
	defer close(s.done)
	for it := range s.queue {
		if it.flush != nil {
			close(it.flush)
			continue
		}
		s.call(it.e)
	}
}

// deliver hands e to the subscriber: at once, or through its queue.
func (s *subscriber) deliver(e Event) {
	if s.queue == nil {
		s.call(e)
		return
	}
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed.Load() {
		return
	}
	select {
	case s.queue <- item{e: e}:
	default:
		if s.dropped.Add(1) == 1 {
			s.bus.logger().Warn("event: subscriber queue full; dropping events (the count is in Bus.Dropped)",
				"subscriber", s.name, "queue", cap(s.queue))
		}
		if s.bus != nil {
			s.bus.dropped.Add(1)
		}
	}
}

func (s *subscriber) call(e Event) {
	defer func() {
		if r := recover(); r != nil {
			if s.panicked.CompareAndSwap(false, true) {
				s.bus.logger().Error("event: subscriber panicked; the run goes on (reported once per subscriber)",
					"subscriber", s.name, "event", string(e.Kind()), "panic", fmt.Sprint(r),
					"stack", string(debug.Stack()))
			}
		}
	}()
	s.h.Handle(e)
}

func (s *subscriber) flush(ctx context.Context) error {
	if s.queue == nil {
		return nil
	}
	s.closeMu.RLock()
	if s.closed.Load() {
		s.closeMu.RUnlock()
		return nil
	}
	done := make(chan struct{})
	select {
	case s.queue <- item{flush: done}:
		s.closeMu.RUnlock()
	case <-ctx.Done():
		s.closeMu.RUnlock()
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *subscriber) close() {
	if s.queue == nil {
		return
	}
	s.closeMu.Lock()
	if s.closed.Swap(true) {
		s.closeMu.Unlock()
		return
	}
	close(s.queue)
	s.closeMu.Unlock()
	<-s.done
	if n := s.dropped.Load(); n > 0 {
		s.bus.logger().Warn("event: asynchronous subscriber removed after dropping events",
			"subscriber", s.name, "dropped", n)
	}
}

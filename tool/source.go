package tool

import (
	"context"
	"sync"
)

// Source supplies tools that live outside the program and must be opened
// before use and closed after, such as the tools of an MCP server (package
// mcp). An agent acquires its sources at the start of an execution (see
// [Acquire]); the tools stay usable until release is called. Implementations
// must be safe for concurrent use: concurrent executions acquire the same
// Source, and may share what it opened (one session for all of them).
type Source interface {
	// Acquire opens what the tools need (or shares what is already open) and
	// returns the tools and the function that gives them back. release must
	// be called exactly once; after the last release the source may close
	// what it opened. On error, release is nil and nothing stays open.
	Acquire(ctx context.Context) (tools []Tool, release func(), err error)
}

// scope is what [WithScope] puts in a context: the sources acquired in a
// run, released together when the run ends.
type scope struct {
	mu      sync.Mutex
	entries map[Source]*scopeEntry
	closed  bool
}

type scopeEntry struct {
	mu      sync.Mutex // held while acquiring, so that one run acquires a source once
	tools   []Tool
	release func()
}

type scopeKey struct{}

// WithScope returns a context in which [Acquire] keeps what it acquires until
// end is called, so that a source is opened once per run rather than once
// per agent execution: a crew or flow kickoff calls it at the top of a run
// and end when the run is over. If ctx already carries a scope, ctx is
// returned with a no-op end (the outermost run owns the sources). end is
// safe to call more than once.
func WithScope(ctx context.Context) (context.Context, func()) {
	if _, ok := ctx.Value(scopeKey{}).(*scope); ok {
		return ctx, func() {}
	}
	s := &scope{entries: map[Source]*scopeEntry{}}
	return context.WithValue(ctx, scopeKey{}, s), s.end
}

func (s *scope) end() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	entries := s.entries
	s.entries = nil
	s.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		if e.release != nil {
			e.release()
			e.release = nil
		}
		e.mu.Unlock()
	}
}

// Acquire acquires src for the caller. When ctx carries a scope (see
// [WithScope]), the first Acquire of src in the run opens it and later ones
// get the same tools; the returned release does nothing and the scope
// releases src at its end. Without a scope, Acquire is src.Acquire. A failed
// acquisition is not remembered: the next Acquire tries again.
func Acquire(ctx context.Context, src Source) ([]Tool, func(), error) {
	s, _ := ctx.Value(scopeKey{}).(*scope)
	if s == nil {
		return src.Acquire(ctx)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return src.Acquire(ctx)
	}
	e := s.entries[src]
	if e == nil {
		e = &scopeEntry{}
		s.entries[src] = e
	}
	s.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.release != nil {
		return e.tools, func() {}, nil
	}
	tools, release, err := src.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		// the run ended while we acquired: the caller owns this one
		return tools, release, nil
	}
	e.tools, e.release = tools, release
	return tools, func() {}, nil
}

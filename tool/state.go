package tool

import (
	"context"
	"reflect"
	"sync"
)

// RunState holds what tool calls remember during one run: how many times
// each tool ran (for [MaxUsage]) and the results cache (for [Cache]). It
// lives in a context (see [WithRunState]), never in a Tool, so one Tool
// value can serve many concurrent runs with separate counts. Its zero
// value is not used; get one from [WithRunState].
type RunState struct {
	mu    sync.Mutex
	tools map[any]*toolState
}

type toolState struct {
	uses  int
	cache map[string]string
}

type runStateKey struct{}

// WithRunState returns ctx carrying a new, empty [RunState], unless ctx
// already carries one, in which case ctx is returned as is: the state
// belongs to the outermost run (a crew kicked off inside a flow shares the
// flow's counts and cache). A crew or flow kickoff calls it once at the top
// of a run. Without a RunState in ctx, a [Runner] keeps its own for its
// lifetime.
func WithRunState(ctx context.Context) context.Context {
	if RunStateFrom(ctx) != nil {
		return ctx
	}
	return context.WithValue(ctx, runStateKey{}, newRunState())
}

// RunStateFrom returns the [RunState] carried by ctx, or nil.
func RunStateFrom(ctx context.Context) *RunState {
	s, _ := ctx.Value(runStateKey{}).(*RunState)
	return s
}

func newRunState() *RunState { return &RunState{tools: map[any]*toolState{}} }

// Uses reports how many times the tool named name ran in this run through
// any Runner (cache hits and rejected calls are not counted). It is meant
// for tests and reports.
func (s *RunState) Uses(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, ts := range s.tools {
		if keyName(k) == name {
			n += ts.uses
		}
	}
	return n
}

// nameKey identifies a tool that cannot be a map key itself.
type nameKey struct{ name string }

// identity is the key of a tool's state: the tool value itself when it is
// comparable (so two different tools with the same name do not share
// counts), its name otherwise.
type identity struct {
	tool any
	name string
}

func toolKey(t Tool) any {
	if v := reflect.ValueOf(t); v.IsValid() && v.Comparable() {
		return identity{tool: t, name: t.Name()}
	}
	return nameKey{t.Name()}
}

func keyName(k any) string {
	switch k := k.(type) {
	case identity:
		return k.name
	case nameKey:
		return k.name
	}
	return ""
}

func (s *RunState) get(k any) *toolState {
	ts := s.tools[k]
	if ts == nil {
		ts = &toolState{}
		s.tools[k] = ts
	}
	return ts
}

// claim takes one use of the tool if the limit allows it.
func (s *RunState) claim(k any, limit int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.get(k)
	if limit > 0 && ts.uses >= limit {
		return false
	}
	ts.uses++
	return true
}

func (s *RunState) cached(k any, key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.tools[k]
	if ts == nil {
		return "", false
	}
	out, ok := ts.cache[key]
	return out, ok
}

func (s *RunState) store(k any, key, out string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.get(k)
	if ts.cache == nil {
		ts.cache = map[string]string{}
	}
	if len(ts.cache) < MaxCacheEntries {
		ts.cache[key] = out
	}
}

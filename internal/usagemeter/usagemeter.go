// Package usagemeter counts, for a kickoff, the usage of the model and
// embedding calls made around the agents' own loops: the embeddings of
// knowledge and memory (ingestion, queries, saves) and the model calls that
// extract memories. A crew that uses memory or knowledge puts a [Meter] in
// its kickoff's context and adds what it counted to CrewOutput.Usage; the
// calls report with [Add], which costs one context lookup and nothing else
// when no meter is there (runs that use neither).
package usagemeter

import (
	"context"
	"sync"

	"github.com/crewai-go/crewai/chat"
)

// Meter sums usage reported by concurrent calls (background memory saves
// included). The zero value is an empty meter; it must not be copied after
// first use.
type Meter struct {
	mu sync.Mutex
	u  chat.Usage
}

type key struct{}

// With returns ctx carrying a new Meter, and the Meter.
func With(ctx context.Context) (context.Context, *Meter) {
	m := &Meter{}
	return context.WithValue(ctx, key{}, m), m
}

// Add adds u to the Meter of ctx, if any.
func Add(ctx context.Context, u chat.Usage) {
	if m, _ := ctx.Value(key{}).(*Meter); m != nil {
		m.mu.Lock()
		m.u = m.u.Add(u)
		m.mu.Unlock()
	}
}

// Usage returns the sum so far.
func (m *Meter) Usage() chat.Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.u
}

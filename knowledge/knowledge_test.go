package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/knowledge"
	"github.com/crewai-go/crewai/rag"
	"github.com/crewai-go/crewai/rag/localstore"
)

// counter counts the texts and requests an embedder gets.
type counter struct {
	rag.HashEmbedder
	mu       sync.Mutex
	requests int
	texts    int
	fail     error
}

func (c *counter) Embed(ctx context.Context, texts []string) (*rag.Embeddings, error) {
	c.mu.Lock()
	c.requests++
	c.texts += len(texts)
	c.mu.Unlock()
	if c.fail != nil {
		return nil, c.fail
	}
	return c.HashEmbedder.Embed(ctx, texts)
}

func (c *counter) Info() rag.EmbedderInfo {
	i := c.HashEmbedder.Info()
	i.MaxBatch = 100
	return i
}

func (c *counter) reset() { c.mu.Lock(); c.requests, c.texts = 0, 0; c.mu.Unlock() }

func newStore(t *testing.T) *localstore.Store {
	s, err := localstore.Open(filepath.Join(t.TempDir(), "v.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

var ctx = context.Background()

func TestSearchFindsTheRelevantChunk(t *testing.T) {
	st := newStore(t)
	emb := &counter{}
	k := &knowledge.Knowledge{Name: "support", Store: st, Embedder: emb, Threshold: 0.2, Sources: []knowledge.Source{
		knowledge.String{Label: "refunds", Content: "Refunds are paid within 30 days of a return."},
		knowledge.String{Label: "shipping", Content: "Shipping to Europe takes five working days."},
		knowledge.String{Label: "hours", Content: "The office opens at nine and closes at five."},
	}}
	var mu sync.Mutex
	var evs []event.Event
	ectx := event.WithHandler(ctx, event.HandlerFunc(func(e event.Event) { mu.Lock(); evs = append(evs, e); mu.Unlock() }))
	res, err := k.Search(ectx, "Support Agent", "How many days until refunds are paid?")
	require.NoError(t, err)
	require.NotEmpty(t, res)
	assert.Equal(t, "string:refunds", res[0].Source)
	assert.Contains(t, res[0].Text, "Refunds are paid")
	for _, r := range res {
		assert.GreaterOrEqual(t, r.Score, 0.2)
	}
	var started *event.RetrievalStarted
	var completed *event.RetrievalCompleted
	for _, e := range evs {
		switch v := e.(type) {
		case *event.RetrievalStarted:
			started = v
		case *event.RetrievalCompleted:
			completed = v
		}
	}
	require.NotNil(t, started)
	assert.Equal(t, "knowledge", started.Source)
	assert.Equal(t, "knowledge_support", started.Collection)
	assert.Equal(t, "local", started.Backend)
	assert.Equal(t, 5, started.Limit)
	assert.Equal(t, "Support Agent", started.Agent)
	require.NotNil(t, completed)
	assert.Equal(t, len(res), len(completed.Results))
	assert.Equal(t, res[0].Score, completed.Results[0].Score)

	// A very high threshold keeps nothing.
	k2 := &knowledge.Knowledge{Name: "support", Store: st, Embedder: emb, Threshold: 0.99, Sources: k.Sources}
	res, err = k2.Search(ctx, "", "office hours")
	require.NoError(t, err)
	assert.Empty(t, res)
}

func TestIngestEmbedsOnlyWhatChanged(t *testing.T) {
	st := newStore(t)
	emb := &counter{}
	srcs := []knowledge.Source{knowledge.String{Label: "a", Content: "alpha text"}, knowledge.String{Label: "b", Content: "beta text"}}
	k := &knowledge.Knowledge{Name: "kb", Store: st, Embedder: emb, Sources: srcs}
	n, err := k.Ingest(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, 2, emb.requests, "one request per source")

	// Another process (a new Knowledge value) over the same store: nothing to embed.
	emb.reset()
	k = &knowledge.Knowledge{Name: "kb", Store: st, Embedder: emb, Sources: srcs}
	n, err = k.Ingest(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	assert.Equal(t, 0, emb.requests)

	// One source changes, one goes away.
	emb.reset()
	k = &knowledge.Knowledge{Name: "kb", Store: st, Embedder: emb, Sources: []knowledge.Source{
		knowledge.String{Label: "a", Content: "alpha text, revised"}}}
	n, err = k.Ingest(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	docs, err := st.List(ctx, "knowledge_kb", nil)
	require.NoError(t, err)
	require.Len(t, docs, 1)
	assert.Equal(t, "alpha text, revised", docs[0].Text)

	// A different chunking is a change too.
	emb.reset()
	k = &knowledge.Knowledge{Name: "kb", Store: st, Embedder: emb, ChunkSize: 10, ChunkOverlap: -1, Sources: k.Sources}
	n, err = k.Ingest(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "\"alpha text, revised\" in chunks of 10")
}

func TestIngestBatches1000Chunks(t *testing.T) {
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "line %04d of the handbook.\n", i) // 27 characters with the newline
	}
	emb := &counter{}
	k := &knowledge.Knowledge{Name: "big", Store: newStore(t), Embedder: emb, ChunkSize: 27, ChunkOverlap: -1,
		Sources: []knowledge.Source{knowledge.String{Content: sb.String()}}}
	n, err := k.Ingest(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1000, n)
	assert.Equal(t, 10, emb.requests, "1,000 chunks, batches of 100")
}

func TestFailuresNameTheBackend(t *testing.T) {
	boom := errors.New("connection refused")
	k := &knowledge.Knowledge{Name: "kb", Store: newStore(t), Embedder: &counter{fail: boom},
		Sources: []knowledge.Source{knowledge.String{Content: "x"}}}
	_, err := k.Search(ctx, "", "x")
	var ke *knowledge.Error
	require.ErrorAs(t, err, &ke)
	assert.Equal(t, "knowledge_kb", ke.Collection)
	var ee *rag.EmbedError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "hash-256", ee.Model)
	assert.ErrorIs(t, err, boom)

	st := newStore(t)
	require.NoError(t, st.Close())
	k = &knowledge.Knowledge{Name: "kb", Store: st, Sources: []knowledge.Source{knowledge.String{Content: "x"}}}
	_, err = k.Search(ctx, "", "x")
	var se *rag.StoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "local", se.Backend)

	k = &knowledge.Knowledge{Store: newStore(t), Sources: []knowledge.Source{knowledge.String{Content: "x"}, knowledge.String{Content: "y"}}}
	_, err = k.Ingest(ctx)
	assert.ErrorContains(t, err, `two sources are named "string"`)
	_, err = k.Search(ctx, "", "  ")
	assert.ErrorContains(t, err, "query is empty")
}

func TestResetAndCollectionName(t *testing.T) {
	assert.Equal(t, "knowledge_Senior_Research_Analyst", knowledge.CollectionName("Senior Research Analyst"))
	assert.Equal(t, "knowledge_default", knowledge.CollectionName(""))
	st := newStore(t)
	emb := &counter{}
	k := &knowledge.Knowledge{Name: "kb", Store: st, Embedder: emb, Sources: []knowledge.Source{knowledge.String{Content: "x y"}}}
	_, err := k.Search(ctx, "", "x")
	require.NoError(t, err)
	require.NoError(t, k.Reset(ctx))
	cols, err := st.Collections(ctx)
	require.NoError(t, err)
	assert.Empty(t, cols)
	emb.reset()
	_, err = k.Search(ctx, "", "x")
	require.NoError(t, err)
	assert.Equal(t, 2, emb.requests, "ingested again after the reset, then the query")
}

// TestCollectionsNamedAfterTheirOwner: a Knowledge without a Name is kept,
// as CrewAI keeps it, in a collection named after its owner: the agent's
// role for an agent's knowledge, "crew" for a crew's; a Name overrides it;
// Reset removes every collection the value filled.
func TestCollectionsNamedAfterTheirOwner(t *testing.T) {
	st := newStore(t)
	srcs := []knowledge.Source{knowledge.String{Content: "Refunds take 14 days."}}
	tests := []struct {
		name, kname, owner, want string
	}{
		{"an agent's knowledge", "", "Senior Analyst", "knowledge_Senior_Analyst"},
		{"a crew's knowledge", "", "crew", "knowledge_crew"},
		{"searched directly", "", "", "knowledge_default"},
		{"a Name wins", "policies", "Senior Analyst", "knowledge_policies"},
	}
	k := &knowledge.Knowledge{Store: st, Embedder: &counter{}, Threshold: -1, Sources: srcs}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kk := k
			if tt.kname != "" {
				kk = &knowledge.Knowledge{Name: tt.kname, Store: st, Embedder: &counter{}, Threshold: -1, Sources: srcs}
			}
			assert.Equal(t, tt.want, kk.CollectionFor(tt.owner))
			got, err := kk.Passages(ctx, tt.owner, "Senior Analyst", "refunds")
			require.NoError(t, err)
			assert.Equal(t, []string{"Refunds take 14 days."}, got)
			docs, err := st.List(ctx, tt.want, nil)
			require.NoError(t, err)
			assert.Len(t, docs, 1, "ingested into %s", tt.want)
		})
	}
	require.NoError(t, k.Reset(ctx))
	cols, err := st.Collections(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"knowledge_policies"}, cols, "the unnamed value's three collections are gone")
}

package knowledge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/rag"
	"github.com/crewai-go/crewai/rag/localstore"
)

// The retrieval defaults, CrewAI's.
const (
	DefaultLimit     = 5
	DefaultThreshold = 0.6
)

// Knowledge is a set of sources, chunked, embedded and kept in a vector
// store collection, that agents search before their tasks. Set it on
// agent.Agent.Knowledge or crew.Crew.Knowledge. The zero value (with
// Sources) works: the default embedder, the local store and CrewAI's
// chunking and retrieval settings. A Knowledge must not be copied after
// first use; it is safe for concurrent use, and its fields must not change
// once it is in use.
type Knowledge struct {
	// Name names the collection ("knowledge_" + Name, with characters other
	// than letters, digits, '_', '-' and '.' replaced by '_'). Empty, the
	// collection is named as CrewAI names it, after its owner: the agent's
	// role for an agent's Knowledge ("knowledge_Senior_Analyst"), "crew" for
	// a crew's ("knowledge_crew"), and "default" when used directly (Search,
	// Ingest). Two Knowledge values with the same collection and store share
	// it, and so their sources: give each its own Name.
	Name string
	// Sources are what the knowledge is built from.
	Sources []Source
	// Embedder turns chunks and queries into vectors; nil means
	// rag.DefaultEmbedder().
	Embedder rag.Embedder
	// Store keeps the chunks; nil means localstore.Default(), the file
	// .crewai/vectors.db.
	Store rag.Store
	// ChunkSize is the most characters of a chunk; 0 means 4,000.
	ChunkSize int
	// ChunkOverlap is how many characters a chunk repeats from the end of
	// the previous one; 0 means 200, a negative value none.
	ChunkOverlap int
	// Limit is the most chunks a search returns; 0 means 5.
	Limit int
	// Threshold is the lowest cosine similarity a returned chunk has; 0
	// means 0.6, a negative value no threshold.
	Threshold float64

	mu    sync.Mutex
	ready map[string]bool // the collections up to date with the sources
}

// Error is the error of a failed ingestion or search: it names the
// knowledge collection and wraps the cause (a *rag.EmbedError or
// *rag.StoreError naming the backend, or a source's error).
type Error struct {
	// Collection is the knowledge's collection.
	Collection string
	// Err is the cause.
	Err error
}

// Error says which knowledge failed and why.
func (e *Error) Error() string { return "knowledge " + e.Collection + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Collection returns the name of the store collection that Search, Ingest
// and Reset use: "knowledge_" + Name, "knowledge_default" when Name is
// empty.
func (k *Knowledge) Collection() string { return CollectionName(k.Name) }

// CollectionFor returns the collection searched for owner (see
// agent.Knowledge): Collection when Name is set or owner is empty, else
// CollectionName(owner), as CrewAI names an unnamed knowledge after its
// agent's role or "crew".
func (k *Knowledge) CollectionFor(owner string) string {
	if k.Name != "" || owner == "" {
		return k.Collection()
	}
	return CollectionName(owner)
}

// CollectionName returns the collection of a Knowledge named name.
func CollectionName(name string) string {
	if name == "" {
		name = "default"
	}
	var b strings.Builder
	b.WriteString("knowledge_")
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func (k *Knowledge) embedder() rag.Embedder {
	if k.Embedder != nil {
		return k.Embedder
	}
	return rag.DefaultEmbedder()
}

func (k *Knowledge) store() (rag.Store, error) {
	if k.Store != nil {
		return k.Store, nil
	}
	return localstore.Default()
}

func (k *Knowledge) chunking() (size, overlap int) {
	size, overlap = k.ChunkSize, k.ChunkOverlap
	if overlap == 0 {
		overlap = -1 // rag's default
	} else if overlap < 0 {
		overlap = 0
	}
	return size, overlap
}

// Ingest brings the store up to date with the sources: a source whose text,
// chunking or embedder changed since it was stored (a SHA-256 of them
// differs) is chunked and embedded again (one request per batch) and
// replaces its old chunks; an unchanged source costs no embedding; chunks of
// sources no longer listed are removed. Search calls it once per Knowledge
// value; call it yourself to ingest ahead of time. It returns how many
// chunks were embedded.
func (k *Knowledge) Ingest(ctx context.Context) (int, error) {
	return k.ingestInto(ctx, k.Collection())
}

func (k *Knowledge) ingestInto(ctx context.Context, coll string) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	n, err := k.ingest(ctx, coll)
	if err != nil {
		return n, &Error{Collection: coll, Err: err}
	}
	if k.ready == nil {
		k.ready = map[string]bool{}
	}
	k.ready[coll] = true
	return n, nil
}

func (k *Knowledge) ingest(ctx context.Context, coll string) (int, error) {
	st, err := k.store()
	if err != nil {
		return 0, err
	}
	emb := k.embedder()
	size, overlap := k.chunking()
	existing, err := st.List(ctx, coll, nil)
	if err != nil {
		return 0, err
	}
	stored := map[string]string{}     // source -> hash
	bySource := map[string][]string{} // source -> chunk IDs
	for _, d := range existing {
		src := d.Metadata["source"]
		stored[src] = d.Metadata["hash"]
		bySource[src] = append(bySource[src], d.ID)
	}
	model := emb.Info().Model
	listed := map[string]bool{}
	embedded := 0
	for i, s := range k.Sources {
		if s == nil {
			//lint:ignore ST1005 the message starts with the field it names, Sources[i]
			return embedded, fmt.Errorf("Sources[%d] is nil", i)
		}
		name := s.Name()
		if listed[name] {
			//lint:ignore ST1005 the message starts with the field it names, Sources[i]
			return embedded, fmt.Errorf("Sources[%d]: two sources are named %q; give each its own name", i, name)
		}
		listed[name] = true
		text, err := s.Text(ctx)
		if err != nil {
			return embedded, err
		}
		sum := sha256.New()
		fmt.Fprintf(sum, "%d\x00%d\x00%s\x00", size, overlap, model)
		sum.Write([]byte(text))
		hash := hex.EncodeToString(sum.Sum(nil))[:32]
		if stored[name] == hash {
			continue
		}
		chunks, err := rag.Chunk(text, size, overlap)
		if err != nil {
			return embedded, fmt.Errorf("source %s: %w", name, err)
		}
		if old := bySource[name]; len(old) > 0 {
			if err := st.Delete(ctx, coll, old); err != nil {
				return embedded, err
			}
		}
		if len(chunks) == 0 {
			continue
		}
		vecs, _, err := rag.EmbedBatches(ctx, emb, chunks)
		if err != nil {
			return embedded, fmt.Errorf("source %s: %w", name, err)
		}
		docs := make([]rag.Document, len(chunks))
		for j, c := range chunks {
			docs[j] = rag.Document{ID: hash[:16] + "-" + strconv.Itoa(j), Text: c, Vector: vecs[j],
				Metadata: map[string]string{"source": name, "hash": hash, "chunk": strconv.Itoa(j), "embedder": model}}
		}
		if err := st.Upsert(ctx, coll, docs); err != nil {
			return embedded, err
		}
		embedded += len(docs)
	}
	for src, ids := range bySource {
		if !listed[src] {
			if err := st.Delete(ctx, coll, ids); err != nil {
				return embedded, err
			}
		}
	}
	return embedded, nil
}

// Result is one chunk found by a search. It is a plain value.
type Result struct {
	// Text is the chunk.
	Text string
	// Source names the source it came from.
	Source string
	// Score is its cosine similarity to the query.
	Score float64
}

// Search returns the chunks most similar to query (at most Limit, at least
// Threshold), best first, ingesting the sources first if this Knowledge has
// not yet done so. It is announced as a retrieval step (event.
// RetrievalStarted with Source "knowledge", then RetrievalCompleted with the
// results and scores, or RetrievalFailed), with the query's embedding step
// inside it. Errors are *Error values naming the collection. agent is the
// role searched for, for the events; it may be empty.
func (k *Knowledge) Search(ctx context.Context, agent, query string) (res []Result, err error) {
	return k.search(ctx, k.Collection(), agent, query)
}

func (k *Knowledge) search(ctx context.Context, coll, agent, query string) (res []Result, err error) {
	if strings.TrimSpace(query) == "" {
		return nil, &Error{Collection: coll, Err: errors.New("the query is empty")}
	}
	k.mu.Lock()
	ready := k.ready[coll]
	k.mu.Unlock()
	if !ready {
		if _, err := k.ingestInto(ctx, coll); err != nil {
			return nil, err
		}
	}
	limit := k.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	threshold := k.Threshold
	if threshold == 0 {
		threshold = DefaultThreshold
	} else if threshold < 0 {
		threshold = -1
	}
	st, err := k.store()
	if err != nil {
		return nil, &Error{Collection: coll, Err: err}
	}
	var step event.Step
	if event.Enabled(ctx) {
		ctx, step = event.Begin(ctx, event.RetrievalStarted{Header: event.Header{Source: "knowledge:" + coll},
			Source: "knowledge", Collection: coll, Backend: st.Backend(), Query: query, Limit: limit,
			Threshold: threshold, Agent: agent})
	}
	defer func() {
		if !step.Active() {
			return
		}
		if err != nil {
			event.End(step, event.RetrievalFailed{Source: "knowledge", Failure: event.Failure{Err: err}})
			return
		}
		found := make([]event.Retrieved, len(res))
		for i, r := range res {
			found[i] = event.Retrieved{ID: r.Source, Text: r.Text, Score: r.Score}
		}
		event.End(step, event.RetrievalCompleted{Source: "knowledge", Results: found})
	}()
	vecs, _, err := rag.EmbedBatches(ctx, k.embedder(), []string{query})
	if err != nil {
		return nil, &Error{Collection: coll, Err: err}
	}
	ms, err := st.Search(ctx, coll, rag.Query{Vector: vecs[0], Limit: limit, MinScore: threshold})
	if err != nil {
		return nil, &Error{Collection: coll, Err: err}
	}
	res = make([]Result, len(ms))
	for i, m := range ms {
		res[i] = Result{Text: m.Text, Source: m.Metadata["source"], Score: m.Score}
	}
	return res, nil
}

// Passages returns the texts of the chunks most relevant to query in the
// collection of owner ([Knowledge.CollectionFor]), as Search finds them:
// what agent.Knowledge asks for.
func (k *Knowledge) Passages(ctx context.Context, owner, agent, query string) ([]string, error) {
	res, err := k.search(ctx, k.CollectionFor(owner), agent, query)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.Text
	}
	return out, nil
}

// Reset removes the knowledge's collection from its store, and the
// collections this value ingested for owners (see Name); the next search
// ingests the sources again.
func (k *Knowledge) Reset(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	colls := []string{k.Collection()}
	for c := range k.ready {
		if c != colls[0] {
			colls = append(colls, c)
		}
	}
	st, err := k.store()
	for _, c := range colls {
		if err == nil {
			err = st.Reset(ctx, c)
		}
		if err != nil {
			return &Error{Collection: c, Err: err}
		}
	}
	k.ready = nil
	return nil
}

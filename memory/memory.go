package memory

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/rag"
	"github.com/crewai-go/crewai/rag/localstore"
)

// Defaults of a zero Memory.
const (
	// DefaultCollection is the store collection memories are kept in.
	DefaultCollection = "memory"
	// DefaultLimit is how many memories Recall returns.
	DefaultLimit = 5
	// DefaultMinSimilarity is the lowest cosine similarity of a recalled
	// memory to the query.
	DefaultMinSimilarity = 0.2
	// DefaultMaxPendingSaves is how many background saves may run at once;
	// one more waits for a place (so saves are bounded, never dropped).
	DefaultMaxPendingSaves = 4
	// HalfLife is the age at which a memory's recency weight is one half.
	HalfLife = 30 * 24 * time.Hour
	// duplicateSimilarity is the similarity above which a new memory of the
	// same scope replaces an old one instead of adding to it.
	duplicateSimilarity = 0.95
	// maxStatements caps the memories extracted from one task.
	maxStatements = 5
)

// The weights of recall ranking (CrewAI's): similarity, recency, importance.
const (
	weightSimilarity = 0.5
	weightRecency    = 0.3
	weightImportance = 0.2
)

// Memory is what crews and agents remember across tasks, kickoffs and
// processes; see the package doc. Set it on crew.Crew.Memory or
// agent.Agent.Memory. The zero value works (default embedder, the local
// store, the agent's model for extraction). A Memory must not be copied
// after first use; it is safe for concurrent use, and its fields must not
// change once it is in use.
type Memory struct {
	// Embedder turns memories and queries into vectors; nil means
	// rag.DefaultEmbedder().
	Embedder rag.Embedder
	// Store keeps the memories; nil means localstore.Default(), the file
	// .crewai/vectors.db.
	Store rag.Store
	// LLM extracts memories from task results; nil means the model of the
	// agent that did the task.
	LLM llm.LLM
	// Collection is the store collection; empty means "memory".
	Collection string
	// Limit is how many memories Recall returns; 0 means 5.
	Limit int
	// MinSimilarity is the lowest cosine similarity to the query of a
	// recalled memory; 0 means 0.2, a negative value none.
	MinSimilarity float64
	// MaxPendingSaves bounds the background saves running at once; 0 means
	// 4.
	MaxPendingSaves int
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time

	once     sync.Once
	sem      chan struct{}
	mu       sync.Mutex
	inflight map[chan struct{}]struct{} // the background saves running, each closed when done
	tools    sync.Map                   // crew+"\x00"+agent -> []tool.Tool
}

// Item is one memory. It is a plain value.
type Item struct {
	// ID identifies the memory in the store.
	ID string
	// Text is the memory, one self-contained statement.
	Text string
	// Crew and Agent are its scope: the crew's name and the agent's role
	// (either may be empty).
	Crew, Agent string
	// Importance, from 0 to 1, weighs in recall.
	Importance float64
	// Created is when it was saved (or last confirmed).
	Created time.Time
	// Source is how it came: "task" (extracted from a task's result),
	// "tool" (the agent's save tool) or "user".
	Source string
	// Score is, in Recall's results, the combined rank: 0.5·similarity +
	// 0.3·recency + 0.2·importance; Similarity the cosine similarity.
	Score, Similarity float64
}

// Scope returns the scope path of a crew and agent, such as
// "/crew/research/agent/Analyst", as events and the CLI show it.
func Scope(crew, agent string) string {
	var b strings.Builder
	if crew != "" {
		b.WriteString("/crew/")
		b.WriteString(crew)
	}
	if agent != "" {
		b.WriteString("/agent/")
		b.WriteString(agent)
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// Error is the error of a failed memory operation; it names the operation
// and the scope and wraps the cause (a *rag.EmbedError or *rag.StoreError
// naming the backend, or the model's error).
type Error struct {
	// Op is "save", "recall", "list" or "reset".
	Op string
	// Scope is the scope concerned.
	Scope string
	// Err is the cause.
	Err error
}

// Error says what failed and why.
func (e *Error) Error() string { return "memory: " + e.Op + " " + e.Scope + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func (m *Memory) collection() string {
	if m.Collection == "" {
		return DefaultCollection
	}
	return m.Collection
}

func (m *Memory) embedder() rag.Embedder {
	if m.Embedder != nil {
		return m.Embedder
	}
	return rag.DefaultEmbedder()
}

func (m *Memory) store() (rag.Store, error) {
	if m.Store != nil {
		return m.Store, nil
	}
	return localstore.Default()
}

func (m *Memory) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Remember saves items (Text, Crew, Agent, Importance and Source are used;
// Created defaults to now) in one embedding request and one store write.
// A new memory nearly identical (similarity 0.95 or more) to one of the same
// scope replaces it, so repeated facts do not pile up. It returns the
// usage of the embedding. It is announced as a memory-save step.
func (m *Memory) Remember(ctx context.Context, items ...Item) (usage llm.Usage, err error) {
	if len(items) == 0 {
		return llm.Usage{}, nil
	}
	scope := Scope(items[0].Crew, items[0].Agent)
	var step event.Step
	if event.Enabled(ctx) {
		ctx, step = event.Begin(ctx, event.MemorySaveStarted{Header: event.Header{Source: "memory:" + scope},
			Scope: scope, Agent: items[0].Agent})
		defer func() {
			if err != nil {
				event.End(step, event.MemorySaveFailed{Scope: scope, Failure: event.Failure{Err: err}})
				return
			}
			texts := make([]string, len(items))
			for i, it := range items {
				texts[i] = strings.TrimSpace(it.Text)
			}
			event.End(step, event.MemorySaveCompleted{Scope: scope, Statements: texts, Usage: usage})
		}()
	}
	return m.remember(ctx, scope, items)
}

func (m *Memory) remember(ctx context.Context, scope string, items []Item) (llm.Usage, error) {
	fail := func(err error) error { return &Error{Op: "save", Scope: scope, Err: err} }
	texts := make([]string, len(items))
	for i, it := range items {
		texts[i] = strings.TrimSpace(it.Text)
		if texts[i] == "" {
			return llm.Usage{}, fail(fmt.Errorf("item %d has no text", i))
		}
		if it.Importance < 0 || it.Importance > 1 || math.IsNaN(it.Importance) {
			return llm.Usage{}, fail(fmt.Errorf("item %d: Importance %v is not between 0 and 1", i, it.Importance))
		}
	}
	st, err := m.store()
	if err != nil {
		return llm.Usage{}, fail(err)
	}
	vecs, usage, err := rag.EmbedBatches(ctx, m.embedder(), texts)
	if err != nil {
		return usage, fail(err)
	}
	now := m.now()
	docs := make([]rag.Document, 0, len(items))
	var replaced []string
	for i, it := range items {
		filter := map[string]string{"crew": it.Crew, "agent": it.Agent}
		dup, err := st.Search(ctx, m.collection(), rag.Query{Vector: vecs[i], Limit: 1, MinScore: duplicateSimilarity, Filter: filter})
		if err != nil {
			return usage, fail(err)
		}
		created := it.Created
		if created.IsZero() {
			created = now
		}
		src := it.Source
		if src == "" {
			src = "user"
		}
		sum := sha256.Sum256([]byte(it.Crew + "\x00" + it.Agent + "\x00" + texts[i]))
		id := hex.EncodeToString(sum[:12])
		if len(dup) > 0 && dup[0].ID != id {
			replaced = append(replaced, dup[0].ID)
		}
		docs = append(docs, rag.Document{ID: id, Text: texts[i], Vector: vecs[i], Metadata: map[string]string{
			"crew": it.Crew, "agent": it.Agent, "importance": strconv.FormatFloat(it.Importance, 'f', 2, 64),
			"created": created.UTC().Format(time.RFC3339Nano), "source": src}})
	}
	if err := st.Upsert(ctx, m.collection(), docs); err != nil {
		return usage, fail(err)
	}
	if len(replaced) > 0 {
		if err := st.Delete(ctx, m.collection(), replaced); err != nil {
			return usage, fail(err)
		}
	}
	return usage, nil
}

// Search returns the memories of crew most relevant to query, ranked by
// 0.5·similarity + 0.3·recency (a half-life of 30 days) + 0.2·importance,
// as CrewAI ranks them: at most Limit, each with a similarity of at least
// MinSimilarity. An empty agent searches the whole crew's memories (every
// agent's); a non-empty one only that agent's. It is announced as a
// retrieval step (Source "memory").
func (m *Memory) Search(ctx context.Context, crew, agent, query string) (res []Item, err error) {
	scope := Scope(crew, agent)
	limit := m.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	minSim := m.MinSimilarity
	if minSim == 0 {
		minSim = DefaultMinSimilarity
	} else if minSim < 0 {
		minSim = -1
	}
	st, err := m.store()
	if err != nil {
		return nil, &Error{Op: "recall", Scope: scope, Err: err}
	}
	var step event.Step
	if event.Enabled(ctx) {
		ctx, step = event.Begin(ctx, event.RetrievalStarted{Header: event.Header{Source: "memory:" + scope},
			Source: "memory", Collection: scope, Backend: st.Backend(), Query: query, Limit: limit, Threshold: minSim,
			Agent: agent})
	}
	defer func() {
		if !step.Active() {
			return
		}
		if err != nil {
			event.End(step, event.RetrievalFailed{Source: "memory", Failure: event.Failure{Err: err}})
			return
		}
		found := make([]event.Retrieved, len(res))
		for i, r := range res {
			found[i] = event.Retrieved{ID: r.ID, Text: r.Text, Score: r.Score}
		}
		event.End(step, event.RetrievalCompleted{Source: "memory", Results: found})
	}()
	if strings.TrimSpace(query) == "" {
		return nil, &Error{Op: "recall", Scope: scope, Err: errors.New("the query is empty")}
	}
	vecs, _, err := rag.EmbedBatches(ctx, m.embedder(), []string{query})
	if err != nil {
		return nil, &Error{Op: "recall", Scope: scope, Err: err}
	}
	filter := map[string]string{"crew": crew}
	if agent != "" {
		filter["agent"] = agent
	}
	// Rank a wider set by similarity, then re-rank with recency and
	// importance.
	ms, err := st.Search(ctx, m.collection(), rag.Query{Vector: vecs[0], Limit: limit * 4, MinScore: minSim, Filter: filter})
	if err != nil {
		return nil, &Error{Op: "recall", Scope: scope, Err: err}
	}
	now := m.now()
	res = make([]Item, len(ms))
	for i, d := range ms {
		it := itemOf(d.Document)
		it.Similarity = d.Score
		age := max(now.Sub(it.Created), 0)
		recency := math.Pow(0.5, float64(age)/float64(HalfLife))
		it.Score = weightSimilarity*d.Score + weightRecency*recency + weightImportance*it.Importance
		res[i] = it
	}
	slices.SortStableFunc(res, func(a, b Item) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	if len(res) > limit {
		res = res[:limit]
	}
	return res, nil
}

// Recall returns the texts of Search's results: what agent.Memory asks
// for. An empty agent recalls the memories of the whole crew (what a
// crew's memory recalls for each of its agents); a role, only that agent's
// (what an agent's own memory recalls), as CrewAI scopes them.
func (m *Memory) Recall(ctx context.Context, crew, agent, query string) ([]string, error) {
	res, err := m.Search(ctx, crew, agent, query)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.Text
	}
	return out, nil
}

func itemOf(d rag.Document) Item {
	it := Item{ID: d.ID, Text: d.Text, Crew: d.Metadata["crew"], Agent: d.Metadata["agent"], Source: d.Metadata["source"]}
	it.Importance, _ = strconv.ParseFloat(d.Metadata["importance"], 64)
	it.Created, _ = time.Parse(time.RFC3339Nano, d.Metadata["created"])
	return it
}

// List returns the memories of crew (of every crew when crew is "*"), of
// agent when it is not empty, newest first.
func (m *Memory) List(ctx context.Context, crew, agent string) ([]Item, error) {
	st, err := m.store()
	if err != nil {
		return nil, &Error{Op: "list", Scope: Scope(crew, agent), Err: err}
	}
	filter := map[string]string{}
	if crew != "*" {
		filter["crew"] = crew
	}
	if agent != "" {
		filter["agent"] = agent
	}
	docs, err := st.List(ctx, m.collection(), filter)
	if err != nil {
		return nil, &Error{Op: "list", Scope: Scope(crew, agent), Err: err}
	}
	out := make([]Item, len(docs))
	for i, d := range docs {
		out[i] = itemOf(d)
	}
	slices.SortStableFunc(out, func(a, b Item) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// Reset forgets the memories of crew (of agent only, when it is not
// empty); crew "*" forgets everything in the collection.
func (m *Memory) Reset(ctx context.Context, crew, agent string) error {
	st, err := m.store()
	if err == nil {
		if crew == "*" && agent == "" {
			err = st.Reset(ctx, m.collection())
		} else {
			var items []Item
			if items, err = m.List(ctx, crew, agent); err == nil {
				ids := make([]string, len(items))
				for i, it := range items {
					ids[i] = it.ID
				}
				err = st.Delete(ctx, m.collection(), ids)
			}
		}
	}
	if err != nil {
		return &Error{Op: "reset", Scope: Scope(crew, agent), Err: err}
	}
	return nil
}

// RememberTask saves, in the background, what is worth remembering from a
// finished task: the model (Memory.LLM, else model) extracts up to five
// short statements with an importance each, and they are saved in the scope
// of crew and agent. It returns at once, unless MaxPendingSaves saves are
// already running (then it waits for a place, honouring ctx). The save is a
// memory-save step on ctx's bus; a failed save is reported as
// event.MemorySaveFailed and logged with slog, never returned: it must not
// fail the task. [Memory.Drain] waits for the saves.
func (m *Memory) RememberTask(ctx context.Context, crew, agent, task, result string, model llm.LLM) {
	m.once.Do(func() {
		n := m.MaxPendingSaves
		if n <= 0 {
			n = DefaultMaxPendingSaves
		}
		m.sem = make(chan struct{}, n)
	})
	select {
	case m.sem <- struct{}{}:
	case <-ctx.Done():
		slog.Warn("memory: a task's memories were not saved: the kickoff ended first", "scope", Scope(crew, agent))
		return
	}
	done := make(chan struct{})
	m.mu.Lock()
	if m.inflight == nil {
		m.inflight = map[chan struct{}]struct{}{}
	}
	m.inflight[done] = struct{}{}
	m.mu.Unlock()
	bctx := context.WithoutCancel(ctx)
	go func() {
		defer func() {
			m.mu.Lock()
			delete(m.inflight, done)
			m.mu.Unlock()
			close(done)
			<-m.sem
		}()
		_ = m.saveTask(bctx, crew, agent, task, result, model)
	}()
}

// Drain waits until the background saves started so far are done, or ctx
// ends (then it returns ctx's error; the saves go on).
func (m *Memory) Drain(ctx context.Context) error {
	m.mu.Lock()
	waits := make([]chan struct{}, 0, len(m.inflight))
	for ch := range m.inflight {
		waits = append(waits, ch)
	}
	m.mu.Unlock()
	for _, ch := range waits {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// saveTask extracts and saves memories inside a memory-save step.
func (m *Memory) saveTask(ctx context.Context, crew, agent, task, result string, model llm.LLM) (err error) {
	scope := Scope(crew, agent)
	var step event.Step
	if event.Enabled(ctx) {
		ctx, step = event.Begin(ctx, event.MemorySaveStarted{Header: event.Header{Source: "memory:" + scope},
			Scope: scope, Task: task, Agent: agent})
	}
	var saved []string
	var usage llm.Usage
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Op: "save", Scope: scope, Err: fmt.Errorf("panic: %v", p)}
		}
		if err != nil {
			slog.Warn("memory: a task's memories were not saved", "scope", scope, "error", err)
		}
		if !step.Active() {
			return
		}
		if err != nil {
			event.End(step, event.MemorySaveFailed{Scope: scope, Failure: event.Failure{Err: err}})
			return
		}
		event.End(step, event.MemorySaveCompleted{Scope: scope, Statements: saved, Usage: usage})
	}()
	if m.LLM != nil {
		model = m.LLM
	}
	if model == nil {
		return &Error{Op: "save", Scope: scope, Err: errors.New("no model to extract memories with: set Memory.LLM")}
	}
	stmts, u, err := extract(ctx, model, agent, task, result)
	usage = usage.Add(u)
	if err != nil {
		return &Error{Op: "save", Scope: scope, Err: err}
	}
	if len(stmts) == 0 {
		return nil
	}
	items := make([]Item, len(stmts))
	for i, s := range stmts {
		items[i] = Item{Text: s.Text, Crew: crew, Agent: agent, Importance: s.Importance, Source: "task"}
	}
	u, err = m.remember(ctx, scope, items)
	usage = usage.Add(u)
	if err != nil {
		return err
	}
	for _, it := range items {
		saved = append(saved, it.Text)
	}
	return nil
}

package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/memory"
	"github.com/crewai-go/crewai/rag"
	"github.com/crewai-go/crewai/rag/localstore"
	"github.com/crewai-go/crewai/tool"
)

var ctx = context.Background()

func newMemory(t *testing.T, path string) *memory.Memory {
	if path == "" {
		path = filepath.Join(t.TempDir(), "v.db")
	}
	st, err := localstore.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return &memory.Memory{Store: st, Embedder: rag.HashEmbedder{}}
}

func recorder() (context.Context, func() []event.Event) {
	var mu sync.Mutex
	var evs []event.Event
	c := event.WithHandler(ctx, event.HandlerFunc(func(e event.Event) { mu.Lock(); evs = append(evs, e); mu.Unlock() }))
	return c, func() []event.Event { mu.Lock(); defer mu.Unlock(); return append([]event.Event(nil), evs...) }
}

func TestRecallRanksBySimilarityRecencyAndImportance(t *testing.T) {
	m := newMemory(t, "")
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	m.Now = func() time.Time { return now }
	_, err := m.Remember(ctx,
		memory.Item{Text: "The client prefers reports in French", Crew: "c", Agent: "writer", Importance: 0.9, Created: now.Add(-time.Hour)},
		memory.Item{Text: "The client prefers reports as PDF files", Crew: "c", Agent: "writer", Importance: 0.5, Created: now.AddDate(0, 0, -90)},
		memory.Item{Text: "Office plants need water on Mondays", Crew: "c", Agent: "writer", Importance: 0.9, Created: now},
		memory.Item{Text: "The client prefers reports in German", Crew: "other", Importance: 1, Created: now},
	)
	require.NoError(t, err)
	res, err := m.Search(ctx, "c", "", "which language does the client prefer for reports")
	require.NoError(t, err)
	require.Len(t, res, 2, "the plants are unrelated; the other crew is out of scope")
	assert.Equal(t, "The client prefers reports in French", res[0].Text)
	assert.Equal(t, "The client prefers reports as PDF files", res[1].Text)
	// The score is the documented combination.
	top := res[0]
	age := float64(time.Hour) / float64(memory.HalfLife)
	want := 0.5*top.Similarity + 0.3*math.Pow(0.5, age) + 0.2*0.9
	assert.InDelta(t, want, top.Score, 1e-6)
	assert.Equal(t, "writer", top.Agent)
	assert.Equal(t, now.Add(-time.Hour), top.Created)

	// An older memory of equal similarity ranks below a recent one.
	m2 := newMemory(t, "")
	m2.Now = m.Now
	_, err = m2.Remember(ctx,
		memory.Item{Text: "deadline is friday", Crew: "c", Importance: 0.5, Created: now.AddDate(0, 0, -60)},
	)
	require.NoError(t, err)
	_, err = m2.Remember(ctx, memory.Item{Text: "deadline is friday!", Crew: "c", Agent: "x", Importance: 0.5, Created: now})
	require.NoError(t, err)
	res, err = m2.Search(ctx, "c", "", "deadline friday")
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, "x", res[0].Agent, "the recent one first")
}

func TestRememberReplacesNearDuplicates(t *testing.T) {
	m := newMemory(t, "")
	_, err := m.Remember(ctx, memory.Item{Text: "Budget is 10k euros", Crew: "c", Importance: 0.4})
	require.NoError(t, err)
	_, err = m.Remember(ctx, memory.Item{Text: "budget is 10k euros.", Crew: "c", Importance: 0.8})
	require.NoError(t, err)
	items, err := m.List(ctx, "c", "")
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "budget is 10k euros.", items[0].Text)
	assert.Equal(t, 0.8, items[0].Importance)

	_, err = m.Remember(ctx, memory.Item{Text: "x", Importance: 2})
	assert.ErrorContains(t, err, "Importance 2 is not between 0 and 1")
	_, err = m.Remember(ctx, memory.Item{Text: " "})
	assert.ErrorContains(t, err, "no text")
}

func TestRememberTaskExtractsInTheBackground(t *testing.T) {
	m := newMemory(t, "")
	model := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "Here you go:\n```json\n" +
		`{"memories": [{"text": "The Q3 report is due on October 5", "importance": 0.9}, {"text": "Anna approves budgets"}]}` +
		"\n```"}}}
	c, events := recorder()
	m.RememberTask(c, "acme", "Planner", "Plan the Q3 report", "Due October 5; Anna approves the budget.", model)
	require.NoError(t, m.Drain(ctx))
	items, err := m.List(ctx, "acme", "")
	require.NoError(t, err)
	require.Len(t, items, 2)
	byText := map[string]memory.Item{}
	for _, it := range items {
		byText[it.Text] = it
	}
	assert.Equal(t, 0.9, byText["The Q3 report is due on October 5"].Importance)
	assert.Equal(t, 0.5, byText["Anna approves budgets"].Importance)
	assert.Equal(t, "Planner", byText["Anna approves budgets"].Agent)
	assert.Equal(t, "task", byText["Anna approves budgets"].Source)

	req := model.Requests()
	require.Len(t, req, 1)
	assert.Contains(t, req[0].Messages[1].Content, "Plan the Q3 report")
	assert.Contains(t, req[0].Messages[1].Content, "Due October 5")

	var kinds []event.Kind
	var done *event.MemorySaveCompleted
	for _, e := range events() {
		kinds = append(kinds, e.Kind())
		if v, ok := e.(*event.MemorySaveCompleted); ok {
			done = v
		}
	}
	assert.Equal(t, []event.Kind{event.KindMemorySaveStarted, event.KindLLMCallStarted, event.KindLLMCallCompleted,
		event.KindEmbeddingStarted, event.KindEmbeddingCompleted, event.KindMemorySaveCompleted}, kinds)
	require.NotNil(t, done)
	assert.Equal(t, "/crew/acme/agent/Planner", done.Scope)
	assert.Len(t, done.Statements, 2)
	assert.Equal(t, 2, done.Usage.Requests, "one extraction, one embedding")
}

type failingEmbedder struct{ rag.HashEmbedder }

func (failingEmbedder) Embed(context.Context, []string) (*rag.Embeddings, error) {
	return nil, errors.New("embedding server down")
}

func TestFailedSaveIsAWarningNotAnError(t *testing.T) {
	m := newMemory(t, "")
	m.Embedder = failingEmbedder{}
	model := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: `{"memories":[{"text":"a fact"}]}`}}}
	c, events := recorder()
	m.RememberTask(c, "acme", "A", "t", "r", model)
	require.NoError(t, m.Drain(ctx))
	var failed *event.MemorySaveFailed
	for _, e := range events() {
		if v, ok := e.(*event.MemorySaveFailed); ok {
			failed = v
		}
	}
	require.NotNil(t, failed)
	assert.ErrorContains(t, failed.Err, "embedding server down")
	var ee *rag.EmbedError
	assert.ErrorAs(t, failed.Err, &ee)

	// No model at all.
	m2 := newMemory(t, "")
	c, events = recorder()
	m2.RememberTask(c, "acme", "A", "t", "r", nil)
	require.NoError(t, m2.Drain(ctx))
	evs := events()
	require.Len(t, evs, 2)
	assert.ErrorContains(t, event.FailureOf(evs[1]).Err, "set Memory.LLM")
}

func TestDrainIsBounded(t *testing.T) {
	m := newMemory(t, "")
	model := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: `{"memories":[]}`, Delay: 300 * time.Millisecond}}}
	m.RememberTask(ctx, "c", "a", "t", "r", model)
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, m.Drain(short), context.DeadlineExceeded)
	require.NoError(t, m.Drain(ctx))
}

func TestMemoryPersistsAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	m1 := newMemory(t, path)
	_, err := m1.Remember(ctx, memory.Item{Text: "The launch city is Lisbon", Crew: "c", Importance: 0.7})
	require.NoError(t, err)
	m2 := newMemory(t, path) // another Store on the same file, as another process would open it
	got, err := m2.Recall(ctx, "c", "", "where is the launch city")
	require.NoError(t, err)
	assert.Equal(t, []string{"The launch city is Lisbon"}, got)
}

func TestListAndReset(t *testing.T) {
	m := newMemory(t, "")
	_, err := m.Remember(ctx, memory.Item{Text: "one", Crew: "a", Agent: "x"}, memory.Item{Text: "two", Crew: "a", Agent: "y"})
	require.NoError(t, err)
	_, err = m.Remember(ctx, memory.Item{Text: "three", Crew: "b"})
	require.NoError(t, err)
	all, err := m.List(ctx, "*", "")
	require.NoError(t, err)
	assert.Len(t, all, 3)
	require.NoError(t, m.Reset(ctx, "a", "x"))
	a, err := m.List(ctx, "a", "")
	require.NoError(t, err)
	require.Len(t, a, 1)
	assert.Equal(t, "two", a[0].Text)
	require.NoError(t, m.Reset(ctx, "*", ""))
	all, err = m.List(ctx, "*", "")
	require.NoError(t, err)
	assert.Empty(t, all)
	assert.Equal(t, "/crew/a/agent/x", memory.Scope("a", "x"))
	assert.Equal(t, "/", memory.Scope("", ""))
}

func TestTools(t *testing.T) {
	m := newMemory(t, "")
	r := tool.NewRunner(m.Tools("acme", "Analyst", false))
	tctx := tool.WithRunState(ctx)
	res := r.Run(tctx, memory.SaveToolName, `{"text": "The supplier is Globex", "importance": 0.8}`)
	require.False(t, res.IsError, res.Output)
	res = r.Run(tctx, memory.SearchToolName, `{"query": "who is the supplier"}`)
	require.False(t, res.IsError, res.Output)
	assert.Contains(t, res.Output, "The supplier is Globex")
	res = r.Run(tctx, memory.SaveToolName, `{"text": "x", "importance": 3}`)
	assert.True(t, res.IsError)
	items, err := m.List(ctx, "acme", "Analyst")
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "tool", items[0].Source)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(r.Tools()[1].Schema(), &schema))
}

// TestSearchToolScopes: the search tool of a crew's memory finds what any
// agent of the crew saved; that of an agent's own memory only what this
// agent saved (the scope Recall uses for each).
func TestSearchToolScopes(t *testing.T) {
	m := newMemory(t, "")
	tctx := tool.WithRunState(ctx)
	for _, who := range []string{"Analyst", "Writer"} {
		res := tool.NewRunner(m.Tools("acme", who, false)).Run(tctx, memory.SaveToolName,
			`{"text": "`+who+` notes that the supplier is Globex"}`)
		require.False(t, res.IsError, res.Output)
	}
	search := func(own bool) string {
		res := tool.NewRunner(m.Tools("acme", "Analyst", own)).Run(tctx, memory.SearchToolName, `{"query": "supplier"}`)
		require.False(t, res.IsError, res.Output)
		return res.Output
	}
	crewWide, own := search(false), search(true)
	assert.Contains(t, crewWide, "Analyst notes")
	assert.Contains(t, crewWide, "Writer notes")
	assert.Contains(t, own, "Analyst notes")
	assert.NotContains(t, own, "Writer notes")
}

// TestRecallScopes: a crew's memory recalls what every agent of the crew
// saved; an agent's own memory (Recall with its role) only what that agent
// saved; never another crew's.
func TestRecallScopes(t *testing.T) {
	m := newMemory(t, "")
	_, err := m.Remember(ctx, memory.Item{Text: "The launch city is Lisbon", Crew: "c", Agent: "Planner", Importance: 0.5})
	require.NoError(t, err)
	_, err = m.Remember(ctx, memory.Item{Text: "The launch city budget is small", Crew: "c", Agent: "Accountant", Importance: 0.5})
	require.NoError(t, err)
	_, err = m.Remember(ctx, memory.Item{Text: "The launch city is Porto", Crew: "other", Agent: "Planner", Importance: 0.5})
	require.NoError(t, err)
	tests := []struct {
		name, crew, agent string
		want              []string
	}{
		{"the crew's memory: every agent", "c", "", []string{"The launch city budget is small", "The launch city is Lisbon"}},
		{"an agent's own memory: that agent", "c", "Planner", []string{"The launch city is Lisbon"}},
		{"another agent", "c", "Accountant", []string{"The launch city budget is small"}},
		{"an agent of no crew", "", "Planner", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Recall(ctx, tt.crew, tt.agent, "the launch city")
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.want, got)
		})
	}
}

package crew_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/knowledge"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/memory"
	"github.com/crewai-go/crewai/rag"
	"github.com/crewai-go/crewai/rag/localstore"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

func openStore(t *testing.T) *localstore.Store {
	t.Helper()
	st, err := localstore.Open(filepath.Join(t.TempDir(), "v.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// recallModel plays an agent and the memory extraction: it answers a task
// with what its prompt says was remembered, and extracts "<task> was done"
// as a memory.
func recallModel() *llmtest.Scripted {
	return &llmtest.Scripted{Model: "m", Respond: func(req *llm.Request) llmtest.Reply {
		sys, user := req.Messages[0].Content, userText(req)
		switch {
		case strings.Contains(sys, "long-term memory"):
			task, _, _ := strings.Cut(strings.TrimPrefix(user, "Task:\n"), "\n")
			return llmtest.Reply{Content: fmt.Sprintf(`{"memories":[{"text":"The customer code is %s","importance":0.8}]}`,
				strings.Fields(task)[len(strings.Fields(task))-1]), Usage: fixedUsage}
		case strings.Contains(sys, "search queries"):
			return llmtest.Reply{Content: "refund days", Usage: fixedUsage}
		}
		_, remembered, ok := strings.Cut(user, "What you remember from earlier work")
		if !ok {
			return llmtest.Reply{Content: "nothing remembered", Usage: fixedUsage}
		}
		return llmtest.Reply{Content: "remembered:" + remembered, Usage: fixedUsage}
	}}
}

func memoryCrew(model llm.LLM, mem agent.Memory) *crew.Crew {
	a := &agent.Agent{Role: "Clerk", LLM: model}
	return &crew.Crew{Name: "shop", Agents: []*agent.Agent{a}, Memory: mem,
		Tasks: []*task.Task{{Name: "note", Description: "Write down the customer code {code}", Agent: a}}}
}

func TestMemoryCarriesOverBetweenKickoffs(t *testing.T) {
	st := openStore(t)
	model := recallModel()
	mem := &memory.Memory{Store: st, Embedder: rag.HashEmbedder{}}
	c := memoryCrew(model, mem)
	out, err := c.Kickoff(context.Background(), map[string]any{"code": "ZX81"})
	require.NoError(t, err)
	assert.Equal(t, "nothing remembered", out.Raw)
	// The save was drained before Kickoff returned.
	items, err := mem.List(context.Background(), "shop", "")
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "The customer code is ZX81", items[0].Text)
	assert.Equal(t, "Clerk", items[0].Agent)

	// A new Memory on the same store, as in another process.
	c2 := memoryCrew(model, &memory.Memory{Store: st, Embedder: rag.HashEmbedder{}})
	out, err = c2.Kickoff(context.Background(), map[string]any{"code": "C64"})
	require.NoError(t, err)
	assert.Contains(t, out.Raw, "The customer code is ZX81")

	// The agent was offered the memory tools, and the usage counts the
	// task's model call, the recall's embedding, and the background save
	// (drained before Kickoff returned): the extraction and its embedding.
	reqs := model.Requests()
	var task *llm.Request
	for i := range reqs {
		if strings.Contains(userText(&reqs[i]), "C64") && !strings.Contains(reqs[i].Messages[0].Content, "long-term") {
			task = &reqs[i]
		}
	}
	require.NotNil(t, task)
	var names []string
	for _, d := range task.Tools {
		names = append(names, d.Name)
	}
	assert.ElementsMatch(t, []string{memory.SearchToolName, memory.SaveToolName}, names)
	assert.Equal(t, 4, out.Usage.Requests, "task, extraction, recall embedding, save embedding")
}

func TestKnowledgeGoesIntoThePrompt(t *testing.T) {
	st := openStore(t)
	model := &llmtest.Scripted{Model: "m", Respond: func(req *llm.Request) llmtest.Reply {
		if strings.Contains(req.Messages[0].Content, "search queries") {
			return llmtest.Reply{Content: "refunds paid days", Usage: fixedUsage}
		}
		return llmtest.Reply{Content: "ok", Usage: fixedUsage}
	}}
	k := &knowledge.Knowledge{Name: "policies", Store: st, Embedder: rag.HashEmbedder{}, Threshold: 0.1,
		Sources: []knowledge.Source{
			knowledge.String{Label: "refunds", Content: "Refunds are paid within 14 days."},
			knowledge.String{Label: "hours", Content: "The shop opens at nine."},
		}}
	a := &agent.Agent{Role: "Support", LLM: model}
	first := &task.Task{Name: "a", Description: "Say hello.", Agent: a}
	second := &task.Task{Name: "b", Description: "When are refunds paid?", ExpectedOutput: "A date", Agent: a}
	c := &crew.Crew{Name: "support", Agents: []*agent.Agent{a}, Tasks: []*task.Task{first, second}, Knowledge: k}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, 8, out.Usage.Requests, "two rewrites, two answers, two sources ingested, two queries embedded")
	reqs := model.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, "Task: When are refunds paid?", reqs[2].Messages[1].Content, "the rewrite is asked with the task")
	prompt := userText(&reqs[3])
	assert.Contains(t, prompt, "Refunds are paid within 14 days.")
	assert.NotContains(t, prompt, "opens at nine", "below the threshold")
	// Placed after the expected output and the context of earlier tasks.
	assert.Less(t, strings.Index(prompt, "Context from earlier work"), strings.Index(prompt, "Refunds are paid"))

	// Without the rewrite, the description is the query.
	a.NoQueryRewrite = true
	out, err = c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, 4, out.Usage.Requests, "two answers and two queries embedded; nothing to ingest again")
}

func TestKnowledgeFailureFailsTheTaskNamingTheBackend(t *testing.T) {
	st := openStore(t)
	require.NoError(t, st.Close())
	a := &agent.Agent{Role: "Support", LLM: echo("x"), NoQueryRewrite: true,
		Knowledge: &knowledge.Knowledge{Store: st, Embedder: rag.HashEmbedder{}, Sources: []knowledge.Source{knowledge.String{Content: "x"}}}}
	c := &crew.Crew{Agents: []*agent.Agent{a}, Tasks: []*task.Task{{Name: "t", Description: "d", Agent: a}}}
	_, err := c.Kickoff(context.Background(), nil)
	var te *crew.TaskError
	require.ErrorAs(t, err, &te)
	var se *rag.StoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "local", se.Backend)
}

// pickyEmbedder fails on the statements memory saves, not on queries.
type pickyEmbedder struct{ rag.HashEmbedder }

func (p pickyEmbedder) Embed(ctx context.Context, texts []string) (*rag.Embeddings, error) {
	for _, t := range texts {
		if strings.HasPrefix(t, "The customer code") {
			return nil, errors.New("embedder down")
		}
	}
	return p.HashEmbedder.Embed(ctx, texts)
}

type downEmbedder struct{ rag.HashEmbedder }

func (downEmbedder) Embed(context.Context, []string) (*rag.Embeddings, error) {
	return nil, errors.New("embedder down")
}

func TestMemoryFailures(t *testing.T) {
	// A failed save is a warning: the kickoff succeeds with its result.
	mem := &memory.Memory{Store: openStore(t), Embedder: pickyEmbedder{}}
	out, err := memoryCrew(recallModel(), mem).Kickoff(context.Background(), map[string]any{"code": "A1"})
	require.NoError(t, err)
	assert.Equal(t, "nothing remembered", out.Raw)
	items, err := mem.List(context.Background(), "shop", "")
	require.NoError(t, err)
	assert.Empty(t, items)

	// A failed recall fails the task with an error naming the embedder.
	mem = &memory.Memory{Store: openStore(t), Embedder: downEmbedder{}}
	_, err = memoryCrew(recallModel(), mem).Kickoff(context.Background(), map[string]any{"code": "A2"})
	var ee *rag.EmbedError
	require.ErrorAs(t, err, &ee)
	var te *crew.TaskError
	require.ErrorAs(t, err, &te)
}

func TestConcurrentKickoffsShareOneStore(t *testing.T) {
	st := openStore(t)
	model := recallModel()
	mem := &memory.Memory{Store: st, Embedder: rag.HashEmbedder{}}
	c := memoryCrew(model, mem)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Kickoff(context.Background(), map[string]any{"code": fmt.Sprintf("K%02d", i)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	items, err := mem.List(context.Background(), "shop", "")
	require.NoError(t, err)
	assert.Len(t, items, 20, "every kickoff's memory was saved before it returned")
}

func TestTracedMemoryAndKnowledgeSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	st := openStore(t)
	mem := &memory.Memory{Store: st, Embedder: rag.HashEmbedder{}}
	c := memoryCrew(recallModel(), mem)
	c.Knowledge = &knowledge.Knowledge{Name: "kb", Store: st, Embedder: rag.HashEmbedder{}, Threshold: -1,
		Sources: []knowledge.Source{knowledge.String{Content: "Customer codes have four characters."}}}
	c.Tracing, c.Tracer = true, tr
	_, err = c.Kickoff(context.Background(), map[string]any{"code": "Q1"})
	require.NoError(t, err)

	spans := exp.GetSpans()
	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	parentName := func(s tracetest.SpanStub) string {
		for _, p := range spans {
			if p.SpanContext.SpanID() == s.Parent.SpanID() {
				return p.Name
			}
		}
		return ""
	}
	attr := func(s tracetest.SpanStub, key string) string {
		for _, a := range s.Attributes {
			if string(a.Key) == key {
				return a.Value.String()
			}
		}
		return ""
	}
	ret := byName["retrieve knowledge_kb"]
	require.NotEmpty(t, ret.Name, "spans: %v", names(spans))
	assert.Equal(t, "execute_task note", parentName(ret))
	assert.Equal(t, "RETRIEVER", attr(ret, "openinference.span.kind"))
	assert.Equal(t, "1", attr(ret, "crewai.retrieval.results"))
	assert.Contains(t, attr(ret, "retrieval.documents.0.document.content"), "four characters")

	mret := byName["retrieve /crew/shop"]
	require.NotEmpty(t, mret.Name, "spans: %v", names(spans))
	assert.Equal(t, "memory", attr(mret, "crewai.retrieval.source"))

	emb := byName["embeddings hash-256"]
	require.NotEmpty(t, emb.Name)
	assert.Equal(t, "EMBEDDING", attr(emb, "openinference.span.kind"))
	assert.NotEmpty(t, attr(emb, "gen_ai.usage.input_tokens"))

	save := byName["save_memory /crew/shop/agent/Clerk"]
	require.NotEmpty(t, save.Name, "spans: %v", names(spans))
	assert.Equal(t, "invoke_workflow shop", parentName(save), "the save is a step of the kickoff, next to the task")
	assert.Equal(t, "1", attr(save, "crewai.memory.count"))
	var saveChildren []string
	for _, s := range spans {
		if s.Parent.SpanID() == save.SpanContext.SpanID() {
			saveChildren = append(saveChildren, s.Name)
		}
	}
	assert.ElementsMatch(t, []string{"chat m", "embeddings hash-256"}, saveChildren)
}

func names(spans []tracetest.SpanStub) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// meteredEmbedder is the HashEmbedder with a fixed usage per request.
type meteredEmbedder struct{ rag.HashEmbedder }

var embedUsage = llm.Usage{PromptTokens: 3, TotalTokens: 3, Requests: 1}

func (m meteredEmbedder) Embed(ctx context.Context, texts []string) (*rag.Embeddings, error) {
	e, err := m.HashEmbedder.Embed(ctx, texts)
	if err == nil {
		e.Usage = embedUsage
	}
	return e, err
}

// TestRetrievalUsageIsCounted: CrewOutput.Usage counts, besides the
// agents' model calls, every embedding request (ingestion, knowledge
// query, recall, save) and the memory extraction's model call, exactly
// once; a crew without memory or knowledge counts only its model calls.
func TestRetrievalUsageIsCounted(t *testing.T) {
	times := func(u llm.Usage, n int) llm.Usage {
		var out llm.Usage
		for range n {
			out = out.Add(u)
		}
		return out
	}
	tests := []struct {
		name         string
		memory       bool
		knowledge    bool
		models, embs int // model calls (fixedUsage and a request each), embedding requests (embedUsage each)
	}{
		{"neither", false, false, 1, 0},
		{"knowledge", false, true, 2, 2}, // rewrite + answer; ingestion (one source) + query
		{"memory", true, false, 2, 2},    // answer + extraction; recall + save
		{"memory and knowledge", true, true, 3, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			model := recallModel()
			a := &agent.Agent{Role: "Clerk", LLM: model}
			c := &crew.Crew{Name: "shop", Agents: []*agent.Agent{a},
				Tasks: []*task.Task{{Name: "note", Description: "Write down the customer code {code}", Agent: a}}}
			if tt.memory {
				c.Memory = &memory.Memory{Store: st, Embedder: meteredEmbedder{}}
			}
			if tt.knowledge {
				c.Knowledge = &knowledge.Knowledge{Name: "codes", Store: st, Embedder: meteredEmbedder{},
					Sources: []knowledge.Source{knowledge.String{Content: "Customer codes have four characters."}}}
			}
			out, err := c.Kickoff(context.Background(), map[string]any{"code": "ZX81"})
			require.NoError(t, err)
			call := fixedUsage
			call.Requests = 1 // a model call is one request
			assert.Equal(t, times(call, tt.models).Add(times(embedUsage, tt.embs)), out.Usage)
		})
	}
}

// TestAgentOwnMemoryRecallsOnlyTheAgent: with a crew's memory every agent
// recalls what the crew remembers; an agent with its own Memory recalls
// only its own memories (CrewAI's scopes).
func TestAgentOwnMemoryRecallsOnlyTheAgent(t *testing.T) {
	st := openStore(t)
	seed := &memory.Memory{Store: st, Embedder: rag.HashEmbedder{}}
	_, err := seed.Remember(context.Background(),
		memory.Item{Text: "The customer code is ZX81", Crew: "shop", Agent: "Clerk", Importance: 0.5},
		memory.Item{Text: "The customer code is C64", Crew: "shop", Agent: "Auditor", Importance: 0.5})
	require.NoError(t, err)
	tests := []struct {
		name    string
		own     bool
		want    []string
		wantNot []string
	}{
		{"the crew's memory", false, []string{"ZX81", "C64"}, nil},
		{"the agent's own memory", true, []string{"ZX81"}, []string{"C64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := &memory.Memory{Store: st, Embedder: rag.HashEmbedder{}, LLM: &llmtest.Scripted{
				Replies: []llmtest.Reply{{Content: `{"memories":[]}`}}}}
			a := &agent.Agent{Role: "Clerk", LLM: recallModel()}
			c := &crew.Crew{Name: "shop", Agents: []*agent.Agent{a},
				Tasks: []*task.Task{{Name: "recall", Description: "What is the customer code?", Agent: a}}}
			if tt.own {
				a.Memory = mem
			} else {
				c.Memory = mem
			}
			out, err := c.Kickoff(context.Background(), nil)
			require.NoError(t, err)
			for _, w := range tt.want {
				assert.Contains(t, out.Raw, w)
			}
			for _, w := range tt.wantNot {
				assert.NotContains(t, out.Raw, w)
			}
		})
	}
}

package rag_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/rag"
)

func TestChunk(t *testing.T) {
	long := strings.Repeat("word ", 2000) // 10,000 characters
	tests := []struct {
		name          string
		text          string
		size, overlap int
		want          []string
		wantN         int
		wantErr       string
	}{
		{name: "short text is one chunk", text: "  hello world  ", want: []string{"hello world"}},
		{name: "empty", text: "   ", want: nil},
		{name: "exact windows", text: "abcdefghij", size: 4, overlap: 0, want: []string{"abcd", "efgh", "ij"}},
		{name: "overlap", text: "abcdefghij", size: 4, overlap: 2, want: []string{"abcd", "cdef", "efgh", "ghij"}},
		{name: "cut at a space", text: "alpha beta gamma delta", size: 12, overlap: 0,
			want: []string{"alpha beta", "gamma delta"}},
		{name: "paragraph first", text: "one two\n\nthree four five", size: 14, overlap: 0,
			want: []string{"one two", "three four", "five"}},
		{name: "defaults", text: long, wantN: 3},
		{name: "runes, not bytes", text: "ééééé", size: 2, overlap: 0, want: []string{"éé", "éé", "é"}},
		{name: "negative size", text: "x", size: -1, wantErr: "chunk size -1 is negative"},
		{name: "overlap too large", text: "x", size: 10, overlap: 6, wantErr: "chunk overlap 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size, overlap := tt.size, tt.overlap
			if size == 0 && overlap == 0 {
				overlap = -1
			}
			got, err := rag.Chunk(tt.text, size, overlap)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			if tt.wantN > 0 {
				assert.Len(t, got, tt.wantN)
				for _, c := range got {
					assert.LessOrEqual(t, utf8.RuneCountInString(c), rag.DefaultChunkSize)
				}
				return
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzChunk(f *testing.F) {
	f.Add("hello world, this is a test\n\nof chunks", 10, 3)
	f.Add("\xff\xfe abc", 2, 1)
	f.Fuzz(func(t *testing.T, text string, size, overlap int) {
		size = size%50 + 1
		if size < 1 {
			size = -size + 1
		}
		overlap = overlap % (size/2 + 1)
		if overlap < 0 {
			overlap = -overlap
		}
		got, err := rag.Chunk(text, size, overlap)
		require.NoError(t, err)
		words := strings.Fields(strings.ToValidUTF8(text, "\uFFFD"))
		joined := strings.Join(got, " ")
		for _, c := range got {
			require.LessOrEqual(t, utf8.RuneCountInString(c), size)
			require.NotEmpty(t, c)
			require.True(t, utf8.ValidString(c))
		}
		// Nothing is lost: every word's characters appear in some chunk, in
		// order (words longer than a chunk are cut, so check by runes).
		if len(words) > 0 {
			require.NotEmpty(t, got)
			for _, w := range words {
				for _, r := range w {
					require.Contains(t, joined, string(r))
				}
			}
		}
	})
}

// countingEmbedder records the batches it gets.
type countingEmbedder struct {
	rag.HashEmbedder
	max int
	mu  sync.Mutex
	got []int
	err error
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) (*rag.Embeddings, error) {
	c.mu.Lock()
	c.got = append(c.got, len(texts))
	c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	return c.HashEmbedder.Embed(ctx, texts)
}

func (c *countingEmbedder) Info() rag.EmbedderInfo {
	i := c.HashEmbedder.Info()
	i.MaxBatch = c.max
	return i
}

func collect(t *testing.T) (context.Context, func() []event.Event) {
	var mu sync.Mutex
	var evs []event.Event
	ctx := event.WithHandler(context.Background(), event.HandlerFunc(func(e event.Event) {
		mu.Lock()
		evs = append(evs, e)
		mu.Unlock()
	}))
	return ctx, func() []event.Event { mu.Lock(); defer mu.Unlock(); return append([]event.Event(nil), evs...) }
}

func TestEmbedBatches(t *testing.T) {
	texts := make([]string, 1000)
	for i := range texts {
		texts[i] = "chunk number " + strings.Repeat("x", i%7+1)
	}
	e := &countingEmbedder{max: 100}
	ctx, events := collect(t)
	vecs, usage, err := rag.EmbedBatches(ctx, e, texts)
	require.NoError(t, err)
	require.Len(t, vecs, 1000)
	assert.Equal(t, []int{100, 100, 100, 100, 100, 100, 100, 100, 100, 100}, e.got, "1,000 chunks: one request per batch of 100")
	assert.Equal(t, 10, usage.Requests)
	assert.Equal(t, 3000, usage.PromptTokens)
	var started, completed int
	for _, ev := range events() {
		switch v := ev.(type) {
		case *event.EmbeddingStarted:
			started++
			assert.Equal(t, 100, v.Inputs)
			assert.Equal(t, "hash-256", v.Model)
		case *event.EmbeddingCompleted:
			completed++
			assert.Equal(t, 256, v.Dimensions)
			assert.Equal(t, 300, v.Usage.PromptTokens)
		}
	}
	assert.Equal(t, 10, started)
	assert.Equal(t, 10, completed)
}

func TestEmbedBatchesErrors(t *testing.T) {
	boom := errors.New("boom")
	e := &countingEmbedder{err: boom}
	ctx, events := collect(t)
	_, _, err := rag.EmbedBatches(ctx, e, []string{"a"})
	var ee *rag.EmbedError
	require.ErrorAs(t, err, &ee)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, "hash-256", ee.Model)
	evs := events()
	require.Len(t, evs, 2)
	assert.IsType(t, &event.EmbeddingFailed{}, evs[1])

	_, _, err = rag.EmbedBatches(context.Background(), rag.HashEmbedder{}, []string{"a", " "})
	assert.ErrorContains(t, err, "text 1 is empty")
}

func TestOpenAIEmbedderThroughTheFakeServer(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "")
	srv := llmtest.NewServer(llmtest.ServerConfig{EmbeddingDimensions: 64,
		EmbeddingFaults: []llmtest.Reply{{Fault: llmtest.FaultServerError}}})
	defer srv.Close()
	c, err := llm.New(llm.Config{Model: "nomic-embed-text", BaseURL: srv.URL(), BackoffBase: 1, BackoffMax: 1})
	require.NoError(t, err)
	emb := rag.NewOpenAI(c, 2)
	defer func() { _ = emb }()
	ctx, events := collect(t)
	vecs, usage, err := rag.EmbedBatches(ctx, emb, []string{"one", "two", "three"})
	require.NoError(t, err)
	require.Len(t, vecs, 3)
	assert.Equal(t, llmtest.EmbeddingVector("three", 64), vecs[2])
	assert.Equal(t, 3, srv.Count(), "a retried batch of 2, then a batch of 1")
	assert.Equal(t, 2, usage.Requests)
	info := emb.Info()
	assert.Equal(t, "nomic-embed-text", info.Model)
	assert.Equal(t, "127.0.0.1", info.ServerAddress)
	var retried bool
	for _, e := range events() {
		if r, ok := e.(*event.Retry); ok {
			retried = true
			assert.NotZero(t, r.ParentID, "the retry is inside the embedding step")
		}
	}
	assert.True(t, retried)
}

func TestHashEmbedderRanksSharedWords(t *testing.T) {
	out, err := rag.HashEmbedder{Dimensions: 128}.Embed(context.Background(),
		[]string{"refund policy for damaged goods", "what is the refund policy", "office opening hours"})
	require.NoError(t, err)
	d := func(a, b []float32) float32 {
		var s float32
		for i := range a {
			s += a[i] * b[i]
		}
		return s
	}
	assert.Greater(t, d(out.Vectors[1], out.Vectors[0]), d(out.Vectors[1], out.Vectors[2]))
}

func TestNormalizeAndCheckCollection(t *testing.T) {
	_, err := rag.Normalize([]float32{0, 0})
	assert.ErrorContains(t, err, "zero")
	v, err := rag.Normalize([]float32{3, 4})
	require.NoError(t, err)
	assert.InDelta(t, 0.6, v[0], 1e-6)
	assert.NoError(t, rag.CheckCollection("knowledge_crew-1/a.b:c"))
	assert.ErrorContains(t, rag.CheckCollection("has space"), "' '")
	assert.Error(t, rag.CheckCollection(""))
	assert.True(t, rag.Matches(map[string]string{"a": "1", "b": "2"}, map[string]string{"a": "1"}))
	assert.False(t, rag.Matches(map[string]string{"a": "1"}, map[string]string{"a": "2"}))
}

func TestDefaultEmbedderSaysItFallsBack(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	warnings := func() int {
		mu.Lock()
		defer mu.Unlock()
		return strings.Count(buf.String(), "HashEmbedder")
	}
	tests := []struct {
		name      string
		key, base string
		wantModel string
		wantWarn  int // warnings so far
	}{
		{"a key: OpenAI, no warning", "sk-test", "", "text-embedding-3-small", 0},
		{"a base URL: OpenAI-compatible, no warning", "", "http://127.0.0.1:11434/v1", "text-embedding-3-small", 0},
		{"nothing: the HashEmbedder, one warning", "", "", "hash-256", 1},
		{"again: no second warning", "", "", "hash-256", 1},
	}
	rag.ResetFallbackWarning()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OPENAI_API_KEY", tt.key)
			t.Setenv("OPENAI_BASE_URL", tt.base)
			e := rag.DefaultEmbedder()
			assert.Equal(t, tt.wantModel, e.Info().Model)
			assert.Equal(t, tt.wantWarn, warnings())
		})
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, "OPENAI_API_KEY")
	assert.Contains(t, out, "Embedder field")
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	w  *strings.Builder
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

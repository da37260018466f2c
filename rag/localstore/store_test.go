package localstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/rag"
	"github.com/crewai-go/crewai/rag/localstore"
)

var ctx = context.Background()

func open(t testing.TB, path string) *localstore.Store {
	t.Helper()
	s, err := localstore.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func docs() []rag.Document {
	return []rag.Document{
		{ID: "a", Text: "alpha", Metadata: map[string]string{"kind": "x"}, Vector: []float32{1, 0, 0}},
		{ID: "b", Text: "beta", Metadata: map[string]string{"kind": "y"}, Vector: []float32{0.8, 0.6, 0}},
		{ID: "c", Text: "gamma", Metadata: map[string]string{"kind": "x"}, Vector: []float32{0, 0, 5}},
	}
}

func ids(ms []rag.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestSearch(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "v.db"))
	require.NoError(t, s.Upsert(ctx, "k", docs()))
	tests := []struct {
		name string
		q    rag.Query
		want []string
	}{
		{"top 2", rag.Query{Vector: []float32{1, 0, 0}, Limit: 2}, []string{"a", "b"}},
		{"all, best first", rag.Query{Vector: []float32{2, 0, 0}, Limit: 10}, []string{"a", "b", "c"}},
		{"threshold", rag.Query{Vector: []float32{1, 0, 0}, Limit: 10, MinScore: 0.7}, []string{"a", "b"}},
		{"filter", rag.Query{Vector: []float32{1, 0, 0}, Limit: 10, Filter: map[string]string{"kind": "x"}}, []string{"a", "c"}},
		{"filter on a missing key", rag.Query{Vector: []float32{1, 0, 0}, Limit: 10, Filter: map[string]string{"no": "x"}}, nil},
		{"limit 0", rag.Query{Vector: []float32{1, 0, 0}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Search(ctx, "k", tt.q)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(got))
		})
	}
	got, err := s.Search(ctx, "k", rag.Query{Vector: []float32{1, 0, 0}, Limit: 2})
	require.NoError(t, err)
	assert.InDelta(t, 1.0, got[0].Score, 1e-6)
	assert.InDelta(t, 0.8, got[1].Score, 1e-6)
	assert.Equal(t, "beta", got[1].Text)
	assert.Equal(t, map[string]string{"kind": "y"}, got[1].Metadata)

	none, err := s.Search(ctx, "missing", rag.Query{Vector: []float32{1, 0, 0}, Limit: 2})
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestUpsertListDeleteReset(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "v.db"))
	require.NoError(t, s.Upsert(ctx, "k", docs()))
	require.NoError(t, s.Upsert(ctx, "other", docs()[:1]))
	require.NoError(t, s.Upsert(ctx, "k", []rag.Document{{ID: "a", Text: "alpha 2", Vector: []float32{0, 1, 0}}}))
	list, err := s.List(ctx, "k", nil)
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, "alpha 2", list[0].Text)
	assert.Nil(t, list[0].Vector)
	got, err := s.Search(ctx, "k", rag.Query{Vector: []float32{0, 1, 0}, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, ids(got), "the replaced vector is searched")

	xs, err := s.List(ctx, "k", map[string]string{"kind": "x"})
	require.NoError(t, err)
	assert.Len(t, xs, 1, "a lost its metadata when replaced")

	require.NoError(t, s.Delete(ctx, "k", []string{"b", "nope"}))
	list, err = s.List(ctx, "k", nil)
	require.NoError(t, err)
	assert.Len(t, list, 2)

	cols, err := s.Collections(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"k", "other"}, cols)
	require.NoError(t, s.Reset(ctx, "k"))
	cols, err = s.Collections(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"other"}, cols)
}

func TestRefusesBadInput(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "v.db"))
	require.NoError(t, s.Upsert(ctx, "k", docs()))
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"dimension change", s.Upsert(ctx, "k", []rag.Document{{ID: "z", Vector: []float32{1, 2}}}), "2 dimensions; the collection's have 3"},
		{"empty ID", s.Upsert(ctx, "k", []rag.Document{{Vector: []float32{1, 2, 3}}}), "empty ID"},
		{"zero vector", s.Upsert(ctx, "k", []rag.Document{{ID: "z", Vector: []float32{0, 0, 0}}}), "zero"},
		{"bad collection", s.Upsert(ctx, "a b", docs()), "collection name"},
		{"query dimension", func() error {
			_, err := s.Search(ctx, "k", rag.Query{Vector: []float32{1}, Limit: 1})
			return err
		}(), "query vector has 1 dimensions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var se *rag.StoreError
			require.ErrorAs(t, tt.err, &se)
			assert.Equal(t, "local", se.Backend)
			assert.ErrorContains(t, tt.err, tt.want)
		})
	}
	list, err := s.List(ctx, "k", nil)
	require.NoError(t, err)
	assert.Len(t, list, 3, "a refused batch changes nothing")
}

func TestPersistsAcrossOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "v.db")
	s1, err := localstore.Open(path)
	require.NoError(t, err)
	require.NoError(t, s1.Upsert(ctx, "k", docs()))
	require.NoError(t, s1.Close())
	s2 := open(t, path)
	got, err := s2.Search(ctx, "k", rag.Query{Vector: []float32{0, 0, 1}, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, ids(got))
}

func TestSeesOtherWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	a, b := open(t, path), open(t, path)
	require.NoError(t, a.Upsert(ctx, "k", docs()[:1]))
	got, err := b.List(ctx, "k", nil)
	require.NoError(t, err)
	assert.Len(t, got, 1)
	require.NoError(t, a.Upsert(ctx, "k", docs()[1:]))
	got, err = b.List(ctx, "k", nil)
	require.NoError(t, err)
	assert.Len(t, got, 3, "b reloads what a wrote after b had loaded the collection")
	require.NoError(t, b.Reset(ctx, "k"))
	got, err = a.List(ctx, "k", nil)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestCorruptFileIsReportedNotEmptied(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content []byte
	}{
		{"garbage", []byte("this is not a database, but someone's notes\n")},
		{"truncated header", []byte("SQLite format 3\x00\x10\x00\x01\x01")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".db")
			require.NoError(t, os.WriteFile(path, tt.content, 0o600))
			_, err := localstore.Open(path)
			require.Error(t, err)
			assert.True(t, errors.Is(err, localstore.ErrCorrupt), "%v", err)
			assert.ErrorContains(t, err, path)
			after, rerr := os.ReadFile(path)
			require.NoError(t, rerr)
			assert.Equal(t, tt.content, after, "the file is left as it was")
		})
	}
}

func TestCorruptRowIsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	s := open(t, path)
	require.NoError(t, s.Upsert(ctx, "k", docs()))
	require.NoError(t, localstore.DamageForTest(s, "k", "b"))
	_, err := s.Search(ctx, "k", rag.Query{Vector: []float32{1, 0, 0}, Limit: 1})
	require.ErrorIs(t, err, localstore.ErrCorrupt)
	assert.ErrorContains(t, err, `document "b"`)
	n, err := localstore.CountForTest(s)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "nothing was deleted")
}

func TestConcurrentUse(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "v.db"))
	var wg sync.WaitGroup
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				id := fmt.Sprintf("g%d-%d", g, i)
				assert.NoError(t, s.Upsert(ctx, "k", []rag.Document{{ID: id, Text: id, Vector: []float32{float32(g + 1), float32(i + 1), 1}}}))
				_, err := s.Search(ctx, "k", rag.Query{Vector: []float32{1, 1, 1}, Limit: 3})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	list, err := s.List(ctx, "k", nil)
	require.NoError(t, err)
	assert.Len(t, list, 200)
}

func randomVec(r *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// BenchmarkSearch10k1536 is the target: a top-5 search over 10,000
// chunks of 1,536 dimensions; it reports the median (p50-ms).
func BenchmarkSearch10k1536(b *testing.B) {
	const n, d = 10000, 1536
	s := open(b, filepath.Join(b.TempDir(), "v.db"))
	r := rand.New(rand.NewPCG(1, 2))
	for start := 0; start < n; start += 1000 {
		batch := make([]rag.Document, 1000)
		for i := range batch {
			id := fmt.Sprint(start + i)
			batch[i] = rag.Document{ID: id, Text: "chunk " + id, Vector: randomVec(r, d)}
		}
		require.NoError(b, s.Upsert(ctx, "k", batch))
	}
	q := rag.Query{Vector: randomVec(r, d), Limit: 5, MinScore: -1}
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		res, err := s.Search(ctx, "k", q)
		took = append(took, time.Since(t0))
		if err != nil || len(res) != 5 {
			b.Fatal(err, len(res))
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
}

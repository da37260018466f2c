package chroma_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/rag"
	"github.com/crewai-go/crewai/rag/chroma"
)

// The real server is exercised by the e2e/vectordb module; these tests check
// the requests sent and that failures are bounded and name the backend.

func TestRequests(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		b, _ := json.Marshal(body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+string(b))
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/collections") && r.Method == http.MethodPost:
			_, _ = w.Write([]byte(`{"id":"c1","name":"kcoll"}`))
		case strings.HasSuffix(r.URL.Path, "/query"):
			_, _ = w.Write([]byte(`{"ids":[["a","b"]],"documents":[["alpha",null]],"metadatas":[[{"kind":"x"},{"_":""}]],"distances":[[0.1,0.7]]}`))
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	s := &chroma.Store{URL: srv.URL}
	ctx := context.Background()
	require.NoError(t, s.Upsert(ctx, "kcoll", []rag.Document{{ID: "a", Text: "alpha", Vector: []float32{3, 4}}}))
	res, err := s.Search(ctx, "kcoll", rag.Query{Vector: []float32{1, 0}, Limit: 2, MinScore: 0.5,
		Filter: map[string]string{"kind": "x", "b": "y"}})
	require.NoError(t, err)
	require.Len(t, res, 1, "the second result is below the threshold")
	assert.InDelta(t, 0.9, res[0].Score, 1e-9)
	assert.Equal(t, map[string]string{"kind": "x"}, res[0].Metadata)
	require.Len(t, got, 3)
	assert.Contains(t, got[0], "POST /api/v2/tenants/default_tenant/databases/default_database/collections ")
	assert.Contains(t, got[0], `"space":"cosine"`)
	assert.Contains(t, got[1], "/collections/c1/upsert")
	assert.Contains(t, got[1], `[0.6,0.8]`, "vectors are normalised")
	assert.Contains(t, got[2], `"where":{"$and":[{"b":{"$eq":"y"}},{"kind":{"$eq":"x"}}]}`)
}

func TestDownOrSlowServerIsBoundedAndNamed(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(time.Second):
		}
	}))
	defer slow.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	for _, s := range []*chroma.Store{{URL: slow.URL, Timeout: 50 * time.Millisecond}, {URL: downURL}} {
		err := s.Upsert(context.Background(), "kcoll", []rag.Document{{ID: "a", Vector: []float32{1}}})
		var se *rag.StoreError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "chroma", se.Backend)
		assert.Equal(t, "upsert", se.Op)
	}
}

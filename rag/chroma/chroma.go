// Package chroma is a rag.Store on a Chroma server (the vector database
// CrewAI uses by default), over its HTTP API v2: for users whose memories
// and knowledge outgrow one local file, or who share them between machines.
//
// Collections are created on first upsert with cosine distance (Chroma wants
// names of 3 to 512 characters from letters, digits, "." "_" and "-"); a search
// turns Chroma's distances into cosine similarities (1 - distance), so
// thresholds mean the same as with the local store. Metadata filters
// become Chroma "where" clauses ($eq, joined with $and).
//
// A server that is down or slow never hangs a run: every request is bounded
// by Store.Timeout (default 30 s) as well as by ctx, and fails with a
// *rag.StoreError naming the backend "chroma".
//
// A Store is safe for concurrent use. It is tested end to end against a
// real Chroma server in the e2e/vectordb module.
//
// # Why a client of its own
//
// The store needs six calls of Chroma's HTTP API (get or create a
// collection, upsert, query, get, delete, delete the collection), a few
// hundred lines on net/http. The one Go client of Chroma,
// github.com/amikos-tech/chroma-go (community-kept, v0.3.0 of January 2026
// on the module proxy), was weighed and left out: its module requires Docker,
// testcontainers, ONNX Runtime, zap and Google's AI SDK, and its v2 API
// package imports a default embedding function that loads ONNX Runtime (a
// native library it downloads) plus the Cohere and OpenAI embedders, all of
// which would land in the go.mod of every program using this library for an
// API whose embedding this package never asks the server to do. If a small,
// dependency-light client appears, this package should move to it.
package chroma

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crewai-go/crewai/rag"
)

const backend = "chroma"

// Store is a rag.Store on a Chroma server. The zero value is not usable:
// set URL (such as "http://127.0.0.1:8000").
type Store struct {
	// URL is the server's base URL.
	URL string
	// Tenant and Database default to Chroma's "default_tenant" and
	// "default_database".
	Tenant, Database string
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
	// Timeout bounds each request; 0 means 30 s.
	Timeout time.Duration

	mu  sync.Mutex
	ids map[string]string // collection name -> Chroma ID
}

// Backend returns "chroma".
func (s *Store) Backend() string { return backend }

func (s *Store) base() string {
	t, d := s.Tenant, s.Database
	if t == "" {
		t = "default_tenant"
	}
	if d == "" {
		d = "default_database"
	}
	return strings.TrimRight(s.URL, "/") + "/api/v2/tenants/" + url.PathEscape(t) + "/databases/" + url.PathEscape(d)
}

// call sends one request and decodes the JSON answer into out (if not nil).
func (s *Store) call(ctx context.Context, method, path string, in, out any) (int, error) {
	d := s.Timeout
	if d <= 0 {
		d = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base()+path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := s.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		msg := strings.TrimSpace(string(b))
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		return resp.StatusCode, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, msg)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// collection returns the ID of the collection name, creating it when
// create is true; "" when it does not exist.
func (s *Store) collection(ctx context.Context, name string, create bool) (string, error) {
	s.mu.Lock()
	id, ok := s.ids[name]
	s.mu.Unlock()
	if ok {
		return id, nil
	}
	var c struct {
		ID string `json:"id"`
	}
	if create {
		in := map[string]any{"name": name, "get_or_create": true,
			"configuration": map[string]any{"hnsw": map[string]any{"space": "cosine"}}}
		if _, err := s.call(ctx, http.MethodPost, "/collections", in, &c); err != nil {
			return "", err
		}
	} else {
		status, err := s.call(ctx, http.MethodGet, "/collections/"+url.PathEscape(name), nil, &c)
		if status == http.StatusNotFound || (err != nil && strings.Contains(err.Error(), "does not exist")) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
	}
	s.mu.Lock()
	if s.ids == nil {
		s.ids = map[string]string{}
	}
	s.ids[name] = c.ID
	s.mu.Unlock()
	return c.ID, nil
}

func fail(op, coll string, err error) error {
	return &rag.StoreError{Backend: backend, Op: op, Collection: coll, Err: err}
}

// where turns an equality filter into a Chroma where clause (nil for none).
func where(filter map[string]string) any {
	if len(filter) == 0 {
		return nil
	}
	keys := make([]string, 0, len(filter))
	for k := range filter {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	clauses := make([]any, len(keys))
	for i, k := range keys {
		clauses[i] = map[string]any{k: map[string]any{"$eq": filter[k]}}
	}
	if len(clauses) == 1 {
		return clauses[0]
	}
	return map[string]any{"$and": clauses}
}

// Upsert adds or replaces docs.
func (s *Store) Upsert(ctx context.Context, name string, docs []rag.Document) error {
	if len(docs) == 0 {
		return nil
	}
	if err := rag.CheckCollection(name); err != nil {
		return fail("upsert", name, err)
	}
	id, err := s.collection(ctx, name, true)
	if err != nil {
		return fail("upsert", name, err)
	}
	in := struct {
		IDs        []string            `json:"ids"`
		Embeddings [][]float32         `json:"embeddings"`
		Documents  []string            `json:"documents"`
		Metadatas  []map[string]string `json:"metadatas"`
	}{}
	for i, d := range docs {
		if d.ID == "" {
			return fail("upsert", name, fmt.Errorf("document %d has an empty ID", i))
		}
		v, err := rag.Normalize(d.Vector)
		if err != nil {
			return fail("upsert", name, fmt.Errorf("document %q: %w", d.ID, err))
		}
		md := d.Metadata
		if len(md) == 0 {
			md = map[string]string{"_": ""} // Chroma refuses empty metadata objects
		}
		in.IDs = append(in.IDs, d.ID)
		in.Embeddings = append(in.Embeddings, v)
		in.Documents = append(in.Documents, d.Text)
		in.Metadatas = append(in.Metadatas, md)
	}
	if _, err := s.call(ctx, http.MethodPost, "/collections/"+id+"/upsert", in, nil); err != nil {
		return fail("upsert", name, err)
	}
	return nil
}

func cleanMeta(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k == "_" {
			continue
		}
		out[k] = fmt.Sprint(v)
	}
	return out
}

// Search returns the best q.Limit documents at or above q.MinScore.
func (s *Store) Search(ctx context.Context, name string, q rag.Query) ([]rag.Match, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	id, err := s.collection(ctx, name, false)
	if err != nil || id == "" {
		if err != nil {
			err = fail("search", name, err)
		}
		return nil, err
	}
	v, err := rag.Normalize(q.Vector)
	if err != nil {
		return nil, fail("search", name, fmt.Errorf("query: %w", err))
	}
	in := map[string]any{"query_embeddings": [][]float32{v}, "n_results": q.Limit,
		"include": []string{"documents", "metadatas", "distances"}}
	if w := where(q.Filter); w != nil {
		in["where"] = w
	}
	var out struct {
		IDs       [][]string         `json:"ids"`
		Documents [][]*string        `json:"documents"`
		Metadatas [][]map[string]any `json:"metadatas"`
		Distances [][]float64        `json:"distances"`
	}
	if _, err := s.call(ctx, http.MethodPost, "/collections/"+id+"/query", in, &out); err != nil {
		return nil, fail("search", name, err)
	}
	if len(out.IDs) == 0 {
		return nil, nil
	}
	var res []rag.Match
	for i, docID := range out.IDs[0] {
		score := 1 - out.Distances[0][i]
		if score < q.MinScore {
			continue
		}
		m := rag.Match{Document: rag.Document{ID: docID, Metadata: cleanMeta(out.Metadatas[0][i])}, Score: score}
		if p := out.Documents[0][i]; p != nil {
			m.Text = *p
		}
		res = append(res, m)
	}
	return res, nil
}

// List returns the documents matching filter, sorted by ID.
func (s *Store) List(ctx context.Context, name string, filter map[string]string) ([]rag.Document, error) {
	id, err := s.collection(ctx, name, false)
	if err != nil || id == "" {
		if err != nil {
			err = fail("list", name, err)
		}
		return nil, err
	}
	in := map[string]any{"include": []string{"documents", "metadatas"}}
	if w := where(filter); w != nil {
		in["where"] = w
	}
	var out struct {
		IDs       []string         `json:"ids"`
		Documents []*string        `json:"documents"`
		Metadatas []map[string]any `json:"metadatas"`
	}
	if _, err := s.call(ctx, http.MethodPost, "/collections/"+id+"/get", in, &out); err != nil {
		return nil, fail("list", name, err)
	}
	res := make([]rag.Document, len(out.IDs))
	for i, docID := range out.IDs {
		res[i] = rag.Document{ID: docID, Metadata: cleanMeta(out.Metadatas[i])}
		if p := out.Documents[i]; p != nil {
			res[i].Text = *p
		}
	}
	slices.SortFunc(res, func(a, b rag.Document) int { return strings.Compare(a.ID, b.ID) })
	return res, nil
}

// Delete removes the documents with the given IDs.
func (s *Store) Delete(ctx context.Context, name string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	id, err := s.collection(ctx, name, false)
	if err != nil || id == "" {
		if err != nil {
			err = fail("delete", name, err)
		}
		return err
	}
	if _, err := s.call(ctx, http.MethodPost, "/collections/"+id+"/delete", map[string]any{"ids": ids}, nil); err != nil {
		return fail("delete", name, err)
	}
	return nil
}

// Reset deletes the collection.
func (s *Store) Reset(ctx context.Context, name string) error {
	id, err := s.collection(ctx, name, false)
	if err != nil {
		return fail("reset", name, err)
	}
	if id == "" {
		return nil
	}
	if _, err := s.call(ctx, http.MethodDelete, "/collections/"+url.PathEscape(name), nil, nil); err != nil {
		return fail("reset", name, err)
	}
	s.mu.Lock()
	delete(s.ids, name)
	s.mu.Unlock()
	return nil
}

// Collections lists the collections that hold documents, sorted.
func (s *Store) Collections(ctx context.Context) ([]string, error) {
	var out []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if _, err := s.call(ctx, http.MethodGet, "/collections", nil, &out); err != nil {
		return nil, fail("collections", "", err)
	}
	var names []string
	for _, c := range out {
		var n int
		if _, err := s.call(ctx, http.MethodGet, "/collections/"+c.ID+"/count", nil, &n); err != nil {
			return nil, fail("collections", c.Name, err)
		}
		if n > 0 {
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)
	return names, nil
}

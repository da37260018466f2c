package localstore

import (
	"container/heap"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver

	"github.com/crewai-go/crewai/rag"
)

// DefaultPath is the file [Open] uses for an empty path when
// CREWAI_VECTOR_DB is not set.
const DefaultPath = ".crewai/vectors.db"

// ErrCorrupt marks a store file that cannot be read as a store: not a
// SQLite database, or damaged rows. The file is left as it is.
var ErrCorrupt = errors.New("the store file is damaged")

const backend = "local"

// Store is the embedded vector store; see the package doc. Make one with
// [Open]. The zero value is not usable.
type Store struct {
	path string
	db   *sql.DB

	mu      sync.RWMutex
	version int64 // PRAGMA data_version when the cache was last valid
	colls   map[string]*collection
}

// collection is one collection held in memory: row i has ids[i], texts[i],
// metas[i] and vecs[i*dim:(i+1)*dim] (normalised).
type collection struct {
	dim   int
	ids   []string
	texts []string
	metas []map[string]string
	vecs  []float32
	index map[string]int
}

// Open opens (creating it and its folder if needed) the store file at path;
// an empty path means $CREWAI_VECTOR_DB, else [DefaultPath]. A file that
// exists but is not a store is an error wrapping [ErrCorrupt].
func Open(path string) (*Store, error) {
	if path == "" {
		path = os.Getenv("CREWAI_VECTOR_DB")
	}
	if path == "" {
		path = DefaultPath
	}
	fail := func(err error) error { return &rag.StoreError{Backend: backend, Op: "open", Err: err} }
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fail(err)
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fail(err)
	}
	// One connection: PRAGMA data_version is per connection, and writes are
	// serialised by SQLite anyway.
	db.SetMaxOpenConns(1)
	s := &Store{path: path, db: db, colls: map[string]*collection{}}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fail(err)
	}
	return s, nil
}

func (s *Store) corrupt(err error) error {
	return fmt.Errorf("%w: %s: %v (move the file away, or reset the store, to start afresh)", ErrCorrupt, s.path, err)
}

func (s *Store) init() error {
	var check string
	if err := s.db.QueryRow("PRAGMA quick_check").Scan(&check); err != nil {
		return s.corrupt(err)
	}
	if check != "ok" {
		return s.corrupt(errors.New(check))
	}
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'documents'`).Scan(&n); err != nil {
		return s.corrupt(err)
	}
	if n == 0 {
		var other int
		if err := s.db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&other); err != nil {
			return s.corrupt(err)
		}
		if other > 0 {
			return s.corrupt(errors.New("it is a SQLite database of something else (no documents table)"))
		}
		if _, err := s.db.Exec(`CREATE TABLE documents (
			collection TEXT NOT NULL,
			id TEXT NOT NULL,
			text TEXT NOT NULL,
			metadata TEXT NOT NULL,
			vector BLOB NOT NULL,
			PRIMARY KEY (collection, id))`); err != nil {
			return err
		}
	}
	return s.db.QueryRow("PRAGMA data_version").Scan(&s.version)
}

// Path returns the file the store is kept in.
func (s *Store) Path() string { return s.path }

// Backend returns "local".
func (s *Store) Backend() string { return backend }

// Close closes the file. Using the store afterwards is an error.
func (s *Store) Close() error { return s.db.Close() }

// fresh drops the cached collections when another process changed the
// file. It must be called with s.mu held for writing.
func (s *Store) fresh(ctx context.Context) error {
	var v int64
	if err := s.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return err
	}
	if v != s.version {
		clear(s.colls)
		s.version = v
	}
	return nil
}

// load returns the collection name, loading it when needed; nil when it
// has no document. s.mu must be held for writing.
func (s *Store) load(ctx context.Context, name string) (*collection, error) {
	if c, ok := s.colls[name]; ok {
		return c, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, text, metadata, vector FROM documents WHERE collection = ?`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var c *collection
	for rows.Next() {
		var id, text, meta string
		var blob []byte
		if err := rows.Scan(&id, &text, &meta, &blob); err != nil {
			return nil, s.corrupt(err)
		}
		if len(blob) == 0 || len(blob)%4 != 0 {
			return nil, s.corrupt(fmt.Errorf("document %q of collection %q has a vector of %d bytes", id, name, len(blob)))
		}
		var md map[string]string
		if err := json.Unmarshal([]byte(meta), &md); err != nil {
			return nil, s.corrupt(fmt.Errorf("document %q of collection %q: metadata: %v", id, name, err))
		}
		if c == nil {
			c = &collection{dim: len(blob) / 4, index: map[string]int{}}
		}
		if len(blob)/4 != c.dim {
			return nil, s.corrupt(fmt.Errorf("document %q of collection %q has %d dimensions, the others %d", id, name, len(blob)/4, c.dim))
		}
		c.index[id] = len(c.ids)
		c.ids = append(c.ids, id)
		c.texts = append(c.texts, text)
		c.metas = append(c.metas, md)
		for i := 0; i < len(blob); i += 4 {
			c.vecs = append(c.vecs, math.Float32frombits(binary.LittleEndian.Uint32(blob[i:])))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.corrupt(err)
	}
	if c != nil {
		s.colls[name] = c
	}
	return c, nil
}

// collectionFor runs f on the loaded collection under the write lock.
func (s *Store) with(ctx context.Context, op, name string, f func(c *collection) error) error {
	if err := rag.CheckCollection(name); err != nil {
		return &rag.StoreError{Backend: backend, Op: op, Collection: name, Err: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.fresh(ctx)
	var c *collection
	if err == nil {
		c, err = s.load(ctx, name)
	}
	if err == nil {
		err = f(c)
	}
	if err != nil {
		return &rag.StoreError{Backend: backend, Op: op, Collection: name, Err: err}
	}
	return nil
}

// Upsert adds docs to the collection in one transaction, replacing
// documents with the same IDs. Vectors are normalised; every vector must
// have the collection's length.
func (s *Store) Upsert(ctx context.Context, name string, docs []rag.Document) error {
	if len(docs) == 0 {
		return nil
	}
	return s.with(ctx, "upsert", name, func(c *collection) error {
		dim := len(docs[0].Vector)
		if c != nil {
			dim = c.dim
		}
		norm := make([][]float32, len(docs))
		for i, d := range docs {
			if d.ID == "" {
				return fmt.Errorf("document %d has an empty ID", i)
			}
			if len(d.Vector) != dim {
				return fmt.Errorf("document %q has a vector of %d dimensions; the collection's have %d (use one embedder per collection, or reset it)", d.ID, len(d.Vector), dim)
			}
			v, err := rag.Normalize(d.Vector)
			if err != nil {
				return fmt.Errorf("document %q: %w", d.ID, err)
			}
			norm[i] = v
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO documents (collection, id, text, metadata, vector) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (collection, id) DO UPDATE SET text = excluded.text, metadata = excluded.metadata, vector = excluded.vector`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		blob := make([]byte, 4*dim)
		for i, d := range docs {
			md := d.Metadata
			if md == nil {
				md = map[string]string{}
			}
			meta, _ := json.Marshal(md)
			for j, x := range norm[i] {
				binary.LittleEndian.PutUint32(blob[4*j:], math.Float32bits(x))
			}
			if _, err := stmt.ExecContext(ctx, name, d.ID, d.Text, string(meta), blob); err != nil {
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		if c == nil {
			c = &collection{dim: dim, index: map[string]int{}}
			s.colls[name] = c
		}
		for i, d := range docs {
			md := make(map[string]string, len(d.Metadata))
			for k, v := range d.Metadata {
				md[k] = v
			}
			if j, ok := c.index[d.ID]; ok {
				c.texts[j], c.metas[j] = d.Text, md
				copy(c.vecs[j*dim:(j+1)*dim], norm[i])
				continue
			}
			c.index[d.ID] = len(c.ids)
			c.ids = append(c.ids, d.ID)
			c.texts = append(c.texts, d.Text)
			c.metas = append(c.metas, md)
			c.vecs = append(c.vecs, norm[i]...)
		}
		return s.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&s.version)
	})
}

// Search scores every document of the collection that matches q.Filter and
// returns the best q.Limit at or above q.MinScore, best first.
func (s *Store) Search(ctx context.Context, name string, q rag.Query) ([]rag.Match, error) {
	if q.Limit <= 0 {
		return nil, nil
	}
	var out []rag.Match
	err := s.with(ctx, "search", name, func(c *collection) error {
		if c == nil {
			return nil
		}
		if len(q.Vector) != c.dim {
			return fmt.Errorf("the query vector has %d dimensions; the collection's have %d", len(q.Vector), c.dim)
		}
		qv, err := rag.Normalize(q.Vector)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		h := make(topK, 0, q.Limit)
		min := float32(q.MinScore)
		for i := range c.ids {
			if len(q.Filter) > 0 && !rag.Matches(c.metas[i], q.Filter) {
				continue
			}
			sc := dot(qv, c.vecs[i*c.dim:(i+1)*c.dim])
			if sc < min {
				continue
			}
			if len(h) < q.Limit {
				heap.Push(&h, hit{i, sc})
			} else if sc > h[0].score {
				h[0] = hit{i, sc}
				heap.Fix(&h, 0)
			}
		}
		slices.SortFunc(h, func(a, b hit) int {
			if a.score != b.score {
				if a.score > b.score {
					return -1
				}
				return 1
			}
			return strings.Compare(c.ids[a.i], c.ids[b.i])
		})
		out = make([]rag.Match, len(h))
		for k, x := range h {
			out[k] = rag.Match{Document: rag.Document{ID: c.ids[x.i], Text: c.texts[x.i], Metadata: clone(c.metas[x.i])},
				Score: float64(x.score)}
		}
		return nil
	})
	return out, err
}

// List returns the collection's documents matching filter, without
// vectors, sorted by ID.
func (s *Store) List(ctx context.Context, name string, filter map[string]string) ([]rag.Document, error) {
	var out []rag.Document
	err := s.with(ctx, "list", name, func(c *collection) error {
		if c == nil {
			return nil
		}
		for i, id := range c.ids {
			if rag.Matches(c.metas[i], filter) {
				out = append(out, rag.Document{ID: id, Text: c.texts[i], Metadata: clone(c.metas[i])})
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b rag.Document) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// Delete removes the documents with the given IDs.
func (s *Store) Delete(ctx context.Context, name string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.with(ctx, "delete", name, func(c *collection) error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE collection = ? AND id = ?`, name, id); err != nil {
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		delete(s.colls, name) // reloaded on next use
		return s.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&s.version)
	})
}

// Reset removes the collection.
func (s *Store) Reset(ctx context.Context, name string) error {
	return s.with(ctx, "reset", name, func(*collection) error {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM documents WHERE collection = ?`, name); err != nil {
			return err
		}
		delete(s.colls, name)
		return s.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&s.version)
	})
}

// Collections lists the collections that hold documents, sorted.
func (s *Store) Collections(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT collection FROM documents ORDER BY collection`)
	if err != nil {
		return nil, &rag.StoreError{Backend: backend, Op: "collections", Err: err}
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, &rag.StoreError{Backend: backend, Op: "collections", Err: err}
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, &rag.StoreError{Backend: backend, Op: "collections", Err: err}
	}
	return out, nil
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// dot is the dot product of two vectors of the same length, with four
// accumulators so that the additions do not wait on each other.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// hit is a scored row; topK is a min-heap of hits by score.
type hit struct {
	i     int
	score float32
}

type topK []hit

func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return h[i].score < h[j].score }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(x any)        { *h = append(*h, x.(hit)) }
func (h *topK) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

var (
	defaultOnce  sync.Mutex
	defaultStore *Store
)

// Default returns the process's shared store on [DefaultPath] (or
// $CREWAI_VECTOR_DB), opening it on first use: knowledge and memory without
// a Store of their own use it. A failed open is returned and tried again on
// the next call. The store stays open for the life of the process.
func Default() (*Store, error) {
	defaultOnce.Lock()
	defer defaultOnce.Unlock()
	if defaultStore != nil {
		return defaultStore, nil
	}
	s, err := Open("")
	if err != nil {
		return nil, err
	}
	defaultStore = s
	return s, nil
}

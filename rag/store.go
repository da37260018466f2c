package rag

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// Document is one stored text with its vector. The zero value is an empty
// document with no ID, which stores refuse. A Document handed to a store is
// copied by it; a Document returned by a store belongs to the caller.
type Document struct {
	// ID identifies the document within its collection; upserting an
	// existing ID replaces it.
	ID string
	// Text is the stored text (a chunk of a source, a memory).
	Text string
	// Metadata are string attributes, filterable by equality.
	Metadata map[string]string
	// Vector is the text's embedding. Every vector of a collection has the
	// same length. Stores may normalise it to length 1.
	Vector []float32
}

// Query is a similarity search. The zero value asks for nothing (Limit 0
// returns no result).
type Query struct {
	// Vector is the embedding of the query text.
	Vector []float32
	// Limit is the most results returned.
	Limit int
	// MinScore keeps only results whose cosine similarity is at least this.
	MinScore float64
	// Filter keeps only documents whose metadata has every key with the
	// given value.
	Filter map[string]string
}

// Match is one search result: the document (without its vector) and its
// cosine similarity to the query.
type Match struct {
	Document
	// Score is the cosine similarity, from -1 to 1, higher is closer.
	Score float64
}

// Store is a vector store: named collections of documents searched by
// similarity. Implementations are safe for concurrent use; every method
// honours ctx and returns a [*StoreError] naming the backend on failure. A
// collection exists once something is upserted into it; searching, listing
// or deleting in a collection that does not exist finds nothing and is not
// an error.
type Store interface {
	// Upsert adds docs to collection, replacing documents with the same ID.
	// A vector whose length differs from the collection's is an error.
	Upsert(ctx context.Context, collection string, docs []Document) error
	// Search returns at most q.Limit documents of collection matching
	// q.Filter with a score of at least q.MinScore, best first.
	Search(ctx context.Context, collection string, q Query) ([]Match, error)
	// List returns the documents of collection matching filter (nil: all),
	// without their vectors, in no particular order.
	List(ctx context.Context, collection string, filter map[string]string) ([]Document, error)
	// Delete removes the documents with the given IDs; unknown IDs are
	// ignored.
	Delete(ctx context.Context, collection string, ids []string) error
	// Reset removes the collection and all its documents.
	Reset(ctx context.Context, collection string) error
	// Collections lists the collections that hold documents, sorted.
	Collections(ctx context.Context) ([]string, error)
	// Backend names the store in errors, events and traces, such as
	// "local".
	Backend() string
}

// Matches reports whether metadata has every key of filter with its value.
func Matches(metadata, filter map[string]string) bool {
	for k, v := range filter {
		if got, ok := metadata[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// Normalize returns v scaled to length 1, in a new slice. A zero vector or a
// vector holding NaN or an infinity is an error naming the problem.
func Normalize(v []float32) ([]float32, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("the vector is empty")
	}
	var n float64
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("coordinate %d of the vector is %v", i, x)
		}
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return nil, fmt.Errorf("the vector is zero")
	}
	inv := 1 / math.Sqrt(n)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}

// CheckCollection returns an error when name cannot name a collection: it
// must be 1 to 200 bytes of letters, digits, '_', '-', '.', ':' and '/'.
func CheckCollection(name string) error {
	if name == "" || len(name) > 200 {
		return fmt.Errorf("the collection name %q must be 1 to 200 bytes long", name)
	}
	if i := strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.:/", r))
	}); i >= 0 {
		return fmt.Errorf("the collection name %q has %q at byte %d; use letters, digits, '_', '-', '.', ':' and '/'", name, name[i], i)
	}
	return nil
}

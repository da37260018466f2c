package rag

import "fmt"

// EmbedError is the error of a failed embedding: it names the model and the
// provider and wraps the cause (an *llm.Error for the OpenAI embedder, so
// errors.Is(err, llm.ErrRateLimit) and the like work).
type EmbedError struct {
	// Model and Provider name the embedder.
	Model, Provider string
	// Err is the cause.
	Err error
}

// Error says which embedder failed and why.
func (e *EmbedError) Error() string {
	return fmt.Sprintf("rag: embedder %s (%s): %v", e.Model, e.Provider, e.Err)
}

// Unwrap returns the cause.
func (e *EmbedError) Unwrap() error { return e.Err }

// StoreError is the error of a failed vector-store operation: it names the
// backend ("local", "pgvector"...), the operation and the collection, and
// wraps the cause.
type StoreError struct {
	// Backend names the store, as Store.Backend returns it.
	Backend string
	// Op is the operation: "open", "upsert", "search", "list", "delete",
	// "reset" or "collections".
	Op string
	// Collection is the collection concerned, if any.
	Collection string
	// Err is the cause.
	Err error
}

// Error says which store failed, doing what, and why.
func (e *StoreError) Error() string {
	if e.Collection == "" {
		return fmt.Sprintf("rag: %s store: %s: %v", e.Backend, e.Op, e.Err)
	}
	return fmt.Sprintf("rag: %s store: %s %q: %v", e.Backend, e.Op, e.Collection, e.Err)
}

// Unwrap returns the cause.
func (e *StoreError) Unwrap() error { return e.Err }

package event

import "github.com/crewai-go/crewai/chat"

// Kinds of the events of embedding, retrieval and memory (packages rag,
// knowledge and memory).
const (
	KindEmbeddingStarted    Kind = "embedding_started"
	KindEmbeddingCompleted  Kind = "embedding_completed"
	KindEmbeddingFailed     Kind = "embedding_failed"
	KindRetrievalStarted    Kind = "retrieval_started"
	KindRetrievalCompleted  Kind = "retrieval_completed"
	KindRetrievalFailed     Kind = "retrieval_failed"
	KindMemorySaveStarted   Kind = "memory_save_started"
	KindMemorySaveCompleted Kind = "memory_save_completed"
	KindMemorySaveFailed    Kind = "memory_save_failed"
)

// EmbeddingStarted opens one request to an embedding model (one batch).
type EmbeddingStarted struct {
	Header
	// Model is the embedding model, such as "text-embedding-3-small".
	Model string
	// Provider is the provider's gen_ai.provider.name, such as "openai".
	Provider string
	// ServerAddress and ServerPort are where the client sends the request,
	// if known.
	ServerAddress string
	ServerPort    int
	// Inputs counts the texts of the batch.
	Inputs int
}

// EmbeddingCompleted closes an embedding request that returned vectors.
type EmbeddingCompleted struct {
	Header
	// Model is the embedding model.
	Model string
	// Dimensions is the length of the vectors returned.
	Dimensions int
	// Usage counts the input tokens of the request (PromptTokens).
	Usage chat.Usage
}

// EmbeddingFailed closes an embedding request that failed.
type EmbeddingFailed struct {
	Header
	// Model is the embedding model.
	Model string
	Failure
}

// Retrieved is one result of a retrieval as events report it.
type Retrieved struct {
	// ID identifies the stored item.
	ID string
	// Text is the item's text.
	Text string
	// Score is its relevance, higher is better (a cosine similarity for
	// knowledge; the combined rank for memory).
	Score float64
}

// RetrievalStarted opens a search of a vector store: knowledge looked up for
// a task, or memories recalled.
type RetrievalStarted struct {
	Header
	// Source is "knowledge" or "memory".
	Source string
	// Collection names what is searched (a knowledge collection, a memory
	// scope).
	Collection string
	// Backend names the vector store, such as "local" or "pgvector".
	Backend string
	// Query is the text searched for.
	Query string
	// Limit is the most results asked for; Threshold the lowest score kept.
	Limit     int
	Threshold float64
	// Agent is the role of the agent the retrieval is for, if any.
	Agent string
}

// RetrievalCompleted closes a retrieval with its results, best first.
type RetrievalCompleted struct {
	Header
	// Source is "knowledge" or "memory".
	Source string
	// Results are what was found, best first.
	Results []Retrieved
}

// RetrievalFailed closes a retrieval that failed.
type RetrievalFailed struct {
	Header
	// Source is "knowledge" or "memory".
	Source string
	Failure
}

// MemorySaveStarted opens the saving of memories: the extraction of
// statements from a task's result by the model, or a direct save.
type MemorySaveStarted struct {
	Header
	// Scope is the memory scope saved to, such as "/crew/research/agent/analyst".
	Scope string
	// Task is the task text the memories come from, if any.
	Task string
	// Agent is the role of the agent whose work is remembered, if any.
	Agent string
}

// MemorySaveCompleted closes a memory save with what was stored.
type MemorySaveCompleted struct {
	Header
	// Scope is the memory scope saved to.
	Scope string
	// Statements are the memories stored.
	Statements []string
	// Usage counts the tokens of the model calls of the save (extraction)
	// and of its embedding.
	Usage chat.Usage
}

// MemorySaveFailed closes a memory save that failed. The run it belongs to
// goes on: a failed save is a warning, never an error of the kickoff.
type MemorySaveFailed struct {
	Header
	// Scope is the memory scope saved to.
	Scope string
	Failure
}

// Kind returns KindEmbeddingStarted.
func (*EmbeddingStarted) Kind() Kind { return KindEmbeddingStarted }

// Kind returns KindEmbeddingCompleted.
func (*EmbeddingCompleted) Kind() Kind { return KindEmbeddingCompleted }

// Kind returns KindEmbeddingFailed.
func (*EmbeddingFailed) Kind() Kind { return KindEmbeddingFailed }

// Kind returns KindRetrievalStarted.
func (*RetrievalStarted) Kind() Kind { return KindRetrievalStarted }

// Kind returns KindRetrievalCompleted.
func (*RetrievalCompleted) Kind() Kind { return KindRetrievalCompleted }

// Kind returns KindRetrievalFailed.
func (*RetrievalFailed) Kind() Kind { return KindRetrievalFailed }

// Kind returns KindMemorySaveStarted.
func (*MemorySaveStarted) Kind() Kind { return KindMemorySaveStarted }

// Kind returns KindMemorySaveCompleted.
func (*MemorySaveCompleted) Kind() Kind { return KindMemorySaveCompleted }

// Kind returns KindMemorySaveFailed.
func (*MemorySaveFailed) Kind() Kind { return KindMemorySaveFailed }

// Package rag holds what retrieval is built on: the [Embedder] interface
// (texts in, vectors and token usage out) with an OpenAI-compatible
// implementation and a deterministic offline one, the vector [Store]
// interface (upsert with metadata, top-k search with a score threshold and
// metadata filters, list, delete, reset), and the chunking of long texts.
// Packages knowledge and memory use it; the stores live in subpackages
// (rag/localstore, the embedded default on a file under .crewai/; server
// backends in their own packages), so a program links only the store it
// uses.
//
// # Embedders
//
// [OpenAI] embeds through any OpenAI-compatible /v1/embeddings endpoint
// (OPENAI_BASE_URL makes it work with Ollama, vLLM, LM Studio and the rest),
// with the retries, timeouts and errors of the llm package's chat client.
// [HashEmbedder] needs no model at all: it hashes words into a vector, so
// texts that share words are similar; it is for examples, tests and offline
// development, not for meaning. [EmbedBatches] splits many texts into
// batches (one request per batch, [DefaultBatchSize] texts by default) and
// announces every request as an embedding step on the event bus
// (event.EmbeddingStarted, then EmbeddingCompleted or EmbeddingFailed);
// implementations of Embedder need not emit events themselves.
//
// # Scores
//
// Stores compare vectors by cosine similarity: a score of 1 is the same
// direction, 0 unrelated. Query.MinScore keeps only results at or above it.
//
// # Errors
//
// A failing embedder is an [*EmbedError] naming the model and provider; a
// failing store an [*StoreError] naming the backend, the operation and the
// collection. Both wrap the cause.
//
// Every type of this package is safe for concurrent use unless its doc says
// otherwise; the zero values are described on each type.
package rag

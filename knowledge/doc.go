// Package knowledge lets agents answer from the user's documents: a
// [Knowledge] is a set of [Source] values (strings, text and Markdown files,
// CSV, JSON and PDF files) chunked, embedded and kept in a vector store, and
// searched before each task of the agents (agent.Agent.Knowledge) or crews
// (crew.Crew.Knowledge) that carry it.
//
// # How it works, and CrewAI
//
// As in CrewAI, sources are cut into chunks of 4,000 characters with 200
// of overlap (ChunkSize, ChunkOverlap), and a search returns the 5 best
// chunks with a cosine similarity of at least 0.6 (Limit, Threshold). The
// agent asks its model to turn the task into a short search query first
// (agent.Agent.NoQueryRewrite searches with the task's description
// instead), searches its own knowledge and then the crew's, and adds the
// chunks found to the task's prompt, after the context of earlier tasks and
// after what memory recalled.
//
// Unlike CrewAI, nothing is hard-wired to OpenAI: the embedder is any
// rag.Embedder (rag.DefaultEmbedder picks OpenAI's text-embedding-3-small when
// OPENAI_API_KEY or OPENAI_BASE_URL is set, and the offline
// rag.HashEmbedder otherwise) and the store any rag.Store (default: the
// local file .crewai/vectors.db).
//
// Sources are embedded once: each is stored with a SHA-256 of its text, the
// chunking and the embedder's model, and embedded again only when that
// changes, in batches (one request per rag.DefaultBatchSize chunks). The
// first Search of a Knowledge value brings the store up to date; Ingest does
// it ahead of time.
//
// # Collections
//
// A Knowledge with a Name is kept in the collection "knowledge_<Name>".
// Without one, it is named as CrewAI names it, after its owner: an agent's
// knowledge in "knowledge_<role>", a crew's in "knowledge_crew"
// ([Knowledge.CollectionFor]); `crewai knowledge reset --name ROLE`
// removes an agent's.
//
// # Untrusted documents
//
// A PDF is parsed in process by a pure-Go reader, so a hostile one must not
// hang or exhaust the program: its extraction is bounded by [PDFLimits]
// (size, pages, decoded size of each page's streams, text, bytes read,
// time; File.PDF sets them), and a limit reached is an error naming it
// ([ErrPDFLimit]), never a silently shortened text.
//
// # Events and errors
//
// A search is a retrieval step on the event bus (event.RetrievalStarted with
// Source "knowledge", the query, limit and threshold; RetrievalCompleted with
// the chunks and their scores; or RetrievalFailed), with embedding steps
// inside it. Every error is an [*Error] naming the collection, wrapping a
// *rag.EmbedError or *rag.StoreError that names the backend; an agent whose
// knowledge fails fails its task with it.
package knowledge

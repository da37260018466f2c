// Package memory gives crews and agents a memory that lasts across tasks,
// kickoffs and processes: after each task the model extracts a few short
// statements from the task and its result, and they are stored, with their
// scope (crew, agent), importance and time, in a vector store; before each
// task the most relevant ones are recalled into the prompt; and the agent
// gets two tools, search_memory and save_to_memory. Set a [*Memory] on
// crew.Crew.Memory (or agent.Agent.Memory).
//
// # As in CrewAI, and where it differs
//
// Recall ranks memories as CrewAI does: 0.5 × cosine similarity to the task
// + 0.3 × recency (halved every 30 days) + 0.2 × importance, and the best 5
// go into the prompt. Extraction asks the model for at most 5 statements
// with an importance from 0 to 1 (the project's own prompt). CrewAI also
// lets the model pick scopes and merge similar records (consolidation); here
// scopes come from the crew and the agent, and a new memory nearly
// identical (cosine 0.95 or more) to one of the same scope replaces it.
// Recall is scoped as in CrewAI: memories are saved under the agent's scope
// (/crew/<crew>/agent/<role>); a crew's Memory (crew.Crew.Memory) recalls,
// for each of its agents, what the whole crew remembers, while an agent's
// own Memory (agent.Agent.Memory) recalls only that agent's memories, and
// its search_memory tool searches the same scope.
//
// The model calls that extract memories and every embedding (saves,
// recalls, the memory tools) are counted in the kickoff's
// crew.CrewOutput.Usage (saves still running when the kickoff stops
// waiting for them are not).
//
// Nothing is hard-wired to OpenAI: the embedder is any rag.Embedder
// (default rag.DefaultEmbedder: OpenAI with a key or base URL, the offline
// rag.HashEmbedder otherwise) and the store any rag.Store (default the local
// file .crewai/vectors.db, shared with knowledge, collection "memory").
//
// # Saves happen in the background
//
// RememberTask returns at once; the extraction and the save run on a
// goroutine owned by the Memory (at most MaxPendingSaves at a time; one
// more waits for a place, so nothing is dropped), and [Memory.Drain] waits
// for them: a crew drains its memories before its kickoff returns, bounded
// by crew.Crew.MemoryDrainTimeout. A failed save never fails the kickoff: it
// is an event.MemorySaveFailed and a slog warning.
//
// # Events
//
// Saves are memory-save steps (event.MemorySaveStarted, then
// MemorySaveCompleted with the statements and the usage, or
// MemorySaveFailed), with the extraction's model call and the embedding
// inside; recalls and the search tool are retrieval steps with Source
// "memory".
//
// # Inspecting and resetting
//
// [Memory.List] and [Memory.Reset] work on a crew's memories (or an
// agent's, or "*" for all); the command line has `crewai memory list` and
// `crewai memory reset`.
package memory

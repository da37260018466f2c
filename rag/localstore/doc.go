// Package localstore is the embedded vector store: a rag.Store kept in one
// file (default .crewai/vectors.db) that needs no server, for knowledge and
// memory out of the box.
//
// # Design, and why
//
// The file is a SQLite database (the pure-Go modernc.org/sqlite, already a
// dependency of the module): every upsert, delete and reset is one
// transaction, so a crash never leaves half a batch, and several processes
// may use one file (writers wait up to 5 s for each other). Searching is
// done in memory: the first use of a collection loads its vectors into one
// contiguous slice, and a search scores every vector against the query (an
// exact, brute-force cosine search) and keeps the best with a small heap.
//
// This was chosen by measurement (BENCHMARKS.md, "Memory and knowledge"):
// over 10,000 chunks of 1,536 dimensions on the 2-core development machine
// under load, scoring the vectors read from SQLite on every search took
// about 440 ms; github.com/philippgille/chromem-go, an in-memory store, took
// about 53 ms at the median (one goroutine per core and a lock per scored
// document), and it persists one file per document, named by 32 bits of a
// hash of the ID (two IDs of one collection can collide and overwrite each
// other's file); the contiguous in-memory scan takes about 14 ms. The cost
// is memory: 6 KiB per chunk of 1,536 dimensions, 60 MiB for 10,000.
//
// Before each operation the store asks SQLite whether another process has
// changed the file (PRAGMA data_version) and, if so, reloads the collections
// it holds in memory on their next use.
//
// # Failures
//
// A file that is not a readable SQLite database, or whose rows are damaged
// (a vector of the wrong size), is reported by [Open] or by the first
// operation on the damaged collection as a *rag.StoreError wrapping
// [ErrCorrupt] and naming the file; the file is never emptied or recreated.
// Move it away (or run `crewai memory reset --all`) to start afresh.
//
// A Store is safe for concurrent use by many goroutines; close it when done.
package localstore

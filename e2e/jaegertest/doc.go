// Package jaegertest runs a private Jaeger (v2, all-in-one, in-memory storage)
// for end-to-end tests and reads traces back through its HTTP query API.
//
// [Binary] builds the Jaeger command that the e2e module carries as a Go tool
// (github.com/jaegertracing/jaeger/cmd/jaeger) and caches the executable under
// the user's cache directory, keyed by the Jaeger version, the Go version and
// the platform, so only the first run on a machine pays for the compile (about
// four minutes on two cores). JAEGER_BIN names a ready binary instead, for
// example a release binary that carries the web UI.
//
// [Start] launches that binary with a configuration of its own: only the OTLP
// receivers (gRPC and HTTP), the in-memory storage, the query service and the
// health check, every one of them bound to 127.0.0.1 on a free port chosen at
// start, Jaeger's self-tracing off, its self-metrics off, and no batch
// processor, so that a span accepted by the OTLP receiver is readable through
// the query API as soon as the exporter's request has been answered. The
// process runs in its own process group; [Instance.Stop] ends the group
// (SIGTERM, then SIGKILL after a grace period), and on Linux the kernel kills
// Jaeger if the test process dies first.
//
// [Client] speaks Jaeger's v1 JSON query API (/api/services, /api/traces,
// /api/traces/{id}); [Client.WaitTraces] and [Client.WaitTrace] poll until a
// condition holds or the context's deadline passes. [Trace] and [Span] carry
// the decoded model with helpers for parent/child structure and tags.
package jaegertest

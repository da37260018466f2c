// Package e2e holds the end-to-end tests of crewai-go against a real trace
// backend: a private Jaeger built from the Jaeger module that this module
// carries as a Go tool, bound to 127.0.0.1, receiving the spans of traced
// crews and flows over OTLP (HTTP/protobuf and gRPC), read back through
// Jaeger's query API. The package has no API of its own; see the tests, the
// jaegertest package and README.md.
package e2e

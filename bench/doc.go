// Package bench holds the cross-package benchmarks of crewai-go (an agent
// run and a sequential crew, tracing off and on, next to the bare
// OpenTelemetry SDK creating the same spans) and, in bench/loadharness, the
// load harness that runs many traced kickoffs against the fake
// OpenAI-compatible server over real HTTP. It exports nothing: the package
// exists for its benchmarks. See BENCHMARKS.md at the root of the module for
// the figures, the machine and the commands.
//
// Run the benchmarks with
//
//	go test -run x -bench . -benchmem ./bench
//
// and the harness with
//
//	go run ./bench/loadharness -n 2000 -c 200 -latency 50ms
package bench

// Package e2e is the end-to-end test of crewtemporal against a real Temporal
// dev server: it starts the dev server on 127.0.0.1 (free ports, in memory)
// and two worker processes (./testworker), starts the flow of ./e2eflow from
// a client, kills the worker that runs its middle method, and checks that the
// other worker completes the flow after the last completed method, with the
// expected final state and one trace whose spans come from both workers. Its
// log shows the killed worker, the resumed method, the final state and the
// trace ID with span counts per worker.
//
// It runs only when TEMPORAL_CLI names the temporal binary; otherwise it is
// skipped. temporal/run-e2e.sh builds that binary from the tools module
// (cached), sets TEMPORAL_CLI and runs it:
//
//	bash temporal/run-e2e.sh
//
// The package holds tests only; it exports nothing.
package e2e

#!/usr/bin/env bash
# End-to-end test of crewai-go on Temporal: builds the Temporal CLI (dev
# server) from the tools module, cached, then runs the e2e test, which starts
# the dev server on 127.0.0.1 (free ports, in memory), two worker processes,
# kills one in the middle of a flow and checks that the other completes it,
# in one trace. Every process it starts is stopped on success and failure.
#
# Usage: temporal/run-e2e.sh            (from anywhere)
# Env:   TEMPORAL_CLI        use this temporal binary instead of building one
#        TEMPORAL_CLI_CACHE  where the built binary is cached
#                            (default ${XDG_CACHE_HOME:-$HOME/.cache}/crewai-go/temporal-cli)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ -z "${TEMPORAL_CLI:-}" ]]; then
	cache="${TEMPORAL_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crewai-go/temporal-cli}"
	# The cache key is the tools module's go.sum: a version bump rebuilds.
	key="$(sha256sum "$here/tools/go.sum" | cut -c1-16)"
	TEMPORAL_CLI="$cache/temporal-$key"
	if [[ ! -x "$TEMPORAL_CLI" ]]; then
		mkdir -p "$cache"
		echo "run-e2e: building the Temporal CLI (a cold build takes several minutes) into $TEMPORAL_CLI"
		start=$(date +%s)
		(cd "$here/tools" && go build -o "$TEMPORAL_CLI.tmp.$$" github.com/temporalio/cli/cmd/temporal)
		mv "$TEMPORAL_CLI.tmp.$$" "$TEMPORAL_CLI"
		echo "run-e2e: built in $(($(date +%s) - start))s"
	fi
fi
export TEMPORAL_CLI
echo "run-e2e: $("$TEMPORAL_CLI" --version)"

cd "$here"
go test -race -count=1 .
go test -race -count=1 -v -run TestWorkerKilledMidFlow ./e2e/

#!/bin/sh
# Runs the end-to-end tests of crewai-go against a real Jaeger: builds Jaeger
# from e2e/jaegertool (or reuses the binary cached under the user's cache
# directory, or JAEGER_BIN), starts it on 127.0.0.1, ships traced crews and
# flows to it over OTLP HTTP/protobuf and gRPC, and checks them through its
# query API. Needs Go and the Go module proxy, nothing else. A cold first run
# takes about five minutes on two idle cores (Jaeger's compile; much longer on
# a busy machine); later runs under a minute. Exits non-zero when any test fails.
set -eu
cd "$(dirname "$0")"

echo "e2e: go vet"
go vet ./...

echo "e2e: harness unit tests"
go test -count=1 -race ./jaegertest/ ./scenario/

echo "e2e: end-to-end tests (the first run builds Jaeger: a few minutes)"
# One package, so that go test streams its output (trace IDs, span counts).
go test -count=1 -v -timeout 30m .

// Package tools has no code: its module only pins the Temporal CLI (the dev
// server) that the Temporal tests build. The package exists so that
// `go vet ./...` and `go build ./...` in this module have something to check.
package tools

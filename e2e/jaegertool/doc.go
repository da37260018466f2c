// Package jaegertool has no code: its module only pins the Jaeger version the
// end-to-end tests build and run (`go -C e2e/jaegertool tool jaeger`). The
// package exists so that `go vet ./...` and `go build ./...` in this module
// have something to check.
package jaegertool

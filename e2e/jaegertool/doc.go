// Package jaegertool only pins, through the tool directive of its go.mod, the
// Jaeger version the e2e tests build. It has no code; this file gives
// `go vet ./...` a package to look at in this module.
package jaegertool

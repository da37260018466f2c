// Package jaegertool is the module that pins the Jaeger version the
// end-to-end tests build (its go.mod's tool directive). It has no code; this
// file gives `go vet ./...` in the module a package to look at.
package jaegertool

// Package tools only pins, through the tool directive of its go.mod, the
// versions of the tools the temporal module's tests build. It has no code;
// this file gives `go vet ./...` a package to look at in this module.
package tools

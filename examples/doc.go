// Package examples holds the runnable example programs of crewai-go, one
// main package per folder, all runnable offline (go run ./examples/NAME); its
// test runs each of them the way a newcomer does.
package examples

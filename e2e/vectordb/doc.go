// Package vectordb holds the end-to-end test of crewai-go's vector-database
// backend: package rag/chroma against a real Chroma server, installed from
// npm into the user cache folder and run on a free 127.0.0.1 port (see
// chroma_test.go). It is a module of its own so that the library's module
// pulls nothing of it. Run it with:
//
//	cd e2e/vectordb && go test -count=1 -v ./...
package vectordb

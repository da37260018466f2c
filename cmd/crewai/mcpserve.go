package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/crewai-go/crewai/internal/demotools"
	"github.com/crewai-go/crewai/mcp"
)

// mcpServe serves the examples' tools over MCP: over stdio by default (the
// way MCP clients such as Claude Desktop start a local server), or over
// streamable HTTP at --http ADDR, path /mcp.
func (c *cli) mcpServe(ctx context.Context, args []string) error {
	fs := c.newFlags("mcp serve", "[--http ADDR]",
		"Serve the examples' tools (search, calculator, word_count) over MCP: over standard input and output,\n"+
			"or over streamable HTTP at http://ADDR/mcp with --http (for example --http 127.0.0.1:8931).\n"+
			"A program of your own serves its tools the same way with mcp.Service (see package mcp).")
	addr := fs.String("http", "", "serve streamable HTTP on this address instead of stdio")
	tracing := fs.Bool("tracing", false, "trace every request (see package tracing)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	svc := &mcp.Service{Name: "crewai-demo-tools", Tools: demotools.All(), Tracing: *tracing}
	if *addr == "" {
		return svc.ServeStdio(ctx)
	}
	h, err := svc.Handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("mcp serve: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(c.stderr, "crewai: serving MCP at http://%s/mcp (Ctrl-C to stop)\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		<-errc
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}
}

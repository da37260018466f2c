// Package mcpe2e holds the end-to-end tests of package mcp against real MCP servers from npm; see run.sh.
package mcpe2e

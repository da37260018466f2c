#!/bin/sh
# Runs the MCP end-to-end tests of crewai-go against real MCP servers that
# this project did not write: @modelcontextprotocol/server-everything (stdio
# and streamable HTTP) and @modelcontextprotocol/server-filesystem, from npm.
# Installs Node from Debian's packages when it is missing, and the servers
# once into the user's cache folder (later runs reuse them). Prints each
# step's time. Exits non-zero when any test fails.
set -eu
cd "$(dirname "$0")"
EVERYTHING_VERSION=2026.8.31
FILESYSTEM_VERSION=2026.8.31
cache="${XDG_CACHE_HOME:-$HOME/.cache}/crewai-go/mcp-npm-$EVERYTHING_VERSION-$FILESYSTEM_VERSION"

step_start=$(date +%s)
step() { now=$(date +%s); echo "mcp e2e: $1 ($((now - step_start)) s)"; step_start=$now; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	sudo=""
	if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq && $sudo apt-get install -y -qq nodejs npm >/dev/null
	step "installed Node from Debian"
fi
if [ ! -x "$cache/node_modules/.bin/mcp-server-everything" ] || [ ! -x "$cache/node_modules/.bin/mcp-server-filesystem" ]; then
	mkdir -p "$cache"
	npm install --no-audit --no-fund --silent --prefix "$cache" \
		"@modelcontextprotocol/server-everything@$EVERYTHING_VERSION" \
		"@modelcontextprotocol/server-filesystem@$FILESYSTEM_VERSION"
	step "installed the npm servers into $cache"
else
	step "npm servers cached in $cache"
fi

go vet ./...
export MCP_SERVERS_DIR="$cache/node_modules"
go test -count=1 -race -v -timeout 10m .
step "tests"

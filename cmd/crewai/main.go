// Command crewai looks at the traces that crewai-go runs leave behind, and
// plots flows.
//
// Usage:
//
//	crewai traces list [--dir D] [--json]
//	crewai traces show ID [--dir D] [--json]
//	crewai traces view [ID] [--dir D] [--addr 127.0.0.1:0] [--no-open]
//	crewai traces push ID --endpoint URL [--protocol http/protobuf|http/json|grpc] [--header k=v]... [--timeout 30s] [--dir D]
//	crewai traces push ID --crewai [--timeout 30s] [--dir D]
//	crewai create crew|flow NAME [--module PATH] [--replace DIR] [--require VERSION] [--no-tidy]
//	crewai run|replay|log-tasks-outputs|test|train|reset-memories [ARGS...]
//	crewai flow kickoff [ARGS...]
//	crewai flow plot --package DIR [-o FILE]
//	crewai flow plot --example NAME [-o FILE] [--module DIR]
//	crewai flow plot --list [--module DIR]
//	crewai mcp serve [--http ADDR] [--tracing]
//	crewai memory list (--crew NAME | --all) [--agent ROLE] [--db FILE] [--json]
//	crewai memory reset (--crew NAME [--agent ROLE] | --all) [--db FILE]
//	crewai knowledge list [--db FILE]
//	crewai knowledge reset (--name NAME | --all) [--db FILE]
//
// The project commands (run, replay, log-tasks-outputs, test, train,
// reset-memories, flow kickoff, flow plot --package) run the project in the
// current folder (or DIR) with "go run . COMMAND": its main.go hands its crew
// or flow to package project, which implements them. A forwarded command
// that fails exits with the project program's status.
//
// Memories and knowledge are read from the local vector store of packages
// memory and knowledge: --db, else $CREWAI_VECTOR_DB, else
// .crewai/vectors.db. Listing never creates the file; a damaged file is an
// error and is left as it is.
//
// Traces are read from --dir, else $CREWAI_TRACES_DIR, else .crewai/traces:
// the folder the tracing package's file backend writes to (one
// "<trace id>.jsonl" file per trace, each line an OTLP JSON export request).
// A --dir that is not an existing folder is a usage error; a default or
// $CREWAI_TRACES_DIR folder that does not exist yet holds no traces.
// ID is a trace ID or any unique prefix of one.
//
// Costs are estimates: a chat span's llm.cost.total attribute when the run
// recorded one, else computed from its token counts with the built-in price
// table (OpenAI list prices, see internal/pricing), which
// $CREWAI_PRICES_FILE can override with a JSON file. A model with no known
// price shows its tokens and "-" for cost, never a guessed cost.
//
// "traces view" serves a page on a loopback address only, and answers only
// requests whose Host is a loopback name. It never writes into the traces
// folder.
//
// Exit status: 0 on success, 1 when the command failed (a trace that cannot
// be read, an endpoint that refused the trace), 2 for bad usage (unknown
// command or flag, missing or malformed argument), 130 when stopped by
// Ctrl-C or SIGTERM. Every command stops within about two seconds of the
// signal (a second signal stops it at once).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/crewai-go/crewai/internal/pricing"
	"github.com/crewai-go/crewai/internal/tracefile"
)

// interruptGrace is how long a command may take to stop after Ctrl-C or
// SIGTERM before the process exits anyway.
const interruptGrace = 2 * time.Second

// exitInterrupted is the exit status after Ctrl-C or SIGTERM (128 + SIGINT,
// as shells report it).
const exitInterrupted = 130

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	done := make(chan int, 1)
	go func() { done <- newCLI(os.Stdout, os.Stderr).run(ctx, os.Args[1:]) }()
	var code int
	select {
	case code = <-done:
	case <-ctx.Done():
		// Commands stop on ctx; one busy elsewhere (a large file being
		// read) does not hold the process: it exits after a short grace.
		// A second signal kills at once.
		stop()
		select {
		case code = <-done:
		case <-time.After(interruptGrace):
			fmt.Fprintln(os.Stderr, "crewai: interrupted")
			code = exitInterrupted
		}
	}
	stop()
	os.Exit(code)
}

// cli holds what a command run needs from its environment, so that tests can
// replace it.
type cli struct {
	stdout, stderr io.Writer
	stdin          io.Reader // what forwarded project commands read
	getenv         func(string) string
	loc            *time.Location         // time zone of printed times
	open           func(url string) error // opens a browser; nil: never
}

func newCLI(stdout, stderr io.Writer) *cli {
	return &cli{stdout: stdout, stderr: stderr, stdin: os.Stdin, getenv: os.Getenv, loc: time.Local, open: openBrowser}
}

// usageError is a bad-usage error: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const mainUsage = `crewai: look at crewai-go traces and plot flows.

Usage:
  crewai traces list   [--dir D] [--json]             list local traces, newest first
  crewai traces show   ID [--dir D] [--json]          print a trace's span tree
  crewai traces view   [ID] [--addr A] [--no-open]    open the trace viewer in a browser
  crewai traces push   ID --endpoint URL [...]        send a trace to an OTLP endpoint
  crewai traces push   ID --crewai                    send a trace to CrewAI AOP
  crewai flow plot     --example NAME [-o FILE]       write the HTML plot of an example flow
  crewai mcp serve     [--http ADDR] [--tracing]      serve the examples' tools over MCP (stdio or HTTP)
  crewai memory list   (--crew NAME | --all) [--agent ROLE] [--json]   list what a crew remembers
  crewai memory reset  (--crew NAME [--agent ROLE] | --all)            forget a crew's memories
  crewai knowledge list                                   list knowledge collections and their sources
  crewai knowledge reset (--name NAME | --all)            remove a knowledge collection (re-ingested next run)

Projects (made by "crewai create"; the commands run the project in the current folder with "go run ."):
  crewai create        crew|flow NAME [--replace DIR]     scaffold a Go project with config/agents.yaml and tasks.yaml
  crewai run           [--input k=v]... [--inputs-file F] kick the project's crew or flow off
  crewai log-tasks-outputs                                list the last kickoff's task outputs
  crewai replay        -t TASK                            run again from a task, earlier outputs restored
  crewai test          -n N [--model M]                   score each task with a judge model, N runs
  crewai train         -n N                               your feedback becomes per-agent suggestions
  crewai reset-memories                                   forget the project crew's memories
  crewai flow kickoff | crewai flow plot --package DIR    run or plot a project's flow

Run "crewai COMMAND SUBCOMMAND -h" for a command's flags.
Traces are read from --dir, $CREWAI_TRACES_DIR or .crewai/traces; memories and knowledge from --db,
$CREWAI_VECTOR_DB or .crewai/vectors.db.
`

func (c *cli) run(ctx context.Context, args []string) int {
	err := c.dispatch(ctx, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		fmt.Fprintln(c.stderr, "crewai: interrupted")
		return exitInterrupted
	}
	var es *exitStatus
	if errors.As(err, &es) {
		return es.code // the project's program printed its own error
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(c.stderr, "crewai: %s\n", ue.msg)
		fmt.Fprintln(c.stderr, `Run "crewai help" for usage.`)
		return 2
	}
	fmt.Fprintf(c.stderr, "crewai: %v\n", err)
	return 1
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, mainUsage)
		return usagef("missing command")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, mainUsage)
		return nil
	case "traces":
		if len(args) < 2 {
			return usagef("traces: missing subcommand (list, show, view or push)")
		}
		switch args[1] {
		case "list":
			return c.tracesList(ctx, args[2:])
		case "show":
			return c.tracesShow(args[2:])
		case "view":
			return c.tracesView(ctx, args[2:])
		case "push":
			return c.tracesPush(ctx, args[2:])
		case "help", "-h", "-help", "--help":
			fmt.Fprint(c.stdout, mainUsage)
			return nil
		}
		return usagef("traces: unknown subcommand %q (want list, show, view or push)", args[1])
	case "mcp":
		if len(args) < 2 || args[1] != "serve" {
			if len(args) >= 2 && (args[1] == "help" || args[1] == "-h" || args[1] == "--help") {
				fmt.Fprint(c.stdout, mainUsage)
				return nil
			}
			return usagef("mcp: missing or unknown subcommand (want serve)")
		}
		return c.mcpServe(ctx, args[2:])
	case "memory":
		return c.memoryCmd(ctx, args[1:])
	case "knowledge":
		return c.knowledgeCmd(ctx, args[1:])
	case "create":
		return c.create(ctx, args[1:])
	case "run", "replay", "log-tasks-outputs", "test", "train", "reset-memories":
		return c.forward(ctx, ".", append(append([]string(nil), forwarded[args[0]]...), args[1:]...))
	case "flow":
		if len(args) < 2 {
			return usagef("flow: missing subcommand (plot or kickoff)")
		}
		switch args[1] {
		case "kickoff":
			return c.forward(ctx, ".", append([]string{"run"}, args[2:]...))
		case "plot":
			return c.flowPlot(ctx, args[2:])
		case "help", "-h", "-help", "--help":
			fmt.Fprint(c.stdout, mainUsage)
			return nil
		}
		return usagef("flow: unknown subcommand %q (want plot or kickoff)", args[1])
	}
	return usagef("unknown command %q (want create, run, replay, log-tasks-outputs, test, train, reset-memories, traces, flow, memory, knowledge or mcp)", args[0])
}

// newFlags returns a flag set for "crewai name" whose usage text starts with
// synopsis and whose errors are returned, not printed-and-exited.
func (c *cli) newFlags(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("crewai "+name, flag.ContinueOnError)
	// The flag package's own error line is discarded: run prints the error
	// once, after the usage, as "crewai: ...".
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: crewai %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.SetOutput(c.stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses flags that may come before, between or after positional
// arguments (the flag package alone stops at the first positional), and
// returns the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag.Parse stops at "--": everything after is positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// checkDirFlag refuses a --dir that does not name an existing folder: a
// mistyped --dir would otherwise look like an empty traces folder. (A
// missing default or $CREWAI_TRACES_DIR folder only means no run wrote
// traces yet.)
func checkDirFlag(cmd, dir string) error {
	if dir == "" {
		return nil
	}
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return usagef("%s: --dir %q: no such folder; want an existing traces folder", cmd, dir)
	case err != nil:
		return usagef("%s: --dir %q: %v; want an existing traces folder", cmd, dir, err)
	case !info.IsDir():
		return usagef("%s: --dir %q: is a file; want a traces folder", cmd, dir)
	}
	return nil
}

func (c *cli) tracesDir(flagDir string) string {
	if flagDir != "" {
		return flagDir
	}
	if d := c.getenv(tracefile.EnvDir); d != "" {
		return d
	}
	return tracefile.DefaultDir
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// prices returns the price table: $CREWAI_PRICES_FILE merged over the
// built-in prices, or the built-in prices.
func (c *cli) prices() (*pricing.Table, error) {
	path := c.getenv(pricing.EnvPricesFile)
	if path == "" {
		return pricing.Default(), nil
	}
	t, err := pricing.LoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (from $%s)", err, pricing.EnvPricesFile)
	}
	return t, nil
}

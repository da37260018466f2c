package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The command line is checked before anything connects to Temporal, and
// flags may follow the command, as the READMEs write them.
func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		args   string
		id     string
		addr   string
		pos    string
		errHas string
	}{
		{args: "worker -id A", id: "A", addr: "127.0.0.1:7233", pos: "worker"},
		{args: "-id B worker -address 127.0.0.1:1", id: "B", addr: "127.0.0.1:1", pos: "worker"},
		{args: "run durable agents -queue q", addr: "127.0.0.1:7233", pos: "run durable agents"},
		{args: "foreach go rust", addr: "127.0.0.1:7233", pos: "foreach go rust"},
		{args: "", errHas: "missing command"},
		{args: "bogus", errHas: `unknown command "bogus"`},
		{args: "worker extra", errHas: `worker: unexpected argument "extra"`},
		{args: "foreach", errHas: "foreach: name at least one topic"},
		{args: "worker -bogus", errHas: "flag provided but not defined: -bogus"},
		{args: "worker -id", errHas: "flag needs an argument: -id"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			fs := flag.NewFlagSet("research", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			addr := fs.String("address", "127.0.0.1:7233", "")
			fs.String("queue", "crewai-research", "")
			id := fs.String("id", "", "")
			pos, err := parseArgs(fs, strings.Fields(tc.args))
			if err == nil {
				err = checkArgs(pos)
			}
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want one containing %q", err, tc.errHas)
				}
				return
			}
			if err != nil || strings.Join(pos, " ") != tc.pos || *id != tc.id || *addr != tc.addr {
				t.Fatalf("err %v, positionals %q, -id %q, -address %q; want %q, %q, %q", err, pos, *id, *addr, tc.pos, tc.id, tc.addr)
			}
		})
	}
}

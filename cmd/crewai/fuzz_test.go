package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzArgs runs the command on arbitrary arguments (split on spaces) after
// a command and subcommand, with an already-cancelled ctx so that nothing
// is served, sent or built: whatever the arguments, the command never
// panics, exits 0, 1, 2 or 130 (interrupted: the ctx is cancelled), and says
// why on stderr when it fails.
func FuzzArgs(f *testing.F) {
	dir := fixtureDir(f)
	for _, seed := range []string{
		"traces list --dir " + dir,
		"traces list --json=maybe",
		"traces show 0 --dir " + dir,
		"traces show zz",
		"traces show --json -- -x",
		"traces view --addr 127.0.0.1:99999 --no-open",
		"traces view --addr [::1]:0 --no-open --dir " + dir,
		"traces push 0 --endpoint http://127.0.0.1:1 --timeout 1ns --dir " + dir,
		"traces push 0 --endpoint grpc://x --protocol grpc --header a=b --header =",
		"flow plot --example ../x -o",
		"flow plot --list extra",
		"bogus",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var out, errb syncBuffer
		c := &cli{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, loc: time.UTC}
		code := c.run(ctx, args)
		switch {
		case (code < 0 || code > 2) && code != exitInterrupted:
			t.Fatalf("%q: exit %d, want 0, 1, 2 or 130", args, code)
		case code != 0 && !strings.HasPrefix(errb.String(), "crewai: ") && !strings.Contains(errb.String(), "\ncrewai: "):
			t.Fatalf("%q: exit %d without a message on stderr: %q", args, code, errb.String())
		}
	})
}

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

// runMainEnv makes the test binary run main (see TestMain).
const runMainEnv = "CREWAI_TEST_RUN_MAIN"

// TestSignalStopsCommands runs the command as a process on a folder with a
// 200 000-deep trace and sends SIGTERM (or SIGINT) while it works: every
// command exits soon after (hang detector only; before, "traces list" kept
// running for minutes). "traces view" is stopped once it serves.
func TestSignalStopsCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 200 000-span trace")
	}
	dir := t.TempDir()
	id := tracefiletest.TraceID("deep-signal")
	if _, err := tracefiletest.WriteChain(dir, id, 200_000, 1000); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		sig  syscall.Signal
		wait string // stdout text to wait for before the signal ("" : a short pause)
	}{
		{"traces list, SIGTERM", []string{"traces", "list", "--dir", dir}, syscall.SIGTERM, ""},
		{"traces list --json, SIGINT", []string{"traces", "list", "--json", "--dir", dir}, syscall.SIGINT, ""},
		{"traces show, SIGTERM", []string{"traces", "show", id[:8], "--dir", dir}, syscall.SIGTERM, ""},
		{"traces view, SIGTERM", []string{"traces", "view", "--no-open", "--dir", dir}, syscall.SIGTERM, "Trace viewer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tt.args...)
			cmd.Env = append(os.Environ(), runMainEnv+"=1")
			cmd.Stderr = &syncBuffer{}
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 16)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(out)
				sc.Buffer(make([]byte, 1<<20), 1<<20)
				for sc.Scan() {
					select {
					case lines <- sc.Text():
					default:
					}
				}
			}()
			if tt.wait != "" {
				for l := range lines {
					if strings.Contains(l, tt.wait) {
						break
					}
				}
			} else {
				waitReading(t, cmd.Process.Pid, ".jsonl")
			}
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			exited := make(chan error, 1)
			go func() {
				for range lines {
				}
				exited <- cmd.Wait()
			}()
			select {
			case err = <-exited:
			case <-time.After(60 * time.Second): // hang detector, not a timing assertion
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("still running 60 s after %v", tt.sig)
			}
			var ee *exec.ExitError
			code := 0
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != 0 && code != 130 {
				t.Fatalf("exit %d after %v: %s", code, tt.sig, cmd.Stderr)
			}
			t.Logf("exit %d, %v after the signal", code, time.Since(sent).Round(time.Millisecond))
		})
	}
}

// waitReading waits until process pid has a file whose name ends in suffix
// open (it is then past its signal set-up and reading the trace), or has
// exited. Linux only (/proc); elsewhere the test is skipped.
func waitReading(t *testing.T, pid int, suffix string) {
	t.Helper()
	fdDir := "/proc/" + strconv.Itoa(pid) + "/fd"
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc to see when the command reads the trace")
	}
	deadline := time.Now().Add(60 * time.Second) // hang detector
	for time.Now().Before(deadline) {
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			return // exited
		}
		for _, fd := range fds {
			if target, err := os.Readlink(fdDir + "/" + fd.Name()); err == nil && strings.HasSuffix(target, suffix) {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the command never opened the trace")
}

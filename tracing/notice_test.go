package tracing

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/event"
)

func noticeRun(t *testing.T, tr *Tracer) {
	t.Helper()
	ctx := event.StartRun(context.Background(), &event.Bus{})
	ctx, finish := Attach(ctx, tr, Requested(true))
	_, st := event.Begin(ctx, event.CrewStarted{Crew: "c"})
	event.End(st, event.CrewCompleted{Crew: "c"})
	finish()
}

// TestNoticeOnce (issue 24 point 12): the end-of-kickoff notice is printed
// once however many kickoffs run, names the folder absolutely in a command
// that works from anywhere, and CREWAI_TRACING_NOTICE=false turns it off.
func TestNoticeOnce(t *testing.T) {
	t.Setenv(EnvNotice, "")
	dir := t.TempDir()
	logs := &logBuf{}
	tr, err := New(WithBackend(BackendFile), WithFileDir(dir), WithNotice(logs), WithLogger(logs.logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(context.Background())
	for range 3 {
		noticeRun(t, tr)
	}
	out := logs.String()
	if n := strings.Count(out, "saved to"); n != 1 {
		t.Fatalf("%d notices, want 1:\n%s", n, out)
	}
	abs, _ := filepath.Abs(dir)
	if !strings.Contains(out, "crewai traces view ") || !strings.Contains(out, "--dir "+abs) {
		t.Fatalf("the printed command does not name the folder:\n%s", out)
	}

	t.Setenv(EnvNotice, "false")
	quiet := &logBuf{}
	tr2, err := New(WithBackend(BackendFile), WithFileDir(t.TempDir()), WithNotice(quiet), WithLogger(quiet.logger()))
	if err != nil {
		t.Fatal(err)
	}
	defer tr2.Shutdown(context.Background())
	noticeRun(t, tr2)
	if s := quiet.String(); s != "" {
		t.Fatalf("notice with %s=false: %s", EnvNotice, s)
	}
}

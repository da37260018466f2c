package reliability

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

// fileTracer is a Tracer of the file backend writing into dir, with its
// warnings and notice kept; opts come last.
func fileTracer(t *testing.T, dir string, opts ...tracing.Option) (*tracing.Tracer, *syncBuf) {
	t.Helper()
	logs := &syncBuf{}
	base := []tracing.Option{tracing.WithFileDir(dir), tracing.WithNotice(logs),
		tracing.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
		tracing.WithFlushTimeout(2 * time.Second), tracing.WithBatchDelay(time.Millisecond)}
	tr, err := tracing.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = tr.Shutdown(ctx)
	})
	return tr, logs
}

// TestTracesFolderFaults runs a traced crew whose traces folder cannot be
// written, is removed in the middle of the run, is replaced by a file in
// the middle of the run, or sits on a full disk: the crew's result is the
// same as without tracing, the kickoff returns, and the failure is reported
// as a warning (never as the run's error).
func TestTracesFolderFaults(t *testing.T) {
	cases := []struct {
		name string
		// setup returns the traces folder; midRun, if set, runs after the
		// first task's spans were written.
		setup  func(t *testing.T) (dir string, midRun func(t *testing.T, dir string))
		ctx    func(t *testing.T, dir string) context.Context
		warn   string // a cause the warnings must name, alternatives split by "|" ("" for none)
		failed bool   // Stats.Failed must be positive
	}{
		{name: "folder under a regular file", setup: func(t *testing.T) (string, func(*testing.T, string)) {
			f := filepath.Join(t.TempDir(), "a-file")
			mustWrite(t, f)
			return filepath.Join(f, "traces"), nil
		}, warn: "traces folder", failed: true},
		{name: "read-only folder", setup: func(t *testing.T) (string, func(*testing.T, string)) {
			dir := filepath.Join(t.TempDir(), "ro")
			if err := os.Mkdir(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
			if os.Geteuid() == 0 {
				// Root ignores permission bits; the immutable attribute
				// (chattr +i) stops root too, with EPERM.
				if err := setImmutable(dir, true); err != nil {
					t.Skipf("running as root, where mode 0500 does not stop writes, and the folder cannot be made immutable: %v", err)
				}
				t.Cleanup(func() {
					if err := setImmutable(dir, false); err != nil {
						t.Errorf("clearing the immutable attribute of %s: %v", dir, err)
					}
				})
				if err := os.WriteFile(filepath.Join(dir, "probe"), nil, 0o600); err == nil {
					t.Fatal("the immutable folder can be written: the fault is not simulated")
				}
			}
			return dir, nil
		}, warn: "permission denied|operation not permitted", failed: true},
		{name: "folder removed mid-run", setup: func(t *testing.T) (string, func(*testing.T, string)) {
			return filepath.Join(t.TempDir(), "traces"), func(t *testing.T, dir string) {
				if err := os.RemoveAll(dir); err != nil {
					t.Error(err)
				}
			}
		}},
		{name: "folder replaced by a file mid-run", setup: func(t *testing.T) (string, func(*testing.T, string)) {
			return filepath.Join(t.TempDir(), "traces"), func(t *testing.T, dir string) {
				if err := os.RemoveAll(dir); err != nil {
					t.Error(err)
				}
				mustWrite(t, dir)
			}
		}, warn: "traces folder", failed: true},
		{name: "trace file is a symbolic link", setup: func(t *testing.T) (string, func(*testing.T, string)) {
			return t.TempDir(), nil
		}, ctx: func(t *testing.T, dir string) context.Context {
			// The run's trace ID is the one of the span in the ctx, so a
			// link can be planted at its trace file's path before the run,
			// pointing at a file outside the folder: it is never written
			// through (the disk-full case is TestTracesFileSizeLimit).
			tid := trace.TraceID{0xfe, 0xed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}
			sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
				TraceFlags: trace.FlagsSampled, Remote: true})
			victim := filepath.Join(t.TempDir(), "victim")
			mustWrite(t, victim)
			if err := os.Symlink(victim, filepath.Join(dir, tid.String()+".jsonl")); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if b, err := os.ReadFile(victim); err != nil || string(b) != "x" {
					t.Errorf("the link's target was written: %q, %v", b, err)
				}
			})
			return trace.ContextWithRemoteSpanContext(context.Background(), sc)
		}, warn: "not a regular file", failed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, midRun := tc.setup(t)
			tr, logs := fileTracer(t, dir)
			rg := newRig(t, rigConfig{})
			c := rg.newCrew(nil)
			c.Tracing, c.Tracer = true, tr
			if midRun != nil {
				var once sync.Once // the fault hits the first kickoff only
				c.Tasks[0].Callback = func(task.TaskOutput) {
					once.Do(func() {
						// The first task's agent and model spans have
						// ended: write them, so that the folder exists,
						// then break it.
						ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
						defer cancel()
						_ = tr.ForceFlush(ctx)
						if _, err := os.Stat(dir); err != nil {
							t.Errorf("the traces folder was not written before the fault: %v", err)
						}
						midRun(t, dir)
					})
				}
			}
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx(t, dir)
			}
			for i := range 2 {
				out, err := kickoff(t, ctx, c)
				if err != nil {
					t.Fatalf("kickoff %d failed because of the traces folder: %v", i, err)
				}
				if out.Raw != article {
					t.Fatalf("kickoff %d output %q, want %q", i, out.Raw, article)
				}
			}
			st := tr.Stats()
			if tc.failed && st.Failed == 0 {
				t.Errorf("stats %+v: no failed export counted", st)
			}
			if tc.warn != "" {
				named := false
				for _, w := range strings.Split(tc.warn, "|") {
					named = named || strings.Contains(logs.String(), w)
				}
				if !named {
					t.Errorf("warnings do not name %q:\n%s", tc.warn, logs)
				}
				if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
					t.Errorf("%d warnings for one cause over two kickoffs, want 1:\n%s", n, logs)
				}
			}
			if tc.name == "folder removed mid-run" {
				// The folder is made again: the rest of the first trace and
				// all of the second are kept.
				files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
				if len(files) != 2 || st.Failed != 0 {
					t.Errorf("after removal: files %v, stats %+v; want the two traces written", files, st)
				}
			}
			t.Logf("stats %+v; log:\n%s", st, logs)
		})
	}
}

func mustWrite(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSlowOTLPEndpoint exports to a loopback OTLP/HTTP receiver that takes
// a second to answer each request (longer than the flush timeout of
// 200ms): kickoffs still return with their result, and every span the
// tracer started is accounted for (exported, failed or dropped) once it is
// shut down. How long a kickoff took is logged, not asserted: the bound is
// the flush timeout, measured by bench/loadharness -outage hang.
func TestSlowOTLPEndpoint(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
			return
		case <-release:
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	defer close(release)
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
		"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_SDK_DISABLED"} {
		t.Setenv(k, "")
	}
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	logs := &syncBuf{}
	tr, err := tracing.New(tracing.WithNotice(io.Discard), tracing.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
		tracing.WithFlushTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	rg := newRig(t, rigConfig{})
	c := rg.newCrew(nil)
	c.Tracing, c.Tracer = true, tr
	for i := range 3 {
		start := time.Now()
		out, err := kickoff(t, context.Background(), c)
		if err != nil || out.Raw != article {
			t.Fatalf("kickoff %d affected by a slow backend: %v, %+v", i, err, out)
		}
		t.Logf("kickoff %d with a 1s backend and a 200ms flush timeout took %v", i, time.Since(start))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = tr.Shutdown(ctx)
	st := tr.Stats()
	if st.Started == 0 || st.Exported+st.Failed+st.Dropped != st.Started {
		t.Errorf("stats %+v: spans unaccounted for", st)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n > 1 {
		t.Errorf("%d warnings, want at most one per cause:\n%s", n, logs)
	}
	t.Logf("stats %+v; log: %s", st, logs)
}

package reliability

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// envFileSizeChild marks the child process of TestTracesFileSizeLimit.
const envFileSizeChild = "CREWAI_RELIABILITY_FSIZE_CHILD"

// TestTracesFileSizeLimit: the disk fills up under the file backend. The
// test runs itself again as a child process whose file size limit
// (RLIMIT_FSIZE) is 1 KiB, with SIGXFSZ ignored, so that every write past
// 1 KiB fails with EFBIG, as writes on a full disk fail with ENOSPC: the
// real write path of the real backend, without a special device or a small
// filesystem. In the child, a traced crew runs twice: its result is the
// same, both kickoffs return, the failed spans are counted, and one
// warning names the cause.
func TestTracesFileSizeLimit(t *testing.T) {
	if os.Getenv(envFileSizeChild) == "" {
		exe, err := os.Executable()
		if err != nil {
			t.Skipf("cannot find the test binary to run the child process: %v", err)
		}
		cmd := exec.Command(exe, "-test.run=^TestTracesFileSizeLimit$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), envFileSizeChild+"=1")
		out, err := cmd.CombinedOutput()
		if strings.Contains(string(out), "--- SKIP: TestTracesFileSizeLimit") {
			t.Skipf("child skipped:\n%s", out)
		}
		if err != nil || !strings.Contains(string(out), "--- PASS: TestTracesFileSizeLimit") {
			t.Fatalf("child process failed (%v):\n%s", err, out)
		}
		t.Logf("child:\n%s", out)
		return
	}

	// The child: its own files are written before the limit is set.
	dir := t.TempDir()
	tr, logs := fileTracer(t, dir)
	rg := newRig(t, rigConfig{})
	c := rg.newCrew(nil)
	c.Tracing, c.Tracer = true, tr
	if err := limitFileSize(1 << 10); err != nil {
		t.Skipf("cannot limit the file size here: %v", err)
	}
	for i := range 2 {
		out, err := kickoff(t, context.Background(), c)
		if err != nil {
			t.Fatalf("kickoff %d failed because of the traces folder: %v", i, err)
		}
		if out.Raw != article {
			t.Fatalf("kickoff %d output %q, want %q", i, out.Raw, article)
		}
	}
	st := tr.Stats()
	if st.Failed == 0 || st.Exported+st.Failed+st.Dropped != st.Started {
		t.Errorf("stats %+v: want failed spans, every span accounted for", st)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "file size limit") {
		t.Errorf("%d warnings, want one naming the file size limit:\n%s", n, logs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Size() > 1<<10 {
			t.Errorf("%s is %d bytes, over the limit", f, fi.Size())
		}
	}
	t.Logf("stats %+v; %d trace files; log:\n%s", st, len(files), logs)
}

//go:build unix

package fileexport

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TestUnsafeTraceFiles: whatever is planted at a trace file's path that is
// not a regular file of this user with one link is never written, never
// followed, never blocks, and fails as an UnsafePathError; a regular file of
// ours is appended to (a trace continued by another process).
func TestUnsafeTraceFiles(t *testing.T) {
	tid := testTraceID(7)
	cases := []struct {
		name  string
		plant func(t *testing.T, path, outside string) // outside: a file outside the folder
		why   string                                   // "" : written
	}{
		{"symbolic link to a file outside", func(t *testing.T, path, outside string) {
			must(t, os.Symlink(outside, path))
		}, "a symbolic link"},
		{"dangling symbolic link", func(t *testing.T, path, outside string) {
			must(t, os.Symlink(outside+".new", path))
		}, "a symbolic link"},
		{"symbolic link to /dev/null", func(t *testing.T, path, _ string) {
			must(t, os.Symlink("/dev/null", path))
		}, "a symbolic link"},
		{"hard link to a file outside", func(t *testing.T, path, outside string) {
			must(t, os.Link(outside, path))
		}, "a file with other hard links"},
		{"FIFO", func(t *testing.T, path, _ string) {
			must(t, syscall.Mkfifo(path, 0o600))
		}, "a FIFO"},
		{"folder", func(t *testing.T, path, _ string) {
			must(t, os.Mkdir(path, 0o700))
		}, "a folder"},
		{"regular file of ours", func(t *testing.T, path, _ string) {
			must(t, os.WriteFile(path, nil, 0o644))
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			outside := filepath.Join(t.TempDir(), "victim")
			must(t, os.WriteFile(outside, []byte("keep"), 0o600))
			path := filepath.Join(dir, tid.String()+".jsonl")
			c.plant(t, path, outside)
			f := New(dir)
			defer f.Shutdown(context.Background())
			err := f.ExportSpans(context.Background(), spansOf(tid))
			if b, rerr := os.ReadFile(outside); rerr != nil || string(b) != "keep" {
				t.Errorf("the file outside was written: %q, %v", b, rerr)
			}
			if _, serr := os.Lstat(outside + ".new"); serr == nil {
				t.Error("a dangling link's target was created")
			}
			if c.why == "" {
				if err != nil {
					t.Fatalf("export to a regular file of ours: %v", err)
				}
				if n := countSpans(fileLines(t, dir, tid)); n != 2 {
					t.Errorf("%d spans written, want 2", n)
				}
				if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
					t.Errorf("mode %v, want it tightened to 0600", fi.Mode().Perm())
				}
				return
			}
			var unsafe *UnsafePathError
			var fe *Error
			if !errors.As(err, &unsafe) || !errors.As(err, &fe) || unsafe.Why != c.why {
				t.Fatalf("error %v, want an UnsafePathError saying %q", err, c.why)
			}
			if fe.Cause != "not a regular file of this user" || !strings.Contains(err.Error(), path) {
				t.Errorf("cause %q, error %q", fe.Cause, err)
			}
		})
	}
}

// TestLinkSwappedInWhileOpen: a trace file replaced by a link between two
// exports of its trace is not written through.
func TestLinkSwappedInWhileOpen(t *testing.T) {
	dir := t.TempDir()
	tid := testTraceID(8)
	f := New(dir)
	defer f.Shutdown(context.Background())
	export(t, f, testSpan(tid, 1, false, "a")) // not the root: the file stays open
	outside := filepath.Join(t.TempDir(), "victim")
	must(t, os.WriteFile(outside, []byte("keep"), 0o600))
	path := filepath.Join(dir, tid.String()+".jsonl")
	must(t, os.Remove(path))
	must(t, os.Symlink(outside, path))
	err := f.ExportSpans(context.Background(), spansOf(tid))
	var unsafe *UnsafePathError
	if !errors.As(err, &unsafe) {
		t.Fatalf("error %v, want an UnsafePathError", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "keep" {
		t.Errorf("written through the link: %q", b)
	}
}

func TestInvalidTraceIDRefused(t *testing.T) {
	dir := t.TempDir()
	f := New(dir)
	defer f.Shutdown(context.Background())
	good := testTraceID(9)
	spans := append(spansOf(trace.TraceID{}), spansOf(good)...)
	err := f.ExportSpans(context.Background(), spans)
	var fe *Error
	if !errors.Is(err, ErrInvalidTraceID) || !errors.As(err, &fe) || fe.Cause != "invalid trace ID" {
		t.Fatalf("error %v, want ErrInvalidTraceID", err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(names) != 1 || filepath.Base(names[0]) != good.String()+".jsonl" {
		t.Errorf("files %v, want only the valid trace's", names)
	}
}

// TestFolderWritableByOthers: a traces folder others may write is
// tightened to 0700 when it is ours, refused when it is not.
func TestFolderWritableByOthers(t *testing.T) {
	for _, mode := range []fs.FileMode{0o777, 0o770, 0o1777, 0o755} {
		t.Run("ours "+mode.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "traces")
			must(t, os.Mkdir(dir, 0o700))
			must(t, os.Chmod(dir, mode|modeSticky(mode)))
			f := New(dir)
			var was fs.FileMode
			f.Tightened = func(_ string, m fs.FileMode) { was = m }
			defer f.Shutdown(context.Background())
			export(t, f, spansOf(testTraceID(1))...)
			fi, _ := os.Stat(dir)
			writable := mode&0o022 != 0
			switch {
			case writable && (fi.Mode().Perm() != 0o700 || was != mode.Perm()):
				t.Errorf("mode %v after export (reported %v), want 0700", fi.Mode().Perm(), was)
			case !writable && (fi.Mode().Perm() != mode.Perm() || was != 0):
				t.Errorf("a folder nobody else may write was changed: %v", fi.Mode())
			}
		})
	}
	t.Run("another user's", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("making a folder of another user needs root")
		}
		dir := filepath.Join(t.TempDir(), "traces")
		must(t, os.Mkdir(dir, 0o777))
		must(t, os.Chmod(dir, 0o777))
		must(t, os.Chown(dir, 65534, 65534))
		f := New(dir)
		defer f.Shutdown(context.Background())
		err := f.ExportSpans(context.Background(), spansOf(testTraceID(2)))
		var unsafe *UnsafePathError
		var fe *Error
		if !errors.As(err, &unsafe) || !unsafe.Folder || !errors.As(err, &fe) || fe.Cause != "folder writable by others" {
			t.Fatalf("error %v, want the folder refused", err)
		}
		if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 0 {
			t.Errorf("written into another user's open folder: %v", names)
		}
		if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o777 {
			t.Errorf("another user's folder was changed: %v", fi.Mode())
		}
	})
}

func modeSticky(m fs.FileMode) fs.FileMode {
	if m&0o1000 != 0 {
		return fs.ModeSticky
	}
	return 0
}

func spansOf(tid trace.TraceID) []sdktrace.ReadOnlySpan {
	return []sdktrace.ReadOnlySpan{testSpan(tid, 1, false, "a"), testSpan(tid, 2, true, "b")}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestFileCause(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, "disk full"},
		{&os.PathError{Op: "write", Path: "x", Err: syscall.EFBIG}, "file size limit"},
		{&os.PathError{Op: "open", Path: "x", Err: syscall.EACCES}, "permission denied"},
		{&os.PathError{Op: "stat", Path: "x", Err: syscall.ENOENT}, "folder missing"},
		{&os.PathError{Op: "stat", Path: "x", Err: syscall.ENOTDIR}, "not a folder"},
		{&UnsafePathError{Path: "x", Why: "a FIFO"}, "not a regular file of this user"},
		{&UnsafePathError{Path: "x", Why: "w", Folder: true}, "folder writable by others"},
		{ErrInvalidTraceID, "invalid trace ID"},
		{syscall.EIO, "write error"},
	}
	for _, c := range cases {
		if got := fileCause(c.err); got != c.want {
			t.Errorf("fileCause(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

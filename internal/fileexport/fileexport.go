// Package fileexport is the file backend: each trace in its own file,
// <trace id>.jsonl, one OTLP/JSON export request per line (see
// internal/otlpjson). An Exporter is safe for concurrent use.
//
// It writes only what it means to write. A trace file's name is the trace
// ID's 32 lower-case hex digits (the all-zero, invalid ID is refused) plus
// ".jsonl". The file is opened without following a symbolic link
// (O_NOFOLLOW; where that flag does not exist, Lstat first) and without
// blocking on a FIFO (O_NONBLOCK), and written only when it is a regular
// file of the process's own user with no other hard link (so that neither a
// link nor a special file planted at its path is written through); anything
// else is an [UnsafePathError]. A traces folder that other users may write
// (group or other write bit) is tightened to 0700 when the process owns it
// (reported through Exporter.Tightened) and refused otherwise, since
// whoever can write it can plant such links.
package fileexport

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/internal/otlpconv"
	"github.com/crewai-go/crewai/internal/otlpjson"
)

// maxOpenFiles bounds the trace files the file backend keeps open.
const maxOpenFiles = 64

// Exporter is the file backend: one file per trace, <trace id>.jsonl,
// each line one OTLP/JSON ExportTraceServiceRequest holding spans of that
// trace. Files are created 0600, the folder 0700.
//
// The files of recent traces stay open between exports (at most
// maxOpenFiles, least recently used closed first; a trace's file is
// closed once its root span is written, and all are closed when the batcher
// reports it idle and at Shutdown). Every line is one unbuffered write, so
// nothing written waits in the process. Exports run concurrently: each
// encodes its lines on its own, and a lock per file keeps the lines of one
// trace whole. A file removed or replaced while open (the folder cleaned up
// under a running trace) is noticed before the next write and opened again.
type Exporter struct {
	dir string

	// Tightened, when set before the first export, is called when the
	// traces folder, writable by others, was tightened to 0700; was is its
	// mode before.
	Tightened func(dir string, was fs.FileMode)

	mu     sync.Mutex // guards files, lru, closed
	files  map[trace.TraceID]*traceFile
	lru    list.List // of *traceFile, most recently used first
	closed bool

	opened  atomic.Int64 // files opened so far (for tests)
	openNow atomic.Int64 // files open now (for tests)
}

// traceFile is the open file of one trace.
type traceFile struct {
	f    *Exporter
	id   trace.TraceID
	path string
	elem *list.Element // in Exporter.lru, nil once out of the set
	refs int           // exports using it, guarded by Exporter.mu

	mu sync.Mutex // serialises writes to fh
	fh *os.File   // nil when not open
	fi os.FileInfo
}

// New returns an Exporter writing into dir (created 0700 when missing).
func New(dir string) *Exporter {
	return &Exporter{dir: dir, files: map[trace.TraceID]*traceFile{}}
}

// Opened counts the files opened so far.
func (f *Exporter) Opened() int64 { return f.opened.Load() }

// OpenNow counts the files open now.
func (f *Exporter) OpenNow() int64 { return f.openNow.Load() }

// Error is a failure to write a trace file, with a short cause ("disk
// full", "permission denied", "folder missing", "not a folder", "write
// error").
type Error struct {
	Cause string
	Err   error
}

func (e *Error) Error() string { return "tracing: file backend: " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fileCause(err error) string {
	var unsafe *UnsafePathError
	switch {
	case errors.As(err, &unsafe):
		return unsafe.cause()
	case errors.Is(err, ErrInvalidTraceID):
		return "invalid trace ID"
	case errors.Is(err, syscall.ENOSPC):
		return "disk full"
	case errors.Is(err, syscall.EFBIG):
		return "file size limit"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, fs.ErrNotExist):
		return "folder missing"
	case errors.Is(err, syscall.ENOTDIR):
		return "not a folder"
	}
	return "write error"
}

// UnsafePathError is a trace file path, or a traces folder, that the file
// backend refuses to write: a symbolic link, a FIFO, a device, a socket or
// a folder at a trace file's path, a file of another user or with other
// hard links, a traces folder other users may write that is not the
// process's own.
type UnsafePathError struct {
	Path   string
	Why    string // "a symbolic link", "owned by another user", ...
	Folder bool   // the traces folder, not a trace file
}

func (e *UnsafePathError) Error() string {
	if e.Folder {
		return e.Path + ": " + e.Why + "; the file backend does not write into it (make it private: chmod 700)"
	}
	return e.Path + ": " + e.Why + "; the file backend writes only regular files of its own user, never through a link"
}

func (e *UnsafePathError) cause() string {
	if e.Folder {
		return "folder writable by others"
	}
	return "not a regular file of this user"
}

// ErrInvalidTraceID is the failure of spans whose trace ID is not valid
// (all zero): they have no file name.
var ErrInvalidTraceID = errors.New("invalid trace ID (all zero)")

var errFileShutdown = errors.New("tracing: file backend: exporter shut down")

func (f *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	// Group by trace, keeping order; note the traces whose root is here.
	type group struct {
		spans []sdktrace.ReadOnlySpan
		root  bool
	}
	var order []trace.TraceID
	groups := map[trace.TraceID]*group{}
	for _, s := range spans {
		id := s.SpanContext().TraceID()
		g := groups[id]
		if g == nil {
			g = &group{}
			groups[id] = g
			order = append(order, id)
		}
		g.spans = append(g.spans, s)
		if !s.Parent().IsValid() {
			g.root = true
		}
	}
	f.mu.Lock()
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return errFileShutdown
	}
	if err := f.prepareDir(); err != nil {
		return &Error{Cause: fileCause(err), Err: err}
	}
	var errs []error
	for _, id := range order {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		g := groups[id]
		if !id.IsValid() {
			err := fmt.Errorf("%d spans: %w", len(g.spans), ErrInvalidTraceID)
			errs = append(errs, &Error{Cause: fileCause(err), Err: err})
			continue
		}
		line, err := otlpjson.Marshal(otlpconv.Request(g.spans))
		if err != nil {
			errs = append(errs, fmt.Errorf("tracing: file backend: encoding trace %s: %w", id, err))
			continue
		}
		line = append(line, '\n')
		if err := f.appendLine(id, line, g.root); err != nil {
			errs = append(errs, &Error{Cause: fileCause(err), Err: err})
		}
	}
	return errors.Join(errs...)
}

// prepareDir makes the traces folder when it is missing (0700) and checks
// it: a folder that other users may write is tightened to 0700 when the
// process owns it, refused otherwise.
func (f *Exporter) prepareDir() error {
	fi, err := os.Stat(f.dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(f.dir, 0o700); err != nil {
			return err
		}
		fi, err = os.Stat(f.dir)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %w", f.dir, syscall.ENOTDIR)
	}
	if !checkModes || fi.Mode().Perm()&0o022 == 0 {
		return nil
	}
	if why := checkOwner(fi, false); why != "" {
		return &UnsafePathError{Path: f.dir, Folder: true,
			Why: fmt.Sprintf("a traces folder other users may write (mode %v), %s", fi.Mode().Perm(), why)}
	}
	if err := os.Chmod(f.dir, 0o700); err != nil {
		return err
	}
	if f.Tightened != nil {
		f.Tightened(f.dir, fi.Mode().Perm())
	}
	return nil
}

// openTrace opens the trace file at path for appending, creating it 0600
// when missing, and checks that it is a regular file of the process's user
// with no other hard link; it never follows a symbolic link at path and
// never blocks on a FIFO there.
func openTrace(path string) (*os.File, fs.FileInfo, error) {
	if openFlags == 0 { // no O_NOFOLLOW here: look before opening
		if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
			return nil, nil, unsafeFile(path, fi)
		}
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|openFlags, 0o600)
	if err != nil {
		// O_NOFOLLOW on a link fails with ELOOP, a FIFO without a reader
		// with ENXIO, a folder with EISDIR: say what is there.
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, nil, unsafeFile(path, fi)
		}
		return nil, nil, err
	}
	fi, err := fh.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = unsafeFile(path, fi)
	}
	if err == nil {
		if why := checkOwner(fi, true); why != "" {
			err = &UnsafePathError{Path: path, Why: why}
		}
	}
	if err == nil && checkModes && fi.Mode().Perm()&0o077 != 0 {
		err = fh.Chmod(0o600) // a file of ours left readable by others
	}
	if err != nil {
		fh.Close()
		return nil, nil, err
	}
	return fh, fi, nil
}

// unsafeFile names what sits at a trace file's path instead of a regular
// file.
func unsafeFile(path string, fi fs.FileInfo) *UnsafePathError {
	why := "not a regular file"
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		why = "a symbolic link"
	case m.IsDir():
		why = "a folder"
	case m&fs.ModeNamedPipe != 0:
		why = "a FIFO"
	case m&fs.ModeSocket != 0:
		why = "a socket"
	case m&fs.ModeDevice != 0:
		why = "a device"
	}
	return &UnsafePathError{Path: path, Why: why}
}

// appendLine writes line to the file of trace id, opening it when needed,
// and closes the file after the write when last is true.
func (f *Exporter) appendLine(id trace.TraceID, line []byte, last bool) error {
	tf, err := f.acquire(id)
	if err != nil {
		return err
	}
	tf.mu.Lock()
	werr := tf.write(line)
	if werr != nil || last {
		tf.closeFile() // reopened by the next write; a failed handle is not kept
	}
	tf.mu.Unlock()
	f.release(tf)
	return werr
}

// acquire returns the entry of trace id, in use until release.
func (f *Exporter) acquire(id trace.TraceID) (*traceFile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errFileShutdown
	}
	tf := f.files[id]
	if tf == nil {
		tf = &traceFile{f: f, id: id, path: filepath.Join(f.dir, id.String()+".jsonl")}
		tf.elem = f.lru.PushFront(tf)
		f.files[id] = tf
		f.evictLocked()
	} else {
		f.lru.MoveToFront(tf.elem)
	}
	tf.refs++
	return tf, nil
}

// release ends a use of tf; an entry that left the set meanwhile (evicted,
// idle, shut down) is closed by its last user.
func (f *Exporter) release(tf *traceFile) {
	f.mu.Lock()
	tf.refs--
	gone := tf.refs == 0 && tf.elem == nil
	if !gone && tf.refs == 0 {
		tf.mu.Lock() // uncontended: nobody else holds tf
		if tf.fh == nil {
			// closed after its root span or a failure: drop the entry
			f.removeLocked(tf)
		}
		tf.mu.Unlock()
	}
	f.mu.Unlock()
	if gone {
		tf.mu.Lock()
		tf.closeFile()
		tf.mu.Unlock()
	}
}

// evictLocked closes the least recently used files beyond the bound. f.mu is
// held.
func (f *Exporter) evictLocked() {
	for e := f.lru.Back(); e != nil && f.lru.Len() > maxOpenFiles; {
		prev := e.Prev()
		tf := e.Value.(*traceFile)
		f.removeLocked(tf)
		if tf.refs == 0 {
			tf.mu.Lock() // uncontended: only users with a reference lock it
			tf.closeFile()
			tf.mu.Unlock()
		}
		e = prev
	}
}

// removeLocked takes tf out of the set; its last user closes it. f.mu is
// held.
func (f *Exporter) removeLocked(tf *traceFile) {
	if tf.elem == nil {
		return
	}
	f.lru.Remove(tf.elem)
	tf.elem = nil
	delete(f.files, tf.id)
}

// closeAll takes every file out of the set and closes those not in use
// (the others are closed by their last user). When shut is true no file is
// opened any more.
func (f *Exporter) closeAll(shut bool) error {
	f.mu.Lock()
	if shut {
		f.closed = true
	}
	var idle []*traceFile
	for e := f.lru.Front(); e != nil; {
		next := e.Next()
		tf := e.Value.(*traceFile)
		f.removeLocked(tf)
		if tf.refs == 0 {
			idle = append(idle, tf)
		}
		e = next
	}
	f.mu.Unlock()
	var errs []error
	for _, tf := range idle {
		tf.mu.Lock()
		if err := tf.closeFile(); err != nil {
			errs = append(errs, &Error{Cause: fileCause(err), Err: err})
		}
		tf.mu.Unlock()
	}
	return errors.Join(errs...)
}

// CloseIdle closes every open trace file (the batch processor's idle
// signal).
func (f *Exporter) CloseIdle() { _ = f.closeAll(false) }

// Shutdown closes every open trace file; later exports fail.
func (f *Exporter) Shutdown(context.Context) error { return f.closeAll(true) }

// write appends line to the trace file, opening it first when it is not
// open or no longer is the file at its path. tf.mu is held.
func (tf *traceFile) write(line []byte) error {
	if tf.fh != nil {
		if fi, err := os.Lstat(tf.path); err != nil || !os.SameFile(fi, tf.fi) {
			tf.closeFile() // removed or replaced: write to the file at the path, if safe
		}
	}
	if tf.fh == nil {
		fh, fi, err := openTrace(tf.path)
		if err != nil {
			return err
		}
		tf.fh, tf.fi = fh, fi
		tf.f.opened.Add(1)
		tf.f.openNow.Add(1)
	}
	_, err := tf.fh.Write(line)
	return err
}

// closeFile closes the handle, if open. tf.mu is held.
func (tf *traceFile) closeFile() error {
	if tf.fh == nil {
		return nil
	}
	err := tf.fh.Close()
	tf.fh, tf.fi = nil, nil
	tf.f.openNow.Add(-1)
	return err
}

package tracing

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// fileExporter is the file backend: one file per trace, <trace id>.jsonl,
// each line one OTLP/JSON ExportTraceServiceRequest holding spans of that
// trace. Files are created 0600, the folder 0700.
type fileExporter struct {
	dir string
	mu  sync.Mutex // serialises appends
}

func newFileExporter(dir string) *fileExporter { return &fileExporter{dir: dir} }

// fileError is a failure of the file backend, with a short cause.
type fileError struct {
	cause string
	err   error
}

func (e *fileError) Error() string { return "tracing: file backend: " + e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

func fileCause(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "disk full"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, fs.ErrNotExist):
		return "folder missing"
	case errors.Is(err, syscall.ENOTDIR):
		return "not a folder"
	}
	return "write error"
}

func (f *fileExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	// Group by trace, keeping order.
	var order []trace.TraceID
	groups := map[trace.TraceID][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		id := s.SpanContext().TraceID()
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		groups[id] = append(groups[id], s)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		return &fileError{cause: fileCause(err), err: err}
	}
	var errs []error
	for _, id := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := MarshalOTLPJSON(ToOTLP(groups[id]))
		if err != nil {
			errs = append(errs, fmt.Errorf("tracing: file backend: encoding trace %s: %w", id, err))
			continue
		}
		line = append(line, '\n')
		if err := f.appendLine(filepath.Join(f.dir, id.String()+".jsonl"), line); err != nil {
			errs = append(errs, &fileError{cause: fileCause(err), err: err})
		}
	}
	return errors.Join(errs...)
}

func (f *fileExporter) appendLine(path string, line []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, werr := fh.Write(line)
	cerr := fh.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

func (f *fileExporter) Shutdown(context.Context) error { return nil }

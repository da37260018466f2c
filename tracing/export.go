package tracing

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/crewai-go/crewai/internal/batch"
	"github.com/crewai-go/crewai/internal/fileexport"
)

// countingExporter counts what its exporter accepted and refused, and
// reports each cause of failure once per Tracer.
type countingExporter struct {
	next     sdktrace.SpanExporter
	t        *Tracer
	exported atomic.Uint64
	failed   atomic.Uint64
	dropped  atomic.Uint64 // spans the backend refused to send (too large)
	backsOff bool          // a network backend: the batch processor backs off after an outage
}

func (c *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := c.next.ExportSpans(ctx, spans)
	if err == nil {
		c.exported.Add(uint64(len(spans)))
		return nil
	}
	var counts *exportCounts
	if errors.As(err, &counts) { // some spans went, some did not
		c.exported.Add(uint64(counts.exported))
		c.failed.Add(uint64(counts.failed))
		c.dropped.Add(uint64(counts.dropped))
	} else {
		c.failed.Add(uint64(len(spans)))
	}
	if c.t.batch != nil && c.t.batch.ShutDown() {
		return err // canceled by Shutdown: nothing to report
	}
	cause := causeOf(err)
	msg := "tracing: exporting spans failed (" + cause + "); the run goes on, the spans are counted as " +
		"failed in Tracer.Stats (reported once per cause)"
	if c.backsOff && isOutage(err) {
		msg = "tracing: exporting spans failed (" + cause + "); the run goes on, the spans are counted as " +
			"failed in Tracer.Stats; exports pause (their spans are dropped and counted, kickoffs do not wait) " +
			"and the backend is probed again after a back-off of 1s, doubling up to 1m (reported once per cause)"
	}
	c.t.warnOnce(cause, msg, "backend", c.t.backend, "error", c.t.scrub.Scrub(err.Error()))
	return err
}

// isOutage reports whether an export error means the backend is
// unavailable (refused, unreachable, timed out, overloaded, failing), as
// opposed to refusing this batch (HTTP 400, 413, 422; gRPC InvalidArgument;
// a partial success; spans the crewai backend cannot place): the network
// backends then back off instead of trying, and having each kickoff wait,
// again at once.
func isOutage(err error) bool {
	var counts *exportCounts
	if errors.As(err, &counts) && counts.exported > 0 || errors.Is(err, errNoExecution) ||
		strings.Contains(err.Error(), "partial success") {
		return false
	}
	if s, ok := status.FromError(err); ok && s.Code() == codes.InvalidArgument {
		return false
	}
	switch causeOf(err) {
	case "HTTP 400", "HTTP 413", "HTTP 422", "span over the AOP request cap":
		return false
	}
	return true
}

func (c *countingExporter) Shutdown(ctx context.Context) error { return c.next.Shutdown(ctx) }

// CloseIdle passes the batch processor's idle signal on to an exporter
// that holds resources open.
func (c *countingExporter) CloseIdle() {
	if ic, ok := c.next.(batch.IdleCloser); ok {
		ic.CloseIdle()
	}
}

const causeTimeout = "timeout"

var statusRE = regexp.MustCompile(`: ([1-5][0-9][0-9]) [A-Za-z]`)

// causeOf names the cause of an export failure in few words, so that each
// cause is reported once.
func causeOf(err error) string {
	var named interface{ Cause() string } // the crewai backend's errors name their cause
	if errors.As(err, &named) {
		return named.Cause()
	}
	var fe *fileexport.Error
	if errors.As(err, &fe) {
		return "traces folder: " + fe.Cause
	}
	msg := err.Error()
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(msg, "connection refused"):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return causeTimeout
	}
	if s, ok := status.FromError(err); ok && s.Code() != codes.OK && s.Code() != codes.Unknown {
		if s.Code() == codes.DeadlineExceeded {
			return causeTimeout
		}
		return "grpc " + s.Code().String()
	}
	if strings.Contains(msg, "retry-able request failure") {
		return "server busy (HTTP 429, 502, 503 or 504)"
	}
	if m := statusRE.FindStringSubmatch(msg); m != nil {
		return "HTTP " + m[1]
	}
	return "export error"
}

// discardExporter is the "none" backend.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

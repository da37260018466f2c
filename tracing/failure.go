package tracing

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/scrub"
	"github.com/crewai-go/crewai/internal/semconv"
)

// fail marks sp as failed and records the error as an exception event,
// unless the error (or one it wraps) was already recorded on a child.
func (r *runTracer) fail(sp trace.Span, f *event.Failure, at time.Time) {
	t := r.t
	et := errorType(f.Err)
	msg := t.text(f.Err.Error())
	sp.SetAttributes(attribute.String(semconv.ErrorType, et))
	sp.SetStatus(codes.Error, msg)
	for _, rec := range r.recorded {
		if errors.Is(f.Err, rec) {
			return
		}
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs,
		attribute.String(semconv.ExceptionType, goTypeName(f.Err)),
		attribute.String(semconv.ExceptionMessage, msg))
	if f.Panic && f.Stack != "" {
		attrs = append(attrs, attribute.String(semconv.ExceptionStacktrace, scrub.Truncate(f.Stack, t.maxLen)))
	}
	sp.AddEvent(semconv.ExceptionEvent, trace.WithTimestamp(at), trace.WithAttributes(attrs...))
	if len(r.recorded) == maxRecorded {
		copy(r.recorded, r.recorded[1:])
		r.recorded = r.recorded[:maxRecorded-1]
	}
	r.recorded = append(r.recorded, f.Err)
}

// errorType is error.type: the ErrorType() of the first error in the chain
// that has one, else the Go type name of the first error that is not a plain
// wrapper, else "_OTHER".
func errorType(err error) string {
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	var typed interface{ ErrorType() string }
	if errors.As(err, &typed) {
		if s := typed.ErrorType(); s != "" {
			return s
		}
	}
	n := goTypeName(err)
	if n == "" {
		return semconv.ErrorTypeOther
	}
	return n
}

// goTypeName walks through fmt.Errorf and errors.Join wrappers and returns
// the type name of the first error that is something else, or "" for a
// plain errors.New / fmt.Errorf error.
func goTypeName(err error) string {
	for err != nil {
		ty := reflect.TypeOf(err)
		n := ty.String()
		switch n {
		case "*fmt.wrapError", "*fmt.wrapErrors", "*errors.joinError":
			u := errors.Unwrap(err)
			if u == nil {
				if m, ok := err.(interface{ Unwrap() []error }); ok && len(m.Unwrap()) > 0 {
					u = m.Unwrap()[0]
				}
			}
			err = u
			continue
		case "*errors.errorString":
			return ""
		}
		return strings.TrimPrefix(n, "*")
	}
	return ""
}

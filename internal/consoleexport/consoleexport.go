// Package consoleexport is the console backend: one readable line per
// span, for development. An Exporter is safe for concurrent use.
package consoleexport

import (
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/crewai-go/crewai/internal/semconv"
)

// Exporter writes one line per span. Content attributes are left out; structure, timing, usage and
// errors are shown.
type Exporter struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns an Exporter writing to w.
func New(w io.Writer) *Exporter { return &Exporter{w: w} }

// consoleKeys are the attributes a console line shows, in order.
var consoleKeys = []string{
	semconv.GenAIProviderName, semconv.GenAIResponseModel, semconv.GenAIUsageInputTokens,
	semconv.GenAIUsageOutputTokens, semconv.GenAIToolCallID, semconv.CrewAIToolCacheHit,
	semconv.CrewAIFlowRouterLabel, semconv.OILLMCostTotal, semconv.ErrorType,
}

func (c *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	var b strings.Builder
	for _, s := range spans {
		sc := s.SpanContext()
		b.WriteString("[trace ")
		b.WriteString(sc.TraceID().String()[:8])
		b.WriteString("] ")
		b.WriteString(s.Name())
		b.WriteString(" (")
		b.WriteString(s.EndTime().Sub(s.StartTime()).Round(time.Microsecond).String())
		b.WriteString(")")
		if s.Status().Code == codes.Error {
			b.WriteString(" ERROR: ")
			b.WriteString(s.Status().Description)
		}
		attrs := s.Attributes()
		for _, k := range consoleKeys {
			for _, kv := range attrs {
				if string(kv.Key) == k {
					b.WriteString(" ")
					b.WriteString(k)
					b.WriteString("=")
					b.WriteString(consoleValue(kv.Value))
					break
				}
			}
		}
		b.WriteString(" span=")
		b.WriteString(sc.SpanID().String())
		if p := s.Parent(); p.IsValid() {
			b.WriteString(" parent=")
			b.WriteString(p.SpanID().String())
		}
		b.WriteByte('\n')
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := io.WriteString(c.w, b.String())
	return err
}

func consoleValue(v attribute.Value) string {
	switch v.Type() {
	case attribute.STRING:
		return strconv.Quote(v.AsString())
	case attribute.FLOAT64:
		return strconv.FormatFloat(v.AsFloat64(), 'g', 6, 64)
	}
	return v.String()
}

func (c *Exporter) Shutdown(context.Context) error { return nil }

package tracing

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// benchEvents is one tool call (start and end) under a crew span, with
// headers filled in as the bus would.
func benchEvents() (root, start, end event.Event) {
	now := time.Now()
	root = &event.CrewStarted{Header: event.Header{ID: 1, Seq: 1, Time: now, Phase: event.Start}, Crew: "c"}
	start = &event.ToolStarted{Header: event.Header{ID: 2, ParentID: 1, Seq: 2, Time: now, Phase: event.Start},
		Tool: "search", CallID: "call_1", Arguments: `{"q":"ai"}`, Agent: "Researcher", Attempt: 1}
	end = &event.ToolFinished{Header: event.Header{ID: 3, ParentID: 1, StartID: 2, Seq: 3, Time: now, Phase: event.Finish},
		Tool: "search", CallID: "call_1", Result: "some results"}
	return
}

// toolAttrs are the attributes our handler puts on that tool span with
// content capture off (checked in BenchmarkSpans), for the bare-SDK baseline.
func toolAttrs() (startAttrs, endAttrs []attribute.KeyValue) {
	return []attribute.KeyValue{
			attribute.String(semconv.GenAIOperationName, semconv.OpExecuteTool),
			attribute.String(semconv.OISpanKind, semconv.OIKindTool),
			attribute.String(semconv.GenAIToolName, "search"),
			attribute.String(semconv.OIToolName, "search"),
			attribute.String(semconv.GenAIToolType, semconv.ToolTypeFunction),
			attribute.String(semconv.GenAIToolCallID, "call_1"),
			attribute.String(semconv.CrewAIToolAgent, "Researcher"),
			attribute.Int(semconv.CrewAIToolAttempt, 1),
		}, []attribute.KeyValue{
			attribute.Bool(semconv.CrewAIToolCacheHit, false),
		}
}

type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// BenchmarkSpans compares the cost per span of the event handler with the
// bare OpenTelemetry SDK creating the same span, with the same attributes,
// through a batch processor and a discarding exporter (issue 11: at most
// 1.5x).
func BenchmarkSpans(b *testing.B) {
	b.Run("sdk", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
		defer tp.Shutdown(context.Background())
		tr := tp.Tracer(semconv.ScopeName)
		ctx, root := tr.Start(context.Background(), "invoke_workflow c")
		defer root.End()
		sa, ea := toolAttrs()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			now := time.Now()
			_, sp := tr.Start(ctx, "execute_tool search", trace.WithSpanKind(trace.SpanKindInternal),
				trace.WithTimestamp(now), trace.WithAttributes(sa...))
			sp.SetAttributes(ea...)
			sp.End(trace.WithTimestamp(now))
		}
	})
	// The same span with every attribute given to Start and no timestamps:
	// what the SDK costs when nothing is added after Start (SetAttributes
	// makes the SDK deduplicate the attributes at End).
	b.Run("sdk/attrs-at-start", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
		defer tp.Shutdown(context.Background())
		tr := tp.Tracer(semconv.ScopeName)
		ctx, root := tr.Start(context.Background(), "invoke_workflow c")
		defer root.End()
		sa, ea := toolAttrs()
		all := append(sa, ea...)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, sp := tr.Start(ctx, "execute_tool search", trace.WithSpanKind(trace.SpanKindInternal),
				trace.WithAttributes(all...))
			sp.End()
		}
	})
	for _, capture := range []bool{false, true} {
		name := "handler/content-off"
		if capture {
			name = "handler/content-on"
		}
		b.Run(name, func(b *testing.B) {
			tr, err := New(WithExporter(discard{}), WithContentCapture(capture), WithNotice(nil))
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Shutdown(context.Background())
			r := &runTracer{t: tr, spans: make(map[uint64]*openSpan, 8)}
			root, start, end := benchEvents()
			r.Handle(root)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.Handle(start)
				r.Handle(end)
			}
		})
	}
	b.Run("events+handler", func(b *testing.B) {
		tr, err := New(WithExporter(discard{}), WithContentCapture(false), WithNotice(nil))
		if err != nil {
			b.Fatal(err)
		}
		defer tr.Shutdown(context.Background())
		ctx := event.StartRun(context.Background(), &event.Bus{})
		ctx, finish := Attach(ctx, tr, Requested(true))
		defer finish()
		ctx, st := event.Begin(ctx, event.CrewStarted{Crew: "c"})
		defer event.End(st, event.CrewCompleted{Crew: "c"})
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, ts := event.Begin(ctx, event.ToolStarted{Tool: "search", CallID: "call_1", Arguments: `{"q":"ai"}`, Agent: "Researcher", Attempt: 1})
			event.End(ts, event.ToolFinished{Tool: "search", CallID: "call_1", Result: "some results"})
		}
	})
}

// TestBenchAttrsMatch keeps the baseline honest: the handler's tool span
// has exactly the baseline's attributes.
func TestBenchAttrsMatch(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := New(WithExporter(exp), WithContentCapture(false), WithNotice(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, tr)
	r := &runTracer{t: tr, spans: make(map[uint64]*openSpan, 8)}
	root, start, end := benchEvents()
	r.Handle(root)
	r.Handle(start)
	r.Handle(end)
	if err := tr.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := findSpan(t, exp.GetSpans(), "execute_tool search")
	sa, ea := toolAttrs()
	want := attribute.NewSet(append(sa, ea...)...)
	if got := attribute.NewSet(s.Attributes...); !got.Equals(&want) {
		t.Errorf("attributes differ:\n%v\nwant\n%v", s.Attributes, append(sa, ea...))
	}
}

package tracing

import (
	"context"
	"strings"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/internal/otlpconv"
	"github.com/crewai-go/crewai/internal/otlpjson"
)

func TestOTLPJSONRoundTrip(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	if _, err := runCrew(context.Background(), tr, scenario{toolErr: errBoom}); err == nil {
		t.Fatal("no error")
	}
	req := otlpconv.Request(exp.GetSpans().Snapshots())
	b, err := otlpjson.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(string(b), '\n') {
		t.Error("encoding spans several lines")
	}
	var back coltracepb.ExportTraceServiceRequest
	if err := otlpjson.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(req, &back) {
		t.Error("round trip changed the request")
	}
	spans := back.ResourceSpans[0].ScopeSpans[0].Spans
	if len(spans) != 5 {
		t.Fatalf("%d spans", len(spans))
	}
	var errs, events int
	for _, s := range spans {
		if s.Status.GetCode() == 2 {
			errs++
		}
		events += len(s.Events)
	}
	if errs != 4 || events != 1 { // crew, task, agent, tool; the exception once
		t.Errorf("%d error spans, %d events", errs, events)
	}
}

// benchRequest is the OTLP request of one traced crew run with content
// capture on (11 spans).
func benchRequest(b *testing.B) *coltracepb.ExportTraceServiceRequest {
	b.Helper()
	tr, exp, _ := newMemTracer(b, WithContentCapture(true))
	if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
		b.Fatal(err)
	}
	if err := tr.ForceFlush(context.Background()); err != nil {
		b.Fatal(err)
	}
	return otlpconv.Request(exp.GetSpans().Snapshots())
}

func BenchmarkMarshalOTLPJSON(b *testing.B) {
	req := benchRequest(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := otlpjson.Marshal(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalOTLPJSON(b *testing.B) {
	line, err := otlpjson.Marshal(benchRequest(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		var req coltracepb.ExportTraceServiceRequest
		if err := otlpjson.Unmarshal(line, &req); err != nil {
			b.Fatal(err)
		}
	}
}

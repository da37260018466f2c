package tracing

import (
	"context"
	"strings"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

func TestOTLPJSONRoundTrip(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	if _, err := runCrew(context.Background(), tr, scenario{toolErr: errBoom}); err == nil {
		t.Fatal("no error")
	}
	req := ToOTLP(exp.GetSpans().Snapshots())
	b, err := MarshalOTLPJSON(req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(string(b), '\n') {
		t.Error("encoding spans several lines")
	}
	var back coltracepb.ExportTraceServiceRequest
	if err := UnmarshalOTLPJSON(b, &back); err != nil {
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

func TestUnmarshalOTLPJSONErrors(t *testing.T) {
	for _, in := range []string{
		``, `{`, `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}`,
		`{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"abc"}]}]}]}`, `[]`, `{"resourceSpans":7}`,
	} {
		var req coltracepb.ExportTraceServiceRequest
		if err := UnmarshalOTLPJSON([]byte(in), &req); err == nil {
			t.Errorf("%q: no error", in)
		} else if !strings.HasPrefix(err.Error(), "tracing: ") {
			t.Errorf("%q: error %v", in, err)
		}
	}
}

func FuzzUnmarshalOTLPJSON(f *testing.F) {
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x","kind":1}]}]}]}`))
	f.Add([]byte(`{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":"3"}}]}}]}`))
	f.Add([]byte(`{"traceId": "zz"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req coltracepb.ExportTraceServiceRequest
		if err := UnmarshalOTLPJSON(b, &req); err != nil {
			return
		}
		// what decodes re-encodes and decodes to the same request
		out, err := MarshalOTLPJSON(&req)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var again coltracepb.ExportTraceServiceRequest
		if err := UnmarshalOTLPJSON(out, &again); err != nil {
			t.Fatalf("re-decode: %v\n%s", err, out)
		}
		if !proto.Equal(&req, &again) {
			t.Fatalf("round trip differs")
		}
	})
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
	return ToOTLP(exp.GetSpans().Snapshots())
}

func BenchmarkMarshalOTLPJSON(b *testing.B) {
	req := benchRequest(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalOTLPJSON(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalOTLPJSON(b *testing.B) {
	line, err := MarshalOTLPJSON(benchRequest(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		var req coltracepb.ExportTraceServiceRequest
		if err := UnmarshalOTLPJSON(line, &req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOTLPJSONIDs: only ID fields are rewritten, whatever the text around
// them; snake_case keys (which protojson accepts) are hexadecimal too; IDs
// with escapes are refused.
func TestOTLPJSONIDs(t *testing.T) {
	const tid, sid = "0102030405060708090a0b0c0d0e0f10", "1112131415161718"
	for _, c := range []struct {
		name, in string
		ok       bool
	}{
		{"camel", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"` + tid + `","spanId":"` + sid + `","parentSpanId":"` + sid + `"}]}]}]}`, true},
		{"snake and spaces", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"trace_id" : "` + tid + `",` + "\n\t" + `"span_id":	"` + sid + `"}]}]}]}`, true},
		{"key text in a value", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"\"traceId\":\"zz\" \\","traceId":"` + tid + `","spanId":"` + sid + `"}]}]}]}`, true},
		{"attribute named traceId", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"` + tid + `","spanId":"` + sid + `","attributes":[{"key":"traceId","value":{"stringValue":"traceId"}}]}]}]}]}`, true},
		{"escaped ID", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"\u0030102030405060708090a0b0c0d0e0f10"}]}]}]}`, false},
		{"odd hex", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"123"}]}]}]}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var req coltracepb.ExportTraceServiceRequest
			err := UnmarshalOTLPJSON([]byte(c.in), &req)
			if (err == nil) != c.ok {
				t.Fatalf("error %v, want ok=%v", err, c.ok)
			}
			if !c.ok {
				if !strings.HasPrefix(err.Error(), "tracing: OTLP JSON ") {
					t.Errorf("error %q does not name the field", err)
				}
				return
			}
			s := req.ResourceSpans[0].ScopeSpans[0].Spans[0]
			if traceHexOf(s.TraceId) != tid || traceHexOf(s.SpanId) != sid {
				t.Errorf("IDs %x %x", s.TraceId, s.SpanId)
			}
			out, err := MarshalOTLPJSON(&req)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), `"traceId":"`+tid+`"`) || !strings.Contains(string(out), `"spanId":"`+sid+`"`) {
				t.Errorf("encoded %s", out)
			}
			if len(s.Attributes) > 0 && s.Attributes[0].Key != "traceId" {
				t.Errorf("attribute key rewritten: %q", s.Attributes[0].Key)
			}
		})
	}
}

// FuzzOTLPJSONRoundTrip: any request (built from fuzzed IDs and text,
// including invalid UTF-8 and JSON-looking text) that encodes decodes to
// the same request, with hex IDs in the encoding.
func FuzzOTLPJSONRoundTrip(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, []byte{1, 2, 3, 4, 5, 6, 7, 8}, `"traceId":"x"`, "k")
	f.Add([]byte{}, []byte{0xff}, `\"`, `"spanId":`)
	f.Fuzz(func(t *testing.T, tid, sid []byte, name, key string) {
		req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
			ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{{
				TraceId: tid, SpanId: sid, ParentSpanId: sid, Name: name, Kind: tracepb.Span_SPAN_KIND_CLIENT,
				Attributes: []*commonpb.KeyValue{{Key: key, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: name}}}},
				Links:      []*tracepb.Span_Link{{TraceId: tid, SpanId: sid}},
			}}}},
		}}}
		b, err := MarshalOTLPJSON(req)
		if err != nil {
			return // invalid UTF-8 is refused by protojson
		}
		if strings.ContainsRune(string(b), '\n') {
			t.Fatalf("several lines: %s", b)
		}
		if len(tid) > 0 && !strings.Contains(string(b), `"traceId":"`+traceHexOf(tid)+`"`) {
			t.Fatalf("no hex trace ID in %s", b)
		}
		var back coltracepb.ExportTraceServiceRequest
		if err := UnmarshalOTLPJSON(b, &back); err != nil {
			t.Fatalf("decode: %v\n%s", err, b)
		}
		if !proto.Equal(req, &back) {
			t.Fatalf("round trip differs:\n%v\n%v", req, &back)
		}
	})
}

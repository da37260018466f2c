package tracing

import (
	"context"
	"strings"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
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

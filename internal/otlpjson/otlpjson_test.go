package otlpjson

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

func TestUnmarshalOTLPJSONErrors(t *testing.T) {
	for _, in := range []string{
		``, `{`, `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}`,
		`{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"abc"}]}]}]}`, `[]`, `{"resourceSpans":7}`,
	} {
		var req coltracepb.ExportTraceServiceRequest
		if err := Unmarshal([]byte(in), &req); err == nil {
			t.Errorf("%q: no error", in)
		} else if !strings.HasPrefix(err.Error(), "otlpjson: ") {
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
		if err := Unmarshal(b, &req); err != nil {
			return
		}
		// what decodes re-encodes and decodes to the same request
		out, err := Marshal(&req)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var again coltracepb.ExportTraceServiceRequest
		if err := Unmarshal(out, &again); err != nil {
			t.Fatalf("re-decode: %v\n%s", err, out)
		}
		if !proto.Equal(&req, &again) {
			t.Fatalf("round trip differs")
		}
	})
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
			err := Unmarshal([]byte(c.in), &req)
			if (err == nil) != c.ok {
				t.Fatalf("error %v, want ok=%v", err, c.ok)
			}
			if !c.ok {
				if !strings.HasPrefix(err.Error(), "otlpjson: OTLP JSON ") {
					t.Errorf("error %q does not name the field", err)
				}
				return
			}
			s := req.ResourceSpans[0].ScopeSpans[0].Spans[0]
			if hex.EncodeToString(s.TraceId) != tid || hex.EncodeToString(s.SpanId) != sid {
				t.Errorf("IDs %x %x", s.TraceId, s.SpanId)
			}
			out, err := Marshal(&req)
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
		b, err := Marshal(req)
		if err != nil {
			return // invalid UTF-8 is refused by protojson
		}
		if strings.ContainsRune(string(b), '\n') {
			t.Fatalf("several lines: %s", b)
		}
		if len(tid) > 0 && !strings.Contains(string(b), `"traceId":"`+hex.EncodeToString(tid)+`"`) {
			t.Fatalf("no hex trace ID in %s", b)
		}
		var back coltracepb.ExportTraceServiceRequest
		if err := Unmarshal(b, &back); err != nil {
			t.Fatalf("decode: %v\n%s", err, b)
		}
		if !proto.Equal(req, &back) {
			t.Fatalf("round trip differs:\n%v\n%v", req, &back)
		}
	})
}

// fullRequest sets every field MarshalOTLPJSON writes itself, with every
// kind of value, and text that needs escaping.
func fullRequest(text string, n int64, f float64, id []byte) *coltracepb.ExportTraceServiceRequest {
	str := func(s string) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
	}
	attrs := []*commonpb.KeyValue{
		{Key: text, Value: str(text)},
		{Key: "empty", Value: str("")},
		{Key: "b", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: n%2 == 0}}},
		{Key: "i", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}},
		{Key: "zero", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{}}},
		{Key: "f", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}},
		{Key: "bytes", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: id}}},
		{Key: "arr", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{
			Values: []*commonpb.AnyValue{str(text), {Value: &commonpb.AnyValue_DoubleValue{DoubleValue: -f}}, {}}}}}},
		{Key: "emptyarr", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{}}}},
		{Key: "kv", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{
			Values: []*commonpb.KeyValue{{Key: "in", Value: str(text)}, {Key: "nil"}}}}}},
		{Key: "", Value: &commonpb.AnyValue{}},
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{
		{Resource: &resourcepb.Resource{Attributes: attrs, DroppedAttributesCount: uint32(n)}, SchemaUrl: text,
			ScopeSpans: []*tracepb.ScopeSpans{
				{Scope: &commonpb.InstrumentationScope{Name: text, Version: "1", Attributes: attrs, DroppedAttributesCount: 2}, SchemaUrl: "s",
					Spans: []*tracepb.Span{
						{TraceId: id, SpanId: id, TraceState: text, ParentSpanId: id, Flags: uint32(n), Name: text,
							Kind: tracepb.Span_SPAN_KIND_CONSUMER, StartTimeUnixNano: uint64(n), EndTimeUnixNano: 1<<64 - 1,
							Attributes: attrs, DroppedAttributesCount: 3, DroppedEventsCount: 4, DroppedLinksCount: 5,
							Events: []*tracepb.Span_Event{{TimeUnixNano: 7, Name: text, Attributes: attrs, DroppedAttributesCount: 1}, {}},
							Links:  []*tracepb.Span_Link{{TraceId: id, SpanId: id, TraceState: text, Attributes: attrs, DroppedAttributesCount: 1, Flags: 256}, {}},
							Status: &tracepb.Status{Message: text, Code: tracepb.Status_STATUS_CODE_ERROR}},
						{Status: &tracepb.Status{}},
						{},
					}},
				{},
			}},
		{},
	}}
}

// sameJSON fails unless a and b hold the same JSON value.
func sameJSON(t *testing.T, a, b []byte) {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%v\n%s", err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(va, vb) {
		t.Fatalf("encodings differ:\n%s\n%s", a, b)
	}
}

// TestMarshalOTLPJSONMatchesProtojson: the direct writer gives the same JSON
// as protojson (plus the hex rewrite), for every field and kind of value.
func TestMarshalOTLPJSONMatchesProtojson(t *testing.T) {
	for _, c := range []struct {
		text string
		n    int64
		f    float64
	}{
		{"plain", 42, 1.5},
		{"quote \" backslash \\ newline \n tab \t nul \x00 bell \x07 del \x7f é 日本 \u2028 <>&", -1 << 63, 1e-7},
		{"", 0, 0},
		{"x", 1<<63 - 1, 1e21},
		{"nan", 3, math.NaN()},
		{"inf", 3, math.Inf(1)},
		{"-inf", 3, math.Inf(-1)},
		{"small", 3, -123456.789e-30},
	} {
		req := fullRequest(c.text, c.n, c.f, []byte{1, 2, 3, 0xfe, 0xff, 0, 7, 8})
		got, ok := appendRequest(nil, req)
		if !ok {
			t.Fatalf("%q: the writer does not cover the request", c.text)
		}
		want, err := marshalProto(req)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, got, want)
		if bytes.ContainsAny(got, "\n ") && !strings.Contains(c.text, " ") {
			t.Errorf("not compact: %s", got)
		}
	}
}

// TestMarshalOTLPJSONFallback: what the writer does not cover goes through
// protojson: profile-only fields are encoded, invalid UTF-8 is refused.
func TestMarshalOTLPJSONFallback(t *testing.T) {
	req := fullRequest("x", 1, 1, []byte{1})
	req.ResourceSpans[0].Resource.EntityRefs = []*commonpb.EntityRef{{Type: "service"}}
	b, err := Marshal(req)
	if err != nil || !strings.Contains(string(b), `"entityRefs"`) {
		t.Errorf("entity refs: %v %s", err, b)
	}
	req = fullRequest("bad \xff", 1, 1, []byte{1})
	if _, err := Marshal(req); err == nil || !strings.HasPrefix(err.Error(), "otlpjson: encoding OTLP JSON") {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// TestMarshalOTLPJSONCoversEveryField fails when a new version of the OTLP
// protos adds a field the direct writer does not know: it must then be
// written (or sent to protojson) before the dependency is upgraded.
func TestMarshalOTLPJSONCoversEveryField(t *testing.T) {
	known := map[string]string{
		"opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest": "resource_spans",
		"opentelemetry.proto.trace.v1.ResourceSpans":                       "resource scope_spans schema_url",
		"opentelemetry.proto.resource.v1.Resource":                         "attributes dropped_attributes_count entity_refs",
		"opentelemetry.proto.trace.v1.ScopeSpans":                          "scope spans schema_url",
		"opentelemetry.proto.common.v1.InstrumentationScope":               "name version attributes dropped_attributes_count",
		"opentelemetry.proto.trace.v1.Span": "trace_id span_id trace_state parent_span_id flags name kind start_time_unix_nano " +
			"end_time_unix_nano attributes dropped_attributes_count events dropped_events_count links dropped_links_count status",
		"opentelemetry.proto.trace.v1.Span.Event": "time_unix_nano name attributes dropped_attributes_count",
		"opentelemetry.proto.trace.v1.Span.Link":  "trace_id span_id trace_state attributes dropped_attributes_count flags",
		"opentelemetry.proto.trace.v1.Status":     "message code",
		"opentelemetry.proto.common.v1.KeyValue":  "key value key_strindex",
		"opentelemetry.proto.common.v1.AnyValue": "string_value bool_value int_value double_value array_value kvlist_value " +
			"bytes_value string_value_strindex",
		"opentelemetry.proto.common.v1.ArrayValue":   "values",
		"opentelemetry.proto.common.v1.KeyValueList": "values",
	}
	for _, m := range []proto.Message{&coltracepb.ExportTraceServiceRequest{}, &tracepb.ResourceSpans{}, &resourcepb.Resource{},
		&tracepb.ScopeSpans{}, &commonpb.InstrumentationScope{}, &tracepb.Span{}, &tracepb.Span_Event{}, &tracepb.Span_Link{},
		&tracepb.Status{}, &commonpb.KeyValue{}, &commonpb.AnyValue{}, &commonpb.ArrayValue{}, &commonpb.KeyValueList{}} {
		d := m.ProtoReflect().Descriptor()
		var names []string
		for i := 0; i < d.Fields().Len(); i++ {
			names = append(names, string(d.Fields().Get(i).Name()))
		}
		if got := strings.Join(names, " "); got != known[string(d.FullName())] {
			t.Errorf("%s has fields %q, the writer knows %q", d.FullName(), got, known[string(d.FullName())])
		}
	}
}

// FuzzMarshalOTLPJSONMatchesProtojson: for any text, integers, floats and
// IDs, the direct writer and protojson agree, or both refuse.
func FuzzMarshalOTLPJSONMatchesProtojson(f *testing.F) {
	f.Add("a\"b\\c\n\x01é", int64(-5), 1e-9, []byte{1, 2})
	f.Add("\xff", int64(0), 0.0, []byte{})
	f.Fuzz(func(t *testing.T, text string, n int64, x float64, id []byte) {
		req := fullRequest(text, n, x, id)
		got, gerr := Marshal(req)
		want, werr := marshalProto(req)
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("errors differ: %v / %v", gerr, werr)
		}
		if gerr == nil {
			sameJSON(t, got, want)
		}
	})
}

// Package otlpjson is the codec of the trace-file format: one OTLP
// ExportTraceServiceRequest per line in OTLP/JSON, as the OTLP/HTTP
// specification writes it. The file backend writes with it, and
// internal/tracefile and `crewai traces` read and re-encode with it. Its
// functions are safe for concurrent use.
package otlpjson

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Marshal encodes req as OTLP/JSON, as the OTLP/HTTP specification
// requires and the file backend writes it: lowerCamelCase keys, trace and
// span IDs as hexadecimal strings (not base64), enums as integers, 64-bit
// integers as strings, on one line.
//
// The request is written directly (see appendRequest), with exactly the
// fields, values and field order protojson gives it; what that writer does
// not cover (fields OTLP uses only for profiles, nil list elements, text
// that is not UTF-8) goes through protojson, which also reports the errors.
func Marshal(req *coltracepb.ExportTraceServiceRequest) ([]byte, error) {
	if out, ok := appendRequest(make([]byte, 0, 1024), req); ok {
		return out, nil
	}
	return marshalProto(req)
}

// marshalProto is Marshal through protojson.
func marshalProto(req *coltracepb.ExportTraceServiceRequest) ([]byte, error) {
	b, err := protojson.MarshalOptions{UseEnumNumbers: true}.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("otlpjson: encoding OTLP JSON: %w", err)
	}
	out, err := rewriteIDs(b, len(b)+len(b)/8, base64ToHex)
	if err != nil {
		return nil, fmt.Errorf("otlpjson: encoding OTLP JSON IDs: %w", err)
	}
	return out, nil
}

// Unmarshal decodes one OTLP/JSON ExportTraceServiceRequest (a line of a
// trace file, or an OTLP/HTTP JSON body) into req. Trace and span IDs must
// be hexadecimal, as the specification says; unknown fields are ignored. It
// never panics on bad input.
func Unmarshal(b []byte, req *coltracepb.ExportTraceServiceRequest) error {
	b, err := rewriteIDs(b, len(b), hexToBase64)
	if err != nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, req); err != nil {
		return fmt.Errorf("otlpjson: decoding OTLP JSON: %w", err)
	}
	return nil
}

func base64ToHex(dst []byte, key, val []byte) ([]byte, error) {
	var buf [48]byte // IDs are 8 or 16 bytes; longer ones go to the heap
	raw, err := base64.StdEncoding.AppendDecode(buf[:0], val)
	if err != nil {
		return dst, err
	}
	return hex.AppendEncode(dst, raw), nil
}

func hexToBase64(dst []byte, key, val []byte) ([]byte, error) {
	var buf [48]byte
	raw, err := hex.AppendDecode(buf[:0], val)
	if err != nil {
		return dst, fmt.Errorf("otlpjson: OTLP JSON %s %q is not hexadecimal: %w", key, val, err)
	}
	return base64.StdEncoding.AppendEncode(dst, raw), nil
}

// isIDKey reports whether a JSON object key names a trace or span ID field
// (the lowerCamelCase name or the proto name, both of which protojson
// accepts).
func isIDKey(k []byte) bool {
	switch string(k) {
	case "traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id":
		return true
	}
	return false
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// rewriteIDs returns b with the string value of every ID field (see isIDKey)
// replaced by conv(value). It follows the JSON string syntax (a quote
// preceded by an odd number of backslashes is inside the string), so text
// within values is never taken for a key; a string is a key when a colon
// follows it. A value that is not a plain string (null, a number, a string
// with escapes) is left for protojson to judge, except that escapes in an
// ID are refused. Anything malformed is copied as it is, for protojson to
// report. When nothing is rewritten b itself is returned.
func rewriteIDs(b []byte, capHint int, conv func(dst, key, val []byte) ([]byte, error)) ([]byte, error) {
	var out []byte // nil until the first rewrite
	copied := 0    // b[:copied] is in out
	i := 0
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			break
		}
		start := i + q // opening quote
		end := stringEnd(b, start+1)
		if end < 0 {
			break // unterminated: protojson reports it
		}
		i = end + 1
		key := b[start+1 : end]
		if !isIDKey(key) {
			continue
		}
		j := i
		for j < len(b) && isJSONSpace(b[j]) {
			j++
		}
		if j >= len(b) || b[j] != ':' {
			continue // a value, not a key
		}
		j++
		for j < len(b) && isJSONSpace(b[j]) {
			j++
		}
		if j >= len(b) || b[j] != '"' {
			continue // null, a number...: protojson judges
		}
		vEnd := stringEnd(b, j+1)
		if vEnd < 0 {
			break
		}
		val := b[j+1 : vEnd]
		if bytes.IndexByte(val, '\\') >= 0 {
			return nil, fmt.Errorf("otlpjson: OTLP JSON %s %q is not hexadecimal: escapes are not accepted", key, val)
		}
		if out == nil {
			out = make([]byte, 0, max(capHint, len(b)))
		}
		out = append(out, b[copied:j+1]...)
		var err error
		if out, err = conv(out, key, val); err != nil {
			return nil, err
		}
		copied = vEnd
		i = vEnd + 1
	}
	if out == nil {
		return b, nil
	}
	return append(out, b[copied:]...), nil
}

// stringEnd returns the index of the quote closing the JSON string whose
// content starts at b[from], or -1.
func stringEnd(b []byte, from int) int {
	for i := from; i < len(b); {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return -1
		}
		q += i
		bs := 0
		for k := q - 1; k >= from && b[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return q
		}
		i = q + 1
	}
	return -1
}

// jsonWriter appends OTLP/JSON as protojson writes it (compact, fields in
// declaration order, zero values left out); ok turns false on anything it
// does not cover, and the caller then uses protojson.
type jsonWriter struct {
	b  []byte
	ok bool
}

// key writes the separator and the key of the next field; first tells
// whether it is the first of its object.
func (w *jsonWriter) key(first *bool, k string) {
	if !*first {
		w.b = append(w.b, ',')
	}
	*first = false
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonWriter) str(s string) {
	w.b = append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				w.ok = false // protojson refuses it
				return
			}
			i += n
			continue
		}
		if c >= ' ' && c != '"' && c != '\\' {
			i++
			continue
		}
		w.b = append(w.b, s[start:i]...)
		switch c {
		case '"', '\\':
			w.b = append(w.b, '\\', c)
		case '\b':
			w.b = append(w.b, '\\', 'b')
		case '\f':
			w.b = append(w.b, '\\', 'f')
		case '\n':
			w.b = append(w.b, '\\', 'n')
		case '\r':
			w.b = append(w.b, '\\', 'r')
		case '\t':
			w.b = append(w.b, '\\', 't')
		default:
			w.b = append(w.b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		i++
		start = i
	}
	w.b = append(w.b, s[start:]...)
	w.b = append(w.b, '"')
}

const hexDigits = "0123456789abcdef"

func (w *jsonWriter) strField(first *bool, k, v string) {
	if v != "" {
		w.key(first, k)
		w.str(v)
	}
}

func (w *jsonWriter) hexField(first *bool, k string, v []byte) {
	if len(v) > 0 {
		w.key(first, k)
		w.b = append(w.b, '"')
		w.b = hex.AppendEncode(w.b, v)
		w.b = append(w.b, '"')
	}
}

func (w *jsonWriter) u32Field(first *bool, k string, v uint32) {
	if v != 0 {
		w.key(first, k)
		w.b = strconv.AppendUint(w.b, uint64(v), 10)
	}
}

func (w *jsonWriter) u64Field(first *bool, k string, v uint64) {
	if v != 0 {
		w.key(first, k)
		w.b = append(w.b, '"')
		w.b = strconv.AppendUint(w.b, v, 10)
		w.b = append(w.b, '"')
	}
}

func (w *jsonWriter) float(f float64) {
	switch {
	case math.IsNaN(f):
		w.b = append(w.b, `"NaN"`...)
		return
	case math.IsInf(f, 1):
		w.b = append(w.b, `"Infinity"`...)
		return
	case math.IsInf(f, -1):
		w.b = append(w.b, `"-Infinity"`...)
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' { // 1e-07 -> 1e-7, as encoding/json and protojson
		n := len(w.b)
		if n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

// appendRequest appends req to b; false when jsonWriter does not cover it.
func appendRequest(b []byte, req *coltracepb.ExportTraceServiceRequest) ([]byte, bool) {
	w := &jsonWriter{b: b, ok: true}
	w.b = append(w.b, '{')
	first := true
	listField(w, &first, "resourceSpans", req.GetResourceSpans(), w.resourceSpans)
	w.b = append(w.b, '}')
	return w.b, w.ok
}

// listField writes a repeated message field, if not empty, each element
// with write.
func listField[T any](w *jsonWriter, first *bool, k string, xs []T, write func(T)) {
	if len(xs) == 0 {
		return
	}
	w.key(first, k)
	w.b = append(w.b, '[')
	for i, x := range xs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		write(x)
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) resourceSpans(rs *tracepb.ResourceSpans) {
	if rs == nil {
		w.ok = false
		return
	}
	w.b = append(w.b, '{')
	first := true
	if r := rs.Resource; r != nil {
		if len(r.EntityRefs) > 0 {
			w.ok = false
		}
		w.key(&first, "resource")
		w.b = append(w.b, '{')
		f := true
		w.attrs(&f, r.Attributes)
		w.u32Field(&f, "droppedAttributesCount", r.DroppedAttributesCount)
		w.b = append(w.b, '}')
	}
	listField(w, &first, "scopeSpans", rs.ScopeSpans, w.scopeSpans)
	w.strField(&first, "schemaUrl", rs.SchemaUrl)
	w.b = append(w.b, '}')
}

func (w *jsonWriter) scopeSpans(ss *tracepb.ScopeSpans) {
	if ss == nil {
		w.ok = false
		return
	}
	w.b = append(w.b, '{')
	first := true
	if sc := ss.Scope; sc != nil {
		w.key(&first, "scope")
		w.b = append(w.b, '{')
		f := true
		w.strField(&f, "name", sc.Name)
		w.strField(&f, "version", sc.Version)
		w.attrs(&f, sc.Attributes)
		w.u32Field(&f, "droppedAttributesCount", sc.DroppedAttributesCount)
		w.b = append(w.b, '}')
	}
	listField(w, &first, "spans", ss.Spans, w.span)
	w.strField(&first, "schemaUrl", ss.SchemaUrl)
	w.b = append(w.b, '}')
}

func (w *jsonWriter) span(s *tracepb.Span) {
	if s == nil {
		w.ok = false
		return
	}
	w.b = append(w.b, '{')
	first := true
	w.hexField(&first, "traceId", s.TraceId)
	w.hexField(&first, "spanId", s.SpanId)
	w.strField(&first, "traceState", s.TraceState)
	w.hexField(&first, "parentSpanId", s.ParentSpanId)
	w.u32Field(&first, "flags", s.Flags)
	w.strField(&first, "name", s.Name)
	if s.Kind != 0 {
		w.key(&first, "kind")
		w.b = strconv.AppendInt(w.b, int64(s.Kind), 10)
	}
	w.u64Field(&first, "startTimeUnixNano", s.StartTimeUnixNano)
	w.u64Field(&first, "endTimeUnixNano", s.EndTimeUnixNano)
	w.attrs(&first, s.Attributes)
	w.u32Field(&first, "droppedAttributesCount", s.DroppedAttributesCount)
	listField(w, &first, "events", s.Events, w.event)
	w.u32Field(&first, "droppedEventsCount", s.DroppedEventsCount)
	listField(w, &first, "links", s.Links, w.link)
	w.u32Field(&first, "droppedLinksCount", s.DroppedLinksCount)
	if st := s.Status; st != nil {
		w.key(&first, "status")
		w.b = append(w.b, '{')
		f := true
		w.strField(&f, "message", st.Message)
		if st.Code != 0 {
			w.key(&f, "code")
			w.b = strconv.AppendInt(w.b, int64(st.Code), 10)
		}
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, '}')
}

func (w *jsonWriter) event(e *tracepb.Span_Event) {
	if e == nil {
		w.ok = false
		return
	}
	w.b = append(w.b, '{')
	f := true
	w.u64Field(&f, "timeUnixNano", e.TimeUnixNano)
	w.strField(&f, "name", e.Name)
	w.attrs(&f, e.Attributes)
	w.u32Field(&f, "droppedAttributesCount", e.DroppedAttributesCount)
	w.b = append(w.b, '}')
}

func (w *jsonWriter) link(l *tracepb.Span_Link) {
	if l == nil {
		w.ok = false
		return
	}
	w.b = append(w.b, '{')
	f := true
	w.hexField(&f, "traceId", l.TraceId)
	w.hexField(&f, "spanId", l.SpanId)
	w.strField(&f, "traceState", l.TraceState)
	w.attrs(&f, l.Attributes)
	w.u32Field(&f, "droppedAttributesCount", l.DroppedAttributesCount)
	w.u32Field(&f, "flags", l.Flags)
	w.b = append(w.b, '}')
}

// attrs writes a repeated KeyValue field, if not empty.
func (w *jsonWriter) attrs(first *bool, kvs []*commonpb.KeyValue) {
	if len(kvs) == 0 {
		return
	}
	w.key(first, "attributes")
	w.kvList(kvs)
}

func (w *jsonWriter) kvList(kvs []*commonpb.KeyValue) {
	w.b = append(w.b, '[')
	for i, kv := range kvs {
		if kv == nil || kv.KeyStrindex != 0 {
			w.ok = false
			return
		}
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, '{')
		f := true
		w.strField(&f, "key", kv.Key)
		if kv.Value != nil {
			w.key(&f, "value")
			w.anyValue(kv.Value)
		}
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) anyValue(v *commonpb.AnyValue) {
	if v == nil {
		w.ok = false
		return
	}
	w.b = append(w.b, '{')
	first := true
	switch x := v.Value.(type) {
	case nil:
	case *commonpb.AnyValue_StringValue:
		w.key(&first, "stringValue")
		w.str(x.StringValue)
	case *commonpb.AnyValue_BoolValue:
		w.key(&first, "boolValue")
		w.b = strconv.AppendBool(w.b, x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		w.key(&first, "intValue")
		w.b = append(w.b, '"')
		w.b = strconv.AppendInt(w.b, x.IntValue, 10)
		w.b = append(w.b, '"')
	case *commonpb.AnyValue_DoubleValue:
		w.key(&first, "doubleValue")
		w.float(x.DoubleValue)
	case *commonpb.AnyValue_ArrayValue:
		if x.ArrayValue == nil {
			w.ok = false
			return
		}
		w.key(&first, "arrayValue")
		w.b = append(w.b, '{')
		if vals := x.ArrayValue.Values; len(vals) > 0 {
			w.b = append(w.b, `"values":[`...)
			for i, e := range vals {
				if i > 0 {
					w.b = append(w.b, ',')
				}
				w.anyValue(e)
			}
			w.b = append(w.b, ']')
		}
		w.b = append(w.b, '}')
	case *commonpb.AnyValue_KvlistValue:
		if x.KvlistValue == nil {
			w.ok = false
			return
		}
		w.key(&first, "kvlistValue")
		w.b = append(w.b, '{')
		if vals := x.KvlistValue.Values; len(vals) > 0 {
			w.b = append(w.b, `"values":`...)
			w.kvList(vals)
		}
		w.b = append(w.b, '}')
	case *commonpb.AnyValue_BytesValue:
		w.key(&first, "bytesValue")
		w.b = append(w.b, '"')
		w.b = base64.StdEncoding.AppendEncode(w.b, x.BytesValue)
		w.b = append(w.b, '"')
	default: // string_value_strindex (profiles) or a newer kind
		w.ok = false
		return
	}
	w.b = append(w.b, '}')
}

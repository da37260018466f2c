package tracing

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// MarshalOTLPJSON encodes req as OTLP/JSON, as the OTLP/HTTP specification
// requires and the file backend writes it: lowerCamelCase keys, trace and
// span IDs as hexadecimal strings (not base64), enums as integers, on one
// line. It is safe for concurrent use.
func MarshalOTLPJSON(req *coltracepb.ExportTraceServiceRequest) ([]byte, error) {
	b, err := protojson.MarshalOptions{UseEnumNumbers: true}.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("tracing: encoding OTLP JSON: %w", err)
	}
	out, err := rewriteIDs(b, len(b)+len(b)/8, base64ToHex)
	if err != nil {
		return nil, fmt.Errorf("tracing: encoding OTLP JSON IDs: %w", err)
	}
	return out, nil
}

// UnmarshalOTLPJSON decodes one OTLP/JSON ExportTraceServiceRequest (a line
// of a trace file, or an OTLP/HTTP JSON body) into req. Trace and span IDs
// must be hexadecimal, as the specification says; unknown fields are
// ignored. It never panics on bad input and is safe for concurrent use.
func UnmarshalOTLPJSON(b []byte, req *coltracepb.ExportTraceServiceRequest) error {
	b, err := rewriteIDs(b, len(b), hexToBase64)
	if err != nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, req); err != nil {
		return fmt.Errorf("tracing: decoding OTLP JSON: %w", err)
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
		return dst, fmt.Errorf("tracing: OTLP JSON %s %q is not hexadecimal: %w", key, val, err)
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
			return nil, fmt.Errorf("tracing: OTLP JSON %s %q is not hexadecimal: escapes are not accepted", key, val)
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

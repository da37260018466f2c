package tracing

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// idFieldRE finds the ID fields of OTLP JSON. Inside a JSON string every
// quote is escaped, so the pattern cannot match text within a value.
var idFieldRE = regexp.MustCompile(`"(traceId|spanId|parentSpanId)":\s*"([^"\\]*)"`)

// MarshalOTLPJSON encodes req as OTLP/JSON, as the OTLP/HTTP specification
// requires and the file backend writes it: lowerCamelCase keys, trace and
// span IDs as hexadecimal strings (not base64), enums as integers, on one
// line. It is safe for concurrent use.
func MarshalOTLPJSON(req *coltracepb.ExportTraceServiceRequest) ([]byte, error) {
	b, err := protojson.MarshalOptions{UseEnumNumbers: true}.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("tracing: encoding OTLP JSON: %w", err)
	}
	var convErr error
	b = idFieldRE.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := idFieldRE.FindSubmatch(m)
		raw, err := base64.StdEncoding.DecodeString(string(sub[2]))
		if err != nil {
			convErr = err
			return m
		}
		return []byte(`"` + string(sub[1]) + `":"` + hex.EncodeToString(raw) + `"`)
	})
	if convErr != nil {
		return nil, fmt.Errorf("tracing: encoding OTLP JSON IDs: %w", convErr)
	}
	return b, nil
}

// UnmarshalOTLPJSON decodes one OTLP/JSON ExportTraceServiceRequest (a line
// of a trace file, or an OTLP/HTTP JSON body) into req. Trace and span IDs
// must be hexadecimal, as the specification says; unknown fields are
// ignored. It never panics on bad input and is safe for concurrent use.
func UnmarshalOTLPJSON(b []byte, req *coltracepb.ExportTraceServiceRequest) error {
	var convErr error
	b = idFieldRE.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := idFieldRE.FindSubmatch(m)
		raw, err := hex.DecodeString(string(sub[2]))
		if err != nil {
			if convErr == nil {
				convErr = fmt.Errorf("tracing: OTLP JSON %s %q is not hexadecimal: %w", sub[1], sub[2], err)
			}
			return m
		}
		return []byte(`"` + string(sub[1]) + `":"` + base64.StdEncoding.EncodeToString(raw) + `"`)
	})
	if convErr != nil {
		return convErr
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, req); err != nil {
		return fmt.Errorf("tracing: decoding OTLP JSON: %w", err)
	}
	return nil
}

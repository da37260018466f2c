package otlpconv

import (
	"math"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
)

// This file writes spans straight to the OTLP protobuf wire format, with
// the same content and field order that proto.Marshal gives the request
// [Request] builds, without building it: no message per span, attribute and
// value, so an export of a few hundred spans costs a few allocations instead
// of several thousand. The OTLP exporter (internal/otlpexport) hands the result to
// the stock OTLP client as the unknown fields of a ResourceSpans message,
// which proto.Marshal copies verbatim. Text that is not UTF-8 is mended
// (see appendStringMember).

// OTLP field numbers (opentelemetry/proto/trace/v1, common/v1, resource/v1).
const (
	fResourceSpansResource   protowire.Number = 1
	fResourceSpansScopeSpans protowire.Number = 2
	fResourceSpansSchemaURL  protowire.Number = 3

	fResourceAttributes protowire.Number = 1

	fScopeSpansScope     protowire.Number = 1
	fScopeSpansSpans     protowire.Number = 2
	fScopeSpansSchemaURL protowire.Number = 3

	fScopeName       protowire.Number = 1
	fScopeVersion    protowire.Number = 2
	fScopeAttributes protowire.Number = 3

	fSpanTraceID           protowire.Number = 1
	fSpanSpanID            protowire.Number = 2
	fSpanTraceState        protowire.Number = 3
	fSpanParentSpanID      protowire.Number = 4
	fSpanName              protowire.Number = 5
	fSpanKind              protowire.Number = 6
	fSpanStart             protowire.Number = 7
	fSpanEnd               protowire.Number = 8
	fSpanAttributes        protowire.Number = 9
	fSpanDroppedAttributes protowire.Number = 10
	fSpanEvents            protowire.Number = 11
	fSpanDroppedEvents     protowire.Number = 12
	fSpanLinks             protowire.Number = 13
	fSpanDroppedLinks      protowire.Number = 14
	fSpanStatus            protowire.Number = 15
	fSpanFlags             protowire.Number = 16

	fEventTime              protowire.Number = 1
	fEventName              protowire.Number = 2
	fEventAttributes        protowire.Number = 3
	fEventDroppedAttributes protowire.Number = 4

	fLinkTraceID           protowire.Number = 1
	fLinkSpanID            protowire.Number = 2
	fLinkTraceState        protowire.Number = 3
	fLinkAttributes        protowire.Number = 4
	fLinkDroppedAttributes protowire.Number = 5
	fLinkFlags             protowire.Number = 6

	fStatusMessage protowire.Number = 2
	fStatusCode    protowire.Number = 3

	fKeyValueKey   protowire.Number = 1
	fKeyValueValue protowire.Number = 2

	fAnyString protowire.Number = 1
	fAnyBool   protowire.Number = 2
	fAnyInt    protowire.Number = 3
	fAnyDouble protowire.Number = 4
	fAnyArray  protowire.Number = 5
	fAnyKVList protowire.Number = 6
	fAnyBytes  protowire.Number = 7

	fListValues protowire.Number = 1 // ArrayValue.values and KeyValueList.values
)

// wireGroup is the spans of one resource and instrumentation scope, in
// input order.
type wireGroup struct {
	res   *resource.Resource
	scope instrumentation.Scope
	spans []sdktrace.ReadOnlySpan
}

// AppendWire appends the ResourceSpans of spans to buf, grouped as
// [Request] groups them (resources by identity and scopes within a resource,
// each in order of first appearance; nil spans are skipped). It returns the
// extended buffer and, for each resource, the end offset of its
// ResourceSpans fields in it (the first starts at len(buf) on entry).
func AppendWire(buf []byte, spans []sdktrace.ReadOnlySpan, ends []int) ([]byte, []int) {
	groups := groupSpans(spans)
	for i := 0; i < len(groups); {
		res := groups[i].res
		if res == nil {
			buf = appendEmptyMessage(buf, fResourceSpansResource)
		} else {
			var at int
			buf, at = beginMessage(buf, fResourceSpansResource)
			for it := res.Iter(); it.Next(); {
				buf = appendKeyValue(buf, fResourceAttributes, it.Attribute())
			}
			buf = endMessage(buf, at)
		}
		j := i
		for ; j < len(groups) && groups[j].res == res; j++ {
			buf = appendScopeSpans(buf, &groups[j])
		}
		if res != nil {
			buf = appendString(buf, fResourceSpansSchemaURL, res.SchemaURL())
		}
		ends = append(ends, len(buf))
		i = j
	}
	return buf, ends
}

// groupSpans groups spans by resource and scope, resources in order of first
// appearance and each resource's scopes in order of first appearance, so
// that the groups of one resource are adjacent. The common case, every span
// of one resource and scope, takes no copy of the slice.
func groupSpans(spans []sdktrace.ReadOnlySpan) []wireGroup {
	first := -1
	single := true
	for i, s := range spans {
		if s == nil {
			single = false
			continue
		}
		if first < 0 {
			first = i
			continue
		}
		if s.Resource() != spans[first].Resource() || s.InstrumentationScope() != spans[first].InstrumentationScope() {
			single = false
			break
		}
	}
	if first < 0 {
		return nil
	}
	if single {
		return []wireGroup{{res: spans[first].Resource(), scope: spans[first].InstrumentationScope(), spans: spans}}
	}
	var groups []wireGroup
	var resOrder []*resource.Resource
	for _, s := range spans {
		if s == nil {
			continue
		}
		res, sc := s.Resource(), s.InstrumentationScope()
		found := false
		for k := range groups {
			if groups[k].res == res && groups[k].scope == sc {
				groups[k].spans = append(groups[k].spans, s)
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, wireGroup{res: res, scope: sc, spans: []sdktrace.ReadOnlySpan{s}})
			seen := false
			for _, r := range resOrder {
				if r == res {
					seen = true
					break
				}
			}
			if !seen {
				resOrder = append(resOrder, res)
			}
		}
	}
	// Stable reorder: by resource first appearance, scopes keep their order.
	out := make([]wireGroup, 0, len(groups))
	for _, r := range resOrder {
		for _, g := range groups {
			if g.res == r {
				out = append(out, g)
			}
		}
	}
	return out
}

func appendScopeSpans(buf []byte, g *wireGroup) []byte {
	buf, ss := beginMessage(buf, fResourceSpansScopeSpans)
	buf, sc := beginMessage(buf, fScopeSpansScope)
	buf = appendString(buf, fScopeName, g.scope.Name)
	buf = appendString(buf, fScopeVersion, g.scope.Version)
	for it := g.scope.Attributes.Iter(); it.Next(); {
		buf = appendKeyValue(buf, fScopeAttributes, it.Attribute())
	}
	buf = endMessage(buf, sc)
	for _, s := range g.spans {
		buf = appendSpan(buf, s)
	}
	buf = appendString(buf, fScopeSpansSchemaURL, g.scope.SchemaURL)
	return endMessage(buf, ss)
}

func appendSpan(buf []byte, s sdktrace.ReadOnlySpan) []byte {
	buf, at := beginMessage(buf, fScopeSpansSpans)
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	buf = appendBytes(buf, fSpanTraceID, tid[:])
	buf = appendBytes(buf, fSpanSpanID, sid[:])
	if ts := sc.TraceState(); ts.Len() > 0 {
		buf = appendString(buf, fSpanTraceState, ts.String())
	}
	if p := s.Parent(); p.IsValid() {
		psid := p.SpanID()
		buf = appendBytes(buf, fSpanParentSpanID, psid[:])
	}
	buf = appendString(buf, fSpanName, s.Name())
	buf = appendVarint(buf, fSpanKind, uint64(kindToOTLP(s.SpanKind())))
	buf = appendFixed64(buf, fSpanStart, unixNano(s.StartTime().UnixNano()))
	buf = appendFixed64(buf, fSpanEnd, unixNano(s.EndTime().UnixNano()))
	for _, kv := range s.Attributes() {
		buf = appendKeyValue(buf, fSpanAttributes, kv)
	}
	buf = appendVarint(buf, fSpanDroppedAttributes, uint64(clampU32(s.DroppedAttributes())))
	for _, e := range s.Events() {
		var ev int
		buf, ev = beginMessage(buf, fSpanEvents)
		buf = appendFixed64(buf, fEventTime, unixNano(e.Time.UnixNano()))
		buf = appendString(buf, fEventName, e.Name)
		for _, kv := range e.Attributes {
			buf = appendKeyValue(buf, fEventAttributes, kv)
		}
		buf = appendVarint(buf, fEventDroppedAttributes, uint64(clampU32(e.DroppedAttributeCount)))
		buf = endMessage(buf, ev)
	}
	buf = appendVarint(buf, fSpanDroppedEvents, uint64(clampU32(s.DroppedEvents())))
	for _, l := range s.Links() {
		var lk int
		buf, lk = beginMessage(buf, fSpanLinks)
		ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		buf = appendBytes(buf, fLinkTraceID, ltid[:])
		buf = appendBytes(buf, fLinkSpanID, lsid[:])
		if ts := l.SpanContext.TraceState(); ts.Len() > 0 {
			buf = appendString(buf, fLinkTraceState, ts.String())
		}
		for _, kv := range l.Attributes {
			buf = appendKeyValue(buf, fLinkAttributes, kv)
		}
		buf = appendVarint(buf, fLinkDroppedAttributes, uint64(clampU32(l.DroppedAttributeCount)))
		buf = appendFixed32(buf, fLinkFlags, spanFlags(l.SpanContext, l.SpanContext))
		buf = endMessage(buf, lk)
	}
	buf = appendVarint(buf, fSpanDroppedLinks, uint64(clampU32(s.DroppedLinks())))
	var st int
	buf, st = beginMessage(buf, fSpanStatus)
	switch status := s.Status(); status.Code {
	case codes.Error:
		buf = appendString(buf, fStatusMessage, status.Description)
		buf = appendVarint(buf, fStatusCode, uint64(tracepb.Status_STATUS_CODE_ERROR))
	case codes.Ok:
		buf = appendVarint(buf, fStatusCode, uint64(tracepb.Status_STATUS_CODE_OK))
	}
	buf = endMessage(buf, st)
	buf = appendFixed32(buf, fSpanFlags, spanFlags(sc, s.Parent()))
	return endMessage(buf, at)
}

// appendKeyValue appends kv as a KeyValue message in field num.
func appendKeyValue(buf []byte, num protowire.Number, kv attribute.KeyValue) []byte {
	buf, at := beginMessage(buf, num)
	buf = appendString(buf, fKeyValueKey, string(kv.Key))
	buf = appendAnyValue(buf, fKeyValueValue, kv.Value)
	return endMessage(buf, at)
}

// appendAnyValue appends v as an AnyValue message in field num, as
// valueToOTLP converts it.
func appendAnyValue(buf []byte, num protowire.Number, v attribute.Value) []byte {
	buf, at := beginMessage(buf, num)
	switch v.Type() {
	case attribute.BOOL:
		buf = appendBoolMember(buf, v.AsBool())
	case attribute.INT64:
		buf = appendIntMember(buf, v.AsInt64())
	case attribute.FLOAT64:
		buf = appendDoubleMember(buf, v.AsFloat64())
	case attribute.STRING:
		buf = appendStringMember(buf, fAnyString, v.AsString())
	case attribute.BYTESLICE:
		buf = protowire.AppendTag(buf, fAnyBytes, protowire.BytesType)
		buf = protowire.AppendBytes(buf, v.AsByteSlice())
	case attribute.BOOLSLICE:
		buf = appendArray(buf, v.AsBoolSlice(), appendBoolMember)
	case attribute.INT64SLICE:
		buf = appendArray(buf, v.AsInt64Slice(), appendIntMember)
	case attribute.FLOAT64SLICE:
		buf = appendArray(buf, v.AsFloat64Slice(), appendDoubleMember)
	case attribute.STRINGSLICE:
		buf = appendArray(buf, v.AsStringSlice(), func(b []byte, s string) []byte { return appendStringMember(b, fAnyString, s) })
	case attribute.SLICE:
		var arr int
		buf, arr = beginMessage(buf, fAnyArray)
		for _, x := range v.AsSlice() {
			buf = appendAnyValue(buf, fListValues, x)
		}
		buf = endMessage(buf, arr)
	case attribute.MAP:
		var kvl int
		buf, kvl = beginMessage(buf, fAnyKVList)
		for _, kv := range v.AsMap() {
			buf = appendKeyValue(buf, fListValues, kv)
		}
		buf = endMessage(buf, kvl)
	}
	return endMessage(buf, at)
}

// appendArray appends an ArrayValue member whose values are AnyValue
// messages, each holding one element written by member.
func appendArray[T any](buf []byte, xs []T, member func([]byte, T) []byte) []byte {
	buf, arr := beginMessage(buf, fAnyArray)
	for _, x := range xs {
		var at int
		buf, at = beginMessage(buf, fListValues)
		buf = member(buf, x)
		buf = endMessage(buf, at)
	}
	return endMessage(buf, arr)
}

// The members of the AnyValue oneof are written even when they hold their
// type's zero value: a oneof member is present once set.

func appendBoolMember(buf []byte, v bool) []byte {
	buf = protowire.AppendTag(buf, fAnyBool, protowire.VarintType)
	return protowire.AppendVarint(buf, protowire.EncodeBool(v))
}

func appendIntMember(buf []byte, v int64) []byte {
	buf = protowire.AppendTag(buf, fAnyInt, protowire.VarintType)
	return protowire.AppendVarint(buf, uint64(v))
}

func appendDoubleMember(buf []byte, v float64) []byte {
	buf = protowire.AppendTag(buf, fAnyDouble, protowire.Fixed64Type)
	return protowire.AppendFixed64(buf, math.Float64bits(v))
}

// appendStringMember writes v, with each invalid UTF-8 sequence replaced by
// U+FFFD: protobuf strings must be UTF-8, and a receiver refuses the whole
// request (every span in it) for one bad string, where the stock exporter
// would not send it at all.
func appendStringMember(buf []byte, num protowire.Number, v string) []byte {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	buf = protowire.AppendTag(buf, num, protowire.BytesType)
	return protowire.AppendString(buf, v)
}

// The plain fields below follow proto3: a field holding its zero value is
// not written.

func appendString(buf []byte, num protowire.Number, v string) []byte {
	if v == "" {
		return buf
	}
	return appendStringMember(buf, num, v)
}

func appendBytes(buf []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return buf
	}
	buf = protowire.AppendTag(buf, num, protowire.BytesType)
	return protowire.AppendBytes(buf, v)
}

func appendVarint(buf []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return buf
	}
	buf = protowire.AppendTag(buf, num, protowire.VarintType)
	return protowire.AppendVarint(buf, v)
}

func appendFixed64(buf []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return buf
	}
	buf = protowire.AppendTag(buf, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(buf, v)
}

func appendFixed32(buf []byte, num protowire.Number, v uint32) []byte {
	if v == 0 {
		return buf
	}
	buf = protowire.AppendTag(buf, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(buf, v)
}

func appendEmptyMessage(buf []byte, num protowire.Number) []byte {
	buf = protowire.AppendTag(buf, num, protowire.BytesType)
	return append(buf, 0)
}

// beginMessage starts a message-typed field: it writes the tag and one byte
// for the length, and returns where the message's content starts, for
// endMessage.
func beginMessage(buf []byte, num protowire.Number) ([]byte, int) {
	buf = protowire.AppendTag(buf, num, protowire.BytesType)
	buf = append(buf, 0)
	return buf, len(buf)
}

// endMessage writes the length of the message whose content starts at
// start. A content of 128 bytes or more needs a longer length than the byte
// beginMessage kept, so the content moves up to make room.
func endMessage(buf []byte, start int) []byte {
	n := len(buf) - start
	if n < 0x80 {
		buf[start-1] = byte(n)
		return buf
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	for range extra {
		buf = append(buf, 0)
	}
	copy(buf[start+extra:], buf[start:start+n])
	protowire.AppendVarint(buf[:start-1], uint64(n))
	return buf
}

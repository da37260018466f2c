// Package tracefile reads the trace files written by the tracing package's
// file backend and summarises them for the crewai command and the trace
// viewer.
//
// # File format
//
// A traces folder (CREWAI_TRACES_DIR, default .crewai/traces) holds one file
// per trace, named "<32-hex trace id>.jsonl". Each line is one OTLP
// ExportTraceServiceRequest in JSON; a trace's spans may be spread over
// several lines. Lines are decoded with internal/otlpjson, the codec the
// file backend writes with, ignoring unknown fields.
// Trace and span IDs are accepted both as the OTLP/JSON specification (and the
// tracing package) writes them, in hex, and as plain protojson writes them, in
// base64; either way [Trace.Requests] holds the IDs' real bytes. A file is rejected as a
// whole (with an error naming it) if a line is not valid OTLP JSON, if it
// holds no span, if its spans belong to more than one trace, or if the trace
// does not match the file name. The one exception is a last line cut short
// (no newline at its end and not valid JSON, as a crash in the middle of a
// write leaves it): only that line is lost, with a warning
// ([Trace.Warnings], [Summary.Warnings]).
//
// # Cost on large or hostile files
//
// Building a trace's span tree takes time linear in its spans whatever the
// tree's depth (a chain of 200 000 spans is a valid file). [List] does not
// build traces: it streams each file a line at a time ([SummarizeFile]) and
// keeps about a hundred bytes per span (IDs, times, status and the usage of
// LLM calls), never the decoded requests, so listing a gigabyte file needs
// memory for its span records only, not for its text.
//
// This package only reads: nothing here writes into a traces folder. Its
// functions are safe for concurrent use, and the values they return are not
// modified afterwards, so they may be read from several goroutines.
//
// # Derived values
//
// Tokens are summed over the "chat" spans only (the LLM calls), so usage that
// a crew or agent span repeats as a total is never counted twice. A chat
// span's cost is its llm.cost.total attribute when present, else it is
// computed from its tokens and model with a [pricing.Table]; a trace's cost is
// known only if every chat span's cost is known, so a trace with one unknown
// model shows no cost rather than a wrong one.
package tracefile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/otlpjson"
	"github.com/crewai-go/crewai/internal/pricing"
)

// EnvDir names the environment variable that sets the traces folder.
const EnvDir = "CREWAI_TRACES_DIR"

// DefaultDir is the traces folder used when CREWAI_TRACES_DIR is unset.
const DefaultDir = ".crewai/traces"

// Ext is the extension of a trace file.
const Ext = ".jsonl"

// MaxLineBytes bounds one line of a trace file; a longer line makes the file
// invalid rather than exhausting memory.
const MaxLineBytes = 64 << 20

// Attribute names read by this package (the tracing package writes them).
const (
	attrOperation    = "gen_ai.operation.name"
	attrWorkflow     = "gen_ai.workflow.name"
	attrAgentName    = "gen_ai.agent.name"
	attrRequestModel = "gen_ai.request.model"
	attrRespModel    = "gen_ai.response.model"
	attrInputTokens  = "gen_ai.usage.input_tokens"
	attrOutputTokens = "gen_ai.usage.output_tokens"
	attrCacheRead    = "gen_ai.usage.cache_read.input_tokens"
	attrCacheWrite   = "gen_ai.usage.cache_creation.input_tokens"
	attrReasoning    = "gen_ai.usage.reasoning.output_tokens"
	attrCost         = "llm.cost.total"
	attrLLMAgent     = "crewai.llm.agent"
	attrToolName     = "gen_ai.tool.name"
	attrServiceName  = "service.name"
	opChat           = "chat"
	opAgent          = "invoke_agent"
)

// Dir returns the traces folder: $CREWAI_TRACES_DIR, or [DefaultDir].
func Dir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	return DefaultDir
}

// Trace is one trace read from a file. It is not modified after [Read]
// returns it, so it is safe for concurrent reads. The zero value is an empty
// trace.
type Trace struct {
	// ID is the 32-hex-digit trace ID.
	ID string
	// Path is the file the trace was read from ("" for [Read]).
	Path string
	// Requests are the export requests exactly as stored, one per line.
	Requests []*coltracepb.ExportTraceServiceRequest
	// Spans holds every span, in tree order: each root by start time, then
	// depth-first with children by start time.
	Spans []*Span
	// Roots are the spans with no parent in the file.
	Roots []*Span
	// Start and End are the earliest span start and the latest span end.
	Start, End time.Time
	// Warnings says what was read around: a last line cut short (a crash in
	// the middle of a write) is left out, and said here.
	Warnings []string
}

// Span is one span with its attributes decoded. Read-only after [Read], so
// safe for concurrent reads. The zero value is a span with no name, no
// attributes, no parent and status "" (neither failed nor OK).
type Span struct {
	TraceID, SpanID, ParentSpanID string // hex
	Name                          string
	Kind                          string // INTERNAL, CLIENT, SERVER, PRODUCER, CONSUMER or UNSPECIFIED
	Start, End                    time.Time
	Attributes                    []Attribute // as stored
	Events                        []SpanEvent
	StatusCode                    string // "OK", "ERROR" or "UNSET"
	StatusMessage                 string
	Service                       string // the resource's service.name
	Scope                         string // the instrumentation scope name

	Parent   *Span
	Children []*Span
	Depth    int // 0 for a root

	// Set by build, so that Agent takes constant time at any depth.
	built    bool
	agentAnc *Span // the nearest invoke_agent span, itself included
}

// Attribute is one key/value of a span or event. Value is a string, bool,
// int64, float64, []byte, []any or map[string]any. The zero value has an
// empty key and a nil value; it is safe for concurrent reads.
type Attribute struct {
	Key   string
	Value any
}

// SpanEvent is one event recorded on a span (an exception, a retry, ...).
// The zero value is an unnamed event with no time and no attributes; it is
// safe for concurrent reads.
type SpanEvent struct {
	Name       string
	Time       time.Time
	Attributes []Attribute
}

// Duration returns End - Start, or 0 if End is before Start.
func (s *Span) Duration() time.Duration {
	if s.End.Before(s.Start) {
		return 0
	}
	return s.End.Sub(s.Start)
}

// Attr returns the value of attribute key and whether it is set.
func (s *Span) Attr(key string) (any, bool) {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value, true
		}
	}
	return nil, false
}

// Str returns attribute key formatted as a string, or "" if unset.
func (s *Span) Str(key string) string {
	v, ok := s.Attr(key)
	if !ok {
		return ""
	}
	return FormatValue(v)
}

// Int returns attribute key as an integer if it is an integer (or a float
// with an integral value, or a decimal string).
func (s *Span) Int(key string) (int64, bool) {
	v, ok := s.Attr(key)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	case string:
		var n int64
		if _, err := fmt.Sscan(x, &n); err == nil {
			return n, true
		}
	}
	return 0, false
}

// Float returns attribute key as a number if it is one.
func (s *Span) Float(key string) (float64, bool) {
	v, ok := s.Attr(key)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// Op returns the span's operation: gen_ai.operation.name, or else the first
// word of its name ("chat", "execute_tool", "invoke_agent", ...).
func (s *Span) Op() string {
	if op := s.Str(attrOperation); op != "" {
		return op
	}
	op, _, _ := strings.Cut(s.Name, " ")
	return op
}

// IsLLM reports whether the span is an LLM call (operation "chat").
func (s *Span) IsLLM() bool { return s.Op() == opChat }

// Failed reports whether the span's status is ERROR.
func (s *Span) Failed() bool { return s.StatusCode == "ERROR" }

// ErrorMessage returns the status message of a failed span, or else the
// message of its first "exception" event, or "".
func (s *Span) ErrorMessage() string {
	if s.StatusMessage != "" {
		return s.StatusMessage
	}
	for _, e := range s.Events {
		if e.Name == "exception" {
			for _, a := range e.Attributes {
				if a.Key == "exception.message" {
					return FormatValue(a.Value)
				}
			}
		}
	}
	return ""
}

// Model returns the model of an LLM span: the response model if recorded,
// else the request model.
func (s *Span) Model() string {
	if m := s.Str(attrRespModel); m != "" {
		return m
	}
	return s.Str(attrRequestModel)
}

// Usage returns the token usage recorded on the span (zero if none).
// PromptTokens includes the cached prompt tokens.
func (s *Span) Usage() chat.Usage {
	in, _ := s.Int(attrInputTokens)
	out, _ := s.Int(attrOutputTokens)
	cached, _ := s.Int(attrCacheRead)
	written, _ := s.Int(attrCacheWrite)
	reasoning, _ := s.Int(attrReasoning)
	u := chat.Usage{PromptTokens: int(in), CompletionTokens: int(out), CachedPromptTokens: int(cached),
		CacheWriteTokens: int(written), ReasoningTokens: int(reasoning)}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	if s.IsLLM() {
		u.Requests = 1
	}
	return u
}

// Cost returns the cost in USD of an LLM span: llm.cost.total when recorded
// as a finite, non-negative number, else computed with prices (nil means
// [pricing.Default]). ok is false for an unknown model, for negative token
// counts, or for a span that is not an LLM call: never a wrong cost.
func (s *Span) Cost(prices *pricing.Table) (usd float64, ok bool) {
	if !s.IsLLM() {
		return 0, false
	}
	if c, ok := s.Float(attrCost); ok && c >= 0 && !math.IsInf(c, 1) {
		return c, true
	}
	return prices.Cost(s.Model(), s.Usage())
}

// Agent returns the agent an LLM or tool span belongs to: the
// gen_ai.agent.name of the nearest invoke_agent ancestor, else the span's
// crewai.llm.agent attribute, else "".
func (s *Span) Agent() string {
	if s.agentAnc != nil {
		return s.agentAnc.ownAgent()
	}
	if s.built {
		return s.Str(attrLLMAgent)
	}
	for p := s; p != nil; p = p.Parent {
		if p.Op() == opAgent {
			return p.ownAgent()
		}
	}
	return s.Str(attrLLMAgent)
}

// ownAgent is the agent name of an invoke_agent span.
func (s *Span) ownAgent() string {
	if n := s.Str(attrAgentName); n != "" {
		return n
	}
	_, n, _ := strings.Cut(s.Name, " ")
	return n
}

// FormatValue formats an attribute value for display: strings as they are,
// numbers in Go's shortest form, arrays and maps as JSON-like text.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return hex.EncodeToString(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprintf("%q", FormatValue(e))
			if _, isStr := e.(string); !isStr {
				parts[i] = FormatValue(e)
			}
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%q:%s", k, FormatValue(x[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	default:
		return fmt.Sprint(x)
	}
}

// FormatError reports a file that is not a valid trace file. Callers can
// detect it with [errors.As]. Its zero value names no file; it is not
// modified after it is returned, so it is safe for concurrent use.
type FormatError struct {
	Path   string // the file ("" when reading a stream)
	Line   int    // 1-based line number, 0 for the whole file
	Reason string
	Err    error // the underlying decoding error, if any
}

// Error implements error.
func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("tracefile: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FormatError) Unwrap() error { return e.Err }

// ReadFile reads the trace file at path. If the file is named
// "<trace id>.jsonl", the trace inside must be that one.
func ReadFile(path string) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tracefile: %w", err)
	}
	defer f.Close()
	t, err := read(f, path)
	if err != nil {
		return nil, err
	}
	if id, ok := IDFromName(filepath.Base(path)); ok && id != t.ID {
		return nil, &FormatError{Path: path, Reason: fmt.Sprintf("holds trace %s, not the trace %s its name says", t.ID, id)}
	}
	t.Path = path
	return t, nil
}

// Read reads a trace from r, in the trace file format.
func Read(r io.Reader) (*Trace, error) { return read(r, "") }

// unmarshal decodes a line with the trace-file codec (hex IDs, as the file
// backend writes them), else as plain protojson writes it (base64 IDs).
func unmarshal(line []byte, req *coltracepb.ExportTraceServiceRequest) error {
	err := otlpjson.Unmarshal(line, req)
	if err == nil {
		return nil
	}
	proto.Reset(req)
	if (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(line, req) == nil {
		return nil
	}
	proto.Reset(req)
	return err
}

func read(r io.Reader, path string) (*Trace, error) {
	t := &Trace{}
	var spans []*Span
	warnings, err := eachRequest(context.Background(), r, path, func(_ int, req *coltracepb.ExportTraceServiceRequest, got []*Span) error {
		t.Requests = append(t.Requests, req)
		spans = append(spans, got...)
		return nil
	}, true)
	if err != nil {
		return nil, err
	}
	t.Warnings = warnings
	if len(spans) == 0 {
		return nil, &FormatError{Path: path, Reason: "holds no span"}
	}
	t.ID = spans[0].TraceID
	for _, s := range spans {
		if s.TraceID != t.ID {
			return nil, &FormatError{Path: path, Reason: fmt.Sprintf("holds spans of two traces (%s and %s)", t.ID, s.TraceID)}
		}
	}
	t.build(spans)
	return t, nil
}

// eachRequest decodes r line by line and calls fn with each export request
// and its spans; fresh says whether each call gets a new request (else one
// is reused, for callers that do not keep it). A last line cut short (no
// newline at its end, and not valid JSON), as a crash in the middle of a
// write leaves it, is dropped with a warning; any other bad line is a
// *FormatError. ctx, when not nil, is checked between lines.
func eachRequest(ctx context.Context, r io.Reader, path string,
	fn func(line int, req *coltracepb.ExportTraceServiceRequest, spans []*Span) error, fresh bool) (warnings []string, _ error) {
	br := bufio.NewReaderSize(r, 64<<10)
	req := &coltracepb.ExportTraceServiceRequest{}
	for lineNo := 1; ; lineNo++ {
		if err := ctx.Err(); err != nil {
			return warnings, err
		}
		line, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return warnings, &FormatError{Path: path, Line: lineNo, Reason: "cannot read", Err: err}
		}
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
			if fresh {
				req = &coltracepb.ExportTraceServiceRequest{}
			} else {
				proto.Reset(req)
			}
			if uerr := unmarshal(trimmed, req); uerr != nil {
				if errors.Is(err, io.EOF) { // the last line, without its newline
					warnings = append(warnings, fmt.Sprintf("line %d: truncated last line ignored (%d bytes, no newline, not valid JSON)", lineNo, len(line)))
					return warnings, nil
				}
				return warnings, &FormatError{Path: path, Line: lineNo, Reason: "not an OTLP JSON export request", Err: uerr}
			}
			got, ferr := decodeRequest(req)
			if ferr != "" {
				return warnings, &FormatError{Path: path, Line: lineNo, Reason: ferr}
			}
			if err := fn(lineNo, req, got); err != nil {
				return warnings, err
			}
		}
		if errors.Is(err, io.EOF) {
			return warnings, nil
		}
	}
}

// readLine returns the next line without its newline, bounded by
// MaxLineBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > MaxLineBytes {
			return nil, fmt.Errorf("line longer than %d bytes", MaxLineBytes)
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == nil {
			return line[:len(line)-1], nil
		}
		return line, err
	}
}

// fixID returns the hex form of a trace or span ID decoded by protojson. An
// ID written in hex (as the OTLP/JSON specification says) is decoded by
// protojson as base64 into 3/4 of the expected length; re-encoding it gives
// the hex text back.
func fixID(b []byte, size int) (string, bool) {
	switch len(b) {
	case size:
		return hex.EncodeToString(b), true
	case size * 3 / 2:
		s := strings.ToLower(base64.StdEncoding.EncodeToString(b))
		if raw, err := hex.DecodeString(s); err == nil && len(raw) == size {
			return s, true
		}
	case 0:
		return "", true
	}
	return "", false
}

// rawIDs rewrites in place the IDs of a span that protojson decoded from hex
// text (see fixID) into their real bytes, so that the request can be sent on
// as protobuf or gRPC with correct IDs.
func rawIDs(sp *tracepb.Span) {
	fix := func(b []byte, size int) []byte {
		if len(b) != size*3/2 {
			return b
		}
		h, ok := fixID(b, size)
		if !ok {
			return b
		}
		raw, _ := hex.DecodeString(h)
		return raw
	}
	sp.TraceId = fix(sp.TraceId, 16)
	sp.SpanId = fix(sp.SpanId, 8)
	sp.ParentSpanId = fix(sp.ParentSpanId, 8)
	for _, l := range sp.Links {
		l.TraceId = fix(l.TraceId, 16)
		l.SpanId = fix(l.SpanId, 8)
	}
}

func isZeroHex(s string) bool { return strings.Trim(s, "0") == "" }

func decodeRequest(req *coltracepb.ExportTraceServiceRequest) ([]*Span, string) {
	var out []*Span
	for _, rs := range req.GetResourceSpans() {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == attrServiceName {
				service = FormatValue(anyValue(kv.GetValue()))
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				rawIDs(sp)
				tid, ok1 := fixID(sp.GetTraceId(), 16)
				sid, ok2 := fixID(sp.GetSpanId(), 8)
				pid, ok3 := fixID(sp.GetParentSpanId(), 8)
				if !ok1 || !ok2 || !ok3 || tid == "" || sid == "" || isZeroHex(tid) || isZeroHex(sid) {
					return nil, fmt.Sprintf("span %q has an invalid trace or span ID", sp.GetName())
				}
				if isZeroHex(pid) {
					pid = ""
				}
				s := &Span{
					TraceID: tid, SpanID: sid, ParentSpanID: pid,
					Name:          sp.GetName(),
					Kind:          strings.TrimPrefix(sp.GetKind().String(), "SPAN_KIND_"),
					Start:         unixNano(sp.GetStartTimeUnixNano()),
					End:           unixNano(sp.GetEndTimeUnixNano()),
					Attributes:    attrs(sp.GetAttributes()),
					StatusCode:    strings.TrimPrefix(sp.GetStatus().GetCode().String(), "STATUS_CODE_"),
					StatusMessage: sp.GetStatus().GetMessage(),
					Service:       service,
					Scope:         ss.GetScope().GetName(),
				}
				for _, e := range sp.GetEvents() {
					s.Events = append(s.Events, SpanEvent{Name: e.GetName(), Time: unixNano(e.GetTimeUnixNano()), Attributes: attrs(e.GetAttributes())})
				}
				out = append(out, s)
			}
		}
	}
	return out, ""
}

func unixNano(n uint64) time.Time {
	if n == 0 || n > 1<<62 {
		return time.Time{}
	}
	return time.Unix(0, int64(n)).UTC()
}

func attrs(kvs []*commonpb.KeyValue) []Attribute {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]Attribute, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, Attribute{Key: kv.GetKey(), Value: anyValue(kv.GetValue())})
	}
	return out
}

func anyValue(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BytesValue:
		return x.BytesValue
	case *commonpb.AnyValue_ArrayValue:
		vals := x.ArrayValue.GetValues()
		out := make([]any, len(vals))
		for i, e := range vals {
			out[i] = anyValue(e)
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		out := map[string]any{}
		for _, kv := range x.KvlistValue.GetValues() {
			out[kv.GetKey()] = anyValue(kv.GetValue())
		}
		return out
	}
	return nil
}

// build links spans into a tree and orders them, in time linear in the
// number of spans (apart from sorting siblings), whatever the tree's depth.
func (t *Trace) build(spans []*Span) {
	byID := make(map[string]int, len(spans))
	uniq := make([]*Span, 0, len(spans))
	for _, s := range spans {
		if _, dup := byID[s.SpanID]; dup {
			continue // a span exported twice: keep the first
		}
		byID[s.SpanID] = len(uniq)
		uniq = append(uniq, s)
	}
	parent := linkParents(len(uniq), func(i int) int {
		s := uniq[i]
		if s.ParentSpanID == "" {
			return -1
		}
		if p, ok := byID[s.ParentSpanID]; ok {
			return p
		}
		return -1
	})
	for i, s := range uniq {
		if p := parent[i]; p >= 0 {
			s.Parent = uniq[p]
			uniq[p].Children = append(uniq[p].Children, s)
		} else {
			t.Roots = append(t.Roots, s)
		}
	}
	less := func(a, b *Span) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.SpanID, b.SpanID)
	}
	sortSpans := func(ss []*Span) { sortFunc(ss, less) }
	sortSpans(t.Roots)
	// Depth-first, children by start time, without recursion (a chain of
	// hundreds of thousands of spans is a valid file).
	t.Spans = make([]*Span, 0, len(uniq))
	stack := make([]*Span, 0, 64)
	for i := len(t.Roots) - 1; i >= 0; i-- {
		stack = append(stack, t.Roots[i])
	}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		s.built = true
		if s.Parent != nil {
			s.Depth = s.Parent.Depth + 1
			s.agentAnc = s.Parent.agentAnc
		}
		if s.Op() == opAgent {
			s.agentAnc = s
		}
		t.Spans = append(t.Spans, s)
		sortSpans(s.Children)
		for i := len(s.Children) - 1; i >= 0; i-- {
			stack = append(stack, s.Children[i])
		}
	}
	for i, s := range t.Spans {
		if i == 0 || (!s.Start.IsZero() && s.Start.Before(t.Start)) || t.Start.IsZero() {
			t.Start = s.Start
		}
		if s.End.After(t.End) {
			t.End = s.End
		}
	}
}

// linkParents returns the parent index of each of n spans given the parent
// each names (parentOf, -1 for none or a span not in the file), with cycles
// broken the way linking the spans one by one in order would break them: a
// span whose named parent already descends from it becomes a root. In a
// cycle that is the member that comes last. It takes time linear in n.
func linkParents(n int, parentOf func(i int) int) []int {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = parentOf(i)
		if parent[i] == i {
			parent[i] = -1
		}
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]uint8, n)
	var path []int
	for i := range n {
		if state[i] != unseen {
			continue
		}
		path = path[:0]
		j := i
		for j >= 0 && state[j] == unseen {
			state[j] = onPath
			path = append(path, j)
			j = parent[j]
		}
		if j >= 0 && state[j] == onPath {
			// path from j to its end is a cycle: cut it at its last member.
			last := j
			for k := len(path) - 1; path[k] != j; k-- {
				last = max(last, path[k])
			}
			parent[last] = -1
		}
		for _, k := range path {
			state[k] = done
		}
	}
	return parent
}

// Duration returns End - Start of the whole trace.
func (t *Trace) Duration() time.Duration {
	if t.End.Before(t.Start) {
		return 0
	}
	return t.End.Sub(t.Start)
}

// Root returns the earliest root span (the crew or flow kickoff), or nil for
// an empty trace.
func (t *Trace) Root() *Span {
	if len(t.Roots) == 0 {
		return nil
	}
	return t.Roots[0]
}

// Span returns the span with the given hex ID, or nil. It looks through
// the spans in order: callers that look up many spans should index them.
func (t *Trace) Span(id string) *Span {
	for _, s := range t.Spans {
		if s.SpanID == id {
			return s
		}
	}
	return nil
}

// IDFromName returns the trace ID of a file named "<32 hex>.jsonl".
func IDFromName(name string) (string, bool) {
	id, ok := strings.CutSuffix(name, Ext)
	if !ok || !isTraceID(id) {
		return "", false
	}
	return id, true
}

func isTraceID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func sortFunc(ss []*Span, cmp func(a, b *Span) int) {
	sort.SliceStable(ss, func(i, j int) bool { return cmp(ss[i], ss[j]) < 0 })
}

package jaegertest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Trace is one trace as Jaeger's v1 query API returns it. Values are decoded
// from JSON and are safe to read concurrently.
// The zero value is an empty trace (no spans).
type Trace struct {
	// TraceID is the hex trace ID.
	TraceID string `json:"traceID"`
	// Spans are the trace's spans, in the order Jaeger returns them.
	Spans []Span `json:"spans"`
	// Processes maps a span's ProcessID to its process (service name and
	// resource attributes).
	Processes map[string]Process `json:"processes"`
	// Warnings are Jaeger's remarks about the trace (for example a span
	// whose parent is missing).
	Warnings []string `json:"warnings"`
}

// Span is one span in Jaeger's model: OpenTelemetry span kind, status and
// attributes are all tags; span events are logs.
// The zero value is an empty span. Values are decoded from JSON and are safe
// to read concurrently.
type Span struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	OperationName string      `json:"operationName"`
	References    []Reference `json:"references"`
	// StartTime is in microseconds since the Unix epoch.
	StartTime int64 `json:"startTime"`
	// Duration is in microseconds.
	Duration  int64      `json:"duration"`
	Tags      []KeyValue `json:"tags"`
	Logs      []Log      `json:"logs"`
	ProcessID string     `json:"processID"`
	Warnings  []string   `json:"warnings"`
}

// Reference links a span to another, for example its parent (CHILD_OF).
// The zero value is an empty reference. Values are decoded from JSON and are
// safe to read concurrently.
type Reference struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

// KeyValue is a tag or log field. Value is a string, a bool, or a
// json.Number for numbers (int64 and float64 tags).
// The zero value is an empty key with a nil value. Values are decoded from
// JSON and are safe to read concurrently.
type KeyValue struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// Log is a span event (for example an "exception" event).
// The zero value is an empty log. Values are decoded from JSON and are safe
// to read concurrently.
type Log struct {
	Timestamp int64      `json:"timestamp"`
	Fields    []KeyValue `json:"fields"`
}

// Process is the emitter of spans: its service name and resource tags.
// The zero value is an empty process. Values are decoded from JSON and are
// safe to read concurrently.
type Process struct {
	ServiceName string     `json:"serviceName"`
	Tags        []KeyValue `json:"tags"`
}

// ParentID returns the span ID of the span's parent (its CHILD_OF reference),
// or "" for a root span.
func (s *Span) ParentID() string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	return ""
}

// Tag returns the value of the tag with the given key.
func (s *Span) Tag(key string) (any, bool) {
	return lookup(s.Tags, key)
}

// TagString returns the tag's value formatted as text ("" when absent).
func (s *Span) TagString(key string) string {
	v, ok := s.Tag(key)
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

// TagInt returns the tag's value as an integer; ok is false when the tag is
// absent or not an integer.
func (s *Span) TagInt(key string) (n int64, ok bool) {
	v, found := s.Tag(key)
	if !found {
		return 0, false
	}
	num, isNum := v.(json.Number)
	if !isNum {
		return 0, false
	}
	n, err := num.Int64()
	return n, err == nil
}

// Kind returns the span's kind as Jaeger records it ("client", "server",
// "internal", ...). Jaeger drops the tag for INTERNAL spans in some versions;
// an absent tag is reported as "internal".
func (s *Span) Kind() string {
	if k := s.TagString("span.kind"); k != "" {
		return k
	}
	return "internal"
}

// IsError reports whether the span's status is Error (Jaeger renders it as
// the tags error=true and otel.status_code=ERROR).
func (s *Span) IsError() bool {
	if s.TagString("otel.status_code") == "ERROR" {
		return true
	}
	v, ok := s.Tag("error")
	return ok && (v == true || v == "true")
}

// LogsNamed returns the span's logs whose "event" field equals name (for
// example "exception").
func (s *Span) LogsNamed(name string) []Log {
	var out []Log
	for _, l := range s.Logs {
		if v, ok := lookup(l.Fields, "event"); ok && fmt.Sprint(v) == name {
			out = append(out, l)
		}
	}
	return out
}

// Field returns the value of the log field with the given key.
func (l *Log) Field(key string) (any, bool) { return lookup(l.Fields, key) }

func lookup(kvs []KeyValue, key string) (any, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// Service returns the service name of the process that emitted s.
func (t *Trace) Service(s *Span) string {
	return t.Processes[s.ProcessID].ServiceName
}

// Services returns the distinct service names of the trace's spans, sorted.
func (t *Trace) Services() []string {
	var out []string
	for i := range t.Spans {
		if name := t.Service(&t.Spans[i]); !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Span returns the span with the given ID, or nil.
func (t *Trace) Span(spanID string) *Span {
	for i := range t.Spans {
		if t.Spans[i].SpanID == spanID {
			return &t.Spans[i]
		}
	}
	return nil
}

// Roots returns the spans without a parent, ordered by start time.
func (t *Trace) Roots() []*Span {
	return t.sorted(func(s *Span) bool { return s.ParentID() == "" })
}

// Children returns the direct children of the span with the given ID,
// ordered by start time (then name).
func (t *Trace) Children(spanID string) []*Span {
	return t.sorted(func(s *Span) bool { return s.ParentID() == spanID })
}

// Parent returns the parent of s within the trace, or nil for a root or a
// span whose parent is missing.
func (t *Trace) Parent(s *Span) *Span {
	if p := s.ParentID(); p != "" {
		return t.Span(p)
	}
	return nil
}

// Named returns the spans whose operation name equals name or, when name ends
// in "*", starts with the rest; ordered by start time.
func (t *Trace) Named(name string) []*Span {
	match := func(s *Span) bool { return s.OperationName == name }
	if prefix, ok := strings.CutSuffix(name, "*"); ok {
		match = func(s *Span) bool { return strings.HasPrefix(s.OperationName, prefix) }
	}
	return t.sorted(match)
}

// Orphans returns the spans whose CHILD_OF parent is not in the trace.
func (t *Trace) Orphans() []*Span {
	return t.sorted(func(s *Span) bool { p := s.ParentID(); return p != "" && t.Span(p) == nil })
}

func (t *Trace) sorted(keep func(*Span) bool) []*Span {
	var out []*Span
	for i := range t.Spans {
		if keep(&t.Spans[i]) {
			out = append(out, &t.Spans[i])
		}
	}
	slices.SortStableFunc(out, func(a, b *Span) int {
		return cmp.Or(cmp.Compare(a.StartTime, b.StartTime), strings.Compare(a.OperationName, b.OperationName))
	})
	return out
}

// Tree renders the trace as an indented outline, one span a line:
// "name [kind]" plus " ERROR" for spans with an error status, children below
// their parent in start-time order. Spans whose parent is missing are listed
// at the top level after the roots, marked "(orphan)". It is meant for logs
// and for comparing a trace's shape with an expected outline. Spans in a
// parent loop (possible only with malformed data) are not listed.
func (t *Trace) Tree() string {
	var b strings.Builder
	seen := make(map[*Span]bool, len(t.Spans)) // guards against duplicate IDs forming a loop
	var walk func(s *Span, depth int)
	walk = func(s *Span, depth int) {
		if seen[s] {
			return
		}
		seen[s] = true
		b.WriteString(strings.Repeat("  ", depth))
		fmt.Fprintf(&b, "%s [%s]", s.OperationName, s.Kind())
		if s.IsError() {
			b.WriteString(" ERROR")
		}
		b.WriteByte('\n')
		for _, c := range t.Children(s.SpanID) {
			walk(c, depth+1)
		}
	}
	for _, r := range t.Roots() {
		walk(r, 0)
	}
	for _, o := range t.Orphans() {
		b.WriteString("(orphan) ")
		walk(o, 0)
	}
	return b.String()
}

// Package tracefiletest builds trace files for tests: OTLP export requests
// made from short span descriptions, and a canonical crew trace. It is for
// tests only; nothing here is safe for concurrent mutation, but every
// function is pure apart from WriteFile and WriteChain.
package tracefiletest

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/crewai-go/crewai/internal/otlpjson"
)

// Spec describes one span. ID and Parent are short names turned into span
// IDs by [SpanID]; times are offsets from the trace's base time. The zero
// value is an unnamed root span at the base time with no duration; a Spec is
// a plain value, safe for concurrent reads.
type Spec struct {
	ID, Parent string
	Name       string
	Client     bool // kind CLIENT instead of INTERNAL
	Start, End time.Duration
	Attrs      map[string]any // string, int, int64, float64, bool, []string
	Error      string         // status ERROR with this message and an exception event
}

// SpanID returns the 16-hex span ID for a short name.
func SpanID(name string) string {
	h := sha256.Sum256([]byte("span:" + name))
	return hex.EncodeToString(h[:8])
}

// TraceID returns a 32-hex trace ID derived from seed.
func TraceID(seed string) string {
	h := sha256.Sum256([]byte("trace:" + seed))
	return hex.EncodeToString(h[:16])
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("tracefiletest: bad hex %q", s))
	}
	return b
}

// Request builds one export request holding specs, for trace traceID (32
// hex) starting at base.
func Request(traceID string, base time.Time, specs ...Spec) *coltracepb.ExportTraceServiceRequest {
	var spans []*tracepb.Span
	for _, s := range specs {
		sp := &tracepb.Span{
			TraceId:           mustHex(traceID),
			SpanId:            mustHex(SpanID(s.ID)),
			Name:              s.Name,
			Kind:              tracepb.Span_SPAN_KIND_INTERNAL,
			StartTimeUnixNano: uint64(base.Add(s.Start).UnixNano()),
			EndTimeUnixNano:   uint64(base.Add(s.End).UnixNano()),
			Attributes:        KeyValues(s.Attrs),
			// A span that ended without error is left Unset, as the
			// tracing package (and OTel instrumentation) writes it.
		}
		if s.Parent != "" {
			sp.ParentSpanId = mustHex(SpanID(s.Parent))
		}
		if s.Client {
			sp.Kind = tracepb.Span_SPAN_KIND_CLIENT
		}
		if s.Error != "" {
			sp.Status = &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: s.Error}
			sp.Events = []*tracepb.Span_Event{{
				Name:         "exception",
				TimeUnixNano: sp.EndTimeUnixNano,
				Attributes:   KeyValues(map[string]any{"exception.message": s.Error, "exception.type": "error"}),
			}}
		}
		spans = append(spans, sp)
	}
	return &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource:   &resourcepb.Resource{Attributes: KeyValues(map[string]any{"service.name": "crewai-go"})},
		ScopeSpans: []*tracepb.ScopeSpans{{Scope: &commonpb.InstrumentationScope{Name: "github.com/crewai-go/crewai"}, Spans: spans}},
	}}}
}

// KeyValues converts a map to OTLP attributes, sorted by key.
func KeyValues(m map[string]any) []*commonpb.KeyValue {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	out := make([]*commonpb.KeyValue, 0, len(m))
	for _, k := range keys {
		out = append(out, &commonpb.KeyValue{Key: k, Value: anyValue(m[k])})
	}
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func anyValue(v any) *commonpb.AnyValue {
	switch x := v.(type) {
	case string:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: x}}
	case int:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: int64(x)}}
	case int64:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: x}}
	case float64:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: x}}
	case bool:
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: x}}
	case []string:
		vals := make([]*commonpb.AnyValue, len(x))
		for i, s := range x {
			vals[i] = anyValue(s)
		}
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vals}}}
	}
	panic(fmt.Sprintf("tracefiletest: unsupported attribute type %T", v))
}

// Lines encodes requests as trace-file lines (protojson, one per line).
func Lines(reqs ...*coltracepb.ExportTraceServiceRequest) []byte {
	var out []byte
	for _, r := range reqs {
		b, err := protojson.Marshal(r)
		if err != nil {
			panic(err)
		}
		out = append(out, b...)
		out = append(out, '\n')
	}
	return out
}

// WriteFile writes requests to dir/<traceID>.jsonl and returns the path.
func WriteFile(dir, traceID string, reqs ...*coltracepb.ExportTraceServiceRequest) (string, error) {
	path := filepath.Join(dir, traceID+".jsonl")
	return path, os.WriteFile(path, Lines(reqs...), 0o600)
}

// Messages is a one-message gen_ai messages attribute value.
func Messages(role, text string) string {
	return `[{"role":` + jsonString(role) + `,"parts":[{"type":"text","content":` + jsonString(text) + `}]}]`
}

// CrewOptions varies the canonical crew trace. The zero value gives the
// canonical trace unchanged; it is a plain value, safe for concurrent reads.
type CrewOptions struct {
	Name  string // crew name (default "research_crew")
	Model string // chat model (default "gpt-4o-mini")
	Reply string // the researcher's final reply (default a short text)
	Fail  bool   // the writer's task fails
}

// Crew returns the canonical crew trace in two requests (as a batching
// exporter would write it): a sequential crew of two tasks, a researcher
// who calls a search tool (once failing, once succeeding) between two LLM
// calls, and a writer with one LLM call.
func Crew(traceID string, base time.Time, o CrewOptions) []*coltracepb.ExportTraceServiceRequest {
	if o.Name == "" {
		o.Name = "research_crew"
	}
	if o.Model == "" {
		o.Model = "gpt-4o-mini"
	}
	if o.Reply == "" {
		o.Reply = "- AI agents are everywhere\n- Costs fell"
	}
	ms := time.Millisecond
	chat := func(id, parent, agent string, start, end time.Duration, in, out, cached int, prompt, reply string) Spec {
		return Spec{ID: id, Parent: parent, Name: "chat " + o.Model, Client: true, Start: start, End: end, Attrs: map[string]any{
			"gen_ai.operation.name":                "chat",
			"gen_ai.provider.name":                 "openai",
			"gen_ai.request.model":                 o.Model,
			"gen_ai.response.model":                o.Model + "-2024-07-18",
			"gen_ai.usage.input_tokens":            in,
			"gen_ai.usage.output_tokens":           out,
			"gen_ai.usage.cache_read.input_tokens": cached,
			"gen_ai.input.messages":                `[{"role":"system","parts":[{"type":"text","content":"You are ` + agent + `."}]},{"role":"user","parts":[{"type":"text","content":` + jsonString(prompt) + `}]}]`,
			"gen_ai.output.messages":               Messages("assistant", reply),
			"openinference.span.kind":              "LLM",
			"crewai.llm.agent":                     agent,
		}}
	}
	tool := func(id, parent string, start, end time.Duration, args, result, errMsg string) Spec {
		s := Spec{ID: id, Parent: parent, Name: "execute_tool search", Start: start, End: end, Error: errMsg, Attrs: map[string]any{
			"gen_ai.operation.name":      "execute_tool",
			"gen_ai.tool.name":           "search",
			"gen_ai.tool.call.arguments": args,
			"openinference.span.kind":    "TOOL",
		}}
		if result != "" {
			s.Attrs["gen_ai.tool.call.result"] = result
		}
		return s
	}
	writerErr := ""
	crewErr := ""
	if o.Fail {
		writerErr = "llm: context window exceeded"
		crewErr = "crew " + o.Name + ": task write: " + writerErr
	}
	first := Request(traceID, base,
		chat("chat1", "agent1", "Researcher", 20*ms, 420*ms, 1200, 80, 0, "Research AI agents", `{"tool_calls":1}`),
		tool("tool1", "agent1", 430*ms, 440*ms, `{"query":""}`, "", "tool search: query must not be empty"),
		tool("tool2", "agent1", 450*ms, 650*ms, `{"query":"AI agents 2024"}`, "Top results: agents, agents, agents", ""),
		chat("chat2", "agent1", "Researcher", 660*ms, 1500*ms, 2000, 300, 1024, "Continue with the tool results", o.Reply),
		Spec{ID: "agent1", Parent: "task1", Name: "invoke_agent Researcher", Start: 10 * ms, End: 1510 * ms, Attrs: map[string]any{
			"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Researcher", "openinference.span.kind": "AGENT"}},
		Spec{ID: "task1", Parent: "crew", Name: "execute_task research", Start: 5 * ms, End: 1520 * ms, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_task", "crewai.task.name": "research", "openinference.span.kind": "CHAIN",
			"output.value": o.Reply}},
	)
	second := Request(traceID, base,
		chat("chat3", "agent2", "Writer", 1540*ms, 2500*ms, 900, 400, 0, "Write a post from:\n"+o.Reply, "# AI agents in 2024"),
		Spec{ID: "agent2", Parent: "task2", Name: "invoke_agent Writer", Start: 1530 * ms, End: 2510 * ms, Error: writerErr, Attrs: map[string]any{
			"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Writer", "openinference.span.kind": "AGENT"}},
		Spec{ID: "task2", Parent: "crew", Name: "execute_task write", Start: 1525 * ms, End: 2520 * ms, Error: writerErr, Attrs: map[string]any{
			"gen_ai.operation.name": "execute_task", "crewai.task.name": "write", "openinference.span.kind": "CHAIN"}},
		Spec{ID: "crew", Name: "invoke_workflow " + o.Name, Start: 0, End: 2530 * ms, Error: crewErr, Attrs: map[string]any{
			"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": o.Name, "crewai.crew.process": "sequential",
			"openinference.span.kind": "CHAIN", "input.value": `{"topic":"AI agents"}`}},
	)
	return []*coltracepb.ExportTraceServiceRequest{first, second}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// WriteChain writes dir/<traceID>.jsonl holding a chain of n spans, each the
// parent of the next (the deepest possible tree), perLine spans to a line,
// in the file backend's OTLP/JSON form. It writes the JSON directly, so that
// files of hundreds of thousands of spans are quick to make. It returns the
// path.
func WriteChain(dir, traceID string, n, perLine int) (string, error) {
	path := filepath.Join(dir, traceID+".jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	base := uint64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	spanID := func(i int) string { return fmt.Sprintf("%016x", uint64(i)+1) }
	for i := 0; i < n; i += perLine {
		w.WriteString(`{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"deep"}}]},"scopeSpans":[{"spans":[`)
		for j := i; j < min(i+perLine, n); j++ {
			if j > i {
				w.WriteByte(',')
			}
			parent := ""
			if j > 0 {
				parent = `"parentSpanId":"` + spanID(j-1) + `",`
			}
			name := "step"
			if j == 0 {
				name = "crew deep"
			}
			fmt.Fprintf(w, `{"traceId":"%s","spanId":"%s",%s"name":"%s","kind":1,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}`,
				traceID, spanID(j), parent, name, base+uint64(j), base+uint64(2*n-j))
		}
		w.WriteString("]}]}]}\n")
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// SpanNamesByLine reads the trace file of traceID (hex) in dir, as the file
// backend writes it, and returns the names of its spans line by line. A line
// that does not decode, or a span of another trace, fails t.
func SpanNamesByLine(t testing.TB, dir, traceID string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, traceID+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var req coltracepb.ExportTraceServiceRequest
		if err := otlpjson.Unmarshal(sc.Bytes(), &req); err != nil {
			t.Fatalf("line %d does not decode: %v", len(lines)+1, err)
		}
		var names []string
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					if hex.EncodeToString(s.TraceId) != traceID {
						t.Errorf("span %s of trace %x in the file of %s", s.Name, s.TraceId, traceID)
					}
					names = append(names, s.Name)
				}
			}
		}
		lines = append(lines, names)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

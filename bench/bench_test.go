package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pingPong is the scripted exchange of every benchmark here: the model asks
// for the search tool, then answers. It records nothing, so that the
// benchmarks measure the library.
type pingPong struct{ call, done *llm.Response }

const answer = "Go is a language."

func newPingPong() *pingPong {
	return &pingPong{
		call: &llm.Response{ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "search", Arguments: `{"q":"go"}`}},
			FinishReason: "tool_calls", Usage: llm.Usage{PromptTokens: 20, CompletionTokens: 5, TotalTokens: 25, Requests: 1}},
		done: &llm.Response{Content: answer, FinishReason: "stop",
			Usage: llm.Usage{PromptTokens: 30, CompletionTokens: 5, TotalTokens: 35, Requests: 1}},
	}
}

func (p *pingPong) Info() llm.Info { return llm.Info{Model: "bench-model", Provider: "bench"} }
func (p *pingPong) Generate(_ context.Context, req *llm.Request) (*llm.Response, error) {
	if req.Messages[len(req.Messages)-1].Role == llm.RoleTool {
		return p.done, nil
	}
	return p.call, nil
}

// searchTool returns a constant.
type searchTool struct{ result string }

func (searchTool) Name() string        { return "search" }
func (searchTool) Description() string { return "Search the web" }
func (searchTool) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`)
}
func (t searchTool) Run(context.Context, json.RawMessage) (string, error) { return t.result, nil }

// discard is a span exporter that drops everything.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// newTracer is a Tracer exporting to exp, or, when exp is nil, the library's
// own discarding backend ("none"), which a kickoff's flush exports to in its
// own goroutine, as it does to the other backends of the library (file,
// OTLP).
func newTracer(tb testing.TB, exp sdktrace.SpanExporter, capture bool) *tracing.Tracer {
	tb.Helper()
	opt := tracing.WithBackend(tracing.BackendNone)
	if exp != nil {
		opt = tracing.WithExporter(exp)
	}
	tr, err := tracing.New(opt, tracing.WithContentCapture(capture), tracing.WithNotice(nil))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr
}

func newAgent(result string) *agent.Agent {
	return &agent.Agent{Role: "Researcher", Goal: "Find facts about {topic}", Backstory: "Curious.",
		LLM: newPingPong(), Tools: []tool.Tool{searchTool{result: result}}}
}

var agentJob = agent.Job{Description: "What is Go?", ExpectedOutput: "One sentence", Inputs: map[string]any{"topic": "Go"}}

// runAgent is one traced (tr != nil) or untraced agent run as a kickoff
// does it: a run on its own bus, tracing attached, the spans flushed at the
// end.
func runAgent(tb testing.TB, a *agent.Agent, job agent.Job, bus *event.Bus, tr *tracing.Tracer) {
	ctx := event.StartRun(context.Background(), bus)
	finish := func() {}
	if tr != nil {
		ctx, finish = tracing.Attach(ctx, tr, tracing.Requested(true))
	}
	res, err := a.Execute(ctx, job)
	finish()
	if err != nil || res.Output != answer {
		tb.Fatal(res, err)
	}
}

func newCrew(tasks int, tr *tracing.Tracer) *crew.Crew {
	a := newAgent("Go: a language by Google")
	c := &crew.Crew{Name: "bench", Agents: []*agent.Agent{a}, Bus: &event.Bus{}, Tracing: tr != nil, Tracer: tr}
	for i := range tasks {
		c.Tasks = append(c.Tasks, &task.Task{Name: fmt.Sprintf("t%d", i), Description: "Research {topic}, part " + fmt.Sprint(i),
			ExpectedOutput: "One sentence", Agent: a})
	}
	return c
}

func kickoff(tb testing.TB, c *crew.Crew) {
	out, err := c.Kickoff(context.Background(), map[string]any{"topic": "Go"})
	if err != nil || out.Raw != answer {
		tb.Fatal(out, err)
	}
}

// BenchmarkAgentRunTracing is one agent run (two model calls, one tool
// call), as a kickoff does it:
//
//   - off: no subscriber, no tracing (what BenchmarkAgentRun in package agent
//     measures);
//   - events: one subscriber that does nothing (the cost of announcing the
//     8 events of the run);
//   - content=off, content=on: tracing on (4 spans: invoke_agent, 2 chat,
//     execute_tool) through a Tracer whose backend drops everything ("none"),
//     with content capture off and on; each run is attached and flushed as a
//     kickoff does;
//   - content=on,user-exporter: the same with a user's exporter that drops
//     everything (WithExporter), which the Tracer calls from its own
//     goroutines, as the SDK's batch processor does, since it may not honour
//     its ctx.
//
// Compare with BenchmarkAgentRunSDK, the bare SDK making the same spans.
// cpu-ns/op is the process's CPU time per run (all goroutines, GC
// included), steadier than ns/op on a busy machine.
func BenchmarkAgentRunTracing(b *testing.B) {
	for _, mode := range []string{"off", "events", "content=off", "content=on", "content=on,user-exporter"} {
		b.Run(mode, func(b *testing.B) {
			a, bus := newAgent("Go: a language by Google"), &event.Bus{}
			var tr *tracing.Tracer
			switch mode {
			case "events":
				defer bus.Subscribe(event.HandlerFunc(func(event.Event) {}))()
			case "content=off", "content=on":
				tr = newTracer(b, nil, mode == "content=on")
			case "content=on,user-exporter":
				tr = newTracer(b, discard{}, true)
			}
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				runAgent(b, a, agentJob, bus, tr)
			}
		})
	}
}

// BenchmarkAgentRunSDK is the floor of BenchmarkAgentRunTracing: the bare
// OpenTelemetry SDK creating the spans that a traced agent run produces,
// with the same names, kinds, parents, attributes, events and statuses
// (recorded from one real run), through the SDK's batch processor and a
// discarding exporter, flushed once per run.
func BenchmarkAgentRunSDK(b *testing.B) {
	for _, capture := range []bool{false, true} {
		b.Run(fmt.Sprintf("content=%s", onOff(capture)), func(b *testing.B) {
			spans := record(b, capture, func(tr *tracing.Tracer) {
				runAgent(b, newAgent("Go: a language by Google"), agentJob, &event.Bus{}, tr)
			})
			benchReplay(b, spans)
		})
	}
}

// BenchmarkAgentRunTracedMessage is BenchmarkAgentRunTracing/content=on
// with a task description and a tool result of 1, 10 and 100 KB.
func BenchmarkAgentRunTracedMessage(b *testing.B) {
	for _, size := range []int{1 << 10, 10 << 10, 100 << 10} {
		b.Run(fmt.Sprintf("len=%dKB", size>>10), func(b *testing.B) {
			text := strings.Repeat("Go is a language. ", size/18+1)[:size]
			tr := newTracer(b, nil, true)
			a, bus := newAgent(text), &event.Bus{}
			job := agentJob
			job.Description = text
			b.SetBytes(int64(2 * size))
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				runAgent(b, a, job, bus, tr)
			}
		})
	}
}

// BenchmarkCrew is a sequential crew of 1, 5 and 10 tasks, each one agent
// run of two model calls and one tool call, tracing off and on (the "none"
// backend, content captured as by default): one kickoff per iteration.
func BenchmarkCrew(b *testing.B) {
	for _, tasks := range []int{1, 5, 10} {
		for _, traced := range []bool{false, true} {
			b.Run(fmt.Sprintf("tasks=%d/tracing=%s", tasks, onOff(traced)), func(b *testing.B) {
				var tr *tracing.Tracer
				if traced {
					tr = newTracer(b, nil, true)
				}
				c := newCrew(tasks, tr)
				b.ReportAllocs()
				defer cpuPerOp(b)()
				for b.Loop() {
					kickoff(b, c)
				}
			})
		}
	}
}

// BenchmarkCrewSDK is the floor of BenchmarkCrew/tasks=10/tracing=on: the
// bare SDK creating the same 51 spans, flushed once per kickoff.
func BenchmarkCrewSDK(b *testing.B) {
	spans := record(b, true, func(tr *tracing.Tracer) { kickoff(b, newCrew(10, tr)) })
	if len(spans) != 51 {
		b.Fatalf("%d spans recorded, want 51", len(spans))
	}
	benchReplay(b, spans)
}

// cpuPerOp starts counting the process's CPU time; the function it returns
// reports it per iteration as cpu-ns/op.
func cpuPerOp(b *testing.B) func() {
	cpu := func() int64 {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
			return 0
		}
		return ru.Utime.Nano() + ru.Stime.Nano()
	}
	start := cpu()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// recSpan is a recorded span, to be made again by the bare SDK.
type recSpan struct {
	name   string
	kind   trace.SpanKind
	parent int // index in the list, -1 for a root
	attrs  []attribute.KeyValue
	events []sdktrace.Event
	status sdktrace.Status
}

// record runs fn once with a Tracer exporting to memory and returns its
// spans, parents first.
func record(tb testing.TB, capture bool, fn func(tr *tracing.Tracer)) []recSpan {
	tb.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr := newTracer(tb, exp, capture)
	fn(tr)
	if err := tr.ForceFlush(context.Background()); err != nil {
		tb.Fatal(err)
	}
	stubs := exp.GetSpans()
	sort.SliceStable(stubs, func(i, j int) bool { return stubs[i].StartTime.Before(stubs[j].StartTime) })
	index := map[trace.SpanID]int{}
	out := make([]recSpan, 0, len(stubs))
	for len(out) < len(stubs) { // parents before children, whatever the timestamps
		progress := false
		for _, s := range stubs {
			if _, done := index[s.SpanContext.SpanID()]; done {
				continue
			}
			parent := -1
			if s.Parent.IsValid() {
				p, ok := index[s.Parent.SpanID()]
				if !ok {
					continue
				}
				parent = p
			}
			index[s.SpanContext.SpanID()] = len(out)
			out = append(out, recSpan{name: s.Name, kind: s.SpanKind, parent: parent, attrs: s.Attributes,
				events: s.Events, status: s.Status})
			progress = true
		}
		if !progress {
			tb.Fatal("recorded spans have a parent outside the trace")
		}
	}
	return out
}

// replay makes spans again with tr under ctx.
func replay(ctx context.Context, tr trace.Tracer, spans []recSpan, ctxs []context.Context, live []trace.Span) {
	for i := range spans {
		s := &spans[i]
		pctx := ctx
		if s.parent >= 0 {
			pctx = ctxs[s.parent]
		}
		ctxs[i], live[i] = tr.Start(pctx, s.name, trace.WithSpanKind(s.kind), trace.WithAttributes(s.attrs...))
		for _, e := range s.events {
			live[i].AddEvent(e.Name, trace.WithAttributes(e.Attributes...))
		}
	}
	for i := len(spans) - 1; i >= 0; i-- {
		if spans[i].status.Code != codes.Unset {
			live[i].SetStatus(spans[i].status.Code, spans[i].status.Description)
		}
		live[i].End()
	}
}

func benchReplay(b *testing.B, spans []recSpan) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	tr := tp.Tracer("github.com/crewai-go/crewai")
	ctx := context.Background()
	ctxs, live := make([]context.Context, len(spans)), make([]trace.Span, len(spans))
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		replay(ctx, tr, spans, ctxs, live)
		if err := tp.ForceFlush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(spans)), "spans/op")
}

// TestReplayMatches keeps the floor honest: replaying a recorded agent run
// gives the same span names, kinds, parents and attributes.
func TestReplayMatches(t *testing.T) {
	for _, capture := range []bool{false, true} {
		spans := record(t, capture, func(tr *tracing.Tracer) {
			runAgent(t, newAgent("Go: a language by Google"), agentJob, &event.Bus{}, tr)
		})
		if len(spans) != 4 {
			t.Fatalf("content=%v: %d spans, want 4 (invoke_agent, 2 chat, execute_tool)", capture, len(spans))
		}
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		replay(context.Background(), tp.Tracer("x"), spans, make([]context.Context, len(spans)), make([]trace.Span, len(spans)))
		got := exp.GetSpans()
		_ = tp.Shutdown(context.Background())
		if len(got) != len(spans) {
			t.Fatalf("replayed %d spans, want %d", len(got), len(spans))
		}
		used := make([]bool, len(got))
	next:
		for _, s := range spans {
			want := attribute.NewSet(s.attrs...)
			for j, r := range got {
				have := attribute.NewSet(r.Attributes...)
				if !used[j] && r.Name == s.name && r.SpanKind == s.kind && want.Equals(&have) &&
					(s.parent < 0) == !r.Parent.IsValid() {
					used[j] = true
					continue next
				}
			}
			t.Errorf("content=%v: span %q (%d attributes) not replayed as recorded", capture, s.name, len(s.attrs))
		}
	}
}

// TestCrewTraced checks the crew benchmark's scenario: 51 spans for 10 tasks,
// none dropped.
func TestCrewTraced(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := newTracer(t, exp, true)
	kickoff(t, newCrew(10, tr))
	if n := len(exp.GetSpans()); n != 51 {
		t.Fatalf("%d spans, want 51", n)
	}
	if st := tr.Stats(); st.Dropped != 0 || st.Started != 51 {
		t.Fatalf("stats %+v", st)
	}
}

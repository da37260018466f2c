package tracing

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// logBuf is a concurrency-safe log sink that counts warnings.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuf) warnings() int { return strings.Count(l.String(), "level=WARN") }

func (l *logBuf) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// newMemTracer builds a Tracer exporting to an in-memory exporter.
func newMemTracer(t testing.TB, opts ...Option) (*Tracer, *tracetest.InMemoryExporter, *logBuf) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	logs := &logBuf{}
	base := []Option{WithExporter(exp), WithNotice(nil), WithLogger(logs.logger())}
	tr, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tr.Shutdown(ctx)
	})
	return tr, exp, logs
}

// node is a normalised span: no IDs, no times.
type node struct {
	name     string
	kind     trace.SpanKind
	status   codes.Code
	attrs    []attribute.KeyValue
	events   []string
	start    time.Time
	children []*node
}

// spanTree builds the forest of spans, children ordered by start time.
func spanTree(spans tracetest.SpanStubs) []*node {
	byID := map[trace.SpanID]*node{}
	for _, s := range spans {
		n := &node{name: s.Name, kind: s.SpanKind, status: s.Status.Code, attrs: s.Attributes, start: s.StartTime}
		for _, e := range s.Events {
			n.events = append(n.events, e.Name)
		}
		byID[s.SpanContext.SpanID()] = n
	}
	var roots []*node
	for _, s := range spans {
		n := byID[s.SpanContext.SpanID()]
		if p, ok := byID[s.Parent.SpanID()]; ok && s.Parent.IsValid() {
			p.children = append(p.children, n)
		} else {
			roots = append(roots, n)
		}
	}
	var sortRec func([]*node)
	sortRec = func(ns []*node) {
		sort.SliceStable(ns, func(i, j int) bool { return ns[i].start.Before(ns[j].start) })
		for _, n := range ns {
			sortRec(n.children)
		}
	}
	sortRec(roots)
	return roots
}

// render prints the forest, one span a line, with the listed attributes.
func render(roots []*node, keys ...string) string {
	var b strings.Builder
	var rec func(n *node, depth int)
	rec = func(n *node, depth int) {
		fmt.Fprintf(&b, "%s%s [%s]", strings.Repeat("  ", depth), n.name, n.kind)
		if n.status == codes.Error {
			b.WriteString(" ERROR")
		}
		for _, k := range keys {
			for _, kv := range n.attrs {
				if string(kv.Key) == k {
					fmt.Fprintf(&b, " %s=%s", k, kv.Value.String())
				}
			}
		}
		if len(n.events) > 0 {
			fmt.Fprintf(&b, " events=%s", strings.Join(n.events, ","))
		}
		b.WriteByte('\n')
		for _, c := range n.children {
			rec(c, depth+1)
		}
	}
	for _, r := range roots {
		rec(r, 0)
	}
	return b.String()
}

func attrOf(s tracetest.SpanStub, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func findSpan(t testing.TB, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q among %d spans", name, len(spans))
	return tracetest.SpanStub{}
}

// scenario knobs for the synthetic crew.
type scenario struct {
	toolErr   error // the first tool call fails with it
	llmErr    error // the second task's first LLM call fails with it
	panicTool bool  // the first tool call panics
	secret    string
	longText  string
	bus       *event.Bus // the run's bus; nil means a new one
}

var errBoom = fmt.Errorf("boom")

// runCrew emits the events of a two-task sequential crew whose agents each
// call the model, a tool, and the model again. It returns the crew's error.
func runCrew(ctx context.Context, tr *Tracer, sc scenario) (out string, err error) {
	bus := sc.bus
	if bus == nil {
		bus = &event.Bus{}
	}
	ctx = event.StartRun(ctx, bus)
	ctx, finish := Attach(ctx, tr, Requested(true))
	defer finish()
	cctx, cst := event.Begin(ctx, event.CrewStarted{Crew: "Research Crew", Process: "sequential",
		Inputs: map[string]any{"topic": "AI " + sc.secret}})
	defer func() {
		if err != nil {
			event.End(cst, event.CrewFailed{Crew: "Research Crew", Failure: event.Failure{Err: err}})
		} else {
			event.End(cst, event.CrewCompleted{Crew: "Research Crew", Output: out,
				Usage: chat.Usage{PromptTokens: 40, CompletionTokens: 20, TotalTokens: 60, Requests: 4}})
		}
	}()
	for i, task := range []string{"research", "write"} {
		role := []string{"Researcher", "Writer"}[i]
		res, terr := runTask(cctx, task, role, i, sc)
		if terr != nil {
			return "", fmt.Errorf("crew: task %s: %w", task, terr)
		}
		out = res
	}
	return out, nil
}

func runTask(ctx context.Context, task, role string, i int, sc scenario) (string, error) {
	tctx, tst := event.Begin(ctx, event.TaskStarted{Task: task, Description: "Describe " + task + " " + sc.longText,
		ExpectedOutput: "bullets", Agent: role})
	actx, ast := event.Begin(tctx, event.AgentStarted{Role: role, AgentID: "a" + role, Goal: "goal of " + role,
		Model: "gpt-4o-mini", Provider: "openai", Prompt: "do " + task, Tools: []string{"search"}, Attempt: 1})
	fail := func(err error) (string, error) {
		event.End(ast, event.AgentFailed{Role: role, Failure: event.Failure{Err: err}})
		werr := fmt.Errorf("task: %w", err)
		event.End(tst, event.TaskFailed{Task: task, Agent: role, Failure: event.Failure{Err: werr}})
		return "", werr
	}
	// first model call: asks for the tool
	_, lst := event.Begin(actx, event.LLMCallStarted{Model: "gpt-4o-mini", Provider: "openai", ServerAddress: "api.openai.com",
		Messages: []chat.Message{{Role: "system", Content: "You are " + role}, {Role: "user", Content: "do " + task + " " + sc.secret}},
		Tools:    []chat.ToolDef{{Name: "search", Parameters: []byte(`{"type":"object"}`)}}, MaxTokens: 100})
	if i == 1 && sc.llmErr != nil {
		event.End(lst, event.LLMCallFailed{Model: "gpt-4o-mini", Failure: event.Failure{Err: sc.llmErr}})
		return fail(fmt.Errorf("agent: %w", sc.llmErr))
	}
	event.End(lst, event.LLMCallCompleted{Model: "gpt-4o-mini", ResponseModel: "gpt-4o-mini-2024", ResponseID: "r1",
		FinishReason: "tool_calls", ToolCalls: []chat.ToolCall{{ID: "c1", Name: "search", Arguments: `{"q":"ai"}`}},
		Usage: chat.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15, Requests: 1}})
	_, tost := event.Begin(actx, event.ToolStarted{Tool: "search", CallID: "c1", Arguments: `{"q":"ai"}`, Agent: role, Attempt: 1})
	switch {
	case i == 0 && sc.panicTool:
		err := fmt.Errorf("tool: search panicked: %v", "index out of range")
		event.End(tost, event.ToolFailed{Tool: "search", CallID: "c1", Failure: event.Failure{Err: err, Panic: true,
			Stack: "goroutine 7 [running]:\nmain.search()\n\t/src/search.go:12"}})
		return fail(fmt.Errorf("agent: %w", err))
	case i == 0 && sc.toolErr != nil:
		event.End(tost, event.ToolFailed{Tool: "search", CallID: "c1", Failure: event.Failure{Err: sc.toolErr}})
		return fail(fmt.Errorf("agent: %w", sc.toolErr))
	}
	event.End(tost, event.ToolFinished{Tool: "search", CallID: "c1", Result: "results " + sc.secret, CacheHit: i == 1})
	_, lst2 := event.Begin(actx, event.LLMCallStarted{Model: "gpt-4o-mini", Provider: "openai",
		Messages: []chat.Message{{Role: "tool", ToolCallID: "c1", Content: "results"}}})
	event.End(lst2, event.LLMCallCompleted{Model: "gpt-4o-mini", ResponseModel: "gpt-4o-mini-2024", FinishReason: "stop",
		Content: "answer " + task, Usage: chat.Usage{PromptTokens: 10, CompletionTokens: 5, CachedPromptTokens: 2, TotalTokens: 15, Requests: 1}, Cost: 0.0001})
	event.End(ast, event.AgentCompleted{Role: role, Output: "answer " + task, Iterations: 2})
	event.End(tst, event.TaskCompleted{Task: task, Agent: role, Output: "answer " + task})
	return "answer " + task, nil
}

var _ = io.Discard

// blockingExporter blocks every export until block is closed.
type blockingExporter struct{ block chan struct{} }

func (b *blockingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	select {
	case <-b.block:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *blockingExporter) Shutdown(context.Context) error { return nil }

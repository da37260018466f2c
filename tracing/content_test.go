package tracing

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/scrub"
	"github.com/crewai-go/crewai/internal/traceenv"
)

var contentKeys = []string{
	"input.value", "output.value", "gen_ai.input.messages", "gen_ai.output.messages",
	"gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "crewai.task.description",
	"crewai.task.expected_output", "crewai.agent.goal", "gen_ai.tool.definitions",
}

func hasContent(spans tracetest.SpanStubs) []string {
	var found []string
	for _, s := range spans {
		for _, k := range contentKeys {
			if _, ok := attrOf(s, k); ok {
				found = append(found, s.Name+":"+k)
			}
		}
	}
	return found
}

func TestContentCapture(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		opts    []Option
		capture bool
	}{
		{"default on", nil, nil, true},
		{"crewai false", map[string]string{traceenv.EnvCaptureContent: "false"}, nil, false},
		{"crewai OFF", map[string]string{traceenv.EnvCaptureContent: "OFF"}, nil, false},
		{"otel false", map[string]string{traceenv.EnvOTelCapture: "false"}, nil, false},
		{"otel NO_CONTENT", map[string]string{traceenv.EnvOTelCapture: "no_content"}, nil, false},
		{"otel SPAN_ONLY", map[string]string{traceenv.EnvOTelCapture: "SPAN_ONLY"}, nil, true},
		{"otel SPAN_AND_EVENT", map[string]string{traceenv.EnvOTelCapture: "SPAN_AND_EVENT"}, nil, true},
		{"crewai wins over otel", map[string]string{traceenv.EnvCaptureContent: "true", traceenv.EnvOTelCapture: "false"}, nil, true},
		{"option wins over env", map[string]string{traceenv.EnvCaptureContent: "false"}, []Option{WithContentCapture(true)}, true},
		{"option off", nil, []Option{WithContentCapture(false)}, false},
	}
	// The span tree (names, kinds, parents, status, counts) with content
	// captured; every case must give the same tree.
	structure := func(spans tracetest.SpanStubs) string {
		return render(spanTree(spans), "gen_ai.operation.name", "openinference.span.kind", "gen_ai.request.model",
			"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.tool.name", "crewai.tool.cache_hit")
	}
	t.Setenv(traceenv.EnvCaptureContent, "")
	t.Setenv(traceenv.EnvOTelCapture, "")
	baseTr, baseExp, _ := newMemTracer(t)
	if _, err := runCrew(context.Background(), baseTr, scenario{}); err != nil {
		t.Fatal(err)
	}
	want := structure(baseExp.GetSpans())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(traceenv.EnvCaptureContent, "")
			t.Setenv(traceenv.EnvOTelCapture, "")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			tr, exp, _ := newMemTracer(t, c.opts...)
			if tr.CaptureContent() != c.capture {
				t.Fatalf("CaptureContent() = %v", tr.CaptureContent())
			}
			if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
				t.Fatal(err)
			}
			spans := exp.GetSpans()
			found := hasContent(spans)
			if c.capture && len(found) == 0 {
				t.Errorf("no content captured")
			}
			if !c.capture && len(found) > 0 {
				t.Errorf("content captured with capture off: %v", found)
			}
			// structure and counts stay
			if got := structure(spans); got != want {
				t.Errorf("span tree:\n%s\nwant (as with content):\n%s", got, want)
			}
			chat := findSpan(t, spans, "chat gpt-4o-mini")
			if v, ok := attrOf(chat, "gen_ai.usage.output_tokens"); !ok || v.AsInt64() != 5 {
				t.Errorf("usage lost: %v", v.String())
			}
		})
	}
}

func TestSecretsAndRedaction(t *testing.T) {
	const envSecret = "tok-1234567890abcdef"
	t.Setenv("MY_SERVICE_TOKEN", envSecret)
	t.Setenv("SHORT_KEY", "abc") // too short to mask
	openaiKey := "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	tr, exp, _ := newMemTracer(t, WithRedaction(func(s string) string {
		return strings.ReplaceAll(s, "alice@example.com", "<email>")
	}))
	sc := scenario{secret: envSecret + " " + openaiKey + " Bearer abcdefghijklmnop alice@example.com"}
	if _, err := runCrew(context.Background(), tr, sc); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, s := range exp.GetSpans() {
		for _, kv := range s.Attributes {
			all.WriteString(kv.Value.String())
			all.WriteByte('\n')
		}
	}
	text := all.String()
	for _, leak := range []string{envSecret, openaiKey, "abcdefghijklmnop", "alice@example.com"} {
		if strings.Contains(text, leak) {
			t.Errorf("%q leaked into span attributes", leak)
		}
	}
	for _, want := range []string{"<email>", "[REDACTED]", "sk-[REDACTED]", "Bearer [REDACTED]"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q missing", want)
		}
	}
}

func TestTruncation(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 64, "short"},
		{strings.Repeat("a", 100), 64, strings.Repeat("a", 64) + "…[truncated 36 bytes]"},
		// é is 2 bytes: the cut moves back to a rune boundary
		{strings.Repeat("a", 63) + "é" + "bb", 64, strings.Repeat("a", 63) + "…[truncated 4 bytes]"},
	}
	for _, c := range cases {
		if got := scrub.Truncate(c.in, c.max); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}

	tr, exp, _ := newMemTracer(t, WithMaxAttributeLength(100))
	long := strings.Repeat("x", 500)
	if _, err := runCrew(context.Background(), tr, scenario{longText: long}); err != nil {
		t.Fatal(err)
	}
	task := findSpan(t, exp.GetSpans(), "execute_task research")
	v, _ := attrOf(task, "crewai.task.description")
	if len(v.AsString()) > 130 || !strings.HasSuffix(v.AsString(), "…[truncated 418 bytes]") {
		t.Errorf("description %q", v.AsString())
	}
	if _, err := New(WithMaxAttributeLength(10)); err == nil || !strings.Contains(err.Error(), "10") {
		t.Errorf("small max: %v", err)
	}
}

func TestConcurrentRuns(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	byTrace := map[trace.TraceID]tracetest.SpanStubs{}
	for _, s := range exp.GetSpans() {
		byTrace[s.SpanContext.TraceID()] = append(byTrace[s.SpanContext.TraceID()], s)
	}
	if len(byTrace) != n {
		t.Fatalf("%d traces, want %d", len(byTrace), n)
	}
	var want string
	for id, spans := range byTrace {
		roots := spanTree(spans)
		if len(roots) != 1 || len(spans) != 11 {
			t.Fatalf("trace %s: %d roots, %d spans", id, len(roots), len(spans))
		}
		got := render(roots)
		if want == "" {
			want = got
		} else if got != want {
			t.Fatalf("trace %s differs:\n%s\nfrom:\n%s", id, got, want)
		}
	}
}

func TestNestedAndParent(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	// A user's own span is the parent of the run's root.
	userTP := tr.TracerProvider()
	ctx, user := userTP.Tracer("user").Start(context.Background(), "user request")
	// A traced flow whose method kicks off a traced crew: one trace.
	bus := &event.Bus{}
	fctx := event.StartRun(ctx, bus)
	fctx, finish := Attach(fctx, tr, Requested(true))
	if !Traced(fctx) {
		t.Fatal("flow not traced")
	}
	fctx, fst := event.Begin(fctx, event.FlowStarted{Flow: "ExampleFlow", StateID: "s1"})
	mctx, mst := event.Begin(fctx, event.MethodStarted{Flow: "ExampleFlow", Method: "first", Trigger: "start"})
	inner, innerFinish := Attach(mctx, nil) // nil Tracer: must not build Default
	if inner != mctx {
		t.Error("nested Attach changed ctx")
	}
	innerFinish()
	_, cst := event.Begin(inner, event.CrewStarted{Crew: "Inner"})
	event.End(cst, event.CrewCompleted{Crew: "Inner"})
	event.End(mst, event.MethodFinished{Flow: "ExampleFlow", Method: "first", RouterLabel: "continue", Result: map[string]int{"n": 1}})
	event.End(fst, event.FlowFinished{Flow: "ExampleFlow", Result: "done"})
	finish()
	user.End()
	defaultMu.Lock()
	built := defaultTracer != nil
	defaultMu.Unlock()
	if built {
		t.Error("nested Attach with nil Tracer built the default tracer")
	}
	if err := tr.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := render(spanTree(exp.GetSpans()), "crewai.flow.router_label", "output.value")
	want := `user request [internal]
  invoke_workflow ExampleFlow [internal] output.value=done
    invoke_node first [internal] crewai.flow.router_label=continue output.value={"n":1}
      invoke_workflow Inner [internal]
`
	if got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
}

func TestUntracedFlowTracedCrew(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	bus := &event.Bus{}
	seen := 0
	defer bus.Subscribe(event.HandlerFunc(func(event.Event) { seen++ }))()
	ctx := event.StartRun(context.Background(), bus)
	ctx, finishFlow := Attach(ctx, tr) // untraced flow
	ctx, fst := event.Begin(ctx, event.FlowStarted{Flow: "F"})
	ctx, finishCrew := Attach(ctx, tr, Requested(true))
	_, cst := event.Begin(ctx, event.CrewStarted{Crew: "C"})
	event.End(cst, event.CrewCompleted{Crew: "C"})
	finishCrew()
	event.End(fst, event.FlowFinished{Flow: "F"})
	finishFlow()
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != "invoke_workflow C" || spans[0].Parent.IsValid() {
		t.Fatalf("spans %v", spans)
	}
	if seen != 4 {
		t.Errorf("bus saw %d events", seen)
	}
}

func TestPointEvents(t *testing.T) {
	tr, exp, _ := newMemTracer(t)
	ctx := event.StartRun(context.Background(), &event.Bus{})
	ctx, finish := Attach(ctx, tr, Requested(true))
	lctx, lst := event.Begin(ctx, event.LLMCallStarted{Model: "m", Stream: true})
	event.Emit(lctx, event.Retry{Operation: "chat", Attempt: 1, Err: fmt.Errorf("503")})
	event.Emit(lctx, event.RateLimitWait{Limiter: "rpm"})
	event.Emit(lctx, event.LLMStreamChunk{Model: "m", Chunk: "hel"})
	event.Emit(lctx, event.LLMStreamChunk{Model: "m", Chunk: "lo"})
	event.End(lst, event.LLMCallCompleted{Model: "m", Content: "hello"})
	finish()
	s := exp.GetSpans()[0]
	var names []string
	for _, e := range s.Events {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "crewai.retry,crewai.rate_limit_wait,crewai.llm.stream_chunk,crewai.llm.stream_chunk" {
		t.Errorf("events %s", got)
	}
	if _, ok := attrOf(s, "gen_ai.response.time_to_first_chunk"); !ok {
		t.Error("no time to first chunk")
	}
}

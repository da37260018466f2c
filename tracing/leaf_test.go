package tracing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
)

// eventTimes records the time of every event of a run, by event ID.
type eventTimes struct {
	mu sync.Mutex
	at map[uint64]time.Time
}

func (e *eventTimes) Handle(ev event.Event) {
	h := ev.EventHeader()
	e.mu.Lock()
	e.at[h.ID] = h.Time
	e.mu.Unlock()
}

func (e *eventTimes) of(id uint64) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.at[id]
}

// plainProvider hides the SDK provider's type, so that the tracing handler
// treats it as a provider it knows nothing about (no buffer reuse).
type plainProvider struct{ trace.TracerProvider }

// leafTracers are the two ways a Tracer makes spans: through its own SDK
// provider (attribute buffers reused) and through a provider of unknown type.
func leafTracers(t *testing.T) map[string]func() (*Tracer, *tracetest.InMemoryExporter) {
	return map[string]func() (*Tracer, *tracetest.InMemoryExporter){
		"own provider": func() (*Tracer, *tracetest.InMemoryExporter) {
			tr, exp, _ := newMemTracer(t, WithContentCapture(true))
			return tr, exp
		},
		"unknown provider": func() (*Tracer, *tracetest.InMemoryExporter) {
			exp := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			tr, err := New(WithTracerProvider(plainProvider{tp}), WithContentCapture(true), WithNotice(nil))
			if err != nil {
				t.Fatal(err)
			}
			return tr, exp
		},
	}
}

func spanNamed(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q among %d", name, len(spans))
	return tracetest.SpanStub{}
}

// TestLeafSpans checks the model and tool call spans, which the handler
// starts only at their end event unless something needs them earlier: their
// times are their events' times, their parent is their step, their
// attributes are the start attributes then the end ones, and a step nested
// under a tool call, a point event on a model call and a call left open at
// the end of the run all still find their span.
func TestLeafSpans(t *testing.T) {
	for name, mk := range leafTracers(t) {
		t.Run(name, func(t *testing.T) {
			tr, exp := mk()
			times := &eventTimes{at: map[uint64]time.Time{}}
			bus := &event.Bus{}
			defer bus.Subscribe(times)()
			ctx := event.StartRun(context.Background(), bus)
			ctx, finish := Attach(ctx, tr, Requested(true))
			actx, ast := event.Begin(ctx, event.AgentStarted{Role: "Boss"})

			// a model call with a retry and stream chunks on it
			lctx, lst := event.Begin(actx, event.LLMCallStarted{Model: "m", Stream: true})
			event.Emit(lctx, event.Retry{Operation: "chat", Attempt: 1, Err: errors.New("503")})
			event.Emit(lctx, event.LLMStreamChunk{Model: "m", Chunk: "hi"})
			event.End(lst, event.LLMCallCompleted{Model: "m", Content: "hi", FinishReason: "stop",
				Usage: chat.Usage{PromptTokens: 3, CompletionTokens: 1}})

			// a tool call that delegates: the delegation is the tool span's child
			tctx, tst := event.Begin(actx, event.ToolStarted{Tool: "delegate", CallID: "c1", Arguments: `{"to":"W"}`})
			_, dst := event.Begin(tctx, event.DelegationStarted{From: "Boss", To: "W", Task: "write"})
			event.End(dst, event.DelegationCompleted{Result: "done"})
			event.End(tst, event.ToolFinished{Tool: "delegate", CallID: "c1", Result: "done"})

			// a plain tool call and a failing one
			_, pst := event.Begin(actx, event.ToolStarted{Tool: "search", CallID: "c2"})
			event.End(pst, event.ToolFinished{Tool: "search", CallID: "c2", Result: "found", CacheHit: true})
			_, fst := event.Begin(actx, event.ToolStarted{Tool: "broken", CallID: "c3"})
			event.End(fst, event.ToolFailed{Tool: "broken", CallID: "c3", Failure: event.Failure{Err: errors.New("boom")}})

			// a model call still open when the run ends
			_, _ = event.Begin(actx, event.LLMCallStarted{Model: "open"})
			finish()
			event.End(ast, event.AgentCompleted{Role: "Boss"})

			spans := exp.GetSpans()
			if len(spans) != 7 {
				t.Fatalf("%d spans, want 7", len(spans))
			}
			agent := spanNamed(t, spans, "invoke_agent Boss")
			tid := agent.SpanContext.TraceID()
			for _, s := range spans {
				if s.SpanContext.TraceID() != tid {
					t.Errorf("%s: in another trace", s.Name)
				}
			}

			chat := spanNamed(t, spans, "chat m")
			if chat.Parent.SpanID() != agent.SpanContext.SpanID() {
				t.Error("chat m: not a child of the agent")
			}
			if !chat.StartTime.Equal(times.of(lst.ID())) {
				t.Errorf("chat m starts at %v, its start event at %v", chat.StartTime, times.of(lst.ID()))
			}
			if chat.EndTime.Before(chat.StartTime) {
				t.Errorf("chat m: ends at %v, starts at %v", chat.EndTime, chat.StartTime)
			}
			if len(chat.Events) != 2 || chat.Events[0].Name != "crewai.retry" || chat.Events[1].Name != "crewai.llm.stream_chunk" {
				t.Errorf("chat m: events %v", chat.Events)
			}
			for _, key := range []string{"gen_ai.request.model", "gen_ai.input.messages", "gen_ai.response.time_to_first_chunk",
				"gen_ai.usage.input_tokens", "gen_ai.response.finish_reasons", "gen_ai.output.messages"} {
				if _, ok := attrOf(chat, key); !ok {
					t.Errorf("chat m: no %s", key)
				}
			}
			if v, _ := attrOf(chat, "gen_ai.response.finish_reasons"); v.String() != `["stop"]` {
				t.Errorf("chat m: finish reasons %s", v.String())
			}

			tool := spanNamed(t, spans, "execute_tool delegate")
			del := spanNamed(t, spans, "delegate W")
			if tool.Parent.SpanID() != agent.SpanContext.SpanID() || del.Parent.SpanID() != tool.SpanContext.SpanID() {
				t.Error("delegate W: not under execute_tool delegate under the agent")
			}
			if !tool.StartTime.Equal(times.of(tst.ID())) || tool.StartTime.After(del.StartTime) {
				t.Errorf("execute_tool delegate starts at %v (event %v), its child at %v",
					tool.StartTime, times.of(tst.ID()), del.StartTime)
			}
			if v, _ := attrOf(tool, "gen_ai.tool.call.result"); v.AsString() != "done" {
				t.Errorf("execute_tool delegate: result %q", v.AsString())
			}

			// start attributes first, then the end ones, as when they were
			// added to a live span
			search := spanNamed(t, spans, "execute_tool search")
			var keys []string
			for _, kv := range search.Attributes {
				keys = append(keys, string(kv.Key))
			}
			want := []string{"gen_ai.operation.name", "openinference.span.kind", "gen_ai.tool.name", "tool.name",
				"gen_ai.tool.type", "gen_ai.tool.call.id", "gen_ai.tool.call.arguments", "input.value", "input.mime_type",
				"crewai.tool.cache_hit", "gen_ai.tool.call.result", "output.value", "output.mime_type"}
			if len(keys) != len(want) {
				t.Fatalf("execute_tool search: attributes %v, want %v", keys, want)
			}
			for i := range want {
				if keys[i] != want[i] {
					t.Fatalf("execute_tool search: attributes %v, want %v", keys, want)
				}
			}

			broken := spanNamed(t, spans, "execute_tool broken")
			if broken.Status.Code != codes.Error || len(broken.Events) != 1 || broken.Events[0].Name != "exception" {
				t.Errorf("execute_tool broken: status %v, events %v", broken.Status, broken.Events)
			}

			open := spanNamed(t, spans, "chat open")
			if open.Status.Code != codes.Error || open.Status.Description != "step not ended before the kickoff returned" ||
				open.Parent.SpanID() != agent.SpanContext.SpanID() {
				t.Errorf("chat open: status %v, parent %v", open.Status, open.Parent.SpanID())
			}
			if agent.Status.Code != codes.Error {
				t.Errorf("invoke_agent Boss: status %v, want the error of a step left open", agent.Status)
			}
			if st := tr.Stats(); st.Started != 7 {
				t.Errorf("started %d, want 7", st.Started)
			}
		})
	}
}

// TestLeafSpansParallel runs tool calls from several goroutines at once, as
// parallel tool calls in one model reply do, some with a nested model call
// or a retry, and model calls whose tool definitions change from one call to
// the next: each span keeps its own attributes (no attribute buffer shared
// between two spans), its parent, and the definitions of its own call.
func TestLeafSpansParallel(t *testing.T) {
	for name, mk := range leafTracers(t) {
		t.Run(name, func(t *testing.T) {
			tr, exp := mk()
			ctx := event.StartRun(context.Background(), &event.Bus{})
			ctx, finish := Attach(ctx, tr, Requested(true))
			actx, ast := event.Begin(ctx, event.AgentStarted{Role: "Boss"})
			defsA := []chat.ToolDef{{Name: "a", Parameters: []byte(`{"type":"object"}`)}}
			defsB := []chat.ToolDef{{Name: "a", Parameters: []byte(`{"type":"object","x":1}`)}}
			for i, defs := range [][]chat.ToolDef{defsA, defsA, defsB, defsA} {
				_, lst := event.Begin(actx, event.LLMCallStarted{Model: fmt.Sprint("m", i), Tools: defs,
					Messages: []chat.Message{{Role: "user", Content: "q"}}})
				event.End(lst, event.LLMCallCompleted{Model: fmt.Sprint("m", i), Content: "ok"})
			}
			const n = 32
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tool := fmt.Sprint("t", i)
					tctx, tst := event.Begin(actx, event.ToolStarted{Tool: tool, CallID: tool, Arguments: "arg-" + tool})
					switch i % 3 {
					case 1:
						_, lst := event.Begin(tctx, event.LLMCallStarted{Model: "inner-" + tool})
						event.End(lst, event.LLMCallCompleted{Model: "inner-" + tool, Content: "c-" + tool})
					case 2:
						event.Emit(tctx, event.Retry{Operation: tool, Attempt: 1})
					}
					event.End(tst, event.ToolFinished{Tool: tool, CallID: tool, Result: "res-" + tool})
				}()
			}
			wg.Wait()
			event.End(ast, event.AgentCompleted{Role: "Boss"})
			finish()

			spans := exp.GetSpans()
			agent := spanNamed(t, spans, "invoke_agent Boss")
			for i, defs := range []string{`"type":"object"}`, `"type":"object"}`, `"x":1}`, `"type":"object"}`} {
				chat := spanNamed(t, spans, fmt.Sprint("chat m", i))
				v, _ := attrOf(chat, "gen_ai.tool.definitions")
				if !strings.HasSuffix(v.AsString(), defs+"}]") {
					t.Errorf("chat m%d: tool definitions %s, want the ones of its call", i, v.AsString())
				}
			}
			for i := range n {
				tool := fmt.Sprint("t", i)
				s := spanNamed(t, spans, "execute_tool "+tool)
				if s.Parent.SpanID() != agent.SpanContext.SpanID() {
					t.Errorf("%s: not a child of the agent", tool)
				}
				for key, want := range map[string]string{"gen_ai.tool.call.id": tool, "gen_ai.tool.call.arguments": "arg-" + tool,
					"gen_ai.tool.call.result": "res-" + tool} {
					if v, _ := attrOf(s, key); v.AsString() != want {
						t.Errorf("%s: %s = %q, want %q", tool, key, v.AsString(), want)
					}
				}
				if i%3 == 1 {
					c := spanNamed(t, spans, "chat inner-"+tool)
					if c.Parent.SpanID() != s.SpanContext.SpanID() {
						t.Errorf("chat inner-%s: not a child of its tool call", tool)
					}
					if v, _ := attrOf(c, "output.value"); v.AsString() != "c-"+tool {
						t.Errorf("chat inner-%s: output %q", tool, v.AsString())
					}
				}
				if i%3 == 2 && (len(s.Events) != 1 || s.Events[0].Name != "crewai.retry") {
					t.Errorf("%s: events %v, want one retry", tool, s.Events)
				}
			}
			if want := 1 + 4 + n + (n+1)/3; len(spans) != want {
				t.Errorf("%d spans, want %d", len(spans), want)
			}
		})
	}
}

package tracing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// renderAll prints a span forest with every attribute (sorted by key),
// every event and the status: what a kept kickoff must reproduce exactly.
func renderAll(spans tracetest.SpanStubs) string {
	var b strings.Builder
	var rec func(ns []*node, depth int)
	rec = func(ns []*node, depth int) {
		for _, n := range ns {
			attrs := slices.Clone(n.attrs)
			slices.SortFunc(attrs, func(a, b attribute.KeyValue) int { return strings.Compare(string(a.Key), string(b.Key)) })
			fmt.Fprintf(&b, "%s%s [%s] status=%d events=%v\n", strings.Repeat("  ", depth), n.name, n.kind, n.status, n.events)
			for _, kv := range attrs {
				if kv.Key == semconv.CrewAIRunID {
					continue // one per kickoff
				}
				fmt.Fprintf(&b, "%s  - %s=%s\n", strings.Repeat("  ", depth), kv.Key, kv.Value.String())
			}
			rec(n.children, depth+1)
		}
	}
	rec(spanTree(spans), 0)
	return b.String()
}

// TestKeptKickoffIsTheTracedOne: a kickoff the ratio dropped but the keep
// rule kept (failed, or slow) is exported as the same span tree, with the
// same attributes, events and statuses, as the same kickoff traced from
// its start; its spans are sampled and in one trace.
func TestKeptKickoffIsTheTracedOne(t *testing.T) {
	clearOTLPEnv(t)
	for _, c := range []struct {
		name   string
		sc     scenario
		slower string
	}{
		{name: "model call failed", sc: scenario{llmErr: errBoom, secret: "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"}},
		{name: "tool panicked, crew failed", sc: scenario{panicTool: true, llmErr: errBoom}},
		{name: "slow, succeeded", sc: scenario{toolErr: errBoom, longText: strings.Repeat("long text ", 50)}, slower: "1ns"},
	} {
		t.Run(c.name, func(t *testing.T) {
			setSampling(t, "", "", "")
			tr, exp, _ := newMemTracer(t, WithContentCapture(true))
			_, _ = runCrew(context.Background(), tr, c.sc)
			want := renderAll(exp.GetSpans())

			setSampling(t, "traceidratio", "0", c.slower)
			tr, exp, _ = newMemTracer(t, WithContentCapture(true))
			_, _ = runCrew(context.Background(), tr, c.sc)
			spans := exp.GetSpans()
			if got := renderAll(spans); got != want {
				t.Fatalf("kept kickoff:\n%s\ntraced kickoff:\n%s", got, want)
			}
			tid := spans[0].SpanContext.TraceID()
			for _, s := range spans {
				if !s.SpanContext.IsSampled() || s.SpanContext.TraceID() != tid {
					t.Fatalf("span %q: sampled %v, trace %s; want sampled, trace %s", s.Name, s.SpanContext.IsSampled(), s.SpanContext.TraceID(), tid)
				}
				if s.EndTime.Before(s.StartTime) {
					t.Errorf("span %q ends before it starts", s.Name)
				}
			}
			if st := tr.Stats(); st.Started != uint64(len(spans)) || st.Unsampled != 0 {
				t.Errorf("stats %+v, want %d started, none unsampled", st, len(spans))
			}
		})
	}
}

// flowState is a flow's state, changed by each method.
type flowState struct{ Step int }

// runStatefulFlow emits a flow of three methods, each changing the state
// after its start event, the last one failing.
func runStatefulFlow(ctx context.Context, tr *Tracer) {
	ctx = event.StartRun(ctx, &event.Bus{})
	ctx, finish := Attach(ctx, tr, Requested(true))
	defer finish()
	st := &flowState{}
	fctx, fst := event.Begin(ctx, event.FlowStarted{Flow: "Stateful", StateID: "s1", Inputs: map[string]any{"a": 1}})
	var err error
	for i, m := range []string{"first", "second", "third"} {
		_, mst := event.Begin(fctx, event.MethodStarted{Flow: "Stateful", Method: m, State: st})
		st.Step = i + 1
		if i == 2 {
			err = errBoom
			event.End(mst, event.MethodFailed{Flow: "Stateful", Method: m, Failure: event.Failure{Err: err}})
			break
		}
		event.End(mst, event.MethodFinished{Flow: "Stateful", Method: m, State: st, Result: map[string]int{"step": st.Step}})
	}
	event.End(fst, event.FlowFailed{Flow: "Stateful", Failure: event.Failure{Err: err}})
}

// TestKeptFlowShowsStateAsItWas: a kept flow's spans show the state each
// method started with, not the state at the flow's end (the hold renders
// values when they are recorded).
func TestKeptFlowShowsStateAsItWas(t *testing.T) {
	clearOTLPEnv(t)
	setSampling(t, "", "", "")
	tr, exp, _ := newMemTracer(t, WithContentCapture(true))
	runStatefulFlow(context.Background(), tr)
	want := renderAll(exp.GetSpans())
	if !strings.Contains(want, `{"Step":0}`) || !strings.Contains(want, `{"Step":2}`) {
		t.Fatalf("the traced flow does not show each method's state:\n%s", want)
	}

	setSampling(t, "traceidratio", "0", "")
	tr, exp, _ = newMemTracer(t, WithContentCapture(true))
	runStatefulFlow(context.Background(), tr)
	if got := renderAll(exp.GetSpans()); got != want {
		t.Fatalf("kept flow:\n%s\ntraced flow:\n%s", got, want)
	}
	s := findSpan(t, exp.GetSpans(), "invoke_node second")
	if v, _ := attrOf(s, semconv.OIInputValue); v.AsString() != `{"Step":1}` {
		t.Errorf("method second started with state %q, want {\"Step\":1}", v.AsString())
	}
}

// TestHoldLimit: a kept kickoff that recorded more events than its hold
// may is dropped whole, counted, and reported once; a kickoff under the
// limit is still kept whole.
func TestHoldLimit(t *testing.T) {
	clearOTLPEnv(t)
	setSampling(t, "traceidratio", "0", "")
	tr, exp, logs := newMemTracer(t, WithQueueSize(3)) // 12 events per held kickoff
	_, _ = runCrew(context.Background(), tr, scenario{llmErr: errBoom})
	st := tr.Stats()
	if n := len(exp.GetSpans()); n != 0 || st.Dropped == 0 || st.Started != 0 {
		t.Fatalf("exported %d spans (stats %+v); want none, the steps counted dropped", n, st)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "WithQueueSize") {
		t.Errorf("%d warnings, want one naming WithQueueSize:\n%s", n, logs)
	}
	_, _ = runCrew(context.Background(), tr, scenario{llmErr: errBoom})
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings after a second kickoff, want still one", n)
	}

	tr, exp, _ = newMemTracer(t, WithQueueSize(100))
	_, _ = runCrew(context.Background(), tr, scenario{llmErr: errBoom})
	if n := len(exp.GetSpans()); n == 0 || tr.Stats().Dropped != 0 {
		t.Errorf("under the limit: exported %d spans (stats %+v), want the whole tree", n, tr.Stats())
	}
}

// TestHeldKickoffsConcurrently: kickoffs held at once on one Tracer are
// decided each on its own: every failed one is exported whole in its own
// trace, no succeeded one is.
func TestHeldKickoffsConcurrently(t *testing.T) {
	clearOTLPEnv(t)
	setSampling(t, "", "", "")
	ref, refExp, _ := newMemTracer(t)
	_, _ = runCrew(context.Background(), ref, scenario{llmErr: errBoom})
	whole := len(refExp.GetSpans())

	setSampling(t, "traceidratio", "0", "")
	tr, exp, _ := newMemTracer(t)
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sc := scenario{}
			if i%2 == 0 {
				sc.llmErr = errBoom
			}
			_, err := runCrew(context.Background(), tr, sc)
			if (i%2 == 0) != errors.Is(err, errBoom) {
				t.Errorf("kickoff %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	byTrace := map[string]int{}
	for _, s := range exp.GetSpans() {
		byTrace[s.SpanContext.TraceID().String()]++
	}
	if len(byTrace) != n/2 {
		t.Fatalf("%d traces exported, want the %d failed kickoffs", len(byTrace), n/2)
	}
	for id, k := range byTrace {
		if k != whole {
			t.Errorf("trace %s: %d spans, want %d", id, k, whole)
		}
	}
}

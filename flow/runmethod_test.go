package flow_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/tracing"
)

// reviewFlow has a start step and a router that reads its trigger, changes
// the state, reports usage and returns a label.
func reviewFlow(bus *event.Bus) *flow.Flow[exampleState] {
	f := &flow.Flow[exampleState]{Name: "Review", Bus: bus}
	f.Step(flow.Start("draft"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) { return "a draft", nil })
	f.Router(flow.Listen("review", flow.On("draft")).Emits("ok", "redo"), func(ctx ctxT, s *flow.State[exampleState]) (string, error) {
		t := flow.TriggerOf(ctx)
		s.Update(func(st *exampleState) { st.Counter++; st.Message = t.Method + " gave " + t.Output.(string) })
		_, step := event.Begin(ctx, event.LLMCallStarted{Model: "m"})
		event.End(step, event.LLMCallCompleted{Model: "m", Usage: chat.Usage{PromptTokens: 3, TotalTokens: 3, Requests: 1}})
		s.AddUsage(chat.Usage{CompletionTokens: 2, TotalTokens: 2})
		if s.Get().Counter > 5 {
			return "ok", nil
		}
		return "redo", nil
	})
	f.Step(flow.Listen("done", flow.On("ok")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) { return nil, nil })
	f.Step(flow.Listen("again", flow.On("redo")), func(ctx ctxT, s *flow.State[exampleState]) (any, error) { return nil, nil })
	return f
}

func TestRunMethod(t *testing.T) {
	bus, rec := newBus(t)
	f := reviewFlow(bus)
	in := exampleState{Counter: 5}
	trig := flow.Trigger{Name: "draft", Method: "draft", Output: "v1"}
	res, err := f.RunMethod(context.Background(), "review", "state-7", in, trig)
	require.NoError(t, err)

	assert.Equal(t, &flow.Result[exampleState]{Output: "ok", Method: "review", Label: "ok", StateID: "state-7",
		State: exampleState{ID: "state-7", Counter: 6, Message: "draft gave v1"},
		Usage: chat.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5, Requests: 1}}, res)
	assert.Equal(t, exampleState{Counter: 5}, in, "the caller's state is not modified")

	evs := rec.all()
	assert.Equal(t, []event.Kind{event.KindMethodStarted, event.KindLLMCallStarted, event.KindLLMCallCompleted, event.KindMethodFinished}, kindsOf(evs),
		"the method's events, and no flow step around them")
	assertBalanced(t, evs)
	started := evs[0].(*event.MethodStarted)
	assert.Equal(t, "Review", started.Flow)
	assert.Equal(t, "draft", started.Trigger)
	assert.Zero(t, started.ParentID, "a method run on its own is at the top of its run")
	finished := evs[3].(*event.MethodFinished)
	assert.Equal(t, "ok", finished.RouterLabel)
	assert.Equal(t, exampleState{ID: "state-7", Counter: 6, Message: "draft gave v1"}, finished.State)
}

func TestRunMethodNewStateID(t *testing.T) {
	f := reviewFlow(&event.Bus{})
	res, err := f.RunMethod(context.Background(), "draft", "", exampleState{}, flow.Trigger{})
	require.NoError(t, err)
	assert.Len(t, res.StateID, 36, "a random UUID")
	assert.Equal(t, res.StateID, res.State.ID)
	assert.Equal(t, "a draft", res.Output)
	assert.Empty(t, res.Label)
}

func TestRunMethodFailures(t *testing.T) {
	boom := errors.New("boom")
	f := &flow.Flow[map[string]any]{Name: "Fails"}
	f.Step(flow.Start("fails"), func(ctx ctxT, s *flow.State[map[string]any]) (any, error) {
		s.Update(func(m *map[string]any) { (*m)["touched"] = true })
		return nil, boom
	})
	f.Step(flow.Listen("panics", flow.On("fails")), func(ctxT, *flow.State[map[string]any]) (any, error) { panic("oops") })
	f.Router(flow.Listen("strays", flow.On("fails")).Emits("a"), func(ctxT, *flow.State[map[string]any]) (string, error) { return "b", nil })
	f.Step(flow.Listen("after", flow.On("a")), func(ctxT, *flow.State[map[string]any]) (any, error) { return nil, nil })
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name   string
		ctx    context.Context
		method string
		is     error
		panic  bool
		text   string
		events []event.Kind
	}{
		{"error", context.Background(), "fails", boom, false, `flow "Fails": method "fails": boom`,
			[]event.Kind{event.KindMethodStarted, event.KindMethodFailed}},
		{"panic", context.Background(), "panics", nil, true, "panic: oops",
			[]event.Kind{event.KindMethodStarted, event.KindMethodFailed}},
		{"undeclared label", context.Background(), "strays", nil, false, `router returned label "b", which it does not declare`,
			[]event.Kind{event.KindMethodStarted, event.KindMethodFailed}},
		{"cancelled", cancelled, "fails", context.Canceled, false, "context canceled", []event.Kind{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bus, rec := newBus(t)
			f.Bus = bus
			res, err := f.RunMethod(tc.ctx, tc.method, "s", map[string]any{}, flow.Trigger{})
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.text)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			if len(tc.events) > 0 {
				var me *flow.MethodError
				require.ErrorAs(t, err, &me)
				assert.Equal(t, tc.method, me.Method)
			}
			var pe *event.PanicError
			assert.Equal(t, tc.panic, errors.As(err, &pe))
			require.NotNil(t, res)
			assert.Equal(t, tc.events, kindsOf(rec.all()), "no event for a method that never started")
			assertBalanced(t, rec.all())
		})
	}
	res, _ := f.RunMethod(context.Background(), "fails", "s", map[string]any{}, flow.Trigger{})
	assert.Equal(t, map[string]any{"id": "s", "touched": true}, res.State, "the state as the failed method left it")
}

func TestRunMethodBadCalls(t *testing.T) {
	f := reviewFlow(&event.Bus{})
	_, err := f.RunMethod(context.Background(), "ghost", "s", exampleState{}, flow.Trigger{})
	assert.EqualError(t, err, `flow "Review": RunMethod: no method named "ghost" (methods: draft, review, done, again)`)

	bad := &flow.Flow[exampleState]{}
	bad.Step(flow.Listen("x", flow.On("y")), func(ctxT, *flow.State[exampleState]) (any, error) { return nil, nil })
	_, err = bad.RunMethod(context.Background(), "x", "s", exampleState{}, flow.Trigger{})
	var de *flow.DefinitionError
	assert.ErrorAs(t, err, &de)
}

// A traced method run on its own, in a ctx that carries an OpenTelemetry
// span but no run (a Temporal activity, say), makes one invoke_node span,
// child of that span, and nothing else.
func TestRunMethodSpanParent(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	tr, err := tracing.New(tracing.WithTracerProvider(tp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)

	f := reviewFlow(&event.Bus{})
	f.Tracing, f.Tracer = true, tr
	ctx, activity := tp.Tracer("test").Start(context.Background(), "RunActivity:Review.review")
	_, err = f.RunMethod(ctx, "review", "s", exampleState{}, flow.Trigger{Name: "draft", Method: "draft", Output: "v1"})
	require.NoError(t, err)
	activity.End()

	var names []string
	var node sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
		if s.Name() == "invoke_node review" {
			node = s
		}
	}
	require.NotNil(t, node, "the method's span: %v", names)
	assert.ElementsMatch(t, []string{"invoke_node review", "chat m", "RunActivity:Review.review"}, names,
		"no invoke_workflow span around the method")
	assert.Equal(t, activity.SpanContext().SpanID(), node.Parent().SpanID(), "the method's span is a child of the span in ctx")
	assert.Equal(t, activity.SpanContext().TraceID(), node.SpanContext().TraceID())
}

// Inside a traced kickoff, RunMethod joins the run: its method is a child of
// the calling method, in the kickoff's trace.
func TestRunMethodJoinsRun(t *testing.T) {
	tr, exp := memTracer(t)
	inner := reviewFlow(nil)
	outer := &flow.Flow[exampleState]{Name: "Outer", Tracing: true, Tracer: tr}
	outer.Step(flow.Start("call"), func(ctx ctxT, s *flow.State[exampleState]) (any, error) {
		res, err := inner.RunMethod(ctx, "draft", "", exampleState{}, flow.Trigger{})
		if err != nil {
			return nil, err
		}
		return res.Output, nil
	})
	res, err := outer.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "a draft", res.Output)
	parents := map[string]string{}
	byID := map[string]string{}
	for _, s := range exp.GetSpans() {
		byID[s.SpanContext.SpanID().String()] = s.Name
	}
	for _, s := range exp.GetSpans() {
		parents[s.Name] = byID[s.Parent.SpanID().String()]
	}
	assert.Equal(t, map[string]string{"invoke_workflow Outer": "", "invoke_node call": "invoke_workflow Outer",
		"invoke_node draft": "invoke_node call"}, parents)
}

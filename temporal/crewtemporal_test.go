package crewtemporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The SDK's test environment and its otel interceptor keep a few
		// package-level goroutines alive.
		goleak.IgnoreAnyFunction("go.opencensus.io/stats/view.(*worker).start"),
		goleak.IgnoreTopFunction("go.opentelemetry.io/otel/sdk/trace.(*batchSpanProcessor).processQueue"),
		// After a cancellation the test environment keeps waiting for the
		// activity's retry loop, which it never ends.
		goleak.IgnoreTopFunction("go.temporal.io/sdk/internal.(*testWorkflowEnvironmentImpl).executeActivityWithRetryForTest"),
	)
}

// fastRetries retries quickly so that retry tests take no time.
var fastRetries = Options{RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Millisecond, BackoffCoefficient: 1, MaximumAttempts: 3},
	HeartbeatTimeout: time.Second}

func newEnv(t *testing.T, reg Registry) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	env.SetTestTimeout(30 * time.Second)
	require.NoError(t, Register(env, reg))
	return env
}

// runFlow runs f in the test environment and converts the outcome as the
// client does.
func runFlow[S any](t *testing.T, env *testsuite.TestWorkflowEnvironment, f *Flow[S], inputs map[string]any) (*flow.Result[S], error) {
	t.Helper()
	env.ExecuteWorkflow(f.Name(), FlowInput{Inputs: inputs})
	require.True(t, env.IsWorkflowCompleted())
	if err := env.GetWorkflowError(); err != nil {
		return nil, flowError(f.Name(), err)
	}
	var out FlowOutput
	require.NoError(t, env.GetWorkflowResult(&out))
	return f.result(&out)
}

type graphState struct {
	ID     string `json:"id"`
	Topic  string `json:"topic"`
	A      int    `json:"a"`
	B      int    `json:"b"`
	Sum    int    `json:"sum"`
	Loops  int    `json:"loops"`
	Either int    `json:"either"`
	Final  string `json:"final"`
	Big    int64  `json:"big"`
}

// graphFlow exercises starts running concurrently, an And join, an Or that
// fires once per round, a router loop and a label listener.
func graphFlow() *Flow[graphState] {
	f := NewFlow(&flow.Flow[graphState]{Name: "Graph"})
	f.Step(flow.Start("a"), func(ctx context.Context, s *flow.State[graphState]) (any, error) {
		s.Update(func(st *graphState) { st.A = 2 })
		return "from a", nil
	})
	f.Step(flow.Start("b"), func(ctx context.Context, s *flow.State[graphState]) (any, error) {
		s.Update(func(st *graphState) { st.B = 3 })
		return map[string]any{"b": 3}, nil
	})
	// sum waits for either too, so that nothing runs beside the loop and
	// the method that completes last is always final.
	f.Step(flow.Listen("sum", flow.And(flow.On("a"), flow.On("b"), flow.On("either"))), func(ctx context.Context, s *flow.State[graphState]) (any, error) {
		s.Update(func(st *graphState) { st.Sum = st.A + st.B; st.Big = 1<<53 + 1 })
		return nil, nil
	})
	f.Step(flow.Listen("either", flow.Or(flow.On("a"), flow.On("b"))), func(ctx context.Context, s *flow.State[graphState]) (any, error) {
		s.Update(func(st *graphState) { st.Either++ })
		return nil, nil
	})
	f.Router(flow.Listen("loop", flow.On("sum")).Emits("again", "done"), func(ctx context.Context, s *flow.State[graphState]) (string, error) {
		var n int
		s.Update(func(st *graphState) { st.Loops++; n = st.Loops })
		if n < 3 {
			return "again", nil
		}
		return "done", nil
	})
	f.Step(flow.Listen("again_step", flow.On("again")), func(ctx context.Context, s *flow.State[graphState]) (any, error) {
		return "looping", nil
	})
	f.Router(flow.Listen("loop2", flow.On("again_step")), func(ctx context.Context, s *flow.State[graphState]) (string, error) {
		var n int
		s.Update(func(st *graphState) { st.Loops++; n = st.Loops })
		if n < 3 {
			return "again", nil
		}
		return "done", nil
	})
	f.Step(flow.Listen("final", flow.On("done")), func(ctx context.Context, s *flow.State[graphState]) (any, error) {
		tr := flow.TriggerOf(ctx)
		st := s.Get()
		s.Update(func(x *graphState) {
			x.Final = fmt.Sprintf("%s after %s/%s, sum %d", st.Topic, tr.Method, tr.Name, st.Sum)
		})
		return map[string]any{"sum": st.Sum, "loops": st.Loops}, nil
	})
	return f
}

func TestFlowMatchesInProcess(t *testing.T) {
	inputs := map[string]any{"topic": "AI", "id": "state-1"}
	local, err := graphFlow().Flow().Kickoff(context.Background(), inputs)
	require.NoError(t, err)

	f := graphFlow()
	env := newEnv(t, Registry{Flows: []FlowDefinition{f}})
	started := startedActivities(env)
	res, err := runFlow(t, env, f, inputs)
	require.NoError(t, err)

	assert.Equal(t, local.State, res.State, "the final state on Temporal is the in-process one")
	assert.Equal(t, "state-1", res.StateID)
	assert.Equal(t, local.Method, res.Method)
	assert.Equal(t, "final", res.Method)
	assert.Equal(t, map[string]any{"sum": 5.0, "loops": 3.0}, res.Output)
	assert.Equal(t, "AI after loop2/done, sum 5", res.State.Final, "TriggerOf names the router and its label")
	assert.Equal(t, int64(1<<53+1), res.State.Big, "large integers survive the JSON round trips")
	assert.Equal(t, 1, res.State.Either, "Or fires once in the kickoff round")
	assert.ElementsMatch(t, []string{"Graph#init", "Graph.a", "Graph.b", "Graph.sum", "Graph.either", "Graph.loop",
		"Graph.again_step", "Graph.loop2", "Graph.again_step", "Graph.loop2", "Graph.final"}, started())
}

// startedActivities records the activity types env starts.
func startedActivities(env *testsuite.TestWorkflowEnvironment) func() []string {
	var mu sync.Mutex
	var started []string
	env.SetOnActivityStartedListener(func(info *activity.Info, ctx context.Context, args converter.EncodedValues) {
		mu.Lock()
		started = append(started, info.ActivityType.Name)
		mu.Unlock()
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(started)
	}
}

// A single-element And keeps And semantics on Temporal as in one process
// (it fires on every completion of its trigger, where a single-element
// Or fires once per round): both run the flow's own Scheduler. The
// methods are registered on the flow.Flow before it is wrapped.
func TestSingleElementAllOf(t *testing.T) {
	type st struct{}
	var mu sync.Mutex
	local := map[string]int{}
	step := func(name string) flow.StepFunc[st] {
		return func(context.Context, *flow.State[st]) (any, error) {
			mu.Lock()
			local[name]++
			mu.Unlock()
			return name, nil
		}
	}
	def := &flow.Flow[st]{Name: "AllOfOne"}
	def.Step(flow.Start("s1"), step("s1"))
	def.Step(flow.Start("s2"), step("s2"))
	def.Step(flow.Listen("a", flow.And(flow.Or(flow.On("s1"), flow.On("s2")))), step("a"))
	def.Step(flow.Listen("all", flow.And(flow.On("a"))), step("all"))
	def.Step(flow.Listen("any", flow.Or(flow.On("a"))), step("any"))
	_, err := def.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	// A one-part Or fires on every completion, as CrewAI has it (the once-per-wave
	// rule is for an Or of two or more parts).
	want := map[string]int{"s1": 1, "s2": 1, "a": 2, "all": 2, "any": 2}
	require.Equal(t, want, local)

	f := NewFlow(def)
	env := newEnv(t, Registry{Flows: []FlowDefinition{f}})
	started := startedActivities(env)
	_, err = runFlow(t, env, f, nil)
	require.NoError(t, err)
	onTemporal := map[string]int{}
	for _, name := range started() {
		if m, ok := strings.CutPrefix(name, "AllOfOne."); ok {
			onTemporal[m]++
		}
	}
	assert.Equal(t, want, onTemporal)
}

func TestConcurrentMethodsKeepTheirChanges(t *testing.T) {
	type st struct {
		Left  string         `json:"left"`
		Right string         `json:"right"`
		Both  string         `json:"both"`
		Notes map[string]int `json:"notes"`
	}
	f := NewFlow(&flow.Flow[st]{Name: "Merge", Initial: st{Notes: map[string]int{"keep": 1}}})
	for _, side := range []string{"left", "right"} {
		f.Step(flow.Start(side), func(ctx context.Context, s *flow.State[st]) (any, error) {
			s.Update(func(x *st) {
				if side == "left" {
					x.Left = "L"
				} else {
					x.Right = "R"
				}
				x.Notes[side] = len(side)
			})
			return nil, nil
		})
	}
	f.Step(flow.Listen("both", flow.And(flow.On("left"), flow.On("right"))), func(ctx context.Context, s *flow.State[st]) (any, error) {
		s.Update(func(x *st) { x.Both = x.Left + x.Right; delete(x.Notes, "keep") })
		return "ok", nil
	})
	env := newEnv(t, Registry{Flows: []FlowDefinition{f}})
	res, err := runFlow(t, env, f, nil)
	require.NoError(t, err)
	assert.Equal(t, st{Left: "L", Right: "R", Both: "LR", Notes: map[string]int{"left": 4, "right": 5}}, res.State)
}

type quotaError struct{ left int }

func (e *quotaError) Error() string { return fmt.Sprintf("quota exhausted (%d left)", e.left) }

func TestRetriesAndFailures(t *testing.T) {
	type st struct {
		Done bool `json:"done"`
	}
	cases := []struct {
		name        string
		fail        func(attempt int32) error
		inputs      map[string]any
		wantErr     bool
		wantType    string
		wantText    string
		wantNonRetr bool
		wantCalls   int32
		wantMethod  string
	}{
		{name: "transient then ok", fail: func(a int32) error {
			if a == 1 {
				return errors.New("flaky backend")
			}
			return nil
		}, wantCalls: 2},
		{name: "retryable until exhausted", fail: func(int32) error { return &quotaError{left: 0} },
			wantErr: true, wantType: "*crewtemporal.quotaError", wantText: "quota exhausted (0 left)", wantCalls: 3, wantMethod: "work"},
		{name: "marked non-retryable", fail: func(int32) error { return NonRetryable(fmt.Errorf("bad plan: %w", &quotaError{left: 7})) },
			wantErr: true, wantType: "*crewtemporal.quotaError", wantText: "bad plan: quota exhausted (7 left)", wantNonRetr: true, wantCalls: 1, wantMethod: "work"},
		{name: "panic is not retried", fail: func(int32) error { panic("boom") },
			wantErr: true, wantType: "*event.PanicError", wantText: "panic: boom", wantNonRetr: true, wantCalls: 1, wantMethod: "work"},
		{name: "model auth failure is not retried", fail: func(int32) error { return &llm.Error{Kind: llm.ErrAuth, Model: "m", Status: 401} },
			wantErr: true, wantType: "authentication", wantNonRetr: true, wantCalls: 1, wantMethod: "work"},
		{name: "bad input", fail: func(int32) error { return nil }, inputs: map[string]any{"nope": 1},
			wantErr: true, wantType: "*flow.InputError", wantText: `"nope"`, wantNonRetr: true, wantCalls: 0, wantMethod: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			f := NewFlow(&flow.Flow[st]{Name: "Retry"})
			f.Step(flow.Start("work"), func(ctx context.Context, s *flow.State[st]) (any, error) {
				if err := tc.fail(calls.Add(1)); err != nil {
					return nil, err
				}
				s.Update(func(x *st) { x.Done = true })
				return "ok", nil
			})
			env := newEnv(t, Registry{Flows: []FlowDefinition{f}, Options: fastRetries})
			res, err := runFlow(t, env, f, tc.inputs)
			assert.Equal(t, tc.wantCalls, calls.Load(), "method calls")
			if !tc.wantErr {
				require.NoError(t, err)
				assert.True(t, res.State.Done)
				return
			}
			var me *MethodError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, "Retry", me.Flow)
			assert.Equal(t, tc.wantMethod, me.Method)
			assert.Equal(t, tc.wantType, me.Type)
			assert.Contains(t, me.Message, tc.wantText)
			assert.Equal(t, tc.wantNonRetr, me.NonRetryable)
			var ae *temporal.ApplicationError
			require.ErrorAs(t, err, &ae, "the Temporal error stays reachable")
			assert.Equal(t, tc.wantType, ae.Type())
		})
	}
}

func TestMaxMethodRuns(t *testing.T) {
	f := NewFlow(&flow.Flow[map[string]any]{Name: "Forever", MaxMethodRuns: 3})
	f.Router(flow.Start("spin").Emits("spin_again"), func(ctx context.Context, s *flow.State[map[string]any]) (string, error) {
		return "spin_again", nil
	})
	f.Router(flow.Listen("again", flow.On("spin_again")).Emits("spin_again"), func(ctx context.Context, s *flow.State[map[string]any]) (string, error) {
		return "spin_again", nil
	})
	env := newEnv(t, Registry{Flows: []FlowDefinition{f}})
	_, err := runFlow(t, env, f, nil)
	var me *MethodError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "again", me.Method)
	assert.Equal(t, "ErrMaxMethodRuns", me.Type)
	assert.Contains(t, me.Message, "MaxMethodRuns is 3")
}

func TestCancellationReachesTheMethod(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	f := NewFlow(&flow.Flow[map[string]any]{Name: "Cancel"})
	f.Step(flow.Start("wait"), func(ctx context.Context, s *flow.State[map[string]any]) (any, error) {
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return nil, ctx.Err()
	})
	env := newEnv(t, Registry{Flows: []FlowDefinition{f}, Options: Options{HeartbeatTimeout: 300 * time.Millisecond}})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-started
		env.CancelWorkflow()
	}()
	env.ExecuteWorkflow(f.Name(), FlowInput{})
	wg.Wait()
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	var ce *temporal.CanceledError
	require.ErrorAs(t, err, &ce, "the run ends cancelled: %v", err)
	select {
	case err := <-cancelled:
		assert.ErrorIs(t, err, context.Canceled, "the method's ctx is cancelled")
	case <-time.After(10 * time.Second):
		t.Fatal("the method's ctx was not cancelled")
	}
}

func TestRegisterRefusesBadDefinitions(t *testing.T) {
	noStart := NewFlow(&flow.Flow[map[string]any]{Name: "NoStart"})
	noStart.Step(flow.Listen("x", flow.On("y")), func(context.Context, *flow.State[map[string]any]) (any, error) { return nil, nil })
	ok := func(name string) *Flow[map[string]any] {
		f := NewFlow(&flow.Flow[map[string]any]{Name: name})
		f.Step(flow.Start("x"), func(context.Context, *flow.State[map[string]any]) (any, error) { return nil, nil })
		return f
	}
	cases := []struct {
		name string
		reg  Registry
		want string
	}{
		{"definition error", Registry{Flows: []FlowDefinition{noStart}}, "no start method"},
		{"duplicate flow", Registry{Flows: []FlowDefinition{ok("Same"), ok("Same")}}, `workflow type "Same" is registered twice`},
		{"nil flow", Registry{Flows: []FlowDefinition{nil}}, "Registry.Flows[0] is nil"},
		{"duplicate crew", Registry{Crews: []*crew.Crew{{Name: "c"}, {Name: "c"}}}, `a crew named "c" is already registered`},
		{"bad options", Registry{Options: Options{HeartbeatTimeout: -time.Second}}, "HeartbeatTimeout is -1s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			err := Register(env, tc.reg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.ErrorContains(t, Register(nil, Registry{}), "worker is nil")
}

func TestStartFlowChecksArguments(t *testing.T) {
	f := graphFlow()
	_, err := StartFlow(context.Background(), nil, f, nil, client.StartWorkflowOptions{TaskQueue: "q"})
	assert.ErrorContains(t, err, "client is nil")
	_, err = RunCrewForEach(context.Background(), nil, "c", nil, 0, client.StartWorkflowOptions{TaskQueue: "q"})
	assert.ErrorContains(t, err, "client is nil")
}

// echoCrew is a one-agent crew on a scripted model that answers with the
// topic; BeforeKickoff fails the inputs that ask for it.
func echoCrew(inFlight, maxInFlight *atomic.Int32) *crew.Crew {
	model := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		if inFlight != nil {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for {
				m := maxInFlight.Load()
				if n <= m || maxInFlight.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		last := req.Messages[len(req.Messages)-1].Content
		i := strings.Index(last, "TOPIC=")
		return llmtest.Reply{Content: "about " + strings.Fields(last[i+6:])[0], Usage: llm.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5, Requests: 1}}
	}}
	a := &agent.Agent{Role: "Echo", Goal: "Repeat the topic", Backstory: "You repeat.", LLM: model}
	return &crew.Crew{Name: "echo", Agents: []*agent.Agent{a},
		Tasks: []*task.Task{{Name: "echo", Description: "Say TOPIC={topic} back.", ExpectedOutput: "the topic", Agent: a}},
		BeforeKickoff: func(ctx context.Context, in map[string]any) (map[string]any, error) {
			if in["fail"] == true {
				return nil, NonRetryable(fmt.Errorf("input %v refused", in["topic"]))
			}
			return in, nil
		}}
}

func TestKickoffForEach(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	env := newEnv(t, Registry{Crews: []*crew.Crew{echoCrew(&inFlight, &maxInFlight)}, Options: fastRetries})
	var inputs []map[string]any
	for i := range 7 {
		in := map[string]any{"topic": fmt.Sprintf("t%d", i)}
		if i == 3 {
			in["fail"] = true
		}
		inputs = append(inputs, in)
	}
	env.ExecuteWorkflow(ForEachWorkflow, ForEachInput{Crew: "echo", Inputs: inputs, Concurrency: 2})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var out ForEachOutput
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Len(t, out.Outputs, 7)
	for i, o := range out.Outputs {
		if i == 3 {
			assert.Nil(t, o)
			require.NotNil(t, out.Errors[3])
			assert.Equal(t, "echo", out.Errors[3].Crew)
			assert.Contains(t, out.Errors[3].Message, "input t3 refused")
			assert.True(t, out.Errors[3].NonRetryable)
			continue
		}
		require.NotNil(t, o, "output %d", i)
		assert.Equal(t, fmt.Sprintf("about t%d", i), o.Raw, "outputs in input order")
		assert.Nil(t, out.Errors[i])
	}
	assert.Equal(t, []int{3}, out.Failed())
	assert.Equal(t, 30, out.Usage.TotalTokens, "usage of the six kickoffs that succeeded")
	assert.LessOrEqual(t, maxInFlight.Load(), int32(2), "at most Concurrency kickoffs at a time")
	assert.GreaterOrEqual(t, maxInFlight.Load(), int32(1))

	b, err := out.batch()
	var ie *crew.ForEachError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, 3, ie.Index)
	var ce *CrewError
	require.ErrorAs(t, err, &ce)
	assert.Len(t, b.Outputs, 7)
}

func TestKickoffForEachArguments(t *testing.T) {
	env := newEnv(t, Registry{Crews: []*crew.Crew{echoCrew(nil, nil)}})
	env.ExecuteWorkflow(ForEachWorkflow, ForEachInput{Crew: "echo", Concurrency: -1})
	assert.ErrorContains(t, env.GetWorkflowError(), "concurrency is -1")
}

func TestCrewInsideMethod(t *testing.T) {
	type st struct {
		Topic string `json:"topic"`
		Draft string `json:"draft"`
	}
	c := echoCrew(nil, nil)
	f := NewFlow(&flow.Flow[st]{Name: "WithCrew"})
	f.Step(flow.Start("write"), func(ctx context.Context, s *flow.State[st]) (any, error) {
		out, err := c.Kickoff(ctx, map[string]any{"topic": s.Get().Topic})
		if err != nil {
			return nil, err
		}
		s.Update(func(x *st) { x.Draft = out.Raw })
		return out.Raw, nil
	})
	env := newEnv(t, Registry{Flows: []FlowDefinition{f}})
	res, err := runFlow(t, env, f, map[string]any{"topic": "go"})
	require.NoError(t, err)
	assert.Equal(t, "about go", res.State.Draft)
	assert.Equal(t, "about go", res.Output)
	assert.Equal(t, 5, res.Usage.TotalTokens, "the crew's usage is counted in the flow's")
}

func TestErrorType(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{errors.New("x"), "*errors.errorString"},
		{fmt.Errorf("wrap: %w", &quotaError{}), "*crewtemporal.quotaError"},
		{NonRetryable(&quotaError{}), "*crewtemporal.quotaError"},
		{&flow.MethodError{Flow: "f", Method: "m", Err: &flow.InputError{Field: "x"}}, "*flow.InputError"},
		{errors.Join(&quotaError{}, errors.New("y")), "*crewtemporal.quotaError"},
		{temporal.NewApplicationError("m", "MyType"), "MyType"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, ErrorType(tc.err), "%v", tc.err)
	}
	assert.True(t, IsNonRetryable(fmt.Errorf("x: %w", llm.ErrBadRequest)))
	assert.False(t, IsNonRetryable(fmt.Errorf("x: %w", llm.ErrRateLimit)))
	assert.Nil(t, NonRetryable(nil))
}

func TestFlowErrorWithoutDetails(t *testing.T) {
	err := flowError("F", errors.New("connection lost"))
	assert.EqualError(t, err, `crewtemporal: flow "F": connection lost`)
	var me *MethodError
	assert.False(t, errors.As(err, &me))
	data, _ := json.Marshal(MethodError{Flow: "F"})
	assert.Contains(t, string(data), `"flow":"F"`)
}

// Cancelling a fan-out workflow cancels the ctx of the crew kickoffs running
// as its activities (the activities heartbeat, so the cancellation reaches
// them), and the run ends cancelled.
func TestCancellationReachesTheCrew(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	c := echoCrew(nil, nil)
	c.BeforeKickoff = func(ctx context.Context, in map[string]any) (map[string]any, error) {
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return nil, ctx.Err()
	}
	env := newEnv(t, Registry{Crews: []*crew.Crew{c}, Options: Options{HeartbeatTimeout: 300 * time.Millisecond}})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-started
		env.CancelWorkflow()
	}()
	env.ExecuteWorkflow(ForEachWorkflow, ForEachInput{Crew: "echo", Inputs: []map[string]any{{"topic": "go"}}, Concurrency: 1})
	wg.Wait()
	require.True(t, env.IsWorkflowCompleted())
	var ce *temporal.CanceledError
	require.ErrorAs(t, env.GetWorkflowError(), &ce, "the run ends cancelled")
	select {
	case err := <-cancelled:
		assert.ErrorIs(t, err, context.Canceled, "the crew kickoff's ctx is cancelled")
	case <-time.After(10 * time.Second):
		t.Fatal("the crew kickoff's ctx was not cancelled")
	}
}

package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/interpolate"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
)

func call(name, args string) llm.ToolCall { return llm.ToolCall{Name: name, Arguments: args} }

func calls(cs ...llm.ToolCall) llmtest.Reply { return llmtest.Reply{ToolCalls: cs} }

func answer(s string) llmtest.Reply { return llmtest.Reply{Content: s} }

// lastMsg returns the last message of the i-th request.
func lastMsg(t *testing.T, m *llmtest.Scripted, i int) llm.Message {
	t.Helper()
	reqs := m.Requests()
	if i >= len(reqs) {
		t.Fatalf("only %d requests, want request %d", len(reqs), i)
	}
	msgs := reqs[i].Messages
	return msgs[len(msgs)-1]
}

// TestLoop drives the native tool-calling loop through the scripted model.
func TestLoop(t *testing.T) {
	tests := []struct {
		name    string
		replies []llmtest.Reply
		noTools bool
		maxIter int
		tools   func() []tool.Tool
		want    string
		iters   int
		check   func(t *testing.T, m *llmtest.Scripted, res *agent.Result)
	}{
		{
			name:    "tool call then answer",
			replies: []llmtest.Reply{calls(call("search", `{"q":"go"}`)), answer("Go is a language.")},
			want:    "Go is a language.", iters: 2,
			check: func(t *testing.T, m *llmtest.Scripted, res *agent.Result) {
				last := lastMsg(t, m, 1)
				if last.Role != llm.RoleTool || last.Content != "search:go" || last.ToolCallID != "call_1" {
					t.Errorf("tool message: %+v", last)
				}
				if n := len(res.Messages); n != 5 || res.Messages[4].Content != "Go is a language." {
					t.Errorf("messages: %+v", res.Messages)
				}
			},
		},
		{
			name: "invalid arguments then recovery",
			replies: []llmtest.Reply{calls(call("search", `{"q":`)), calls(call("search", `{"query":"go"}`)),
				calls(call("search", `{"q":"go"}`)), answer("done")},
			want: "done", iters: 4,
			check: func(t *testing.T, m *llmtest.Scripted, _ *agent.Result) {
				for i := 1; i <= 2; i++ {
					if c := lastMsg(t, m, i).Content; !strings.Contains(c, "search") || !strings.HasPrefix(c, "Error") {
						t.Errorf("observation %d: %q", i, c)
					}
				}
				if c := lastMsg(t, m, 3).Content; c != "search:go" {
					t.Errorf("observation 3: %q", c)
				}
			},
		},
		{
			name:    "unknown tool",
			replies: []llmtest.Reply{calls(call("browse", `{}`)), answer("ok")},
			want:    "ok", iters: 2,
			check: func(t *testing.T, m *llmtest.Scripted, _ *agent.Result) {
				c := lastMsg(t, m, 1).Content
				if !strings.Contains(c, `"browse"`) || !strings.Contains(c, "search") {
					t.Errorf("observation: %q", c)
				}
			},
		},
		{
			name: "repeated identical call",
			replies: []llmtest.Reply{calls(call("search", `{"q":"go"}`)), calls(call("search", ` {"q":"go"}`)),
				answer("ok")},
			want: "ok", iters: 3,
			check: func(t *testing.T, m *llmtest.Scripted, res *agent.Result) {
				c := lastMsg(t, m, 2).Content
				if !strings.HasPrefix(c, "search:go") || !strings.Contains(c, "already made this exact call") {
					t.Errorf("observation: %q", c)
				}
			},
		},
		{
			name: "text protocol malformed then recovery",
			replies: []llmtest.Reply{
				answer("I will just guess: 4"),
				answer("Thought: search first\nAction: search\nAction Input: {\"q\": \"go\"}"),
				answer("Thought: got it\nFinal Answer: Go is great."),
			},
			noTools: true, want: "Go is great.", iters: 3,
			check: func(t *testing.T, m *llmtest.Scripted, _ *agent.Result) {
				reqs := m.Requests()
				if len(reqs[0].Tools) != 0 || !reflect.DeepEqual(reqs[0].Stop, []string{"\nObservation:"}) {
					t.Errorf("text request: tools %v, stop %q", reqs[0].Tools, reqs[0].Stop)
				}
				if sys := reqs[0].Messages[0].Content; !strings.Contains(sys, "- search: ") || !strings.Contains(sys, "Final Answer:") {
					t.Errorf("system prompt lacks the protocol: %q", sys)
				}
				if fb := lastMsg(t, m, 1); fb.Role != llm.RoleUser || !strings.Contains(fb.Content, "neither") {
					t.Errorf("feedback: %+v", fb)
				}
				if obs := lastMsg(t, m, 2); obs.Role != llm.RoleUser || obs.Content != "Observation: search:go" {
					t.Errorf("observation: %+v", obs)
				}
			},
		},
		{
			name:    "text protocol without tools takes the reply",
			replies: []llmtest.Reply{answer("Plain answer.")},
			noTools: true, tools: func() []tool.Tool { return nil }, want: "Plain answer.", iters: 1,
		},
		{
			name: "max iter forced answer",
			replies: []llmtest.Reply{calls(call("search", `{"q":"a"}`)), calls(call("search", `{"q":"b"}`)),
				answer("best effort")},
			maxIter: 2, want: "best effort", iters: 3,
			check: func(t *testing.T, m *llmtest.Scripted, _ *agent.Result) {
				reqs := m.Requests()
				if len(reqs) != 3 || len(reqs[0].Tools) != 1 || len(reqs[2].Tools) != 0 {
					t.Fatalf("tools per request: %d requests", len(reqs))
				}
				if c := lastMsg(t, m, 2); c.Role != llm.RoleUser || !strings.Contains(c.Content, "final answer") {
					t.Errorf("forced prompt: %+v", c)
				}
			},
		},
		{
			name: "max iter forced answer, text protocol",
			replies: []llmtest.Reply{answer("Action: search\nAction Input: {\"q\":\"a\"}"),
				answer("Thought: ok\nFinal Answer: forced")},
			noTools: true, maxIter: 1, want: "forced", iters: 2,
		},
		{
			name:    "empty reply is fed back",
			replies: []llmtest.Reply{answer("  "), answer("real")},
			want:    "real", iters: 2,
			check: func(t *testing.T, m *llmtest.Scripted, _ *agent.Result) {
				if c := lastMsg(t, m, 1); !strings.Contains(c.Content, "empty") {
					t.Errorf("feedback: %+v", c)
				}
			},
		},
		{
			name:    "result as answer",
			replies: []llmtest.Reply{calls(call("final", `{"q":"x"}`))},
			tools: func() []tool.Tool {
				return []tool.Tool{tool.With(newEcho("final"), tool.ResultAsAnswer())}
			},
			want: "final:x", iters: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &llmtest.Scripted{Replies: tt.replies, NoTools: tt.noTools}
			tools := []tool.Tool{newEcho("search")}
			if tt.tools != nil {
				tools = tt.tools()
			}
			a := &agent.Agent{Role: "Researcher", Goal: "Find facts", LLM: m, Tools: tools, MaxIter: tt.maxIter}
			ctx, rec := record(context.Background())
			res, err := a.Execute(ctx, agent.Job{Description: "What is Go?", ExpectedOutput: "One sentence"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Output != tt.want || res.Iterations != tt.iters {
				t.Fatalf("output %q, iterations %d; want %q, %d", res.Output, res.Iterations, tt.want, tt.iters)
			}
			if got := len(m.Requests()); got != tt.iters {
				t.Fatalf("%d model calls, want %d", got, tt.iters)
			}
			if tt.check != nil {
				tt.check(t, m, res)
			}
			rec.checkPairs(t)
		})
	}
}

// barrier is a tool whose calls each wait until n calls have started, so
// that it finishes only when its calls run concurrently.
func barrier(n int) tool.Tool {
	var started atomic.Int32
	all := make(chan struct{})
	return &fnTool{name: "wait", fn: func(ctx context.Context, args json.RawMessage) (string, error) {
		if started.Add(1) == int32(n) {
			close(all)
		}
		select {
		case <-all:
		case <-time.After(10 * time.Second):
			return "", errors.New("the other calls never started: calls are not concurrent")
		case <-ctx.Done():
			return "", ctx.Err()
		}
		var in struct{ Q string }
		_ = json.Unmarshal(args, &in)
		return "done " + in.Q, nil
	}}
}

func TestParallelToolCalls(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{
		calls(llm.ToolCall{ID: "a", Name: "wait", Arguments: `{"q":"1"}`},
			llm.ToolCall{ID: "b", Name: "wait", Arguments: `{"q":"2"}`},
			llm.ToolCall{ID: "c", Name: "wait", Arguments: `{"q":"3"}`}),
		answer("all done"),
	}}
	var steps []agent.Step
	a := &agent.Agent{Role: "Waiter", LLM: m, Tools: []tool.Tool{barrier(3)},
		StepCallback: func(s agent.Step) { steps = append(steps, s) }}
	ctx, rec := record(context.Background())
	res, err := a.Execute(ctx, agent.Job{Description: "wait"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := m.Requests()[1].Messages
	tail := msgs[len(msgs)-3:]
	for i, want := range []struct{ id, out string }{{"a", "done 1"}, {"b", "done 2"}, {"c", "done 3"}} {
		if tail[i].Role != llm.RoleTool || tail[i].ToolCallID != want.id || tail[i].Content != want.out {
			t.Errorf("tool message %d: %+v, want %v", i, tail[i], want)
		}
	}
	if res.Output != "all done" || len(steps) != 2 || len(steps[0].ToolCalls) != 3 || steps[1].FinalAnswer != "all done" {
		t.Fatalf("result %+v, steps %+v", res, steps)
	}
	rec.checkPairs(t)
	// The three tool steps are siblings under the agent step.
	var agentID uint64
	var tools int
	for _, e := range rec.all() {
		switch ev := e.(type) {
		case *event.AgentStarted:
			agentID = ev.ID
		case *event.ToolStarted:
			tools++
			if ev.ParentID != agentID {
				t.Errorf("tool %s parent %d, want agent %d", ev.CallID, ev.ParentID, agentID)
			}
		}
	}
	if tools != 3 {
		t.Fatalf("%d tool steps", tools)
	}
}

func TestEvents(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{
		calls(call("search", `{"q":"go"}`)), calls(call("search", `{"q":"go"}`)), answer("done"),
	}}
	a := &agent.Agent{Role: "R", LLM: m, Tools: []tool.Tool{newEcho("search")}}
	ctx, rec := record(context.Background())
	if _, err := a.Execute(ctx, agent.Job{Description: "d"}); err != nil {
		t.Fatal(err)
	}
	rec.checkPairs(t)
	want := []string{
		"agent_execution_started",
		"  llm_call_started",
		"  tool_usage_started",
		"  llm_call_started",
		"  tool_usage_started",
		"  llm_call_started",
	}
	if got := rec.tree(); !reflect.DeepEqual(got, want) {
		t.Fatalf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var finished []*event.ToolFinished
	var llmStart *event.LLMCallStarted
	var llmDone []*event.LLMCallCompleted
	var done *event.AgentCompleted
	for _, e := range rec.all() {
		switch ev := e.(type) {
		case *event.ToolFinished:
			finished = append(finished, ev)
		case *event.LLMCallStarted:
			if llmStart == nil {
				llmStart = ev
			}
		case *event.LLMCallCompleted:
			llmDone = append(llmDone, ev)
		case *event.AgentCompleted:
			done = ev
		}
	}
	if finished[0].Repeated || !finished[1].Repeated || finished[0].Result != "search:go" {
		t.Errorf("tool finished events: %+v %+v", finished[0], finished[1])
	}
	if llmStart.Model != "scripted-model" || llmStart.Provider != "scripted" || len(llmStart.Messages) != 2 ||
		len(llmStart.Tools) != 1 || llmStart.Agent != "R" {
		t.Errorf("llm started: %+v", llmStart)
	}
	var sum llm.Usage
	for _, d := range llmDone {
		sum = sum.Add(d.Usage)
	}
	if llmDone[0].FinishReason != "tool_calls" || len(llmDone[0].ToolCalls) != 1 || llmDone[2].Content != "done" ||
		llmDone[2].ResponseID != "resp-scripted" {
		t.Errorf("llm completed: %+v", llmDone)
	}
	if done.Output != "done" || done.Iterations != 3 || done.Usage != sum || sum.Requests != 3 {
		t.Errorf("agent completed %+v, sum of calls %+v", done, sum)
	}
}

func TestEveryStartEnds(t *testing.T) {
	boom := &fnTool{name: "boom", fn: func(context.Context, json.RawMessage) (string, error) { panic("kaboom") }}
	fail := &fnTool{name: "fail", fn: func(context.Context, json.RawMessage) (string, error) {
		return "", errors.New("disk full")
	}}
	tests := []struct {
		name    string
		replies []llmtest.Reply
		cancel  bool
		wantErr error
		check   func(t *testing.T, rec *recorder)
	}{
		{
			name:    "panic in tool is an observation",
			replies: []llmtest.Reply{calls(call("boom", `{"q":"x"}`)), answer("recovered")},
			check: func(t *testing.T, rec *recorder) {
				for _, e := range rec.all() {
					if f, ok := e.(*event.ToolFailed); ok && f.Panic && f.Stack != "" && f.Tool == "boom" {
						return
					}
				}
				t.Error("no ToolFailed with Panic")
			},
		},
		{
			name:    "tool error",
			replies: []llmtest.Reply{calls(call("fail", `{"q":"x"}`)), answer("recovered")},
			check: func(t *testing.T, rec *recorder) {
				for _, e := range rec.all() {
					if f, ok := e.(*event.ToolFailed); ok && strings.Contains(f.Err.Error(), "disk full") {
						return
					}
				}
				t.Error("no ToolFailed")
			},
		},
		{
			name:    "model error",
			replies: []llmtest.Reply{{Err: &llm.Error{Kind: llm.ErrAuth, Model: "m", Status: 401}}},
			wantErr: llm.ErrAuth,
			check: func(t *testing.T, rec *recorder) {
				k := rec.kinds()
				if k[len(k)-1] != event.KindAgentFailed || k[len(k)-2] != event.KindLLMCallFailed {
					t.Errorf("kinds %v", k)
				}
			},
		},
		{
			name:    "cancellation during a model call",
			replies: []llmtest.Reply{calls(call("search", `{"q":"x"}`)), {Delay: time.Minute}},
			cancel:  true, wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &llmtest.Scripted{Replies: tt.replies}
			ctx, rec := record(context.Background())
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			a := &agent.Agent{Role: "R", LLM: m, Tools: []tool.Tool{boom, fail, newEcho("search")}, MaxRetryLimit: -1}
			if tt.cancel {
				a.StepCallback = func(agent.Step) { cancel() }
			}
			res, err := a.Execute(ctx, agent.Job{Description: "d"})
			if tt.wantErr != nil {
				var ae *agent.Error
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &ae) || ae.Role != "R" {
					t.Fatalf("err %v, want %v in an *agent.Error", err, tt.wantErr)
				}
			} else if err != nil || res.Output != "recovered" {
				t.Fatalf("res %+v, err %v", res, err)
			}
			rec.checkPairs(t)
			if tt.check != nil {
				tt.check(t, rec)
			}
		})
	}
}

// panicModel panics on every call.
type panicModel struct{}

func (panicModel) Generate(context.Context, *llm.Request) (*llm.Response, error) { panic("model bug") }
func (panicModel) Info() llm.Info                                                { return llm.Info{Model: "p"} }

func TestPanicInModelOrCallback(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    *agent.Agent
	}{
		{"model", &agent.Agent{Role: "R", LLM: panicModel{}}},
		{"step callback", &agent.Agent{Role: "R", LLM: &llmtest.Scripted{Replies: []llmtest.Reply{answer("x")}},
			StepCallback: func(agent.Step) { panic("callback bug") }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, rec := record(context.Background())
			_, err := tc.a.Execute(ctx, agent.Job{Description: "d"})
			var pe *event.PanicError
			var ae *agent.Error
			if !errors.As(err, &pe) || pe.Stack == "" || !errors.As(err, &ae) || ae.Attempts != 1 {
				t.Fatalf("err %v: want a PanicError, not retried", err)
			}
			rec.checkPairs(t)
			var failed *event.AgentFailed
			for _, e := range rec.all() {
				if f, ok := e.(*event.AgentFailed); ok {
					failed = f
				}
			}
			if failed == nil || !failed.Panic || failed.Stack == "" {
				t.Fatalf("agent failed event: %+v", failed)
			}
		})
	}
}

func overflow() llmtest.Reply {
	return llmtest.Reply{Err: &llm.Error{Kind: llm.ErrContextWindow, Model: "m", Status: 400, Code: "context_length_exceeded"}}
}

func TestContextOverflow(t *testing.T) {
	t.Run("summary then success", func(t *testing.T) {
		m := &llmtest.Scripted{Replies: []llmtest.Reply{
			calls(call("search", `{"q":"go"}`)),
			overflow(),
			answer("SUMMARY: searched go, got search:go"),
			answer("final after summary"),
		}}
		a := &agent.Agent{Role: "R", LLM: m, Tools: []tool.Tool{newEcho("search")}}
		ctx, rec := record(context.Background())
		res, err := a.Execute(ctx, agent.Job{Description: "task text"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Output != "final after summary" {
			t.Fatalf("output %q", res.Output)
		}
		reqs := m.Requests()
		if len(reqs) != 4 {
			t.Fatalf("%d requests", len(reqs))
		}
		sumReq := reqs[2]
		if len(sumReq.Tools) != 0 || !strings.Contains(sumReq.Messages[1].Content, "search:go") {
			t.Errorf("summary request: %+v", sumReq)
		}
		final := reqs[3].Messages
		if len(final) != 3 || final[1].Content != "task text" || !strings.Contains(final[2].Content, "SUMMARY: searched go") {
			t.Errorf("messages after summary: %+v", final)
		}
		if res.Usage.Requests != 3 {
			t.Errorf("usage counts %d requests, want 3 (the failed call is not a request)", res.Usage.Requests)
		}
		rec.checkPairs(t)
	})
	t.Run("second overflow is an error", func(t *testing.T) {
		m := &llmtest.Scripted{Replies: []llmtest.Reply{
			calls(call("search", `{"q":"go"}`)), overflow(), answer("summary"), overflow(),
		}}
		a := &agent.Agent{Role: "R", LLM: m, Tools: []tool.Tool{newEcho("search")}, MaxRetryLimit: -1}
		_, err := a.Execute(context.Background(), agent.Job{Description: "d"})
		if !errors.Is(err, llm.ErrContextWindow) || !strings.Contains(err.Error(), "after summarising") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("nothing to summarise", func(t *testing.T) {
		m := &llmtest.Scripted{Replies: []llmtest.Reply{overflow()}}
		a := &agent.Agent{Role: "R", LLM: m, MaxRetryLimit: -1}
		_, err := a.Execute(context.Background(), agent.Job{Description: "d"})
		if !errors.Is(err, llm.ErrContextWindow) || len(m.Requests()) != 1 {
			t.Fatalf("err %v after %d requests", err, len(m.Requests()))
		}
	})
}

func TestMaxExecutionTime(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Delay: time.Minute, Content: "late"}}}
	a := &agent.Agent{Role: "Slow", LLM: m, MaxExecutionTime: 20 * time.Millisecond}
	ctx, rec := record(context.Background())
	_, err := a.Execute(ctx, agent.Job{Description: "d"})
	var ae *agent.Error
	if !errors.Is(err, agent.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ae) || ae.Attempts != 1 {
		t.Fatalf("err %v", err)
	}
	rec.checkPairs(t)
}

func TestRetry(t *testing.T) {
	// An empty choices list is not retried by the client: the agent runs
	// the attempt again. A server error was (the client's retry budget):
	// the agent does not.
	emptyErr := llmtest.Reply{Err: &llm.Error{Kind: llm.ErrEmptyResponse, Model: "m", Status: 200}}
	serverErr := llmtest.Reply{Err: &llm.Error{Kind: llm.ErrServer, Model: "m", Status: 500}}
	tests := []struct {
		name     string
		replies  []llmtest.Reply
		limit    int
		attempts int // model calls made
		wantErr  error
	}{
		{"retried then success", []llmtest.Reply{emptyErr, answer("ok")}, 0, 2, nil},
		{"default limit is 2", []llmtest.Reply{emptyErr, emptyErr, emptyErr, answer("never")}, 0, 3, llm.ErrEmptyResponse},
		{"no retry", []llmtest.Reply{emptyErr, answer("never")}, -1, 1, llm.ErrEmptyResponse},
		{"server error left to the client", []llmtest.Reply{serverErr, answer("never")}, 5, 1, llm.ErrServer},
		{"rate limit left to the client", []llmtest.Reply{{Err: &llm.Error{Kind: llm.ErrRateLimit}}, answer("never")}, 5, 1, llm.ErrRateLimit},
		{"transport error left to the client", []llmtest.Reply{{Err: &llm.Error{Kind: llm.ErrTransport}}, answer("never")}, 5, 1, llm.ErrTransport},
		{"other model error re-run", []llmtest.Reply{{Err: errors.New("unparsable answer")}, answer("ok")}, 0, 2, nil},
		{"auth not retried", []llmtest.Reply{{Err: &llm.Error{Kind: llm.ErrAuth}}, answer("never")}, 0, 1, llm.ErrAuth},
		{"bad request not retried", []llmtest.Reply{{Err: &llm.Error{Kind: llm.ErrBadRequest}}, answer("never")}, 5, 1, llm.ErrBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &llmtest.Scripted{Replies: tt.replies}
			a := &agent.Agent{Role: "R", LLM: m, MaxRetryLimit: tt.limit}
			ctx, rec := record(context.Background())
			res, err := a.Execute(ctx, agent.Job{Description: "d"})
			if got := len(m.Requests()); got != tt.attempts {
				t.Errorf("%d model calls, want %d", got, tt.attempts)
			}
			if tt.wantErr == nil {
				if err != nil || res.Output != "ok" || res.Usage.Requests != 1 {
					t.Fatalf("res %+v err %v", res, err)
				}
			} else {
				var ae *agent.Error
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &ae) || ae.Attempts != tt.attempts {
					t.Fatalf("err %v", err)
				}
				if !strings.HasPrefix(err.Error(), `agent "R": model call 1: `) {
					t.Errorf("message %q", err)
				}
			}
			starts := 0
			for _, e := range rec.all() {
				if s, ok := e.(*event.AgentStarted); ok {
					starts++
					if s.Attempt != starts {
						t.Errorf("attempt %d numbered %d", starts, s.Attempt)
					}
				}
			}
			if starts != tt.attempts {
				t.Errorf("%d agent steps, want %d", starts, tt.attempts)
			}
			rec.checkPairs(t)
		})
	}
}

func TestUsageSummedOnce(t *testing.T) {
	u := func(p, c int) llm.Usage { return llm.Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c} }
	m := &llmtest.Scripted{Replies: []llmtest.Reply{
		{Err: &llm.Error{Kind: llm.ErrEmptyResponse}},                             // failed attempt: no usage
		{ToolCalls: []llm.ToolCall{call("search", `{"q":"a"}`)}, Usage: u(10, 1)}, // attempt 2
		overflow(),                       // no usage
		{Content: "sum", Usage: u(5, 2)}, // summary
		{ToolCalls: []llm.ToolCall{call("search", `{"q":"b"}`)}, Usage: u(100, 10)}, // step 2 (MaxIter 2)
		{Content: "forced", Usage: u(1000, 100)},                                    // forced answer
	}}
	a := &agent.Agent{Role: "R", LLM: m, Tools: []tool.Tool{newEcho("search")}, MaxIter: 2}
	res, err := a.Execute(context.Background(), agent.Job{Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	want := llm.Usage{PromptTokens: 1115, CompletionTokens: 113, TotalTokens: 1228, Requests: 4}
	if res.Usage != want || res.Output != "forced" {
		t.Fatalf("usage %+v output %q, want %+v", res.Usage, res.Output, want)
	}
}

func TestInterpolation(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{answer("ok")}}
	a := &agent.Agent{Role: "{topic} Analyst", Goal: "Study {topic} in {year}", Backstory: "Expert in {topic}.", LLM: m}
	res, err := a.Execute(context.Background(), agent.Job{Description: "Go", Inputs: map[string]any{"topic": "AI", "year": 2024}})
	if err != nil || res.Output != "ok" {
		t.Fatal(res, err)
	}
	sys := m.Requests()[0].Messages[0].Content
	for _, want := range []string{"AI Analyst", "Study AI in 2024", "Expert in AI."} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt %q lacks %q", sys, want)
		}
	}
	if a.Role != "{topic} Analyst" || a.Goal != "Study {topic} in {year}" {
		t.Errorf("agent modified: %+v", a)
	}

	_, err = a.Execute(context.Background(), agent.Job{Description: "Go", Inputs: map[string]any{"topic": "AI"}})
	var me *interpolate.MissingError
	if !errors.Is(err, agent.ErrInvalid) || !errors.As(err, &me) || me.Name != "year" || !strings.Contains(err.Error(), "Goal") {
		t.Fatalf("err %v", err)
	}
	if len(m.Requests()) != 1 {
		t.Fatalf("a model call was made despite the missing input")
	}
}

func TestValidation(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{answer("never")}}
	tests := []struct {
		name string
		a    *agent.Agent
		want string
	}{
		{"nil agent", nil, "nil *Agent"},
		{"empty role", &agent.Agent{Role: "  ", LLM: m}, "Role is empty"},
		{"nil llm", &agent.Agent{Role: "R"}, "LLM is nil"},
		{"negative max iter", &agent.Agent{Role: "R", LLM: m, MaxIter: -3}, "MaxIter is -3"},
		{"bad system template", &agent.Agent{Role: "R", LLM: m, SystemTemplate: "I am {name}"}, "{name}"},
		{"bad task template", &agent.Agent{Role: "R", LLM: m, TaskTemplate: "{task}"}, "TaskTemplate uses {task}; it accepts {description}, {expected_output}, {context}"},
		{"negative max rpm", &agent.Agent{Role: "R", LLM: m, MaxRPM: -1}, "MaxRPM is -1; use a positive number"},
		{"negative max execution time", &agent.Agent{Role: "R", LLM: m, MaxExecutionTime: -time.Second},
			"MaxExecutionTime is -1s; use a positive duration, or 0 for no limit"},
		{"missing placeholder", &agent.Agent{Role: "R", LLM: m, Goal: "Study {topic}"}, `agent "R" Goal uses {topic}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inputs := map[string]any{"other": 1} // inputs without "topic"
			_, err := tt.a.Execute(context.Background(), agent.Job{Description: "d", Inputs: inputs})
			var ae *agent.Error
			if !errors.Is(err, agent.ErrInvalid) || !errors.As(err, &ae) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want ErrInvalid mentioning %q", err, tt.want)
			}
			// Validate finds the same problem without a job.
			if err := tt.a.Validate(inputs); !errors.Is(err, agent.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate: err %v, want ErrInvalid mentioning %q", err, tt.want)
			}
		})
	}
	if err := (&agent.Agent{Role: "R", LLM: m, Goal: "Study {topic}"}).Validate(map[string]any{"topic": "Go"}); err != nil {
		t.Fatalf("Validate of a good agent: %v", err)
	}
	if len(m.Requests()) != 0 {
		t.Fatal("a model call was made")
	}
}

func TestTemplates(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{answer("ok")}}
	a := &agent.Agent{Role: "R", Goal: "G", Backstory: "B", LLM: m,
		SystemTemplate: "[{role}|{goal}|{backstory}]", TaskTemplate: "<{description}|{expected_output}|{context}>"}
	if _, err := a.Execute(context.Background(), agent.Job{Description: "D", ExpectedOutput: "E", Context: "C"}); err != nil {
		t.Fatal(err)
	}
	msgs := m.Requests()[0].Messages
	if msgs[0].Content != "[R|G|B]" || msgs[1].Content != "<D|E|C>" {
		t.Fatalf("messages %+v", msgs)
	}
}

func TestDefaultPrompt(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{answer("ok")}}
	a := &agent.Agent{Role: "Writer", Goal: "Write well", Backstory: "Loves words.", LLM: m}
	if _, err := a.Execute(context.Background(), agent.Job{Description: "Write a poem", ExpectedOutput: "A haiku",
		Context: "Earlier: topic is rain"}); err != nil {
		t.Fatal(err)
	}
	msgs := m.Requests()[0].Messages
	if msgs[0].Role != llm.RoleSystem || msgs[1].Role != llm.RoleUser {
		t.Fatalf("roles %+v", msgs)
	}
	for _, want := range []string{"Writer", "Write well", "Loves words."} {
		if !strings.Contains(msgs[0].Content, want) {
			t.Errorf("system %q lacks %q", msgs[0].Content, want)
		}
	}
	for _, want := range []string{"Write a poem", "A haiku", "Earlier: topic is rain"} {
		if !strings.Contains(msgs[1].Content, want) {
			t.Errorf("user %q lacks %q", msgs[1].Content, want)
		}
	}
}

func TestConcurrentExecute(t *testing.T) {
	m := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == llm.RoleTool {
			return answer("answer " + last.Content)
		}
		return calls(call("search", `{"q":"`+req.Messages[1].Content+`"}`))
	}}
	search := newEcho("search")
	a := &agent.Agent{Role: "{who} R", LLM: m, Tools: []tool.Tool{search}, MaxRPM: 100000}
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Go(func() {
			q := fmt.Sprint("q", i)
			ctx, rec := record(context.Background())
			res, err := a.Execute(ctx, agent.Job{Description: q, Inputs: map[string]any{"who": i}})
			if err == nil && res.Output != "answer search:"+q {
				err = fmt.Errorf("output %q", res.Output)
			}
			for _, e := range rec.all() {
				if s, ok := e.(*event.AgentStarted); ok && s.Role != fmt.Sprint(i, " R") {
					err = fmt.Errorf("role %q in run %d", s.Role, i)
				}
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	if search.Runs() != 40 {
		t.Fatalf("%d tool runs", search.Runs())
	}
}

func TestRateLimitWait(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{calls(call("search", `{"q":"a"}`)), answer("ok")}}
	a := &agent.Agent{Role: "R", LLM: m, Tools: []tool.Tool{newEcho("search")}}
	lim := rate.NewLimiter(rate.Every(300*time.Millisecond), 1) // long enough that the second call must wait
	ctx, rec := record(context.Background())
	if _, err := a.Execute(ctx, agent.Job{Description: "d", Limiter: lim}); err != nil {
		t.Fatal(err)
	}
	var waits []*event.RateLimitWait
	for _, e := range rec.all() {
		if w, ok := e.(*event.RateLimitWait); ok {
			waits = append(waits, w)
		}
	}
	if len(waits) == 0 || waits[0].Limiter != "crew" || waits[0].Wait <= 0 {
		t.Fatalf("waits %+v", waits)
	}

	// A wait that outlasts ctx ends with ctx's error.
	slow := rate.NewLimiter(rate.Every(time.Hour), 1)
	slow.Allow()
	ctx2, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := a.Execute(ctx2, agent.Job{Description: "d", Limiter: slow})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

// chunkModel streams its answer in pieces.
type chunkModel struct{}

func (chunkModel) Info() llm.Info { return llm.Info{Model: "chunky"} }
func (chunkModel) Generate(_ context.Context, req *llm.Request) (*llm.Response, error) {
	if req.OnChunk == nil {
		return &llm.Response{Content: "not streamed"}, nil
	}
	for _, p := range []string{"Hel", "lo"} {
		req.OnChunk(p)
	}
	return &llm.Response{Content: "Hello", Usage: llm.Usage{Requests: 1}}, nil
}

func TestStream(t *testing.T) {
	a := &agent.Agent{Role: "R", LLM: chunkModel{}, Stream: true}
	ctx, rec := record(context.Background())
	res, err := a.Execute(ctx, agent.Job{Description: "d"})
	if err != nil || res.Output != "Hello" {
		t.Fatal(res, err)
	}
	var chunks []string
	var callID uint64
	for _, e := range rec.all() {
		switch ev := e.(type) {
		case *event.LLMCallStarted:
			callID = ev.ID
		case *event.LLMStreamChunk:
			chunks = append(chunks, ev.Chunk)
			if ev.ParentID != callID {
				t.Errorf("chunk parent %d, want the LLM call %d", ev.ParentID, callID)
			}
		}
	}
	if !reflect.DeepEqual(chunks, []string{"Hel", "lo"}) {
		t.Fatalf("chunks %q", chunks)
	}
}

func TestAgentMaxRPM(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{calls(call("search", `{"q":"a"}`)), answer("never")}}
	a := &agent.Agent{Role: "R", LLM: m, Tools: []tool.Tool{newEcho("search")}, MaxRPM: 1, MaxRetryLimit: -1}
	ctx, rec := record(context.Background())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Cancel as soon as the wait is announced: a wait of a minute must end
	// with ctx.
	ctx = event.WithHandler(ctx, event.HandlerFunc(func(e event.Event) {
		if _, ok := e.(*event.RateLimitWait); ok {
			cancel()
		}
	}))
	_, err := a.Execute(ctx, agent.Job{Description: "d"})
	if !errors.Is(err, context.Canceled) || len(m.Requests()) != 1 {
		t.Fatalf("err %v after %d calls; want the second call to wait past the deadline", err, len(m.Requests()))
	}
	var wait *event.RateLimitWait
	for _, e := range rec.all() {
		if w, ok := e.(*event.RateLimitWait); ok {
			wait = w
		}
	}
	if wait == nil || wait.Limiter != "agent" || wait.Wait < 30*time.Second {
		t.Fatalf("wait %+v", wait)
	}
	rec.checkPairs(t)
}

// noIDModel asks for tool calls without IDs, as some servers do.
type noIDModel struct{ n atomic.Int32 }

func (*noIDModel) Info() llm.Info { return llm.Info{Model: "noid"} }
func (m *noIDModel) Generate(_ context.Context, req *llm.Request) (*llm.Response, error) {
	if m.n.Add(1) == 1 {
		return &llm.Response{ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"q":"a"}`},
			{Name: "search", Arguments: `{"q":"b"}`}}}, nil
	}
	ids := ""
	for _, msg := range req.Messages {
		if msg.Role == llm.RoleTool {
			ids += msg.ToolCallID + "=" + msg.Content + " "
		}
	}
	return &llm.Response{Content: ids}, nil
}

func TestToolCallsWithoutIDs(t *testing.T) {
	a := &agent.Agent{Role: "R", LLM: &noIDModel{}, Tools: []tool.Tool{newEcho("search")}}
	res, err := a.Execute(context.Background(), agent.Job{Description: "d"})
	if err != nil || res.Output != "call_1_1=search:a call_1_2=search:b " {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestForcedAnswerThatIsAnAction(t *testing.T) {
	m := &llmtest.Scripted{NoTools: true, Replies: []llmtest.Reply{
		answer("Action: search\nAction Input: {\"q\":\"a\"}"),
		answer("Action: search\nAction Input: {\"q\":\"b\"}"),
	}}
	a := &agent.Agent{Role: "R", LLM: m, Tools: []tool.Tool{newEcho("search")}, MaxIter: 1, MaxRetryLimit: -1}
	_, err := a.Execute(context.Background(), agent.Job{Description: "d"})
	if !errors.Is(err, agent.ErrNoAnswer) || !strings.Contains(err.Error(), `"search"`) {
		t.Fatalf("err %v", err)
	}
}

// pricedModel answers as gpt-4o-mini, a model of the built-in price table.
type pricedModel struct{}

func (pricedModel) Info() llm.Info { return llm.Info{Model: "gpt-4o-mini", Provider: "openai"} }
func (pricedModel) Generate(context.Context, *llm.Request) (*llm.Response, error) {
	return &llm.Response{Content: "ok", Model: "gpt-4o-mini-2024-07-18",
		Usage: llm.Usage{PromptTokens: 1_000_000, CompletionTokens: 1_000_000, TotalTokens: 2_000_000, Requests: 1}}, nil
}

func TestCostOnLLMCall(t *testing.T) {
	a := &agent.Agent{Role: "R", LLM: pricedModel{}}
	ctx, rec := record(context.Background())
	if _, err := a.Execute(ctx, agent.Job{Description: "d"}); err != nil {
		t.Fatal(err)
	}
	for _, e := range rec.all() {
		if c, ok := e.(*event.LLMCallCompleted); ok {
			if c.Cost <= 0 || c.ResponseModel != "gpt-4o-mini-2024-07-18" {
				t.Fatalf("completed %+v", c)
			}
			return
		}
	}
	t.Fatal("no LLMCallCompleted")
}

// sharingModel records the messages, tools and tool calls of each call, as
// the slices it received and returned.
type sharingModel struct {
	mu    sync.Mutex
	msgs  [][]llm.Message
	tools [][]llm.ToolDef
	calls [][]llm.ToolCall
}

func (m *sharingModel) Info() llm.Info { return llm.Info{Model: "sharing"} }
func (m *sharingModel) Generate(_ context.Context, req *llm.Request) (*llm.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs, m.tools = append(m.msgs, req.Messages), append(m.tools, req.Tools)
	if len(m.msgs) == 1 {
		tc := []llm.ToolCall{{ID: "c1", Name: "search", Arguments: `{"q":"go"}`}}
		m.calls = append(m.calls, tc)
		return &llm.Response{ToolCalls: tc, FinishReason: "tool_calls"}, nil
	}
	return &llm.Response{Content: "done", FinishReason: "stop"}, nil
}

// TestEventsShareTheCallsSlices checks that the events of a model call carry
// the request's and the response's own slices (one set of message types, no
// copy per call), not copies.
func TestEventsShareTheCallsSlices(t *testing.T) {
	m := &sharingModel{}
	a := &agent.Agent{Role: "R", LLM: m, Tools: []tool.Tool{newEcho("search")}}
	ctx, rec := record(context.Background())
	if _, err := a.Execute(ctx, agent.Job{Description: "d"}); err != nil {
		t.Fatal(err)
	}
	var started []*event.LLMCallStarted
	var done []*event.LLMCallCompleted
	for _, e := range rec.all() {
		switch ev := e.(type) {
		case *event.LLMCallStarted:
			started = append(started, ev)
		case *event.LLMCallCompleted:
			done = append(done, ev)
		}
	}
	if len(started) != 2 || len(done) != 2 || len(m.msgs) != 2 {
		t.Fatalf("%d started, %d completed events, %d calls; want 2 each", len(started), len(done), len(m.msgs))
	}
	for i, ev := range started {
		if len(ev.Messages) != len(m.msgs[i]) || &ev.Messages[0] != &m.msgs[i][0] {
			t.Errorf("call %d: the event's messages are not the request's slice", i+1)
		}
		if len(ev.Tools) != 1 || &ev.Tools[0] != &m.tools[i][0] {
			t.Errorf("call %d: the event's tools are not the request's slice", i+1)
		}
	}
	if len(done[0].ToolCalls) != 1 || &done[0].ToolCalls[0] != &m.calls[0][0] {
		t.Errorf("the completed event's tool calls are not the response's slice")
	}
}

// With no inputs (nil or empty), the agent's texts keep their
// {placeholders} as written, as CrewAI does; inputs that lack one still
// fail (TestValidation).
func TestPlaceholdersKeptWithoutInputs(t *testing.T) {
	for _, inputs := range []map[string]any{nil, {}} {
		m := &llmtest.Scripted{Replies: []llmtest.Reply{answer("ok")}}
		a := &agent.Agent{Role: "Expert in {field}", Goal: "Study {topic}", Backstory: "Knows {x}", LLM: m}
		if err := a.Validate(inputs); err != nil {
			t.Fatalf("Validate(%v): %v", inputs, err)
		}
		res, err := a.Execute(context.Background(), agent.Job{Description: "Explain {thing}", Inputs: inputs})
		if err != nil {
			t.Fatalf("Execute with inputs %v: %v", inputs, err)
		}
		if res.Output != "ok" {
			t.Fatalf("output %q", res.Output)
		}
		sys := m.Requests()[0].Messages[0].Content
		for _, want := range []string{"Expert in {field}", "Study {topic}", "Knows {x}"} {
			if !strings.Contains(sys, want) {
				t.Errorf("system prompt %q lacks %q", sys, want)
			}
		}
	}
}

// During an outage, one step sends the client's MaxAttempts requests, not
// (MaxRetryLimit+1) × MaxAttempts: the client's retries are the model call's
// whole retry budget. Counted at the fake server.
func TestRetriesDoNotMultiply(t *testing.T) {
	for _, fault := range []llmtest.Fault{llmtest.FaultUnavailable, llmtest.FaultRateLimit, llmtest.FaultReset} {
		t.Run(fmt.Sprint(fault), func(t *testing.T) {
			srv := llmtest.NewServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
				return llmtest.Reply{Fault: fault}
			}})
			defer srv.Close()
			client, err := llm.New(llm.Config{Model: "gpt-4o-mini", APIKey: "test", BaseURL: srv.URL(),
				MaxAttempts: 3, BackoffBase: time.Millisecond, BackoffMax: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			a := &agent.Agent{Role: "R", LLM: client, MaxRetryLimit: 4}
			_, err = a.Execute(context.Background(), agent.Job{Description: "d"})
			var le *llm.Error
			if !errors.As(err, &le) {
				t.Fatalf("err %v, want an *llm.Error", err)
			}
			if got := srv.Count(); got != 3 {
				t.Fatalf("%d requests during the outage, want 3 (the client's MaxAttempts)", got)
			}
			var ae *agent.Error
			if !errors.As(err, &ae) || ae.Attempts != 1 {
				t.Fatalf("err %v: the agent ran %d attempts, want 1", err, ae.Attempts)
			}
		})
	}
}

// A tool replaced in place in the agent's Tools slice (same backing array,
// same length) between executions is the tool the next execution runs: the
// runner cache is keyed by the tools, not by the slice's address.
func TestToolReplacedInPlaceIsSeen(t *testing.T) {
	constant := func(out string) *fnTool {
		return &fnTool{name: "lookup", fn: func(context.Context, json.RawMessage) (string, error) { return out, nil }}
	}
	m := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == llm.RoleTool {
			return llmtest.Reply{Content: "saw " + last.Content}
		}
		return llmtest.Reply{ToolCalls: []llm.ToolCall{call("lookup", `{"q":"x"}`)}}
	}}
	tools := []tool.Tool{constant("old")}
	a := &agent.Agent{Role: "R", LLM: m, Tools: tools}
	for _, want := range []string{"old", "new", "newer"} {
		if want != "old" {
			tools[0] = constant(want) // same slice, same backing array
		}
		res, err := a.Execute(context.Background(), agent.Job{Description: "d"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Output != "saw "+want {
			t.Fatalf("output %q, want %q", res.Output, "saw "+want)
		}
	}
	// The same through Job.Tools.
	jobTools := []tool.Tool{constant("job-old")}
	for _, want := range []string{"job-old", "job-new"} {
		if want == "job-new" {
			jobTools[0] = constant(want)
		}
		res, err := a.Execute(context.Background(), agent.Job{Description: "d", Tools: jobTools})
		if err != nil {
			t.Fatal(err)
		}
		if res.Output != "saw "+want {
			t.Fatalf("output %q, want %q", res.Output, "saw "+want)
		}
	}
}

// valueTool is a tool held by value; extra may hold a value that cannot be
// compared, which makes comparing two valueTools panic.
type valueTool struct {
	out   string
	extra any
}

func (valueTool) Name() string        { return "lookup" }
func (valueTool) Description() string { return "Look a thing up" }
func (valueTool) Schema() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}}}`)
}
func (v valueTool) Run(context.Context, json.RawMessage) (string, error) { return v.out, nil }

// TestValueToolReplacedInPlaceIsSeen: tools held by value are cached too (a
// value tool is the same tool while its value is), a different value put in
// the same slot is seen, and a value whose comparison would panic is run,
// never compared into a panic.
func TestValueToolReplacedInPlaceIsSeen(t *testing.T) {
	m := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		last := req.Messages[len(req.Messages)-1]
		if last.Role == llm.RoleTool {
			return llmtest.Reply{Content: "saw " + last.Content}
		}
		return llmtest.Reply{ToolCalls: []llm.ToolCall{call("lookup", `{"q":"x"}`)}}
	}}
	tools := []tool.Tool{valueTool{out: "old"}}
	a := &agent.Agent{Role: "R", LLM: m, Tools: tools}
	for _, tc := range []struct {
		tool valueTool
		want string
	}{
		{valueTool{out: "old"}, "saw old"},
		{valueTool{out: "old"}, "saw old"},
		{valueTool{out: "new"}, "saw new"},
		{valueTool{out: "slice", extra: []int{1}}, "saw slice"},
		{valueTool{out: "slice again", extra: []int{1}}, "saw slice again"},
	} {
		tools[0] = tc.tool // same slice, same backing array
		res, err := a.Execute(context.Background(), agent.Job{Description: "d"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Output != tc.want {
			t.Fatalf("output %q, want %q", res.Output, tc.want)
		}
	}
}

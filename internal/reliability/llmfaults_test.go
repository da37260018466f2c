package reliability

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// TestLLMFaultsMidCrew injects each model fault into the calls of the second
// task of a two-task crew, through the fake server and the real client. Each
// case is either recovered (the crew's output is the right article) or ends
// with a *crew.TaskError naming the crew, the task, the agent and the model
// and wrapping an *llm.Error of the expected kind. Either way, every event
// step ends exactly once and every span is ended and exported, with status
// Error on the failed path.
func TestLLMFaultsMidCrew(t *testing.T) {
	const partial = "this streamed text is cut in the middle of the reply"
	cases := []struct {
		name    string
		plan    []llmtest.Reply
		persist bool
		tune    func(*agent.Agent)
		ctxTime time.Duration // a kickoff ctx deadline, if set
		wantErr error         // nil: recovered
		// minWait is the least wait a Retry event must announce.
		minWait time.Duration
		check   func(t *testing.T, rg *rig)
	}{
		{name: "429 once", plan: []llmtest.Reply{{Fault: llmtest.FaultRateLimit}}},
		{name: "429 with Retry-After once", plan: []llmtest.Reply{{Fault: llmtest.FaultRateLimit, RetryAfter: "1"}},
			minWait: time.Second},
		{name: "429 persistent", plan: []llmtest.Reply{{Fault: llmtest.FaultRateLimit}}, persist: true,
			wantErr: llm.ErrRateLimit},
		{name: "500 once", plan: []llmtest.Reply{{Fault: llmtest.FaultServerError}}},
		{name: "500 persistent", plan: []llmtest.Reply{{Fault: llmtest.FaultServerError}}, persist: true,
			wantErr: llm.ErrServer},
		{name: "503 twice", plan: []llmtest.Reply{{Fault: llmtest.FaultUnavailable}, {Fault: llmtest.FaultUnavailable}}},
		{name: "503 persistent", plan: []llmtest.Reply{{Fault: llmtest.FaultUnavailable}}, persist: true,
			wantErr: llm.ErrServer},
		{name: "connection reset once", plan: []llmtest.Reply{{Fault: llmtest.FaultReset}}},
		{name: "connection reset persistent", plan: []llmtest.Reply{{Fault: llmtest.FaultReset}}, persist: true,
			wantErr: llm.ErrTransport},
		{name: "hang with MaxExecutionTime", plan: []llmtest.Reply{{Fault: llmtest.FaultHang}}, persist: true,
			tune:    func(a *agent.Agent) { a.MaxExecutionTime = 300 * time.Millisecond },
			wantErr: agent.ErrTimeout},
		{name: "hang with ctx deadline", plan: []llmtest.Reply{{Fault: llmtest.FaultHang}}, persist: true,
			ctxTime: 2 * time.Second, wantErr: context.DeadlineExceeded},
		{name: "truncated body once", plan: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: partial}}},
		{name: "truncated stream once", plan: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: partial}},
			tune: func(a *agent.Agent) { a.Stream = true }},
		{name: "truncated stream persistent", plan: []llmtest.Reply{{Fault: llmtest.FaultTruncated, Content: partial}},
			persist: true, tune: func(a *agent.Agent) { a.Stream = true }, wantErr: llm.ErrTransport},
		{name: "malformed JSON once", plan: []llmtest.Reply{{Fault: llmtest.FaultMalformedJSON}}},
		{name: "malformed JSON persistent", plan: []llmtest.Reply{{Fault: llmtest.FaultMalformedJSON}}, persist: true,
			wantErr: llm.ErrTransport},
		{name: "malformed JSON stream once", plan: []llmtest.Reply{{Fault: llmtest.FaultMalformedJSON}},
			tune: func(a *agent.Agent) { a.Stream = true }},
		{name: "empty choices once", plan: []llmtest.Reply{{Fault: llmtest.FaultEmptyChoices}}},
		{name: "empty choices persistent", plan: []llmtest.Reply{{Fault: llmtest.FaultEmptyChoices}}, persist: true,
			wantErr: llm.ErrEmptyResponse},
		{name: "empty text reply", plan: []llmtest.Reply{{Content: ""}},
			check: func(t *testing.T, rg *rig) {
				if n := rg.writeCalls.Load(); n != 2 {
					t.Errorf("%d calls of the second task, want 2 (the empty reply sent back once)", n)
				}
			}},
		{name: "unknown tool", plan: []llmtest.Reply{{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "no_such_tool", Arguments: `{}`}}}},
			check: wantToolFeedback("no_such_tool", "count_words")},
		{name: "invalid JSON arguments", plan: []llmtest.Reply{{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "count_words", Arguments: `{"text": 12`}}}},
			check: wantToolFeedback("count_words", "")},
		{name: "arguments against the schema", plan: []llmtest.Reply{{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "count_words", Arguments: `{"txt": "a b"}`}}}},
			check: wantToolFeedback("count_words", "text")},
		{name: "context window persistent", plan: []llmtest.Reply{{Fault: llmtest.FaultContextLength}}, persist: true,
			wantErr: llm.ErrContextWindow},
		{name: "context window after a tool call", plan: []llmtest.Reply{
			{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "count_words", Arguments: `{"text": "a b c"}`}}},
			{Fault: llmtest.FaultContextLength},
		}, check: func(t *testing.T, rg *rig) {
			if rg.toolRuns.Load() != 1 {
				t.Errorf("the tool ran %d times, want 1", rg.toolRuns.Load())
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rg := newRig(t, rigConfig{plan: tc.plan, persist: tc.persist})
			c := rg.newCrew(tc.tune)
			bus := &event.Bus{}
			rec := &recorder{}
			defer bus.Subscribe(rec)()
			x := newTraced(t)
			c.Bus, c.Tracing, c.Tracer = bus, true, x.tr

			ctx := context.Background()
			if tc.ctxTime > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTime)
				defer cancel()
			}
			out, err := kickoff(t, ctx, c)
			steps := checkComplete(t, rec.all())
			spans := checkSpans(t, x, steps)

			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("not recovered: %v", err)
				}
				if out.Raw != article {
					t.Errorf("output %q, want %q", out.Raw, article)
				}
				if len(out.Tasks) != 2 || out.Tasks[0].Raw != facts {
					t.Errorf("task outputs %+v", out.Tasks)
				}
				wantStatus(t, spans, "invoke_workflow "+crewName, codes.Unset)
				wantStatus(t, spans, "execute_task "+writeTask, codes.Unset)
			} else {
				checkTaskError(t, err, tc.wantErr)
				if out == nil || len(out.Tasks) != 1 || out.Tasks[0].Raw != facts {
					t.Errorf("the first task's output is lost: %+v", out)
				}
				wantStatus(t, spans, "invoke_workflow "+crewName, codes.Error)
				wantStatus(t, spans, "execute_task "+writeTask, codes.Error)
				wantStatus(t, spans, "invoke_agent "+writerRole, codes.Error)
				wantStatus(t, spans, "chat "+writerModel, codes.Error)
				wantStatus(t, spans, "execute_task "+researchTask, codes.Unset)
			}
			if tc.minWait > 0 {
				var waits []time.Duration
				for _, e := range rec.all() {
					if e.kind == (&event.Retry{}).Kind() {
						waits = append(waits, e.wait)
					}
				}
				if len(waits) == 0 || waits[0] < tc.minWait {
					t.Errorf("retry waits %v, want a first wait of at least %v (Retry-After)", waits, tc.minWait)
				}
			}
			if tc.check != nil {
				tc.check(t, rg)
			}
		})
	}
}

// checkTaskError checks that err is a *crew.TaskError naming the crew, the
// second task, its agent and its model, that wraps an *llm.Error, and that
// matches want.
func checkTaskError(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one matching %v", want)
	}
	var te *crew.TaskError
	if !errors.As(err, &te) {
		t.Fatalf("error %T is not a *crew.TaskError: %v", err, err)
	}
	if te.Crew != crewName || te.Task != writeTask || te.Agent != writerRole || te.Model != writerModel {
		t.Errorf("TaskError names crew %q, task %q, agent %q, model %q", te.Crew, te.Task, te.Agent, te.Model)
	}
	for _, s := range []string{crewName, writeTask, writerRole, writerModel} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error text does not name %q: %v", s, err)
		}
	}
	var le *llm.Error
	if !errors.As(err, &le) {
		t.Errorf("error does not wrap an *llm.Error: %v", err)
	} else if le.Model != writerModel {
		t.Errorf("llm.Error names model %q", le.Model)
	}
	if !errors.Is(err, want) {
		t.Errorf("error does not match %v: %v", want, err)
	}
	var ae *agent.Error
	if !errors.As(err, &ae) || ae.Role != writerRole {
		t.Errorf("error does not wrap an *agent.Error for %q: %v", writerRole, err)
	}
	t.Logf("error: %v", err)
}

// wantToolFeedback checks that the tool never ran with the bad call and that
// the model was told what went wrong: the tool message names the tool (and,
// if set, the hint: the valid tool or the field).
func wantToolFeedback(name, hint string) func(t *testing.T, rg *rig) {
	return func(t *testing.T, rg *rig) {
		t.Helper()
		if n := rg.toolRuns.Load(); n != 0 {
			t.Errorf("the tool ran %d times on a bad call", n)
		}
		if n := rg.writeCalls.Load(); n != 2 {
			t.Errorf("%d calls of the second task, want 2", n)
		}
		reqs := rg.writeRequests()
		if len(reqs) < 2 {
			t.Fatalf("%d requests", len(reqs))
		}
		var fed string
		for _, m := range reqs[1].Messages {
			if m.Role == llm.RoleTool {
				fed = m.Content
			}
		}
		if fed == "" || !strings.Contains(fed, name) || !strings.Contains(fed, hint) {
			t.Errorf("the model was told %q; want a message naming %q and %q", fed, name, hint)
		}
		t.Logf("fed back: %s", fed)
	}
}

// TestCancelMidCrew cancels the kickoff's ctx while the second task's model
// call is in flight (the server hangs it): the kickoff returns a
// *crew.TaskError naming the second task that matches context.Canceled,
// keeps the first task's output, and its events and spans are complete.
func TestCancelMidCrew(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var writes atomic.Int64
	rg := newRig(t, rigConfig{chaos: func(sr *llmtest.ServerRequest) (llmtest.Reply, bool) {
		if strings.Contains(userPrompt(&sr.Request), writeMark) {
			writes.Add(1)
			cancel()
			return llmtest.Reply{Fault: llmtest.FaultHang}, true
		}
		return llmtest.Reply{}, false
	}})
	c := rg.newCrew(nil)
	bus := &event.Bus{}
	rec := &recorder{}
	defer bus.Subscribe(rec)()
	x := newTraced(t)
	c.Bus, c.Tracing, c.Tracer = bus, true, x.tr
	out, err := kickoff(t, ctx, c)
	steps := checkComplete(t, rec.all())
	spans := checkSpans(t, x, steps)
	checkTaskError(t, err, context.Canceled)
	if out == nil || len(out.Tasks) != 1 || out.Tasks[0].Raw != facts {
		t.Errorf("the first task's output is lost: %+v", out)
	}
	wantStatus(t, spans, "invoke_workflow "+crewName, codes.Error)
	wantStatus(t, spans, "execute_task "+writeTask, codes.Error)
	if n := writes.Load(); n != 1 {
		t.Errorf("the second task's call was sent %d times; a cancelled call must not be retried", n)
	}
}

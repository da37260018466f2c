package task_test

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

var humanUsage = llm.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15, Requests: 1}

// drafts answers "draft N" to the Nth request.
func drafts() *llmtest.Scripted {
	var mu sync.Mutex
	n := 0
	return &llmtest.Scripted{Respond: func(*llm.Request) llmtest.Reply {
		mu.Lock()
		defer mu.Unlock()
		n++
		return llmtest.Reply{Content: "draft " + string(rune('0'+n)), Usage: humanUsage}
	}}
}

// answers returns a provider that gives the answers in order, and records
// the questions.
func answers(as ...string) (human.Provider, *[]human.Question) {
	var mu sync.Mutex
	var qs []human.Question
	return human.Func(func(_ context.Context, q human.Question) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		qs = append(qs, q)
		if len(qs) > len(as) {
			return "", errors.New("no more answers")
		}
		return as[len(qs)-1], nil
	}), &qs
}

func TestHumanInputRevisesUntilAccepted(t *testing.T) {
	tests := []struct {
		name      string
		provider  func() (human.Provider, *[]human.Question)
		want      string
		wantCalls int
	}{
		{name: "accepted at once", provider: func() (human.Provider, *[]human.Question) { return answers("") },
			want: "draft 1", wantCalls: 1},
		{name: "two rounds of feedback", provider: func() (human.Provider, *[]human.Question) {
			return answers("add numbers", "  shorter ", "")
		}, want: "draft 3", wantCalls: 3},
		{name: "console through a pipe", provider: func() (human.Provider, *[]human.Question) {
			return &human.Console{In: strings.NewReader("add numbers\n\n"), Out: io.Discard}, nil
		}, want: "draft 2", wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := drafts()
			p, qs := tt.provider()
			tk := &task.Task{Name: "write", Description: "Write a post.", HumanInput: true, HumanProvider: p,
				Agent: &agent.Agent{Role: "Writer", LLM: m}}
			out, err := tk.Execute(context.Background(), task.Run{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.Raw)
			reqs := m.Requests()
			require.Len(t, reqs, tt.wantCalls)
			assert.Equal(t, tt.wantCalls, out.Usage.Requests, "every round's usage counted once")
			if qs != nil {
				require.Len(t, *qs, tt.wantCalls)
				assert.Equal(t, "draft 1", (*qs)[0].Output)
				assert.Equal(t, "write", (*qs)[0].Where)
				assert.Equal(t, 1, (*qs)[0].Round)
			}
			if tt.wantCalls >= 2 {
				// The second call continues the conversation: the first
				// answer, then the feedback.
				msgs := reqs[1].Messages
				require.GreaterOrEqual(t, len(msgs), 4)
				assert.Equal(t, "Write a post.", msgs[1].Content)
				assert.Equal(t, llm.RoleAssistant, msgs[2].Role)
				assert.Equal(t, "draft 1", msgs[2].Content)
				assert.Equal(t, llm.RoleUser, msgs[3].Role)
				assert.Contains(t, msgs[3].Content, "add numbers")
			}
			if tt.wantCalls == 3 {
				last := reqs[2].Messages[len(reqs[2].Messages)-1]
				assert.Contains(t, last.Content, "shorter")
				assert.NotContains(t, last.Content, "  shorter ", "the answer is trimmed")
			}
		})
	}
}

func TestHumanInputFailureEndsTheTaskKeepingTheAnswer(t *testing.T) {
	silent, never := io.Pipe() // a person who does not answer
	defer func() { _ = never.Close() }()
	tests := []struct {
		name string
		p    human.Provider
		want error
	}{
		{name: "timeout", p: &human.Console{In: silent, Out: io.Discard, Timeout: 1}, want: human.ErrTimeout},
		{name: "input closed", p: &human.Console{In: strings.NewReader(""), Out: io.Discard}, want: human.ErrClosed},
		{name: "callback error", p: human.Func(func(context.Context, human.Question) (string, error) {
			return "", io.ErrUnexpectedEOF
		}), want: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := &task.Task{Name: "write", Description: "Write.", HumanInput: true, HumanProvider: tt.p,
				Agent: &agent.Agent{Role: "Writer", LLM: drafts()}}
			out, err := tk.Execute(context.Background(), task.Run{})
			require.ErrorIs(t, err, tt.want)
			var he *task.HumanInputError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, "draft 1", he.Output, "the answer produced before the failure is kept")
			assert.Equal(t, 1, he.Rounds)
			require.NotNil(t, out)
			assert.Equal(t, 1, out.Usage.Requests, "the model call is counted")
			assert.Contains(t, err.Error(), `task: task "write": human input, round 1: human: question of "write"`)
		})
	}
}

// TestHumanInputProviderFromContext: concurrent executions, each with its
// own provider in its context, each get their own feedback.
func TestHumanInputProviderFromContext(t *testing.T) {
	tk := &task.Task{Name: "write", Description: "Write about {topic}.", HumanInput: true,
		Agent: &agent.Agent{Role: "Writer", LLM: &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
			last := req.Messages[len(req.Messages)-1].Content
			return llmtest.Reply{Content: "answer to: " + last}
		}}}}
	const n = 20
	var wg sync.WaitGroup
	outs := make([]string, n)
	for i := range n {
		wg.Go(func() {
			topic := string(rune('a' + i))
			asked := 0
			ctx := human.WithProvider(context.Background(), human.Func(func(context.Context, human.Question) (string, error) {
				asked++
				if asked == 1 {
					return "feedback for " + topic, nil
				}
				return "", nil
			}))
			out, err := tk.Execute(ctx, task.Run{Inputs: map[string]any{"topic": topic}})
			if err == nil {
				outs[i] = out.Raw
			}
		})
	}
	wg.Wait()
	for i, o := range outs {
		assert.Contains(t, o, "feedback for "+string(rune('a'+i)))
	}
}

// TestHumanInputSpans: the question is a span of its own between the two
// agent executions, under the task, with the question, the answer and the
// wait; no model call span contains it.
func TestHumanInputSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
	p, _ := answers("cite sources", "")
	tk := &task.Task{Name: "write", Description: "Write.", HumanInput: true, HumanProvider: p,
		Agent: &agent.Agent{Role: "Writer", LLM: drafts()}}
	ctx := event.StartRun(context.Background(), &event.Bus{})
	ctx, finish := tracing.Attach(ctx, tr, tracing.Requested(true))
	_, err = tk.Execute(ctx, task.Run{})
	finish()
	require.NoError(t, err)

	assert.Equal(t, `execute_task write
  invoke_agent Writer
    chat scripted-model
  human_input write
  invoke_agent Writer
    chat scripted-model
  human_input write
`, spanTree(exp.GetSpans()))
	var first tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == "human_input write" {
			first = s
			break
		}
	}
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range first.Attributes {
		attrs[kv.Key] = kv.Value
	}
	assert.Equal(t, "human_input", attrs["gen_ai.operation.name"].AsString())
	assert.Equal(t, "cite sources", attrs["crewai.human.answer"].AsString())
	assert.Equal(t, "draft 1", attrs["input.value"].AsString())
	assert.Contains(t, attrs["crewai.human.question"].AsString(), "Review this answer")
	assert.Equal(t, int64(1), attrs["crewai.human.round"].AsInt64())
	_, hasWait := attrs["crewai.human.wait_ms"]
	assert.True(t, hasWait)
}

// spanTree renders spans as an indented tree of names, children in start
// order.
func spanTree(spans tracetest.SpanStubs) string {
	kids := map[trace.SpanID][]tracetest.SpanStub{}
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		ids[s.SpanContext.SpanID()] = true
	}
	var roots []tracetest.SpanStub
	for _, s := range spans {
		if ids[s.Parent.SpanID()] {
			kids[s.Parent.SpanID()] = append(kids[s.Parent.SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(ss []tracetest.SpanStub, depth int)
	walk = func(ss []tracetest.SpanStub, depth int) {
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].StartTime.Before(ss[j].StartTime) })
		for _, s := range ss {
			b.WriteString(strings.Repeat("  ", depth) + s.Name + "\n")
			walk(kids[s.SpanContext.SpanID()], depth+1)
		}
	}
	walk(roots, 0)
	return b.String()
}

package human_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConsoleReadsAnswersFromAPipe(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    []string
		wantErr error // of the question after the answers
	}{
		{name: "one answer", input: "make it shorter\n", want: []string{"make it shorter"}, wantErr: human.ErrClosed},
		{name: "an empty line accepts", input: "\n", want: []string{""}, wantErr: human.ErrClosed},
		{name: "CRLF line endings", input: "more detail\r\n", want: []string{"more detail"}, wantErr: human.ErrClosed},
		{name: "answers in turn, none lost", input: "first\nsecond\n\n", want: []string{"first", "second", ""},
			wantErr: human.ErrClosed},
		{name: "a last line without newline is an answer", input: "ok", want: []string{"ok"}, wantErr: human.ErrClosed},
		{name: "no input at all", input: "", wantErr: human.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			c := &human.Console{In: strings.NewReader(tt.input), Out: &out}
			for i, want := range tt.want {
				got, err := c.Ask(context.Background(), human.Question{Message: "Approve?", Output: "DRAFT", Where: "write"})
				require.NoError(t, err, "answer %d", i)
				assert.Equal(t, want, got, "answer %d", i)
			}
			_, err := c.Ask(context.Background(), human.Question{Message: "Again?"})
			assert.ErrorIs(t, err, tt.wantErr)
			if len(tt.want) > 0 {
				assert.Contains(t, out.String(), "DRAFT")
				assert.Contains(t, out.String(), "Approve?")
				assert.Contains(t, out.String(), "(write)")
			}
		})
	}
}

func TestConsolePromptListsOutcomes(t *testing.T) {
	var out strings.Builder
	c := &human.Console{In: strings.NewReader("approve\n"), Out: &out}
	got, err := c.Ask(context.Background(), human.Question{Message: "Publish?", Outcomes: []string{"approve", "revise"},
		Default: "approve"})
	require.NoError(t, err)
	assert.Equal(t, "approve", got)
	assert.Contains(t, out.String(), "Choices: approve, revise (empty: approve)")
}

// TestConsoleTimeoutKeepsTheLateAnswer: a question that times out fails
// with ErrTimeout, and the line typed afterwards answers the next question.
func TestConsoleTimeoutKeepsTheLateAnswer(t *testing.T) {
	pr, pw := io.Pipe()
	defer pr.Close()
	c := &human.Console{In: pr, Out: io.Discard, Timeout: time.Millisecond}
	_, err := c.Ask(context.Background(), human.Question{Message: "Anyone?"})
	require.ErrorIs(t, err, human.ErrTimeout)

	c.Timeout = 0
	go func() { _, _ = io.WriteString(pw, "late answer\n") }()
	got, err := c.Ask(context.Background(), human.Question{Message: "Still there?"})
	require.NoError(t, err)
	assert.Equal(t, "late answer", got)
	require.NoError(t, pw.Close())
}

func TestConsoleHonoursCancellation(t *testing.T) {
	pr, pw := io.Pipe()
	c := &human.Console{In: pr, Out: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Ask(ctx, human.Question{})
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, pw.Close()) // ends the read the question started
	_, err = c.Ask(context.Background(), human.Question{})
	assert.ErrorIs(t, err, human.ErrClosed)
}

func TestAskClassifiesFailures(t *testing.T) {
	boom := errors.New("form backend down")
	tests := []struct {
		name     string
		p        human.Provider
		ctx      func() (context.Context, context.CancelFunc)
		want     error
		wantType string
	}{
		{name: "pending", p: human.Func(func(context.Context, human.Question) (string, error) {
			return "", human.ErrPending
		}), want: human.ErrPending, wantType: "pending"},
		{name: "provider error", p: human.Func(func(context.Context, human.Question) (string, error) {
			return "", boom
		}), want: boom, wantType: "human_input"},
		{name: "ctx deadline is a timeout", p: human.Func(func(ctx context.Context, _ human.Question) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}), ctx: func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}, want: human.ErrTimeout, wantType: "human_input"},
		{name: "panic", p: human.Func(func(context.Context, human.Question) (string, error) {
			panic("bad form")
		}), wantType: "human_input"},
		{name: "nil func", p: human.Func(nil), want: human.ErrNoProvider, wantType: "human_input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.Background(), func() {}
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			_, err := human.Ask(ctx, tt.p, human.Question{Message: "Approve?", Where: "review"})
			require.Error(t, err)
			var he *human.Error
			require.ErrorAs(t, err, &he)
			assert.Equal(t, "review", he.Where)
			assert.Equal(t, tt.wantType, he.ErrorType())
			assert.Contains(t, err.Error(), `human: question of "review" ("Approve?")`)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

// TestAskEmitsAHumanInputStep checks the step's events: the question, then
// the answer, its outcome and the wait; a failure is one failed event.
func TestAskEmitsAHumanInputStep(t *testing.T) {
	bus := &event.Bus{}
	var mu sync.Mutex
	var evs []event.Event
	defer bus.Subscribe(event.HandlerFunc(func(e event.Event) { mu.Lock(); evs = append(evs, e); mu.Unlock() }))()
	ctx := event.StartRun(context.Background(), bus)
	ans, err := human.Ask(ctx, human.Func(func(context.Context, human.Question) (string, error) {
		return "  Approve  ", nil
	}), human.Question{Message: "Publish?", Where: "review", Outcomes: []string{"approve", "reject"}})
	require.NoError(t, err)
	assert.Equal(t, human.Answer{Text: "Approve", Outcome: "approve", Wait: ans.Wait}, ans)
	require.Len(t, evs, 2)
	st := evs[0].(*event.HumanInputStarted)
	assert.Equal(t, "Publish?", st.Message)
	assert.Equal(t, []string{"approve", "reject"}, st.Outcomes)
	done := evs[1].(*event.HumanInputCompleted)
	assert.Equal(t, st.ID, done.StartID)
	assert.Equal(t, "approve", done.Outcome)
	assert.Equal(t, "Approve", done.Answer)

	evs = nil
	_, err = human.Ask(ctx, human.Func(func(context.Context, human.Question) (string, error) {
		return "", human.ErrPending
	}), human.Question{Where: "review"})
	require.Error(t, err)
	require.Len(t, evs, 2)
	failed := evs[1].(*event.HumanInputFailed)
	assert.True(t, failed.Pending)
	assert.ErrorIs(t, failed.Err, human.ErrPending)
}

func TestCollapse(t *testing.T) {
	outcomes := []string{"approved", "needs_changes", "rejected"}
	reply := func(s string) *llmtest.Scripted {
		return &llmtest.Scripted{Replies: []llmtest.Reply{{Content: s}}}
	}
	tests := []struct {
		name    string
		model   *llmtest.Scripted
		answer  string
		def     string
		want    string
		wantErr error
		calls   int
	}{
		{name: "empty answer gives the default", answer: "  ", def: "approved", want: "approved"},
		{name: "empty answer without default", answer: "", wantErr: human.ErrNoOutcome},
		{name: "an outcome as is needs no model", model: reply("x"), answer: "Rejected.", want: "rejected"},
		{name: "no model: the answer as is", answer: "ship it", want: "ship it"},
		{name: "the model's JSON", model: reply(`{"outcome":"needs_changes"}`), answer: "add a chart",
			want: "needs_changes", calls: 1},
		{name: "the model's bare word", model: reply("Approved"), answer: "lgtm", want: "approved", calls: 1},
		{name: "junk falls back to the default", model: reply("no idea"), answer: "hmm", def: "rejected",
			want: "rejected", calls: 1},
		{name: "junk without default", model: reply("no idea"), answer: "hmm", wantErr: human.ErrNoOutcome, calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m llm.LLM
			if tt.model != nil {
				m = tt.model
			}
			got, err := human.Collapse(context.Background(), m, tt.answer, outcomes, tt.def)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
			if tt.model != nil {
				reqs := tt.model.Requests()
				require.Len(t, reqs, tt.calls)
				if tt.calls > 0 {
					assert.Contains(t, reqs[0].Messages[1].Content, tt.answer)
					assert.Contains(t, string(reqs[0].ResponseFormat.Schema), `"needs_changes"`)
				}
			}
		})
	}
}

// TestConcurrentQuestionsGoToTheirOwnProvider: 20 runs at once, each with
// its own provider in its context, each get their own answer.
func TestConcurrentQuestionsGoToTheirOwnProvider(t *testing.T) {
	var wg sync.WaitGroup
	got := make([]string, 20)
	for i := range got {
		wg.Go(func() {
			ctx := human.WithProvider(context.Background(), human.Func(func(_ context.Context, q human.Question) (string, error) {
				return q.Where + " answered by " + string(rune('a'+i)), nil
			}))
			ans, err := human.Ask(ctx, nil, human.Question{Where: string(rune('a' + i))})
			if err == nil {
				got[i] = ans.Text
			}
		})
	}
	wg.Wait()
	for i, g := range got {
		c := string(rune('a' + i))
		assert.Equal(t, c+" answered by "+c, g)
	}
}

package flow_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/flow/sqlitestore"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tracing"
)

type reviewState struct {
	ID        string
	Draft     string
	Published string
	Revised   int
	Note      string
}

// approvalFlow drafts, asks for approval, and publishes or revises.
func approvalFlow(fb flow.Feedback, drafted *atomic.Int32) *flow.Flow[reviewState] {
	f := &flow.Flow[reviewState]{Name: "review", Bus: &event.Bus{}}
	f.Review(flow.Start("draft"), func(ctx context.Context, s *flow.State[reviewState]) (any, error) {
		drafted.Add(1)
		s.Update(func(st *reviewState) { st.Draft = "DRAFT about Go" })
		return "DRAFT about Go", nil
	}, fb)
	f.Step(flow.Listen("publish", flow.On("approved")), func(ctx context.Context, s *flow.State[reviewState]) (any, error) {
		r, ok := flow.FeedbackOf(ctx, "draft")
		s.Update(func(st *reviewState) {
			st.Published = st.Draft
			if ok {
				st.Note = r.Feedback
			}
		})
		return "published", nil
	})
	f.Step(flow.Listen("revise", flow.On("needs_changes")), func(ctx context.Context, s *flow.State[reviewState]) (any, error) {
		r, _ := flow.FeedbackOf(ctx, "")
		s.Update(func(st *reviewState) { st.Revised++; st.Note = r.Feedback })
		return "revised", nil
	})
	return f
}

func answer(text string, err error) human.Provider {
	return human.Func(func(context.Context, human.Question) (string, error) { return text, err })
}

func TestReviewRoutesOnTheOutcome(t *testing.T) {
	tests := []struct {
		name       string
		answer     string
		model      string // the collapse model's reply; "" for no call
		wantMethod string
		wantNote   string
		calls      int
	}{
		{name: "free text collapsed by the model", answer: "please add a chart", model: `{"outcome":"needs_changes"}`,
			wantMethod: "revise", wantNote: "please add a chart", calls: 1},
		{name: "an outcome by name needs no model", answer: "Approved", wantMethod: "publish", wantNote: "Approved"},
		{name: "empty answer takes the default", answer: "", wantMethod: "publish", wantNote: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: tt.model}}}
			var drafted atomic.Int32
			f := approvalFlow(flow.Feedback{Message: "Publish this?", Outcomes: []string{"approved", "needs_changes"},
				Default: "approved", Model: m, Provider: answer(tt.answer, nil)}, &drafted)
			res, err := f.Kickoff(context.Background(), nil)
			require.NoError(t, err)
			assert.Equal(t, tt.wantMethod, res.Method)
			assert.Equal(t, tt.wantNote, res.State.Note)
			assert.Len(t, m.Requests(), tt.calls)
			if tt.calls > 0 {
				assert.Equal(t, 1, res.Usage.Requests, "the collapse call counts in the flow's usage")
			}
		})
	}
}

func TestReviewWithoutOutcomesPassesTheResultOn(t *testing.T) {
	f := &flow.Flow[map[string]any]{Name: "plain review", Bus: &event.Bus{}}
	f.Review(flow.Start("draft"), func(context.Context, *flow.State[map[string]any]) (any, error) {
		return "v1", nil
	}, flow.Feedback{Message: "Comments?", Provider: answer("tighten the intro", nil)})
	var got flow.FeedbackResult
	f.Step(flow.Listen("apply", flow.On("draft")), func(ctx context.Context, _ *flow.State[map[string]any]) (any, error) {
		got, _ = flow.TriggerOf(ctx).Output.(flow.FeedbackResult)
		return nil, nil
	})
	_, err := f.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "draft", got.Method)
	assert.Equal(t, "v1", got.Output)
	assert.Equal(t, "tighten the intro", got.Feedback)
}

// TestReviewPausesAndResumesInANewProcess: the provider answers "later";
// the kickoff returns a *PendingError after saving to SQLite; a new Flow
// value over a newly opened store (as a new process would) resumes it with
// the answer, without running the draft again, in the same trace.
func TestReviewPausesAndResumesInANewProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flows.db")
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	defer func() { require.NoError(t, tr.Shutdown(ctx)) }()
	outcomes := []string{"approved", "needs_changes"}

	// Process 1: kick off, get the pending result.
	store1, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	var drafted1 atomic.Int32
	f1 := approvalFlow(flow.Feedback{Message: "Publish this?", Outcomes: outcomes, Default: "approved",
		Provider: answer("", human.ErrPending)}, &drafted1)
	f1.Persist, f1.Tracing, f1.Tracer = store1, true, tr
	res, err := f1.Kickoff(ctx, nil)
	var pe *flow.PendingError
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, human.ErrPending)
	assert.Equal(t, "draft", pe.Method)
	assert.Equal(t, "Publish this?", pe.Message)
	assert.Equal(t, "DRAFT about Go", pe.Output)
	require.NotNil(t, res)
	assert.Equal(t, pe.StateID, res.StateID)
	assert.Empty(t, res.State.Published)
	require.NoError(t, store1.Close())
	pausedSpans := exp.GetSpans()
	require.NotEmpty(t, pausedSpans)
	exp.Reset()

	// Process 2: a new store value and a new Flow value.
	store2, err := sqlitestore.Open(ctx, path)
	require.NoError(t, err)
	defer store2.Close()
	var drafted2 atomic.Int32
	collapse := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: `{"outcome":"approved"}`}}}
	f2 := approvalFlow(flow.Feedback{Message: "Publish this?", Outcomes: outcomes, Default: "approved",
		Model: collapse, Provider: answer("", errors.New("must not be asked again"))}, &drafted2)
	f2.Persist, f2.Tracing, f2.Tracer = store2, true, tr
	q, err := f2.PendingFeedback(ctx, pe.StateID)
	require.NoError(t, err)
	assert.Equal(t, "Publish this?", q.Message)

	res, err = f2.ResumeFeedback(ctx, pe.StateID, "approved, ship it")
	require.NoError(t, err)
	assert.Equal(t, "publish", res.Method)
	assert.Equal(t, "DRAFT about Go", res.State.Published, "the state saved at the pause is carried")
	assert.Equal(t, "approved, ship it", res.State.Note)
	assert.Equal(t, int32(1), drafted1.Load())
	assert.Equal(t, int32(0), drafted2.Load(), "the reviewed method does not run again")
	require.Len(t, collapse.Requests(), 1)
	assert.Contains(t, collapse.Requests()[0].Messages[1].Content, "approved, ship it")

	resumed := exp.GetSpans()
	require.NotEmpty(t, resumed)
	for _, s := range resumed {
		assert.Equal(t, pausedSpans[0].SpanContext.TraceID(), s.SpanContext.TraceID(), "one trace: %s", s.Name)
	}
	names := map[string]bool{}
	for _, s := range resumed {
		names[s.Name] = true
	}
	assert.True(t, names["human_input draft"], "the answer is a human_input span: %v", names)

	// Nothing waits any more.
	_, err = f2.ResumeFeedback(ctx, pe.StateID, "again")
	assert.ErrorIs(t, err, flow.ErrNoPendingFeedback)
}

func TestReviewPendingWithoutAStoreFails(t *testing.T) {
	var drafted atomic.Int32
	f := approvalFlow(flow.Feedback{Outcomes: []string{"approved", "needs_changes"}, Default: "approved",
		Provider: answer("", human.ErrPending)}, &drafted)
	_, err := f.Kickoff(context.Background(), nil)
	var me *flow.MethodError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "draft", me.Method)
	assert.ErrorIs(t, err, human.ErrPending)
	var pe *flow.PendingError
	assert.False(t, errors.As(err, &pe), "no pause without a store")
}

// TestAskAndConcurrentKickoffs: 20 kickoffs at once, each with its own
// callback provider in its context, each get their own answers, through a
// review and a free question.
func TestAskAndConcurrentKickoffs(t *testing.T) {
	f := &flow.Flow[reviewState]{Name: "ask", Bus: &event.Bus{}}
	f.Review(flow.Start("draft"), func(ctx context.Context, s *flow.State[reviewState]) (any, error) {
		return "draft", nil
	}, flow.Feedback{Message: "Verdict?", Outcomes: []string{"approved", "needs_changes"}})
	f.Step(flow.Listen("note", flow.On("approved")), func(ctx context.Context, s *flow.State[reviewState]) (any, error) {
		a, err := flow.Ask(ctx, "Any note for the log?")
		if err != nil {
			return nil, err
		}
		s.Update(func(st *reviewState) { st.Note = a })
		return a, nil
	})
	const n = 20
	var wg sync.WaitGroup
	notes := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			me := string(rune('A' + i))
			var asked []string
			var mu sync.Mutex
			ctx := human.WithProvider(context.Background(), human.Func(func(_ context.Context, q human.Question) (string, error) {
				mu.Lock()
				defer mu.Unlock()
				asked = append(asked, q.Where)
				if q.Where == "draft" {
					return "approved", nil
				}
				return "note from " + me, nil
			}))
			res, err := f.Kickoff(ctx, nil)
			errs[i] = err
			if err == nil {
				notes[i] = res.State.Note
			}
			mu.Lock()
			defer mu.Unlock()
			if len(asked) != 2 || asked[0] != "draft" || asked[1] != "note" {
				errs[i] = errors.New("asked " + join(asked))
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, "note from "+string(rune('A'+i)), notes[i])
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

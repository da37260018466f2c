package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tracing"
)

// ErrNoPendingFeedback is matched (errors.Is) by the error of
// [Flow.ResumeFeedback] for a state that is not waiting for feedback.
var ErrNoPendingFeedback = errors.New("flow: the state is not waiting for feedback")

// Feedback is a person's review of a flow method's output (CrewAI's
// @human_feedback): see [Flow.Review]. The zero value asks "Any feedback?"
// on the provider in the kickoff's context (else the console) and passes
// the answer on as is.
type Feedback struct {
	// Message is the question put to the person.
	Message string
	// Outcomes, if set, make the method a router: the answer is collapsed
	// into one of them (by Model, see human.Collapse), and that outcome is
	// the label whose listeners run next.
	Outcomes []string
	// Default is the outcome of an empty answer. Required with Outcomes
	// unless every answer names one.
	Default string
	// Model, if set, collapses free-text answers into an outcome. Without
	// it the answer must name an outcome (else the label is refused).
	Model llm.LLM
	// Provider is where the question goes; nil means the provider in the
	// kickoff's context (human.WithProvider), else the console.
	Provider human.Provider
	// Metadata is passed to the provider.
	Metadata map[string]string
}

// FeedbackResult is what a review produced: the method's output, the
// person's answer and its outcome. It is the output of a review without
// Outcomes, and [FeedbackOf] returns it to the methods that follow. It is
// a plain value; after a resume in another process Output holds the
// output decoded from JSON (a struct comes back as map[string]any).
type FeedbackResult struct {
	// Method is the reviewed method.
	Method string `json:"method"`
	// Output is the method's output.
	Output any `json:"output"`
	// Feedback is the person's answer (trimmed; empty means accepted).
	Feedback string `json:"feedback"`
	// Outcome is the outcome the answer collapsed to, with Outcomes.
	Outcome string `json:"outcome,omitempty"`
	// At is when the answer arrived.
	At time.Time `json:"at"`
}

// PendingError is returned by a kickoff paused for a person: a review's
// provider answered "later" (human.ErrPending) and the flow has a store.
// The state and the progress were saved; call [Flow.ResumeFeedback] with
// StateID and the answer, from this process or another, to go on. The
// Result returned with it holds the state as it was. It is not modified
// once returned.
type PendingError struct {
	// Flow is the flow's name.
	Flow string
	// StateID is the saved state's ID.
	StateID string
	// Method is the method waiting for feedback.
	Method string
	// Message is the question asked.
	Message string
	// Output is the output under review, as text.
	Output string
}

// Error says what waits for what.
func (e *PendingError) Error() string {
	return fmt.Sprintf("flow %q: state %q: method %q waits for a person's feedback (resume it with ResumeFeedback)",
		e.Flow, e.StateID, e.Method)
}

// Is makes errors.Is(err, human.ErrPending) true.
func (e *PendingError) Is(target error) bool { return target == human.ErrPending }

// ErrorType is the span's error.type: "pending".
func (e *PendingError) ErrorType() string { return "pending" }

// pendingFeedback is a pause saved in Record.Progress.
type pendingFeedback struct {
	Method      string          `json:"method"`
	Message     string          `json:"message,omitempty"`
	Output      json.RawMessage `json:"output,omitempty"`
	Text        string          `json:"text,omitempty"`
	Asked       time.Time       `json:"asked"`
	TraceParent string          `json:"traceparent,omitempty"`
}

// pauseSignal travels from a review's method to the kickoff as its error.
type pauseSignal struct {
	p   pendingFeedback
	err error
}

func (s *pauseSignal) Error() string { return s.err.Error() }
func (s *pauseSignal) Unwrap() error { return s.err }

// answerKey carries the answer given to ResumeFeedback to the review it is
// for (once).
type answerKey struct{}

type resumedAnswer struct {
	p    pendingFeedback
	text string
	used atomic.Bool
}

// feedbackKey carries the kickoff's feedback log.
type feedbackKey struct{}

type feedbackLog struct {
	mu   sync.Mutex
	last map[string]FeedbackResult
	all  []FeedbackResult
}

// withFeedbackLog gives a kickoff its log of reviews.
func withFeedbackLog(ctx context.Context) context.Context {
	return context.WithValue(ctx, feedbackKey{}, &feedbackLog{})
}

func (l *feedbackLog) add(r FeedbackResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last = map[string]FeedbackResult{}
	}
	l.last[r.Method] = r
	l.all = append(l.all, r)
}

// FeedbackOf returns the last review of the kickoff running in ctx: of the
// method named, or of any method when method is empty. Reviews answered in
// an earlier kickoff (before a pause) are not included, except the one a
// resume answered.
func FeedbackOf(ctx context.Context, method string) (FeedbackResult, bool) {
	l, _ := ctx.Value(feedbackKey{}).(*feedbackLog)
	if l == nil {
		return FeedbackResult{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if method == "" {
		if len(l.all) == 0 {
			return FeedbackResult{}, false
		}
		return l.all[len(l.all)-1], true
	}
	r, ok := l.last[method]
	return r, ok
}

// Review registers a method whose output a person reviews before the flow
// goes on (CrewAI's @human_feedback): fn runs, then fb.Message is asked
// with fn's output, as one human-input step inside the method's step.
//
// With fb.Outcomes the method is a router: the answer is collapsed into an
// outcome (see [Feedback]) and the listeners of that label run; its output
// is the label, and [FeedbackOf] gives the listeners the review. Without
// Outcomes it is a plain step whose output is the [FeedbackResult].
//
// When the provider answers "later" (an error matching human.ErrPending)
// and the flow has a Persist store, the kickoff pauses: the state, the
// progress and the question are saved and the kickoff returns a
// [*PendingError] (the process may exit). [Flow.ResumeFeedback] continues
// it with the answer: fn does not run again (its saved output is used).
// Without a store a pending answer fails the method.
func (f *Flow[S]) Review(spec Spec, fn StepFunc[S], fb Feedback) {
	if fn == nil {
		f.add(&method[S]{spec: spec}) // reported by Validate as a nil function
		return
	}
	name := spec.name
	review := func(ctx context.Context, s *State[S]) (FeedbackResult, error) {
		var out any
		var text string
		if ra, _ := ctx.Value(answerKey{}).(*resumedAnswer); ra != nil && ra.p.Method == name && ra.used.CompareAndSwap(false, true) {
			if len(ra.p.Output) > 0 {
				_ = json.Unmarshal(ra.p.Output, &out)
			}
			q := fb.question(name, ra.p.Text)
			ans, err := human.Record(ctx, q, ra.text, time.Since(ra.p.Asked))
			if err != nil {
				return FeedbackResult{}, err
			}
			return fb.result(ctx, name, out, ans), nil
		}
		out, err := fn(ctx, s)
		if err != nil {
			return FeedbackResult{}, err
		}
		text = render(out)
		ans, err := human.Ask(ctx, fb.Provider, fb.question(name, text))
		if err != nil {
			if errors.Is(err, human.ErrPending) && f.Persist != nil {
				raw, jerr := json.Marshal(out)
				if jerr != nil {
					raw = nil
				}
				p := pendingFeedback{Method: name, Message: fb.Message, Output: raw, Text: text, Asked: time.Now()}
				if sc := tracing.SpanContextOf(ctx); sc.IsValid() {
					p.TraceParent = traceParent(sc)
				}
				return FeedbackResult{}, &pauseSignal{p: p, err: err}
			}
			return FeedbackResult{}, err
		}
		return fb.result(ctx, name, out, ans), nil
	}
	if len(fb.Outcomes) > 0 {
		if len(spec.labels) == 0 {
			spec = spec.Emits(fb.Outcomes...)
		}
		f.add(&method[S]{spec: spec, router: true, review: true, route: func(ctx context.Context, s *State[S]) (string, error) {
			r, err := review(ctx, s)
			return r.Outcome, err
		}})
		return
	}
	f.add(&method[S]{spec: spec, review: true, step: func(ctx context.Context, s *State[S]) (any, error) {
		r, err := review(ctx, s)
		if err != nil {
			return nil, err
		}
		return r, nil
	}})
}

func (fb *Feedback) question(method, output string) human.Question {
	return human.Question{Message: fb.Message, Output: output, Where: method, Outcomes: fb.Outcomes,
		Default: fb.Default, Model: fb.Model, Metadata: fb.Metadata}
}

func (fb *Feedback) result(ctx context.Context, method string, out any, ans human.Answer) FeedbackResult {
	r := FeedbackResult{Method: method, Output: out, Feedback: ans.Text, Outcome: ans.Outcome, At: time.Now()}
	if l, _ := ctx.Value(feedbackKey{}).(*feedbackLog); l != nil {
		l.add(r)
	}
	return r
}

// render shows an output to a person: text as is, anything else as
// indented JSON (or %v when it has none).
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case fmt.Stringer:
		return x.String()
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Ask asks a person a free question from inside any flow method (CrewAI's
// Flow.ask) through the provider in ctx (human.WithProvider), else the
// console, as a human-input step of the method, and
// returns the answer. No answer in time is an error matching
// human.ErrTimeout; a pending answer is an error (only a [Flow.Review] can
// pause a flow).
func Ask(ctx context.Context, message string) (string, error) {
	ans, err := human.Ask(ctx, nil, human.Question{Message: message, Where: methodOf(ctx)})
	if err != nil {
		return "", err
	}
	return ans.Text, nil
}

// methodOf names the flow method running in ctx, or "" outside one.
func methodOf(ctx context.Context) string {
	r, _ := ctx.Value(triggerKey{}).(running)
	return r.method
}

// pause saves the state of a kickoff whose run stopped on a review's
// pending answer, and returns the *PendingError; any other error is
// returned as is.
func (r *runner[S]) pause(ctx context.Context, runErr error) error {
	var sig *pauseSignal
	if !errors.As(runErr, &sig) || r.store == nil {
		return runErr
	}
	data, err := r.st.marshal()
	if err != nil {
		return fmt.Errorf("flow %q: persist paused state: %w", r.g.name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := sig.p
	if err := r.store.Save(context.WithoutCancel(ctx), r.record(p.Method, data, progress{Runs: r.done, Pending: &p})); err != nil {
		return fmt.Errorf("flow %q: persist paused state: %w", r.g.name, err)
	}
	return &PendingError{Flow: r.g.name, StateID: r.st.id, Method: p.Method, Message: p.Message, Output: p.Text}
}

// ResumeFeedback continues a kickoff paused for a person (see
// [Flow.Review]) with the person's answer: the state saved under stateID is
// loaded (this Flow value may be a new one, in a new process, over the same
// store), the waiting review takes answer as its feedback without running
// its method again, and the flow goes on as Resume does. When the paused
// kickoff was traced and ctx holds no span, the resumed run's spans join
// the paused one's trace, under its flow span. A state that is not waiting
// for feedback is an error matching [ErrNoPendingFeedback]. It may pause
// again at a later review.
func (f *Flow[S]) ResumeFeedback(ctx context.Context, stateID, answer string) (*Result[S], error) {
	if f.Persist == nil {
		return nil, fmt.Errorf("flow %q: resume feedback of state %q: the flow has no Persist store: %w", f.name(), stateID, ErrStateNotFound)
	}
	_, pending, err := f.loadPending(ctx, stateID)
	if err != nil {
		return nil, err
	}
	ra := &resumedAnswer{p: *pending, text: answer}
	ctx = context.WithValue(ctx, answerKey{}, ra)
	if !trace.SpanContextFromContext(ctx).IsValid() {
		if sc, ok := parseTraceParent(pending.TraceParent); ok {
			ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
		}
	}
	return f.Resume(ctx, stateID, nil)
}

// PendingFeedback returns the question a saved state waits for, or an
// error matching ErrNoPendingFeedback (ErrStateNotFound for an unknown ID).
func (f *Flow[S]) PendingFeedback(ctx context.Context, stateID string) (*PendingError, error) {
	if f.Persist == nil {
		return nil, fmt.Errorf("flow %q: state %q: the flow has no Persist store: %w", f.name(), stateID, ErrStateNotFound)
	}
	rec, pending, err := f.loadPending(ctx, stateID)
	if err != nil {
		return nil, err
	}
	return &PendingError{Flow: rec.Flow, StateID: stateID, Method: pending.Method, Message: pending.Message,
		Output: pending.Text}, nil
}

// loadPending loads the saved state stateID and the question it waits
// for, or fails with an error matching ErrNoPendingFeedback.
func (f *Flow[S]) loadPending(ctx context.Context, stateID string) (*Record, *pendingFeedback, error) {
	rec, err := f.Persist.Load(ctx, stateID)
	if err != nil {
		return nil, nil, fmt.Errorf("flow %q: %w", f.name(), err)
	}
	var p progress
	if len(rec.Progress) > 0 {
		if err := json.Unmarshal(rec.Progress, &p); err != nil {
			return nil, nil, &CorruptStateError{StateID: stateID, Method: rec.Method, Err: err}
		}
	}
	if p.Pending == nil || p.Finished {
		return nil, nil, fmt.Errorf("flow %q: state %q: %w", f.name(), stateID, ErrNoPendingFeedback)
	}
	return rec, p.Pending, nil
}

// traceParent is sc as a W3C traceparent header, saved with a paused
// kickoff so that its resumption joins the trace.
func traceParent(sc trace.SpanContext) string {
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), sc), c)
	return c.Get("traceparent")
}

// parseTraceParent reads a saved traceparent; a damaged one is not ok.
func parseTraceParent(s string) (trace.SpanContext, bool) {
	ctx := propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{"traceparent": s})
	sc := trace.SpanContextFromContext(ctx)
	return sc, sc.IsValid()
}

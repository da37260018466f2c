package human

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
)

// Question is one question to a person. The zero value is an empty question
// (a provider still asks it: "anything to add?"). It is a plain value, safe
// to copy; providers must not modify its slices.
type Question struct {
	// Message is the question itself ("Approve this draft?").
	Message string
	// Output is what the person reviews (a task's answer, a method's
	// output), if anything.
	Output string
	// Where names what asks: a task's or a flow method's name.
	Where string
	// Outcomes, if set, are the decisions the answer is collapsed to (see
	// [Collapse]); a provider may offer them as choices.
	Outcomes []string
	// Default is the outcome of an empty answer.
	Default string
	// Model, if set, collapses a free-text answer into one of Outcomes.
	// Without it the answer is the outcome as given (trimmed).
	Model llm.LLM
	// Round counts the questions of one task (1, 2, ...); 0 elsewhere.
	Round int
	// Metadata is passed to the provider as is (a form's fields, a chat
	// thread ID).
	Metadata map[string]string
}

// Provider asks a person a question and returns the answer: free text, empty
// meaning "accepted, nothing to change". It must honour ctx (its deadline and
// cancellation) and be safe for concurrent use when concurrent runs share it.
// Return an error wrapping [ErrPending] to answer later (a flow with a store
// pauses), [ErrTimeout] when the person did not answer in time, or any other
// error when asking failed.
type Provider interface {
	Ask(ctx context.Context, q Question) (string, error)
}

// Func adapts a function to [Provider]: a Go callback that answers (a web
// handler waiting on a channel, a chat bot, a test). It must be safe for
// concurrent use like any Provider. A nil Func is refused by [Ask].
type Func func(ctx context.Context, q Question) (string, error)

// Ask calls f(ctx, q).
func (f Func) Ask(ctx context.Context, q Question) (string, error) { return f(ctx, q) }

// Sentinel errors a failed question matches with errors.Is.
var (
	// ErrTimeout: no answer in time (the provider's timeout, Console.Timeout
	// or the ctx deadline).
	ErrTimeout = errors.New("no answer in time")
	// ErrClosed: the input ended (end of file) before an answer.
	ErrClosed = errors.New("the input ended before an answer")
	// ErrPending: the provider will answer later. A flow with a store saves
	// its state and returns a pending result; elsewhere it fails the step.
	ErrPending = errors.New("the answer will come later")
	// ErrNoProvider: a nil provider was given where one is needed.
	ErrNoProvider = errors.New("no provider")
)

// Error is a question that got no answer. It names what asked and the
// question, and wraps the cause (matching [ErrTimeout], [ErrClosed],
// [ErrPending], a context error, or the provider's own error). It is not
// modified once returned: safe to read from many goroutines.
type Error struct {
	// Where names what asked (a task or flow method).
	Where string
	// Message is the question.
	Message string
	// Wait is how long the question waited before it failed.
	Wait time.Duration
	// Err is the cause.
	Err error
}

// Error returns `human: question of "<where>" ("<message>"): <cause>`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("human: question")
	if e.Where != "" {
		b.WriteString(" of ")
		b.WriteString(strconv.Quote(e.Where))
	}
	if e.Message != "" {
		b.WriteString(" (")
		b.WriteString(strconv.Quote(shorten(e.Message, 80)))
		b.WriteString(")")
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("<nil>")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorType returns "pending" for a question answered later, else
// "human_input" (the span's error.type).
func (e *Error) ErrorType() string {
	if errors.Is(e.Err, ErrPending) {
		return "pending"
	}
	return "human_input"
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Answer is what [Ask] returns. The zero value is an empty answer (accepted).
type Answer struct {
	// Text is the person's answer, trimmed of surrounding spaces.
	Text string
	// Outcome is the outcome the answer collapsed to, when the question had
	// Outcomes; else empty.
	Outcome string
	// Wait is how long the person took to answer.
	Wait time.Duration
}

type providerKey struct{}

// WithProvider returns a context whose questions go to p, unless the
// asking task or flow step names its own provider. A nil p is ignored.
func WithProvider(ctx context.Context, p Provider) context.Context {
	if p == nil {
		return ctx
	}
	return context.WithValue(ctx, providerKey{}, p)
}

// ProviderFrom returns the provider WithProvider put in ctx, or nil.
func ProviderFrom(ctx context.Context) Provider {
	p, _ := ctx.Value(providerKey{}).(Provider)
	return p
}

// Resolve returns p when not nil, else the provider in ctx, else Default().
func Resolve(ctx context.Context, p Provider) Provider {
	if p != nil {
		return p
	}
	if p = ProviderFrom(ctx); p != nil {
		return p
	}
	return Default()
}

// Ask asks q through p (nil: the provider in ctx, else [Default]) as one
// human-input step on the event bus, and returns the answer, collapsed to
// one of q.Outcomes when the question has outcomes (see [Collapse]). A
// failure is an [*Error]: the provider's error, or ErrTimeout when ctx's
// deadline passed (the cause is kept). Ask is safe for concurrent use.
func Ask(ctx context.Context, p Provider, q Question) (Answer, error) {
	p = Resolve(ctx, p)
	if f, ok := p.(Func); ok && f == nil {
		return Answer{}, &Error{Where: q.Where, Message: q.Message, Err: fmt.Errorf("%w: the Func is nil", ErrNoProvider)}
	}
	sctx, step := event.Begin(ctx, event.HumanInputStarted{Header: event.Header{Source: "human:" + q.Where},
		Where: q.Where, Message: q.Message, Output: q.Output, Outcomes: q.Outcomes, Round: q.Round})
	start := time.Now()
	text, err := ask(sctx, p, q)
	wait := time.Since(start)
	if err != nil {
		if !errors.Is(err, ErrTimeout) && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %w", ErrTimeout, err)
		}
		herr := &Error{Where: q.Where, Message: q.Message, Wait: wait, Err: err}
		event.End(step, event.HumanInputFailed{Where: q.Where, Wait: wait, Pending: errors.Is(err, ErrPending),
			Failure: event.Failure{Err: herr}})
		return Answer{}, herr
	}
	ans := Answer{Text: strings.TrimSpace(text), Wait: wait}
	if len(q.Outcomes) > 0 {
		ans.Outcome, err = Collapse(sctx, q.Model, ans.Text, q.Outcomes, q.Default)
		if err != nil {
			herr := &Error{Where: q.Where, Message: q.Message, Wait: wait, Err: err}
			event.End(step, event.HumanInputFailed{Where: q.Where, Wait: wait, Failure: event.Failure{Err: herr}})
			return Answer{}, herr
		}
	}
	event.End(step, event.HumanInputCompleted{Where: q.Where, Answer: ans.Text, Outcome: ans.Outcome, Wait: wait})
	return ans, nil
}

// ask calls the provider, turning a panic into an error.
func ask(ctx context.Context, p Provider, q Question) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the provider panicked: %v", r)
		}
	}()
	return p.Ask(ctx, q)
}

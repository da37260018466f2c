package llm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/crewai-go/crewai/event"
)

// RetryPolicy is the retry policy of the package's [Client] and of the native
// provider clients (llm/anthropic, llm/gemini, llm/bedrock): 429, 5xx and
// transport failures are retried with jittered exponential backoff that
// honours the provider's Retry-After, bounded by MaxAttempts and by the ctx.
// Other clients of [LLM] may use it too. The zero value is the default policy
// (see the Default constants).
type RetryPolicy struct {
	// MaxAttempts bounds the requests of one call, retries included: 0
	// means [DefaultMaxAttempts], 1 disables retries.
	MaxAttempts int
	// BackoffBase is the first retry's nominal wait; each retry doubles it,
	// up to BackoffMax, and the wait taken is drawn at random between half
	// the nominal wait and all of it. 0 means [DefaultBackoffBase].
	BackoffBase time.Duration
	// BackoffMax caps the nominal wait. 0 means [DefaultBackoffMax].
	BackoffMax time.Duration
	// MaxWait is the longest Retry-After honoured: when a provider asks for
	// more, the call gives up at once with the error. 0 means
	// [DefaultMaxWait].
	MaxWait time.Duration
	// Sleep waits d or until ctx ends, returning ctx's error in that case.
	// Nil means a timer; tests set it to record the waits without spending
	// them.
	Sleep func(ctx context.Context, d time.Duration) error
}

// resolved returns p with its zero fields set to the defaults.
func (p RetryPolicy) resolved() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BackoffBase == 0 {
		p.BackoffBase = DefaultBackoffBase
	}
	if p.BackoffMax == 0 {
		p.BackoffMax = DefaultBackoffMax
	}
	if p.BackoffMax < p.BackoffBase {
		p.BackoffMax = p.BackoffBase
	}
	if p.MaxWait == 0 {
		p.MaxWait = DefaultMaxWait
	}
	if p.Sleep == nil {
		p.Sleep = sleepCtx
	}
	return p
}

// Check reports a policy that cannot work (a negative attempt count or
// duration), naming the field; prefix names the struct that holds it in the
// message (such as "anthropic: Config").
func (p RetryPolicy) Check(prefix string) error {
	if p.MaxAttempts < 0 {
		return fmt.Errorf("%s.MaxAttempts is %d; use 1 or more (1 disables retries), or 0 for the default %d", prefix, p.MaxAttempts, DefaultMaxAttempts)
	}
	if p.BackoffBase < 0 || p.BackoffMax < 0 || p.MaxWait < 0 {
		return fmt.Errorf("%s.BackoffBase, BackoffMax and MaxWait must not be negative (got %v, %v, %v)", prefix, p.BackoffBase, p.BackoffMax, p.MaxWait)
	}
	return nil
}

// backoff returns the wait before retry number n (1 for the first retry):
// a random duration between half and all of BackoffBase·2^(n-1), capped at
// BackoffMax, and never less than what the provider asked for. p must be
// resolved.
func (p *RetryPolicy) backoff(n int, retryAfter time.Duration) time.Duration {
	d := p.BackoffBase
	for i := 1; i < n && d < p.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, p.BackoffMax)
	if d > 1 {
		d = d/2 + rand.N(d/2+1)
	}
	return max(d, retryAfter)
}

// Do runs try until it succeeds, fails with an error it says is not
// retryable, or the policy gives up, and returns the response or the last
// error (an [*Error] whose Attempts counts the tries). info names the model
// and provider in errors and events. Before each wait it emits
// [event.Retry] (Operation "chat MODEL") and, for a rate limit,
// [event.RateLimitWait] with Limiter "provider", on ctx's run. It never
// waits past ctx's deadline: when the next wait would end after it, Do
// returns the last error at once (also matching context.DeadlineExceeded).
func (p RetryPolicy) Do(ctx context.Context, info Info, try func(ctx context.Context) (*Response, *Error, bool)) (*Response, error) {
	return retryLoop(ctx, p, info, "", try)
}

// retryLoop is [RetryPolicy.Do] for any result; oper names the operation
// in events ("chat MODEL" when empty).
func retryLoop[T any](ctx context.Context, p RetryPolicy, info Info, oper string, try func(ctx context.Context) (T, *Error, bool)) (T, error) {
	var zero T
	p = p.resolved()
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return zero, &Error{Kind: ErrTransport, Model: info.Model, Provider: info.Provider, Attempts: n - 1,
				Message: "the call was abandoned: " + err.Error(), Err: err}
		}
		resp, e, retry := try(ctx)
		if e == nil {
			return resp, nil
		}
		e.Attempts = n
		if !retry || n >= p.MaxAttempts {
			return zero, e
		}
		if e.RetryAfter > p.MaxWait {
			return zero, wrapGiveUp(e, fmt.Errorf("the provider asked to wait %v, more than MaxWait %v", e.RetryAfter, p.MaxWait))
		}
		wait := p.backoff(n, e.RetryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return zero, wrapGiveUp(e, fmt.Errorf("the context deadline comes before the next attempt (wait %v): %w", wait, context.DeadlineExceeded))
		}
		if oper == "" {
			oper = "chat " + info.Model
		}
		event.Emit(ctx, event.Retry{Operation: oper, Attempt: n, Wait: wait, Err: e})
		if e.Kind == ErrRateLimit {
			event.Emit(ctx, event.RateLimitWait{Limiter: "provider", Wait: wait})
		}
		if err := p.Sleep(ctx, wait); err != nil {
			return zero, wrapGiveUp(e, err)
		}
	}
}

// ClassifyStatus returns the kind (one of the Err sentinels) of a provider's error reply from its HTTP
// status, its error code and its message, and whether the policy retries
// it: 429 (or code rate_limit_exceeded) is ErrRateLimit, retried; a 400 or
// 413 whose code or message says the prompt is too long is
// ErrContextWindow; 401 and 403 are ErrAuth; other 4xx ErrBadRequest; 5xx
// (and 529, Anthropic's "overloaded") ErrServer, retried. A status of 0 or
// under 400 (an error inside a stream) is ErrServer, retried.
func ClassifyStatus(status int, code, message string) (kind error, retry bool) {
	switch s := status; {
	case s == http.StatusTooManyRequests || code == "rate_limit_exceeded":
		return ErrRateLimit, true
	case (s == http.StatusBadRequest || s == http.StatusRequestEntityTooLarge || s < 400) && isContextMessage(code, message):
		return ErrContextWindow, false
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return ErrAuth, false
	case s >= 400 && s < 500:
		return ErrBadRequest, false
	default:
		return ErrServer, true
	}
}

// ParseRetryAfter reads retry-after-ms (milliseconds) or Retry-After (delay
// seconds or an HTTP date, relative to now) from h. It returns 0 when
// neither is usable.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration { return parseRetryAfter(h, now) }

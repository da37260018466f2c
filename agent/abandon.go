package agent

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/crewai-go/crewai/llm"
)

// abandoned counts the tool calls still running after the execution that
// started them gave up waiting (process-wide).
var abandoned atomic.Int64

// AbandonedToolCalls returns the number of tool calls that are still running
// although the execution that started them has returned, because its context
// ended (the kickoff was cancelled, its deadline or the agent's
// MaxExecutionTime passed) while a tool ignored that context. Go cannot stop
// a goroutine from outside: such a call keeps its goroutine until the tool
// returns, and it is counted here until then. Each abandoned call is also
// reported once, as a warning on the default slog logger. It is safe to call
// from any goroutine.
func AbandonedToolCalls() int64 { return abandoned.Load() }

// ToolAbandonedError is the cause of a failed execution whose context ended
// while tool calls were running and had not returned. The execution returned
// without waiting for them (see [AbandonedToolCalls]). It wraps the context's
// error, so errors.Is(err, context.DeadlineExceeded) and, under the agent's
// MaxExecutionTime, errors.Is(err, ErrTimeout) hold for the *Error carrying
// it. It is not modified once returned.
type ToolAbandonedError struct {
	// Tools names the calls that were running, in call order.
	Tools []string
	// Err is the context's error.
	Err error
}

// Error returns `tool calls "<name>", ... still running when the execution
// ended (abandoned): <cause>`.
func (e *ToolAbandonedError) Error() string {
	var b strings.Builder
	b.WriteString("tool call")
	if len(e.Tools) != 1 {
		b.WriteString("s")
	}
	for i, t := range e.Tools {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(" ")
		b.WriteString(strconv.Quote(t))
	}
	b.WriteString(" still running when the execution ended (abandoned)")
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the context's error.
func (e *ToolAbandonedError) Unwrap() error { return e.Err }

// waitTools runs runAll on its own goroutine and waits for it or for ctx's
// end, whichever comes first. When ctx ends first, the calls are abandoned:
// the goroutine is counted until runAll returns and reported once.
func waitTools(ctx context.Context, calls []llm.ToolCall, runAll func()) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runAll()
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	select {
	case <-done: // finished at the same moment: keep the results
		return nil
	default:
	}
	names := make([]string, len(calls))
	for i := range calls {
		names[i] = calls[i].Name
	}
	n := abandoned.Add(1)
	// The owner of the goroutine is now this watcher, which only waits for
	// it to end (Go offers no way to stop it) and takes it off the count.
	go func() {
		<-done
		abandoned.Add(-1)
	}()
	slog.Default().Warn(fmt.Sprintf("agent: tool call %s ignored the end of its context and is still running; "+
		"the execution returned without it (a goroutine cannot be stopped; it is counted by agent.AbandonedToolCalls)",
		strings.Join(quoteAll(names), ", ")), "abandoned_tool_calls", n)
	return &ToolAbandonedError{Tools: names, Err: ctx.Err()}
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i := range s {
		q[i] = strconv.Quote(s[i])
	}
	return q
}

package agent_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStuckToolCannotHoldExecution: a tool that ignores its context (it
// waits for a channel only the test closes) cannot hold an execution past
// MaxExecutionTime or the caller's cancellation: Execute returns a typed
// error at once, the stuck call is counted by AbandonedToolCalls until it
// returns, and it is reported once.
func TestStuckToolCannotHoldExecution(t *testing.T) {
	type in struct {
		Q string `json:"q"`
	}
	tests := []struct {
		name     string
		maxExec  time.Duration
		cancel   bool // cancel the caller's ctx instead
		want     []error
		parallel bool
	}{
		{name: "MaxExecutionTime", maxExec: 50 * time.Millisecond, want: []error{agent.ErrTimeout, context.DeadlineExceeded}},
		{name: "kickoff cancelled", cancel: true, want: []error{context.Canceled}},
		{name: "parallel calls, MaxExecutionTime", maxExec: 50 * time.Millisecond, parallel: true,
			want: []error{agent.ErrTimeout, context.DeadlineExceeded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			prev := slog.Default()
			slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
			defer slog.SetDefault(prev)

			release := make(chan struct{})
			started := make(chan struct{}, 2)
			stuck := tool.New("stuck", "never returns", func(_ context.Context, _ in) (string, error) {
				started <- struct{}{}
				<-release // ignores its ctx on purpose
				return "late", nil
			})
			quick := tool.New("quick", "returns", func(_ context.Context, _ in) (string, error) { return "ok", nil })
			reply := calls(call("stuck", `{"q":"x"}`))
			if tt.parallel {
				reply = calls(call("quick", `{"q":"x"}`), call("stuck", `{"q":"x"}`))
			}
			m := &llmtest.Scripted{Replies: []llmtest.Reply{reply, answer("never reached")}}
			a := &agent.Agent{Role: "Waiter", LLM: m, Tools: []tool.Tool{stuck, quick}, MaxExecutionTime: tt.maxExec}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				go func() {
					<-started
					cancel()
				}()
			}
			base := agent.AbandonedToolCalls()
			type outcome struct{ err error }
			done := make(chan outcome, 1)
			go func() {
				_, err := a.Execute(ctx, agent.Job{Description: "d"})
				done <- outcome{err}
			}()
			var err error
			select {
			case o := <-done:
				err = o.err
			case <-time.After(30 * time.Second): // hang detector, not a timing assertion
				close(release)
				t.Fatal("Execute is held by a tool that ignores its context")
			}
			var ae *agent.Error
			var te *agent.ToolAbandonedError
			if !errors.As(err, &ae) || !errors.As(err, &te) || len(te.Tools) == 0 {
				t.Fatalf("err = %v, want an *agent.Error wrapping a *ToolAbandonedError", err)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want errors.Is %v", err, w)
				}
			}
			if ae.Attempts != 1 {
				t.Errorf("attempts = %d, want 1 (not retried)", ae.Attempts)
			}
			if !strings.Contains(err.Error(), `"stuck"`) {
				t.Errorf("err %q does not name the stuck tool", err)
			}
			if n := agent.AbandonedToolCalls() - base; n != 1 {
				t.Errorf("AbandonedToolCalls = +%d, want +1", n)
			}
			if n := strings.Count(logs.String(), "still running"); n != 1 {
				t.Errorf("%d warnings, want 1:\n%s", n, logs)
			}
			close(release)
			deadline := time.Now().Add(30 * time.Second)
			for agent.AbandonedToolCalls() != base {
				if time.Now().After(deadline) {
					t.Fatal("the abandoned call is still counted after it returned")
				}
				time.Sleep(time.Millisecond)
			}
			if n := strings.Count(logs.String(), "still running"); n != 1 {
				t.Errorf("%d warnings after the call returned, want 1", n)
			}
		})
	}
}

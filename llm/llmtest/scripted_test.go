package llmtest_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

func user(text string) *llm.Request {
	return &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: text}}}
}

func TestScriptedSequence(t *testing.T) {
	s := &llmtest.Scripted{Replies: []llmtest.Reply{
		{ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"q":"x"}`}, {ID: "mine", Name: "calc", Arguments: `{}`}}},
		{Content: "final", Usage: llm.Usage{PromptTokens: 9, CompletionTokens: 1, TotalTokens: 10}},
	}}
	ctx := context.Background()
	r1, err := s.Generate(ctx, user("first"))
	require.NoError(t, err)
	assert.Equal(t, "tool_calls", r1.FinishReason)
	assert.Equal(t, []llm.ToolCall{{ID: "call_1", Name: "search", Arguments: `{"q":"x"}`}, {ID: "mine", Name: "calc", Arguments: `{}`}}, r1.ToolCalls)
	assert.Positive(t, r1.Usage.PromptTokens, "usage is estimated when the reply has none")
	assert.Equal(t, r1.Usage.PromptTokens+r1.Usage.CompletionTokens, r1.Usage.TotalTokens)
	assert.Equal(t, 1, r1.Usage.Requests)

	r2, err := s.Generate(ctx, user("second"))
	require.NoError(t, err)
	assert.Equal(t, "final", r2.Content)
	assert.Equal(t, "stop", r2.FinishReason)
	assert.Equal(t, llm.Usage{PromptTokens: 9, CompletionTokens: 1, TotalTokens: 10, Requests: 1}, r2.Usage)

	_, err = s.Generate(ctx, user("third"))
	require.ErrorIs(t, err, llmtest.ErrScriptExhausted)
	assert.Contains(t, err.Error(), "call 3")

	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "second", reqs[1].Messages[0].Content)
	assert.Equal(t, "scripted-model", s.Info().Model)

	_, err = s.Generate(ctx, nil)
	assert.Error(t, err)
}

func TestScriptedConcurrentReplies(t *testing.T) {
	const n = 64
	replies := make([]llmtest.Reply, n)
	for i := range replies {
		replies[i] = llmtest.Reply{Content: fmt.Sprint(i)}
	}
	s := &llmtest.Scripted{Replies: replies}
	var wg sync.WaitGroup
	got := make([]string, n+8)
	errs := make([]error, n+8)
	for i := range n + 8 {
		wg.Go(func() {
			r, err := s.Generate(context.Background(), user("x"))
			errs[i] = err
			if err == nil {
				got[i] = r.Content
			}
		})
	}
	wg.Wait()
	var contents []string
	exhausted := 0
	for i := range got {
		if errors.Is(errs[i], llmtest.ErrScriptExhausted) {
			exhausted++
			continue
		}
		require.NoError(t, errs[i])
		contents = append(contents, got[i])
	}
	assert.Equal(t, 8, exhausted)
	sort.Strings(contents)
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprint(i)
	}
	sort.Strings(want)
	assert.Equal(t, want, contents, "each reply is played exactly once")
	assert.Len(t, s.Requests(), n+8)
}

func TestScriptedRespond(t *testing.T) {
	s := &llmtest.Scripted{Model: "echo", Respond: func(r *llm.Request) llmtest.Reply {
		return llmtest.Reply{Content: "echo: " + r.Messages[0].Content}
	}}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			r, err := s.Generate(context.Background(), user(fmt.Sprint(i)))
			if assert.NoError(t, err) {
				assert.Equal(t, fmt.Sprintf("echo: %d", i), r.Content)
				assert.Equal(t, "echo", r.Model)
			}
		})
	}
	wg.Wait()
	assert.Len(t, s.Requests(), 32)
}

func TestScriptedFaults(t *testing.T) {
	tests := []struct {
		fault llmtest.Fault
		kind  error
	}{
		{llmtest.FaultRateLimit, llm.ErrRateLimit},
		{llmtest.FaultServerError, llm.ErrServer},
		{llmtest.FaultUnavailable, llm.ErrServer},
		{llmtest.FaultContextLength, llm.ErrContextWindow},
		{llmtest.FaultUnauthorized, llm.ErrAuth},
		{llmtest.FaultBadRequest, llm.ErrBadRequest},
		{llmtest.FaultReset, llm.ErrTransport},
		{llmtest.FaultMalformedJSON, llm.ErrTransport},
		{llmtest.FaultEmptyChoices, llm.ErrEmptyResponse},
		{llmtest.FaultTruncated, llm.ErrTransport},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			s := &llmtest.Scripted{Replies: []llmtest.Reply{{Fault: tt.fault, Content: "a b c d"}}}
			var chunks []string
			req := user("x")
			req.OnChunk = func(c string) { chunks = append(chunks, c) }
			_, err := s.Generate(context.Background(), req)
			require.ErrorIs(t, err, tt.kind)
			var le *llm.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, "scripted-model", le.Model)
			if tt.fault == llmtest.FaultTruncated {
				assert.Equal(t, []string{"a ", "b "}, chunks, "half of the stream is delivered")
			} else {
				assert.Empty(t, chunks)
			}
		})
	}
	s := &llmtest.Scripted{Replies: []llmtest.Reply{{Fault: llmtest.FaultStatus, Status: 404, Message: "no such model"}}}
	_, err := s.Generate(context.Background(), user("x"))
	require.ErrorIs(t, err, llm.ErrBadRequest)
	assert.Contains(t, err.Error(), "status 404")
	assert.Contains(t, err.Error(), "no such model")
	assert.Equal(t, "truncated", llmtest.FaultTruncated.String())
	assert.Equal(t, "Fault(99)", llmtest.Fault(99).String())
	s = &llmtest.Scripted{Replies: []llmtest.Reply{{Fault: llmtest.Fault(99)}}}
	_, err = s.Generate(context.Background(), user("x"))
	assert.ErrorContains(t, err, "not a known Fault")
}

func TestScriptedHangAndDelayHonourCtx(t *testing.T) {
	for _, r := range []llmtest.Reply{{Fault: llmtest.FaultHang}, {Delay: time.Hour, Content: "late"}} {
		s := &llmtest.Scripted{Replies: []llmtest.Reply{r}}
		ctx, cancel := context.WithCancel(context.Background())
		go cancel()
		_, err := s.Generate(ctx, user("x"))
		assert.ErrorIs(t, err, context.Canceled)
	}
}

func TestScriptedStreams(t *testing.T) {
	s := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "one two three"}, {Chunks: []string{"al", "pha"}}}}
	var chunks []string
	req := user("x")
	req.OnChunk = func(c string) { chunks = append(chunks, c) }
	r, err := s.Generate(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, []string{"one ", "two ", "three"}, chunks)
	assert.Equal(t, "one two three", r.Content)
	chunks = nil
	r, err = s.Generate(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, []string{"al", "pha"}, chunks)
	assert.Equal(t, "alpha", r.Content)
}

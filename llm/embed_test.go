package llm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

func TestEmbed(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{EmbeddingDimensions: 32}, llm.Config{Model: "text-embedding-3-small"})
	out, err := h.client.Embed(h.ctx(), []string{"the cat sat", "quarterly revenue", "the cat sat"})
	require.NoError(t, err)
	require.Len(t, out.Vectors, 3)
	for i, v := range out.Vectors {
		assert.Len(t, v, 32, "vector %d", i)
	}
	assert.Equal(t, llmtest.EmbeddingVector("the cat sat", 32), out.Vectors[0])
	assert.Equal(t, out.Vectors[0], out.Vectors[2], "the same text gets the same vector")
	assert.NotEqual(t, out.Vectors[0], out.Vectors[1])
	assert.Equal(t, "text-embedding-3-small", out.Model)
	assert.Equal(t, llm.Usage{PromptTokens: 8, TotalTokens: 8, Requests: 1}, out.Usage)
	reqs := h.srv.Requests()
	require.Len(t, reqs, 1, "three inputs, one request")
	assert.True(t, strings.HasSuffix(reqs[0].Path, "/v1/embeddings"), reqs[0].Path)
	assert.True(t, reqs[0].Authorized)
	assert.NotContains(t, string(reqs[0].Body), testKey)
}

func TestEmbedRetriesAndErrors(t *testing.T) {
	tests := []struct {
		name     string
		faults   []llmtest.Reply
		wantKind error
		requests int
	}{
		{"rate limit then ok", []llmtest.Reply{{Fault: llmtest.FaultRateLimit}}, nil, 2},
		{"two 5xx then ok", []llmtest.Reply{{Fault: llmtest.FaultServerError}, {Fault: llmtest.FaultUnavailable}}, nil, 3},
		{"bad request is not retried", []llmtest.Reply{{Fault: llmtest.FaultBadRequest}}, llm.ErrBadRequest, 1},
		{"auth is not retried", []llmtest.Reply{{Fault: llmtest.FaultUnauthorized}}, llm.ErrAuth, 1},
		{"gives up after MaxAttempts", []llmtest.Reply{{Fault: llmtest.FaultServerError}, {Fault: llmtest.FaultServerError},
			{Fault: llmtest.FaultServerError}}, llm.ErrServer, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, llmtest.ServerConfig{EmbeddingFaults: tt.faults}, llm.Config{Model: "emb", MaxAttempts: 3})
			out, err := h.client.Embed(h.ctx(), []string{"hello"})
			assert.Equal(t, tt.requests, h.srv.Count())
			if tt.wantKind == nil {
				require.NoError(t, err)
				assert.Len(t, out.Vectors[0], llmtest.DefaultEmbeddingDimensions)
				var retries int
				for _, e := range h.events {
					if r, ok := e.(*event.Retry); ok {
						retries++
						assert.Equal(t, "embeddings emb", r.Operation)
					}
				}
				assert.Equal(t, tt.requests-1, retries)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.wantKind), "%v", err)
			var le *llm.Error
			require.True(t, errors.As(err, &le))
			assert.Equal(t, "emb", le.Model)
		})
	}
}

func TestEmbedRefusesBadInput(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{}, llm.Config{Model: "emb"})
	_, err := h.client.Embed(context.Background(), nil)
	assert.ErrorIs(t, err, llm.ErrBadRequest)
	_, err = h.client.Embed(context.Background(), []string{"a", ""})
	assert.ErrorIs(t, err, llm.ErrBadRequest)
	assert.ErrorContains(t, err, "input 1 is empty")
	assert.Equal(t, 0, h.srv.Count(), "nothing sent")
}

func TestEmbedHangEndsWithTheContext(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{EmbeddingFaults: []llmtest.Reply{{Fault: llmtest.FaultHang}}},
		llm.Config{Model: "emb", MaxAttempts: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := h.client.Embed(ctx, []string{"x"})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

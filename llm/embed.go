package llm

import (
	"context"
	"fmt"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/crewai-go/crewai/event"
)

// Embeddings is the reply of an embeddings request. The zero value holds no
// vector. Embed returns a new value that the caller owns.
type Embeddings struct {
	// Vectors holds one vector per input, in the order of the inputs.
	Vectors [][]float32
	// Model is the model that answered, as the provider reports it.
	Model string
	// Usage counts the input tokens of the request (PromptTokens and
	// TotalTokens) and the request itself.
	Usage Usage
}

// Embed sends inputs to the client's model through the OpenAI embeddings
// endpoint (POST {base URL}/embeddings) in one request, and returns one
// vector per input, in order. The client's model must then be an embedding
// model, such as "text-embedding-3-small" (or "nomic-embed-text" on Ollama).
// Retries, timeouts and errors are those of Generate; the retry events name
// the operation "embeddings {model}". Embed does not split inputs into
// batches (providers cap a request, OpenAI at 2,048 inputs): package rag
// does. It emits no step event of its own; the caller announces the call
// (see package rag).
func (c *Client) Embed(ctx context.Context, inputs []string) (*Embeddings, error) {
	if c.err != nil {
		return nil, c.err
	}
	if len(inputs) == 0 {
		return nil, c.badRequest("llm: Embed called with no inputs")
	}
	for i, s := range inputs {
		if s == "" {
			return nil, c.badRequest("llm: Embed input %d is empty; the embeddings endpoint refuses empty strings", i)
		}
	}
	req := openai.EmbeddingRequestStrings{Input: inputs, Model: openai.EmbeddingModel(c.cfg.Model),
		EncodingFormat: openai.EmbeddingEncodingFormatFloat}
	oper := "embeddings " + c.cfg.Model
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return nil, &Error{Kind: ErrTransport, Model: c.cfg.Model, Provider: c.info.Provider, Attempts: n - 1,
				Message: "the call was abandoned: " + err.Error(), Err: err}
		}
		out, e, retry := c.embedOnce(ctx, req, len(inputs))
		if e == nil {
			return out, nil
		}
		e.Attempts = n
		if !retry || n >= c.cfg.MaxAttempts {
			return nil, e
		}
		if e.RetryAfter > c.cfg.MaxWait {
			return nil, wrapGiveUp(e, fmt.Errorf("the provider asked to wait %v, more than MaxWait %v", e.RetryAfter, c.cfg.MaxWait))
		}
		wait := c.backoff(n, e.RetryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, wrapGiveUp(e, fmt.Errorf("the context deadline comes before the next attempt (wait %v): %w", wait, context.DeadlineExceeded))
		}
		event.Emit(ctx, event.Retry{Operation: oper, Attempt: n, Wait: wait, Err: e})
		if e.Kind == ErrRateLimit {
			event.Emit(ctx, event.RateLimitWait{Limiter: "provider", Wait: wait})
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, wrapGiveUp(e, err)
		}
	}
}

// embedOnce makes one embeddings request.
func (c *Client) embedOnce(ctx context.Context, req openai.EmbeddingRequestStrings, n int) (*Embeddings, *Error, bool) {
	actx := ctx
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	rec := &attempt{}
	actx = context.WithValue(actx, attemptKey{}, rec)
	r, err := c.oa.CreateEmbeddings(actx, req)
	if err != nil {
		e, retry := c.classify(ctx, err, rec)
		return nil, e, retry
	}
	if len(r.Data) != n {
		return nil, &Error{Kind: ErrEmptyResponse, Model: c.cfg.Model, Provider: c.info.Provider, Status: rec.status,
			Message: fmt.Sprintf("the reply has %d vectors for %d inputs", len(r.Data), n)}, false
	}
	out := &Embeddings{Vectors: make([][]float32, n), Model: string(r.Model),
		Usage: Usage{PromptTokens: r.Usage.PromptTokens, TotalTokens: r.Usage.TotalTokens, Requests: 1}}
	if out.Usage.TotalTokens == 0 {
		out.Usage.TotalTokens = out.Usage.PromptTokens
	}
	for i, d := range r.Data {
		idx := d.Index
		if idx < 0 || idx >= n || out.Vectors[idx] != nil {
			idx = i // a server that numbers its data badly: keep the order it sent
		}
		if len(d.Embedding) == 0 {
			return nil, &Error{Kind: ErrEmptyResponse, Model: c.cfg.Model, Provider: c.info.Provider, Status: rec.status,
				Message: fmt.Sprintf("the vector of input %d is empty", idx)}, false
		}
		out.Vectors[idx] = d.Embedding
	}
	for i, v := range out.Vectors {
		if v == nil {
			return nil, &Error{Kind: ErrEmptyResponse, Model: c.cfg.Model, Provider: c.info.Provider, Status: rec.status,
				Message: fmt.Sprintf("the reply has no vector for input %d", i)}, false
		}
	}
	return out, nil, false
}

package rag

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/hashvec"
	"github.com/crewai-go/crewai/internal/usagemeter"
	"github.com/crewai-go/crewai/llm"
)

// DefaultBatchSize is how many texts [EmbedBatches] sends in one request
// when the embedder does not say (EmbedderInfo.MaxBatch 0). About 100 chunks
// of 4,000 characters stay well under OpenAI's 300,000 tokens per request.
const DefaultBatchSize = 100

// Embeddings is an embedder's reply: one vector per input, in order, with the
// token usage of the request.
type Embeddings = llm.Embeddings

// Embedder turns texts into vectors. Embed gets one batch (at most
// EmbedderInfo.MaxBatch texts, none empty) and returns one vector per text,
// in order, all of the same length. Implementations must be safe for
// concurrent use and honour ctx; they need not emit events ([EmbedBatches]
// does).
type Embedder interface {
	// Embed returns the vectors of texts.
	Embed(ctx context.Context, texts []string) (*Embeddings, error)
	// Info describes the embedder; it must be cheap and do no I/O.
	Info() EmbedderInfo
}

// EmbedderInfo describes an embedder. The zero value is an unnamed model of
// an unknown provider with the default batch size. It is a plain value.
type EmbedderInfo struct {
	// Model is the embedding model, such as "text-embedding-3-small".
	Model string
	// Provider is the gen_ai.provider.name, such as "openai".
	Provider string
	// ServerAddress and ServerPort are where requests go, if any.
	ServerAddress string
	ServerPort    int
	// MaxBatch caps the texts of one Embed call; 0 means DefaultBatchSize.
	MaxBatch int
}

// OpenAIEmbedder embeds through an OpenAI-compatible embeddings endpoint,
// with an [llm.Client] for the model. Make one with [OpenAI]. It is safe for
// concurrent use.
type OpenAIEmbedder struct {
	c     *llm.Client
	batch int
}

// OpenAI returns an embedder for cfg.Model (such as "text-embedding-3-small",
// or "nomic-embed-text" on Ollama) configured by cfg and the environment like
// llm.New: OPENAI_API_KEY, OPENAI_BASE_URL, and the same retries. A
// configuration problem is returned by the first Embed.
func OpenAI(cfg llm.Config) *OpenAIEmbedder {
	c, _ := llm.New(cfg) // a configuration error is kept by c and returned by Embed
	return &OpenAIEmbedder{c: c}
}

// NewOpenAI returns an embedder on an existing client, whose model must be
// an embedding model; batch caps the texts of one request (0 means
// DefaultBatchSize; OpenAI accepts up to 2,048).
func NewOpenAI(c *llm.Client, batch int) *OpenAIEmbedder {
	return &OpenAIEmbedder{c: c, batch: batch}
}

// Embed sends texts in one request.
func (o *OpenAIEmbedder) Embed(ctx context.Context, texts []string) (*Embeddings, error) {
	return o.c.Embed(ctx, texts)
}

// Info describes the model and where it is served.
func (o *OpenAIEmbedder) Info() EmbedderInfo {
	i := o.c.Info()
	return EmbedderInfo{Model: i.Model, Provider: i.Provider, ServerAddress: i.ServerAddress, ServerPort: i.ServerPort,
		MaxBatch: o.batch}
}

// DefaultEmbedder returns the embedder knowledge and memory use when none
// is set: OpenAI's text-embedding-3-small ([OpenAI]) when OPENAI_API_KEY or
// OPENAI_BASE_URL is set, else the offline [HashEmbedder] (so that examples
// and tests work without a key). Falling back to the HashEmbedder is never
// silent: the first time in the process, a slog warning says so and how to
// set a real embedder. Vectors of different embedders do not mix: a
// collection embedded with one must be reset to use another (stores refuse
// vectors of another length).
func DefaultEmbedder() Embedder {
	if os.Getenv("OPENAI_API_KEY") != "" || os.Getenv("OPENAI_BASE_URL") != "" {
		return OpenAI(llm.Config{Model: "text-embedding-3-small"})
	}
	fallbackWarning.Do(func() {
		slog.Warn("rag: no embedding model is configured, so memory and knowledge use the offline HashEmbedder, "+
			"which matches words, not meanings; set OPENAI_API_KEY (or OPENAI_BASE_URL for Ollama, vLLM and other "+
			"OpenAI-compatible servers) to embed with text-embedding-3-small, or set the Embedder field of your "+
			"knowledge.Knowledge or memory.Memory (rag.OpenAI, or your own rag.Embedder)",
			"embedder", HashEmbedder{}.Info().Model)
	})
	return HashEmbedder{}
}

// fallbackWarning makes DefaultEmbedder's warning about the HashEmbedder
// fallback once per process (a documented process default, like the other
// said-once warnings of the module).
var fallbackWarning sync.Once

// HashEmbedder is a deterministic embedder that needs no model: each word,
// and each pair of adjacent words, of a text adds to a coordinate chosen by
// its hash, and the vector is normalised. Texts sharing words are similar,
// texts sharing none are close to orthogonal; synonyms are not recognised.
// Use it offline, in examples and tests. Its usage counts words as tokens.
// The zero value makes vectors of 256 coordinates; it is safe for
// concurrent use.
type HashEmbedder struct {
	// Dimensions is the length of the vectors; 0 means 256.
	Dimensions int
}

// Embed returns the vectors of texts.
func (h HashEmbedder) Embed(ctx context.Context, texts []string) (*Embeddings, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := h.Dimensions
	if d <= 0 {
		d = 256
	}
	out := &Embeddings{Vectors: make([][]float32, len(texts)), Model: h.Info().Model}
	for i, t := range texts {
		out.Vectors[i] = hashvec.Vector(t, d)
		out.Usage.PromptTokens += hashvec.Tokens(t)
	}
	out.Usage.TotalTokens, out.Usage.Requests = out.Usage.PromptTokens, 1
	return out, nil
}

// Info names the embedder "hash-<dimensions>" of provider "crewai-go".
func (h HashEmbedder) Info() EmbedderInfo {
	d := h.Dimensions
	if d <= 0 {
		d = 256
	}
	return EmbedderInfo{Model: fmt.Sprintf("hash-%d", d), Provider: "crewai-go", MaxBatch: 1 << 20}
}

// EmbedBatches embeds texts with e in batches of e.Info().MaxBatch (default
// DefaultBatchSize), one request per batch, in order, announcing each
// request on the event bus of ctx as an embedding step. It returns one
// vector per text and the summed usage. Empty texts are refused before any
// request; a failure is an [*EmbedError] (after the usage of the batches
// already done). Vectors of different lengths are an error.
func EmbedBatches(ctx context.Context, e Embedder, texts []string) ([][]float32, llm.Usage, error) {
	info := e.Info()
	fail := func(err error) error { return &EmbedError{Model: info.Model, Provider: info.Provider, Err: err} }
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			return nil, llm.Usage{}, fail(fmt.Errorf("text %d is empty", i))
		}
	}
	batch := info.MaxBatch
	if batch <= 0 {
		batch = DefaultBatchSize
	}
	out := make([][]float32, 0, len(texts))
	var usage llm.Usage
	for start := 0; start < len(texts); start += batch {
		part := texts[start:min(start+batch, len(texts))]
		vecs, u, err := embedOne(ctx, e, info, part)
		usage = usage.Add(u)
		if err != nil {
			return nil, usage, fail(err)
		}
		if len(out) > 0 && len(vecs[0]) != len(out[0]) {
			return nil, usage, fail(fmt.Errorf("the vectors changed length from %d to %d between batches", len(out[0]), len(vecs[0])))
		}
		out = append(out, vecs...)
	}
	return out, usage, nil
}

// embedOne embeds one batch inside an embedding step.
func embedOne(ctx context.Context, e Embedder, info EmbedderInfo, texts []string) (vecs [][]float32, u llm.Usage, err error) {
	var step event.Step
	if event.Enabled(ctx) {
		ctx, step = event.Begin(ctx, event.EmbeddingStarted{Header: event.Header{Source: "embedder:" + info.Model},
			Model: info.Model, Provider: info.Provider, ServerAddress: info.ServerAddress, ServerPort: info.ServerPort,
			Inputs: len(texts)})
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the embedder panicked: %v", p)
		}
		if !step.Active() {
			return
		}
		if err != nil {
			event.End(step, event.EmbeddingFailed{Model: info.Model, Failure: event.Failure{Err: err}})
			return
		}
		event.End(step, event.EmbeddingCompleted{Model: info.Model, Dimensions: len(vecs[0]), Usage: u})
	}()
	res, err := e.Embed(ctx, texts)
	if err != nil {
		return nil, llm.Usage{}, err
	}
	usagemeter.Add(ctx, res.Usage) // the kickoff's usage counts the request, whatever follows
	if res == nil || len(res.Vectors) != len(texts) {
		n := 0
		if res != nil {
			n = len(res.Vectors)
		}
		return nil, llm.Usage{}, fmt.Errorf("the embedder returned %d vectors for %d texts", n, len(texts))
	}
	d := len(res.Vectors[0])
	for i, v := range res.Vectors {
		if len(v) == 0 || len(v) != d {
			return nil, res.Usage, fmt.Errorf("vector %d has %d coordinates, vector 0 has %d", i, len(v), d)
		}
	}
	return res.Vectors, res.Usage, nil
}

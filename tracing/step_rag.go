package tracing

import (
	"strconv"

	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The embedding, retrieval and memory-save steps (packages rag, knowledge
// and memory). Each function maps one event of a step to span attributes;
// start and end in run.go call them.

// embeddingStarted: an embeddings request is the CLIENT span
// "embeddings {model}" (EMBEDDING), a leaf, with the model, provider, server
// and the number of inputs.
func (r *runTracer) embeddingStarted(s *spanStart, v *event.EmbeddingStarted) {
	s.name = spanName(semconv.OpEmbeddings, v.Model)
	s.kind = kindClient
	s.leaf = true
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpEmbeddings),
		attribute.String(semconv.OISpanKind, semconv.OIKindEmbedding),
		attribute.String(semconv.GenAIRequestModel, v.Model),
		attribute.String(semconv.OIEmbeddingModelName, v.Model),
		attribute.Int(semconv.CrewAIEmbeddingInputs, v.Inputs),
	)
	if v.Provider != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.GenAIProviderName, v.Provider))
	}
	if v.ServerAddress != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.ServerAddress, v.ServerAddress))
	}
	if v.ServerPort > 0 {
		s.attrs = append(s.attrs, attribute.Int(semconv.ServerPort, v.ServerPort))
	}
}

// embeddingCompleted adds the input tokens and the vectors' length.
func (r *runTracer) embeddingCompleted(attrs []attribute.KeyValue, v *event.EmbeddingCompleted) []attribute.KeyValue {
	attrs = append(attrs,
		attribute.Int(semconv.GenAIUsageInputTokens, v.Usage.PromptTokens),
		attribute.Int(semconv.OILLMTokenPrompt, v.Usage.PromptTokens),
		attribute.Int(semconv.OILLMTokenTotal, v.Usage.TotalTokens),
		attribute.Int(semconv.GenAIEmbeddingsDimensionCount, v.Dimensions))
	return attrs
}

// retrievalStarted: a search of knowledge or memory is the span
// "retrieve {collection}" (RETRIEVER), with the backend, limit, threshold
// and, when content is captured, the query.
func (r *runTracer) retrievalStarted(s *spanStart, v *event.RetrievalStarted) {
	t := r.t
	s.name = spanName(semconv.OpRetrieve, v.Collection)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpRetrieve),
		attribute.String(semconv.OISpanKind, semconv.OIKindRetriever),
		attribute.String(semconv.CrewAIRetrievalSource, v.Source),
		attribute.String(semconv.CrewAIRetrievalColl, v.Collection),
		attribute.String(semconv.CrewAIRetrievalBackend, v.Backend),
		attribute.Int(semconv.CrewAIRetrievalLimit, v.Limit),
		attribute.Float64(semconv.CrewAIRetrievalMinScore, v.Threshold),
	)
	if v.Agent != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAIRetrievalAgent, v.Agent))
	}
	if t.capture {
		q := t.text(v.Query)
		s.attrs = append(s.attrs,
			attribute.String(semconv.CrewAIRetrievalQuery, q),
			attribute.String(semconv.OIInputValue, q),
			attribute.String(semconv.OIInputMimeType, semconv.MimeText))
	}
}

// retrievalCompleted adds the number of results and their scores, and,
// when content is captured, the documents (OpenInference's
// retrieval.documents.<i>.document.* attributes).
func (r *runTracer) retrievalCompleted(attrs []attribute.KeyValue, v *event.RetrievalCompleted) []attribute.KeyValue {
	t := r.t
	scores := make([]float64, len(v.Results))
	for i, d := range v.Results {
		scores[i] = d.Score
	}
	attrs = append(attrs, attribute.Int(semconv.CrewAIRetrievalResults, len(v.Results)),
		attribute.Float64Slice(semconv.CrewAIRetrievalScores, scores))
	for i, d := range v.Results {
		prefix := semconv.OIRetrievalDocuments + "." + strconv.Itoa(i) + "."
		attrs = append(attrs, attribute.Float64(prefix+semconv.OIDocumentScoreSuffix, d.Score))
		if t.capture {
			attrs = append(attrs, attribute.String(prefix+semconv.OIDocumentIDSuffix, t.text(d.ID)),
				attribute.String(prefix+semconv.OIDocumentContentSuffix, t.text(d.Text)))
		}
	}
	return attrs
}

// memorySaveStarted: a memory save is the span "save_memory {scope}"
// (CHAIN), holding the extraction's model call and the embedding.
func (r *runTracer) memorySaveStarted(s *spanStart, v *event.MemorySaveStarted) {
	t := r.t
	s.name = spanName(semconv.OpSaveMemory, v.Scope)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpSaveMemory),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
		attribute.String(semconv.CrewAIMemoryScope, v.Scope))
	if v.Agent != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAIMemoryAgent, v.Agent))
	}
	if t.capture && v.Task != "" {
		task := t.text(v.Task)
		s.attrs = append(s.attrs, attribute.String(semconv.OIInputValue, task),
			attribute.String(semconv.OIInputMimeType, semconv.MimeText))
	}
}

// memorySaveCompleted adds how many statements were saved, the usage and,
// when content is captured, the statements.
func (r *runTracer) memorySaveCompleted(attrs []attribute.KeyValue, v *event.MemorySaveCompleted) []attribute.KeyValue {
	t := r.t
	attrs = append(attrs, attribute.Int(semconv.CrewAIMemoryCount, len(v.Statements)))
	attrs = appendUsage(attrs, v.Usage, false)
	if t.capture && len(v.Statements) > 0 {
		texts := make([]string, len(v.Statements))
		for i, s := range v.Statements {
			texts[i] = t.text(s)
		}
		attrs = append(attrs, attribute.StringSlice(semconv.CrewAIMemoryStatements, texts))
	}
	return attrs
}

package tracing

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The model call step. Each function maps one event of the step to span
// attributes; start, end and point in run.go call them.

// llmCallStarted: a model call is the CLIENT span "chat {model}" (LLM),
// a leaf (see openSpan), with the request parameters, messages and tool
// definitions.
func (r *runTracer) llmCallStarted(s *spanStart, v *event.LLMCallStarted) {
	t := r.t
	s.name = spanName(semconv.OpChat, v.Model)
	s.kind = kindClient
	s.leaf = true
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpChat),
		attribute.String(semconv.OISpanKind, semconv.OIKindLLM),
		attribute.String(semconv.GenAIRequestModel, v.Model),
		attribute.String(semconv.OILLMModelName, v.Model),
	)
	if v.Provider != "" {
		s.attrs = append(s.attrs,
			attribute.String(semconv.GenAIProviderName, v.Provider),
			attribute.String(semconv.OILLMProvider, v.Provider))
	}
	if v.ServerAddress != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.ServerAddress, v.ServerAddress))
	}
	if v.Temperature != nil {
		s.attrs = append(s.attrs, attribute.Float64(semconv.GenAIRequestTemperature, *v.Temperature))
	}
	if v.MaxTokens > 0 {
		s.attrs = append(s.attrs, attribute.Int(semconv.GenAIRequestMaxTokens, v.MaxTokens))
	}
	if len(v.Stop) > 0 {
		s.attrs = append(s.attrs, attribute.StringSlice(semconv.GenAIRequestStopSequences, v.Stop))
	}
	if v.Stream {
		s.attrs = append(s.attrs, attribute.Bool(semconv.GenAIRequestStream, true))
	}
	if v.ResponseFormat != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAILLMResponseFmt, v.ResponseFormat))
	}
	if v.Agent != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAILLMAgent, v.Agent))
	}
	if t.capture {
		msgs := t.inputMessages(v.Messages)
		s.attrs = append(s.attrs,
			attribute.String(semconv.GenAIInputMessages, msgs),
			attribute.String(semconv.OIInputValue, msgs),
			attribute.String(semconv.OIInputMimeType, semconv.MimeJSON))
		if len(v.Tools) > 0 {
			s.attrs = append(s.attrs, attribute.String(semconv.GenAIToolDefinitions, r.toolDefs(v.Tools)))
		}
	}
}

// llmCallCompleted adds the response model and ID, finish reason, usage,
// cost and output messages.
func (r *runTracer) llmCallCompleted(attrs []attribute.KeyValue, v *event.LLMCallCompleted) []attribute.KeyValue {
	t := r.t
	if v.ResponseModel != "" {
		attrs = append(attrs, attribute.String(semconv.GenAIResponseModel, v.ResponseModel))
	}
	if v.ResponseID != "" {
		attrs = append(attrs, attribute.String(semconv.GenAIResponseID, v.ResponseID))
	}
	if v.FinishReason != "" {
		attrs = append(attrs, finishReasons(v.FinishReason))
	}
	attrs = appendUsage(attrs, v.Usage, true)
	if cost, ok := callCost(v); ok {
		attrs = append(attrs, attribute.Float64(semconv.OILLMCostTotal, cost))
	}
	if t.capture {
		out := t.outputMessages(v.Reasoning, v.Content, v.ToolCalls, v.FinishReason)
		attrs = append(attrs, attribute.String(semconv.GenAIOutputMessages, out))
		if v.Content != "" || len(v.ToolCalls) == 0 {
			attrs = append(attrs, attribute.String(semconv.OIOutputValue, t.text(v.Content)),
				attribute.String(semconv.OIOutputMimeType, semconv.MimeText))
		} else {
			attrs = append(attrs, attribute.String(semconv.OIOutputValue, out),
				attribute.String(semconv.OIOutputMimeType, semconv.MimeJSON))
		}
	}
	return attrs
}

// llmStreamChunk: a streamed chunk is the span event "crewai.llm.stream_chunk"
// with where its text sits in the reply; the first one also sets the time to
// the first chunk on the span.
func (r *runTracer) llmStreamChunk(op *openSpan, v *event.LLMStreamChunk, h *event.Header) {
	sp := op.span
	if !op.sawChunk {
		op.sawChunk = true
		sp.SetAttributes(attribute.Float64(semconv.GenAIResponseTimeToFirst, h.Time.Sub(op.start).Seconds()))
	}
	// A chunk's text is never recorded: a secret split across chunks
	// ("sk-pro" | "j-...") cannot be found in the pieces. The reply is
	// recorded whole, and scrubbed whole, on the span's end; a chunk records
	// where its text sits in it.
	attrs := []attribute.KeyValue{
		attribute.Int(semconv.CrewAIChunkOffset, op.chunkOff),
		attribute.Int(semconv.CrewAIChunkSize, len(v.Chunk)),
	}
	op.chunkOff += len(v.Chunk)
	if r.t.capture && v.ToolCall != nil && v.ToolCall.Name != "" {
		attrs = append(attrs, attribute.String(semconv.CrewAIChunkToolName, r.t.scrub.Scrub(v.ToolCall.Name)))
	}
	sp.AddEvent(semconv.EventStreamChunk, trace.WithTimestamp(h.Time), trace.WithAttributes(attrs...))
}

package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The tool call step. Each function maps one event of the step to span
// attributes; start and end in run.go call them.

// toolStarted: a tool call is the span "execute_tool {tool}" (TOOL), a
// leaf (see openSpan), with its arguments.
func (r *runTracer) toolStarted(s *spanStart, v *event.ToolStarted) {
	t := r.t
	s.name = spanName(semconv.OpExecuteTool, v.Tool)
	s.leaf = true
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpExecuteTool),
		attribute.String(semconv.OISpanKind, semconv.OIKindTool),
		attribute.String(semconv.GenAIToolName, v.Tool),
		attribute.String(semconv.OIToolName, v.Tool),
		attribute.String(semconv.GenAIToolType, semconv.ToolTypeFunction),
	)
	if v.CallID != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.GenAIToolCallID, v.CallID))
	}
	if v.Agent != "" {
		s.attrs = append(s.attrs, attribute.String(semconv.CrewAIToolAgent, v.Agent))
	}
	if v.Attempt > 0 {
		s.attrs = append(s.attrs, attribute.Int(semconv.CrewAIToolAttempt, v.Attempt))
	}
	if t.capture {
		args := t.text(v.Arguments)
		s.attrs = append(s.attrs,
			attribute.String(semconv.GenAIToolCallArguments, args),
			attribute.String(semconv.OIInputValue, args),
			attribute.String(semconv.OIInputMimeType, mimeOf(args)))
	}
}

// toolFinished adds the cache hit, repeat and error flags and the result.
func (r *runTracer) toolFinished(attrs []attribute.KeyValue, v *event.ToolFinished) []attribute.KeyValue {
	t := r.t
	attrs = append(attrs, attribute.Bool(semconv.CrewAIToolCacheHit, v.CacheHit))
	if v.Repeated {
		attrs = append(attrs, attribute.Bool(semconv.CrewAIToolRepeated, true))
	}
	if v.IsError {
		attrs = append(attrs, attribute.Bool(semconv.CrewAIToolIsError, true))
	}
	if v.Blocked != "" {
		attrs = r.blocked(attrs, v.Blocked)
	}
	if t.capture {
		res := t.text(v.Result)
		attrs = append(attrs, attribute.String(semconv.GenAIToolCallResult, res),
			attribute.String(semconv.OIOutputValue, res),
			attribute.String(semconv.OIOutputMimeType, mimeOf(res)))
	}
	return attrs
}

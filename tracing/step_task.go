package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

// The task step. Each function maps one event of the step to span
// attributes; start and end in run.go call them.

// taskStarted: a task is the span "execute_task {task}" (CHAIN).
func (r *runTracer) taskStarted(s *spanStart, v *event.TaskStarted) {
	t := r.t
	s.name = spanName(semconv.OpExecuteTask, v.Task)
	s.attrs = append(s.attrs,
		attribute.String(semconv.GenAIOperationName, semconv.OpExecuteTask),
		attribute.String(semconv.OISpanKind, semconv.OIKindChain),
		attribute.String(semconv.CrewAITaskName, v.Task),
		attribute.String(semconv.CrewAITaskAgent, v.Agent),
	)
	if v.Async {
		s.attrs = append(s.attrs, attribute.Bool(semconv.CrewAITaskAsync, true))
	}
	if t.capture {
		s.attrs = append(s.attrs,
			attribute.String(semconv.CrewAITaskDescription, t.text(v.Description)),
			attribute.String(semconv.CrewAITaskExpected, t.text(v.ExpectedOutput)),
			attribute.String(semconv.OIInputValue, t.text(v.Description)),
			attribute.String(semconv.OIInputMimeType, semconv.MimeText),
		)
	}
}

// taskCompleted adds the task's usage and output.
func (r *runTracer) taskCompleted(attrs []attribute.KeyValue, v *event.TaskCompleted) []attribute.KeyValue {
	t := r.t
	attrs = appendUsage(attrs, v.Usage, false)
	if t.capture {
		attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Output)
	}
	return attrs
}

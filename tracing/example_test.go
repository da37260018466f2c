package tracing_test

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/tracing"
)

// A crew kickoff traced into an in-memory exporter: what Crew.Kickoff does,
// written out with events.
func ExampleAttach() {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Shutdown(context.Background())

	ctx := event.StartRun(context.Background(), &event.Bus{})
	ctx, finish := tracing.Attach(ctx, tr, tracing.Requested(true)) // as Crew.Tracing == true does
	cctx, crew := event.Begin(ctx, event.CrewStarted{Crew: "Research Crew", Process: "sequential"})
	_, call := event.Begin(cctx, event.LLMCallStarted{Model: "gpt-4o-mini", Provider: "openai"})
	event.End(call, event.LLMCallCompleted{Model: "gpt-4o-mini", Content: "hi",
		Usage: chat.Usage{PromptTokens: 12, CompletionTokens: 3, TotalTokens: 15}})
	event.End(crew, event.CrewCompleted{Crew: "Research Crew", Output: "hi"})
	finish() // flushes: the spans are in the exporter now

	for _, s := range exp.GetSpans() {
		fmt.Println(s.Name, s.SpanKind)
	}
	// Output:
	// chat gpt-4o-mini client
	// invoke_workflow Research Crew internal
}

// A file backend in a folder of your choice; each trace is one
// <trace id>.jsonl file of OTLP JSON lines.
func ExampleWithFileDir() {
	dir, _ := os.MkdirTemp("", "traces")
	defer os.RemoveAll(dir)
	tr, err := tracing.New(tracing.WithFileDir(dir), tracing.WithNotice(nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Shutdown(context.Background())
	fmt.Println(tr.Backend())
	// Output: file
}

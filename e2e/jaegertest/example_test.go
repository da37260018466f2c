package jaegertest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/crewai-go/crewai/e2e/jaegertest"
)

// Start a private Jaeger, point an OTLP exporter at it, and wait for the
// traces of a service. (Not run: it builds Jaeger on first use.)
func ExampleStart() {
	ctx := context.Background()
	bin, err := jaegertest.Binary(ctx, jaegertest.BuildOptions{ModuleDir: "jaegertool"})
	if err != nil {
		log.Fatal(err)
	}
	j, err := jaegertest.Start(ctx, jaegertest.Options{Binary: bin})
	if err != nil {
		log.Fatal(err)
	}
	defer j.Stop()

	env, _ := j.OTLPEnv("grpc") // OTEL_EXPORTER_OTLP_ENDPOINT=..., OTEL_EXPORTER_OTLP_PROTOCOL=grpc
	fmt.Println(env)
	// ... run a program with env and OTEL_SERVICE_NAME=my-service ...

	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	traces, err := j.Client().WaitTraces(wctx, "my-service", func(ts []jaegertest.Trace) bool { return len(ts) > 0 })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(traces[0].Tree())
}

func ExampleTrace_Tree() {
	child := func(id, parent, name string, start int64, tags ...jaegertest.KeyValue) jaegertest.Span {
		s := jaegertest.Span{SpanID: id, OperationName: name, StartTime: start, Tags: tags}
		if parent != "" {
			s.References = []jaegertest.Reference{{RefType: "CHILD_OF", SpanID: parent}}
		}
		return s
	}
	tr := &jaegertest.Trace{Spans: []jaegertest.Span{
		child("t", "a", "execute_tool search", 3, jaegertest.KeyValue{Key: "otel.status_code", Value: "ERROR"}),
		child("w", "", "invoke_workflow crew", 1),
		child("a", "w", "invoke_agent Analyst", 2),
		child("c", "a", "chat gpt-4o-mini", 2, jaegertest.KeyValue{Key: "span.kind", Value: "client"}),
	}}
	fmt.Print(tr.Tree())
	fmt.Println(tr.Parent(tr.Span("t")).OperationName)
	// Output:
	// invoke_workflow crew [internal]
	//   invoke_agent Analyst [internal]
	//     chat gpt-4o-mini [client]
	//     execute_tool search [internal] ERROR
	// invoke_agent Analyst
}

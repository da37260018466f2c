// Command testworker is a worker process of the end-to-end test: it polls
// the e2e task queue of the Temporal server at -address, runs the e2e flow
// and crews, and writes every span it ends, at once, as one JSON line to
// -spans, with service.instance.id set to -id.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	crewtemporal "github.com/crewai-go/crewai/temporal"
	"github.com/crewai-go/crewai/temporal/e2e/e2eflow"
	"github.com/crewai-go/crewai/tracing"
)

func main() {
	addr := flag.String("address", "127.0.0.1:7233", "Temporal frontend host:port")
	id := flag.String("id", "", "worker name (service.instance.id of its spans)")
	spans := flag.String("spans", "", "file the spans are written to")
	marker := flag.String("marker", "", "file the blocking method creates before it blocks")
	flag.Parse()
	if err := run(*addr, *id, *spans, *marker); err != nil {
		fmt.Fprintln(os.Stderr, "testworker:", err)
		os.Exit(1)
	}
}

func run(addr, id, spans, marker string) error {
	out, err := os.OpenFile(spans, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	exp, err := stdouttrace.New(stdouttrace.WithWriter(out))
	if err != nil {
		return err
	}
	res := resource.NewSchemaless(semconv.ServiceName("crewai-e2e-worker"), semconv.ServiceInstanceID(id))
	// A syncer writes each span when it ends, so the spans of a worker
	// that is killed are on disk up to its last completed step.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(res))
	defer tp.Shutdown(context.Background())
	ti, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{Tracer: tp.Tracer("temporal")})
	if err != nil {
		return err
	}
	tr, err := tracing.New(tracing.WithTracerProvider(tp), tracing.WithNotice(os.Stderr))
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := client.Dial(client.Options{HostPort: addr, Interceptors: []interceptor.ClientInterceptor{ti},
		Logger: sdklog.NewStructuredLogger(logger), Identity: "worker-" + id})
	if err != nil {
		return err
	}
	defer c.Close()
	w := worker.New(c, e2eflow.TaskQueue, worker.Options{})
	f, crews := e2eflow.New(e2eflow.Config{Worker: id, Marker: marker, Tracer: tr})
	if err := crewtemporal.Register(w, crewtemporal.Registry{Flows: []crewtemporal.FlowDefinition{f}, Crews: crews, Options: e2eflow.Options}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "worker %s polling %s on %s\n", id, e2eflow.TaskQueue, addr)
	return w.Run(worker.InterruptCh())
}

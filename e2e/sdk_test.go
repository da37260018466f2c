package e2e_test

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/e2e/jaegertest"
)

// TestHarnessBareSDK proves the harness without the library: spans made with
// the bare OpenTelemetry SDK, shipped over each OTLP transport, are read back
// with their names, structure, kinds, attributes, error status and service.
func TestHarnessBareSDK(t *testing.T) {
	j := needJaeger(t)
	for _, proto := range []string{"http/protobuf", "grpc"} {
		t.Run(proto, func(t *testing.T) {
			svc := serviceName(t)
			ctx := t.Context()
			var exp sdktrace.SpanExporter
			var err error
			if proto == "grpc" {
				exp, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(j.OTLPGRPC), otlptracegrpc.WithInsecure())
			} else {
				exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpoint(j.OTLPHTTP), otlptracehttp.WithInsecure())
			}
			if err != nil {
				t.Fatal(err)
			}
			tp := sdktrace.NewTracerProvider(
				sdktrace.WithBatcher(exp),
				sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", svc))),
			)
			traceID := emitAgentTrace(ctx, tp.Tracer("e2e/sdk"))
			if err := tp.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}

			traces, err := j.Client().WaitTraces(waitCtx(t), svc, func(ts []jaegertest.Trace) bool {
				return len(ts) >= 1 && len(ts[0].Spans) >= 3
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(traces) != 1 {
				t.Fatalf("service %s: got %d traces, want 1", svc, len(traces))
			}
			tr := &traces[0]
			if tr.TraceID != traceID {
				t.Errorf("trace ID = %s, want %s (the SDK's)", tr.TraceID, traceID)
			}
			const wantTree = "invoke_agent planner [internal]\n" +
				"  chat gpt-4o-mini [client]\n" +
				"  execute_tool get_weather [internal] ERROR\n"
			if got := tr.Tree(); got != wantTree {
				t.Errorf("tree:\n%s\nwant:\n%s", got, wantTree)
			}
			if got := tr.Services(); len(got) != 1 || got[0] != svc {
				t.Errorf("services = %q, want [%q]", got, svc)
			}
			chat := tr.Named("chat *")[0]
			if n, ok := chat.TagInt("gen_ai.usage.input_tokens"); !ok || n != 100 {
				t.Errorf("chat gen_ai.usage.input_tokens = %v, %v; want 100", n, ok)
			}
			if got := chat.TagString("gen_ai.request.model"); got != "gpt-4o-mini" {
				t.Errorf("chat gen_ai.request.model = %q", got)
			}
			tool := tr.Named("execute_tool *")[0]
			if got := tool.TagString("otel.status_description"); got != "upstream timeout" {
				t.Errorf("tool otel.status_description = %q", got)
			}
			if ex := tool.LogsNamed("exception"); len(ex) != 1 {
				t.Errorf("tool has %d exception logs, want 1", len(ex))
			}
			t.Logf("read back trace %s: %d spans, service %s, over %s", tr.TraceID, len(tr.Spans), svc, proto)
		})
	}
}

// emitAgentTrace makes a small agent-shaped trace and returns its trace ID.
func emitAgentTrace(ctx context.Context, tracer trace.Tracer) string {
	ctx, root := tracer.Start(ctx, "invoke_agent planner", trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "invoke_agent"),
		attribute.String("gen_ai.agent.name", "planner"),
	))
	_, chat := tracer.Start(ctx, "chat gpt-4o-mini", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("gen_ai.request.model", "gpt-4o-mini"),
		attribute.Int("gen_ai.usage.input_tokens", 100),
		attribute.Int("gen_ai.usage.output_tokens", 20),
	))
	chat.End()
	_, tool := tracer.Start(ctx, "execute_tool get_weather", trace.WithAttributes(
		attribute.String("gen_ai.operation.name", "execute_tool"),
		attribute.String("gen_ai.tool.name", "get_weather"),
		attribute.String("error.type", "timeout"),
	))
	err := errors.New("upstream timeout")
	tool.RecordError(err)
	tool.SetStatus(codes.Error, err.Error())
	tool.End()
	root.End()
	return root.SpanContext().TraceID().String()
}

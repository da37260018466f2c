package crewtemporal

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/tracing"
)

// TestTraceNesting runs a traced flow whose method kicks off a crew, with
// the SDK's OpenTelemetry interceptor: every span is in the workflow's
// trace, the crew's span nests under the method's span, which nests
// directly under the activity's span (no flow span around one method).
func TestTraceNesting(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	tr, err := tracing.New(tracing.WithTracerProvider(tp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	ti, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{Tracer: tp.Tracer("temporal")})
	require.NoError(t, err)

	type st struct {
		Topic string `json:"topic"`
	}
	c := echoCrew(nil, nil)
	c.Tracing, c.Tracer = true, tr
	f := NewFlow(&flow.Flow[st]{Name: "Traced", Tracing: true, Tracer: tr})
	f.Step(flow.Start("prepare"), func(ctx context.Context, s *flow.State[st]) (any, error) { return nil, nil })
	f.Step(flow.Listen("write", flow.On("prepare")), func(ctx context.Context, s *flow.State[st]) (any, error) {
		out, err := c.Kickoff(ctx, map[string]any{"topic": s.Get().Topic})
		if err != nil {
			return nil, err
		}
		return out.Raw, nil
	})
	env := newEnv(t, Registry{Flows: []FlowDefinition{f}})
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{ti}})
	_, err = runFlow(t, env, f, map[string]any{"topic": "traces"})
	require.NoError(t, err)

	spans := rec.Ended()
	require.NotEmpty(t, spans)
	byID := map[string]sdktrace.ReadOnlySpan{}
	traces := map[string]bool{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID().String()] = s
		traces[s.SpanContext().TraceID().String()] = true
	}
	assert.Len(t, traces, 1, "one trace for the whole run")
	for _, s := range spans {
		assert.NotEqual(t, "invoke_workflow Traced", s.Name(), "a method run on a worker makes no flow span")
	}
	var crewSpan sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == "invoke_workflow echo" {
			crewSpan = s
		}
	}
	require.NotNil(t, crewSpan, "the crew's span")
	var chain []string
	for s, ok := byID[crewSpan.Parent().SpanID().String()]; ok; s, ok = byID[s.Parent().SpanID().String()] {
		chain = append(chain, s.Name())
	}
	assert.Equal(t, []string{"invoke_node write", "RunActivity:Traced.write", "StartActivity:Traced.write", "RunWorkflow:Traced"}, chain)
}

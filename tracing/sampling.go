package tracing

import (
	"context"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/crewai-go/crewai/internal/traceenv"
)

// sdkSampler is the OpenTelemetry SDK sampler that s names.
func sdkSampler(s traceenv.Sampling) sdktrace.Sampler {
	switch s.Sampler {
	case traceenv.SamplerAlwaysOn:
		return sdktrace.AlwaysSample()
	case traceenv.SamplerAlwaysOff:
		return sdktrace.NeverSample()
	case traceenv.SamplerTraceIDRatio:
		return sdktrace.TraceIDRatioBased(s.Ratio)
	case traceenv.SamplerParentBasedAlwaysOff:
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case traceenv.SamplerParentBasedTraceIDRatio:
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(s.Ratio))
	}
	return sdktrace.ParentBased(sdktrace.AlwaysSample())
}

// tentativeKey marks, in the context a traced run starts its spans from,
// a run whose spans are recorded even when the sampler drops them, so that
// its end can still keep it (the keep rule).
type tentativeKey struct{}

// keepSampler is the ratio sampler of a Tracer with the keep rule: what
// its base sampler drops in a traced run is recorded all the same (not
// sampled: RecordOnly), and held by the batch processor until the kickoff
// ends and says whether it is kept.
type keepSampler struct{ base sdktrace.Sampler }

func (k keepSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	r := k.base.ShouldSample(p)
	if r.Decision == sdktrace.Drop && p.ParentContext != nil && p.ParentContext.Value(tentativeKey{}) != nil {
		r.Decision = sdktrace.RecordOnly
	}
	return r
}

func (k keepSampler) Description() string {
	return "KeepFailedOrSlowKickoffs{" + k.base.Description() + "}"
}

// tentativeBase is the context the root spans of a run with the keep rule
// start from.
var tentativeBase = context.WithValue(context.Background(), tentativeKey{}, true)

package tracing

import (
	"context"
	"math/rand/v2"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

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

// presetKey carries, in the context a run's first root span starts from,
// the trace ID [Attach] already sampled with.
type presetKey struct{}

// idGenerator is the ID generator of the Tracer's own provider: random IDs
// (as the SDK's), except that a run's first root span takes the trace ID
// Attach decided on.
type idGenerator struct{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if id, ok := ctx.Value(presetKey{}).(trace.TraceID); ok {
		return id, newSpanID()
	}
	return newTraceID(), newSpanID()
}

func (idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

func newTraceID() trace.TraceID {
	var id trace.TraceID
	for !id.IsValid() {
		hi, lo := rand.Uint64(), rand.Uint64()
		for i := range 8 {
			id[i], id[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
		}
	}
	return id
}

func newSpanID() trace.SpanID {
	var id trace.SpanID
	for !id.IsValid() {
		v := rand.Uint64()
		for i := range 8 {
			id[i] = byte(v >> (56 - 8*i))
		}
	}
	return id
}

// preSample takes, before a run starts, the sampler's decision for its
// root span: ok is false when the run is dropped and nothing of it is to
// be recorded (no keep rule), so that it is not traced at all; else tid is
// the trace ID its first root span is to take (invalid when ctx holds a
// parent span, whose trace it joins).
func (t *Tracer) preSample(ctx context.Context) (tid trace.TraceID, ok bool) {
	if t.sampler == nil {
		return trace.TraceID{}, true
	}
	psc := trace.SpanContextFromContext(ctx)
	id := psc.TraceID()
	if !psc.IsValid() {
		id = newTraceID()
		tid = id
	}
	res := t.sampler.ShouldSample(sdktrace.SamplingParameters{ParentContext: ctx, TraceID: id, Kind: trace.SpanKindInternal})
	return tid, res.Decision != sdktrace.Drop
}

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

// wholeKey marks, in the context a traced run starts its root spans from,
// a run that [Attach] (or the keep rule, at the run's end) decided to
// export: every span of it is sampled, whatever the base sampler would say
// of its trace ID, so that a kickoff is exported whole or not at all.
type wholeKey struct{}

// runSampler is the sampler of the Tracer's own provider when a sampler
// other than the default is set: the decision is taken once per run,
// before it starts ([Tracer.preSample]); the spans of a run decided so are
// sampled, and any other span follows base.
type runSampler struct{ base sdktrace.Sampler }

func (k runSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	r := k.base.ShouldSample(p)
	if r.Decision != sdktrace.RecordAndSample && p.ParentContext != nil && p.ParentContext.Value(wholeKey{}) != nil {
		r.Decision = sdktrace.RecordAndSample
	}
	return r
}

func (k runSampler) Description() string {
	return "WholeKickoffs{" + k.base.Description() + "}"
}

// wholeBase is the context the root spans of a run decided by the sampler
// start from.
var wholeBase = context.WithValue(context.Background(), wholeKey{}, true)

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

// sampling is what [Tracer.preSample] decided for a run.
type sampling uint8

const (
	traceRun  sampling = iota // traced: its spans are built and exported
	recordRun                 // dropped by the ratio, held for the keep rule (see hold.go)
	skipRun                   // dropped: not traced at all
)

// preSample takes, before a run starts, the sampler's decision for it,
// asking with the trace ID its first root span is to take (tid; invalid
// when ctx holds a parent span, whose trace it joins). With the keep rule,
// a run the sampler drops is recorded rather than skipped.
func (t *Tracer) preSample(ctx context.Context) (tid trace.TraceID, d sampling) {
	if t.sampler == nil {
		return trace.TraceID{}, traceRun
	}
	psc := trace.SpanContextFromContext(ctx)
	id := psc.TraceID()
	if !psc.IsValid() {
		id = newTraceID()
		tid = id
	}
	res := t.sampler.ShouldSample(sdktrace.SamplingParameters{ParentContext: ctx, TraceID: id, Kind: trace.SpanKindInternal})
	switch {
	case res.Decision != sdktrace.Drop:
		return tid, traceRun
	case t.keep:
		return tid, recordRun
	}
	return tid, skipRun
}

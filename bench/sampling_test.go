package bench_test

import (
	"testing"

	"github.com/crewai-go/crewai/internal/traceenv"
	"github.com/crewai-go/crewai/tracing"
)

// BenchmarkCrewSampled is a sequential crew of 5 tasks (26 spans when
// traced; the "none" backend, content captured) per kickoff, by sampler:
//
//   - untraced: tracing off, the floor;
//   - always_on: every kickoff traced and exported;
//   - ratio=0.01: OTEL_TRACES_SAMPLER=traceidratio, ARG 0.01: about 99 in
//     100 kickoffs are dropped by the ratio but, for the keep rule (a
//     failed or slow kickoff is kept whole), their events are copied and
//     held until the kickoff ends, then discarded (no span is built);
//   - ratio=0: the same with every kickoff dropped, so that each
//     iteration is an unsampled kickoff: the cost of one;
//   - ratio=0.01,keep-failed=false: CREWAI_TRACING_KEEP_FAILED=false turns
//     the keep rule off: the kickoffs the ratio drops are decided at their
//     start and not traced at all;
//   - always_off: nothing recorded, the kickoff is not traced.
func BenchmarkCrewSampled(b *testing.B) {
	for _, mode := range []struct{ name, sampler, arg, keepFailed string }{
		{"untraced", "", "", ""},
		{"always_on", "always_on", "", ""},
		{"ratio=0.01", "traceidratio", "0.01", ""},
		{"ratio=0", "traceidratio", "0", ""},
		{"ratio=0.01,keep-failed=false", "traceidratio", "0.01", "false"},
		{"always_off", "always_off", "", ""},
	} {
		b.Run(mode.name, func(b *testing.B) {
			b.Setenv(traceenv.EnvTracesSampler, mode.sampler)
			b.Setenv(traceenv.EnvTracesSamplerArg, mode.arg)
			b.Setenv(traceenv.EnvKeepSlowerThan, "")
			b.Setenv(traceenv.EnvKeepFailed, mode.keepFailed)
			var tr *tracing.Tracer
			if mode.name != "untraced" {
				tr = newTracer(b, nil, true)
			}
			c := newCrew(5, tr)
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				kickoff(b, c)
			}
		})
	}
}

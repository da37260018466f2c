package tracing

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/internal/traceenv"
)

// setSampling sets the sampling variables (empty: unset).
func setSampling(t *testing.T, sampler, arg, slower string, keepFailed ...string) {
	t.Helper()
	t.Setenv(traceenv.EnvKeepFailed, strings.Join(keepFailed, ""))
	t.Setenv(traceenv.EnvTracesSampler, sampler)
	t.Setenv(traceenv.EnvTracesSamplerArg, arg)
	t.Setenv(traceenv.EnvKeepSlowerThan, slower)
}

// sampledRun runs the crew scenario on a fresh in-memory Tracer built with
// the sampling variables set, and returns the exported span tree's size,
// the crew's status and the Tracer's stats.
func sampledRun(t *testing.T, ctx context.Context, sc scenario) (exported int, st Stats, logs string) {
	t.Helper()
	tr, exp, lb := newMemTracer(t)
	_, _ = runCrew(ctx, tr, sc) // its end flushes
	return len(exp.GetSpans()), tr.Stats(), lb.String()
}

// TestSampling: OTEL_TRACES_SAMPLER and its argument choose the OTel SDK's
// sampler; with a ratio, a kickoff the ratio drops is still exported whole
// when it failed or was slower than CREWAI_TRACING_KEEP_SLOWER_THAN, and
// counted as unsampled otherwise. A ratio of 0 makes "the ratio drops it"
// certain.
func TestSampling(t *testing.T) {
	clearOTLPEnv(t)
	// The whole trees, sampled: the reference sizes.
	setSampling(t, "", "", "")
	okSpans, _, _ := sampledRun(t, context.Background(), scenario{})
	failSpans, _, _ := sampledRun(t, context.Background(), scenario{llmErr: errBoom})
	if okSpans == 0 || failSpans == 0 {
		t.Fatalf("reference runs exported %d and %d spans", okSpans, failSpans)
	}
	sampledParent := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(
		trace.SpanContextConfig{TraceID: testTraceID(5), SpanID: trace.SpanID{5}, TraceFlags: trace.FlagsSampled, Remote: true}))
	unsampledParent := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(
		trace.SpanContextConfig{TraceID: testTraceID(6), SpanID: trace.SpanID{6}, Remote: true}))

	// Invalid values are warned about once per process: unique ones, so
	// that -count=N warns each time.
	nonce := strconv.FormatInt(time.Now().UnixNano(), 36)
	cases := []struct {
		name                 string
		sampler, arg, slower string
		ctx                  context.Context
		fail                 bool
		keepFailed           string
		want                 string // "all": exported whole; "unsampled": recorded, not kept; "none": not recorded
		warn                 string
	}{
		{name: "default", want: "all"},
		{name: "always_on", sampler: "always_on", want: "all"},
		{name: "always_off", sampler: "always_off", want: "none"},
		{name: "always_off, failed: no keep rule without a ratio", sampler: "always_off", fail: true, want: "none"},
		{name: "parentbased_always_off", sampler: "parentbased_always_off", want: "none"},
		{name: "parentbased_always_off under a sampled parent", sampler: "parentbased_always_off", ctx: sampledParent, want: "all"},
		{name: "parentbased_always_on under an unsampled parent", sampler: "parentbased_always_on", ctx: unsampledParent, want: "none"},
		{name: "ratio 1", sampler: "traceidratio", arg: "1", want: "all"},
		{name: "ratio 0, succeeded", sampler: "traceidratio", arg: "0", want: "unsampled"},
		{name: "ratio 0, failed: kept", sampler: "traceidratio", arg: "0", fail: true, want: "all"},
		{name: "ratio 0, slower than 1ns: kept", sampler: "traceidratio", arg: "0", slower: "1ns", want: "all"},
		{name: "ratio 0, not slower than 1h", sampler: "traceidratio", arg: "0", slower: "1h", want: "unsampled"},
		{name: "parentbased ratio 0, failed: kept", sampler: "parentbased_traceidratio", arg: "0", fail: true, want: "all"},
		{name: "parentbased ratio 0 under a sampled parent", sampler: "parentbased_traceidratio", arg: "0", ctx: sampledParent, want: "all"},
		{name: "parentbased ratio 0 under an unsampled parent, failed: kept", sampler: "parentbased_traceidratio", arg: "0", ctx: unsampledParent, fail: true, want: "all"},
		{name: "ratio 0, failed, keep rule off: not traced", sampler: "traceidratio", arg: "0", fail: true, keepFailed: "false", want: "none"},
		{name: "ratio 0, keep rule off but slower than 1ns: kept", sampler: "traceidratio", arg: "0", slower: "1ns", keepFailed: "false", want: "all"},
		{name: "ratio 1, keep rule off", sampler: "traceidratio", arg: "1", keepFailed: "false", want: "all"},
		{name: "parentbased ratio 0, keep rule off, under a sampled parent", sampler: "parentbased_traceidratio", arg: "0", keepFailed: "false", ctx: sampledParent, want: "all"},
		{name: "unknown sampler: the default, one warning", sampler: "sometimes-" + nonce, want: "all", warn: "OTEL_TRACES_SAMPLER"},
		{name: "invalid ratio: 1, one warning", sampler: "traceidratio", arg: "2 " + nonce, want: "all", warn: "OTEL_TRACES_SAMPLER_ARG"},
		{name: "invalid keep duration: no slow rule, one warning", sampler: "traceidratio", arg: "0", slower: "soon " + nonce, want: "unsampled", warn: "CREWAI_TRACING_KEEP_SLOWER_THAN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			setSampling(t, c.sampler, c.arg, c.slower, c.keepFailed)
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			sc, whole := scenario{}, okSpans
			if c.fail {
				sc, whole = scenario{llmErr: errBoom}, failSpans
			}
			got, st, logs := sampledRun(t, ctx, sc)
			switch c.want {
			case "all":
				if got != whole || st.Exported != uint64(whole) || st.Unsampled != 0 {
					t.Errorf("exported %d spans (stats %+v), want the whole tree of %d", got, st, whole)
				}
			case "unsampled":
				if got != 0 || st.Unsampled != uint64(whole) || st.Started != 0 {
					t.Errorf("exported %d spans (stats %+v), want none started, %d steps counted unsampled", got, st, whole)
				}
			case "none":
				if got != 0 || st != (Stats{}) {
					t.Errorf("exported %d spans (stats %+v), want nothing recorded", got, st)
				}
			}
			n := strings.Count(logs, "level=WARN")
			if c.warn == "" && n != 0 || c.warn != "" && (n != 1 || !strings.Contains(logs, c.warn)) {
				t.Errorf("%d warnings, want one naming %q only if set:\n%s", n, c.warn, logs)
			}
		})
	}
}

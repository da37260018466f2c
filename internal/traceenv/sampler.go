package traceenv

import (
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// The sampling variables.
const (
	EnvTracesSampler    = "OTEL_TRACES_SAMPLER"
	EnvTracesSamplerArg = "OTEL_TRACES_SAMPLER_ARG"
	EnvKeepSlowerThan   = "CREWAI_TRACING_KEEP_SLOWER_THAN"
)

// The samplers OTEL_TRACES_SAMPLER accepts (the OpenTelemetry SDK
// environment specification's, less the remote ones).
const (
	SamplerAlwaysOn                = "always_on"
	SamplerAlwaysOff               = "always_off"
	SamplerTraceIDRatio            = "traceidratio"
	SamplerParentBasedAlwaysOn     = "parentbased_always_on"
	SamplerParentBasedAlwaysOff    = "parentbased_always_off"
	SamplerParentBasedTraceIDRatio = "parentbased_traceidratio"
)

const samplersAccepted = "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, " +
	"parentbased_traceidratio (any case)"

// Sampling is what OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG ask for.
type Sampling struct {
	// Sampler is one of the Sampler* names; the default is
	// parentbased_always_on.
	Sampler string
	// Ratio is the ratio of the traceidratio samplers, from 0 to 1
	// (default 1); 1 for the others.
	Ratio float64
}

// Ratioed reports whether the sampler keeps a ratio of the traces.
func (s Sampling) Ratioed() bool {
	return s.Sampler == SamplerTraceIDRatio || s.Sampler == SamplerParentBasedTraceIDRatio
}

// Sampler reads OTEL_TRACES_SAMPLER and, for the traceidratio samplers,
// OTEL_TRACES_SAMPLER_ARG (a number from 0 to 1; unset: 1). An unknown
// sampler falls back to the default, parentbased_always_on, and an invalid
// ratio to 1, each with one warning naming the variable, the value and the
// accepted values.
func Sampler(l *slog.Logger) Sampling {
	def := Sampling{Sampler: SamplerParentBasedAlwaysOn, Ratio: 1}
	raw := os.Getenv(EnvTracesSampler)
	name := strings.ToLower(strings.TrimSpace(raw))
	switch name {
	case "":
		return def
	case SamplerAlwaysOn, SamplerAlwaysOff, SamplerParentBasedAlwaysOn, SamplerParentBasedAlwaysOff:
		return Sampling{Sampler: name, Ratio: 1}
	case SamplerTraceIDRatio, SamplerParentBasedTraceIDRatio:
	default:
		warnOnce(l, EnvTracesSampler, raw, samplersAccepted, "using the default, parentbased_always_on")
		return def
	}
	s := Sampling{Sampler: name, Ratio: 1}
	argRaw := os.Getenv(EnvTracesSamplerArg)
	arg := strings.TrimSpace(argRaw)
	if arg == "" {
		return s
	}
	r, err := strconv.ParseFloat(arg, 64)
	if err != nil || math.IsNaN(r) || r < 0 || r > 1 {
		warnOnce(l, EnvTracesSamplerArg, argRaw, "a number from 0 to 1 (the ratio of traces kept)",
			"using 1 (every trace kept)")
		return s
	}
	s.Ratio = r
	return s
}

// KeepSlowerThan reads CREWAI_TRACING_KEEP_SLOWER_THAN: a positive Go
// duration ("30s", "1m30s"); a kickoff that took longer is kept whatever
// the sampler's ratio. Unset or invalid (one warning): 0, no such rule.
func KeepSlowerThan(l *slog.Logger) time.Duration {
	raw := os.Getenv(EnvKeepSlowerThan)
	v := strings.TrimSpace(raw)
	if v == "" {
		return 0
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	warnOnce(l, EnvKeepSlowerThan, raw, "a positive Go duration such as 500ms, 30s or 2m",
		"no kickoff is kept for being slow")
	return 0
}

// EnvKeepFailed turns the keep rule's failed-kickoff half off.
const EnvKeepFailed = "CREWAI_TRACING_KEEP_FAILED"

// KeepFailed reads CREWAI_TRACING_KEEP_FAILED: true (the default) keeps a
// failed kickoff that the sampler's ratio drops; false does not, so that,
// unless CREWAI_TRACING_KEEP_SLOWER_THAN is set, such kickoffs are not
// recorded at all. An invalid value: one warning, true.
func KeepFailed(l *slog.Logger) bool {
	raw := os.Getenv(EnvKeepFailed)
	on, ok := ParseBool(raw)
	if !ok {
		warnOnce(l, EnvKeepFailed, raw, boolAccepted, "failed kickoffs are kept")
		return true
	}
	return on || strings.TrimSpace(raw) == ""
}

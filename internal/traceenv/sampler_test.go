package traceenv

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestSampler(t *testing.T) {
	cases := []struct {
		sampler, arg string
		want         Sampling
		warn         string // a word the one warning must hold ("" for none)
	}{
		{"", "", Sampling{SamplerParentBasedAlwaysOn, 1}, ""},
		{"always_on", "0.5", Sampling{SamplerAlwaysOn, 1}, ""},
		{"ALWAYS_OFF", "", Sampling{SamplerAlwaysOff, 1}, ""},
		{" traceidratio ", "0.01", Sampling{SamplerTraceIDRatio, 0.01}, ""},
		{"traceidratio", "", Sampling{SamplerTraceIDRatio, 1}, ""},
		{"traceidratio", "0", Sampling{SamplerTraceIDRatio, 0}, ""},
		{"parentbased_always_on", "", Sampling{SamplerParentBasedAlwaysOn, 1}, ""},
		{"parentbased_always_off", "", Sampling{SamplerParentBasedAlwaysOff, 1}, ""},
		{"parentbased_traceidratio", "0.25", Sampling{SamplerParentBasedTraceIDRatio, 0.25}, ""},
		{"traceidratio", "1.5", Sampling{SamplerTraceIDRatio, 1}, "OTEL_TRACES_SAMPLER_ARG"},
		{"traceidratio", "-0.1", Sampling{SamplerTraceIDRatio, 1}, "OTEL_TRACES_SAMPLER_ARG"},
		{"parentbased_traceidratio", "ten percent", Sampling{SamplerParentBasedTraceIDRatio, 1}, "ten percent"},
		{"traceidratio", "NaN", Sampling{SamplerTraceIDRatio, 1}, "a number from 0 to 1"},
		{"jaeger_remote", "", Sampling{SamplerParentBasedAlwaysOn, 1}, "parentbased_traceidratio"},
		{"sometimes", "", Sampling{SamplerParentBasedAlwaysOn, 1}, "sometimes"},
	}
	for _, c := range cases {
		t.Run(c.sampler+"/"+c.arg, func(t *testing.T) {
			warned.Clear()
			t.Setenv(EnvTracesSampler, c.sampler)
			t.Setenv(EnvTracesSamplerArg, c.arg)
			var buf bytes.Buffer
			l := slog.New(slog.NewTextHandler(&buf, nil))
			if got := Sampler(l); got != c.want {
				t.Errorf("Sampler() = %+v, want %+v", got, c.want)
			}
			Sampler(l) // a second read warns no more
			n := strings.Count(buf.String(), "level=WARN")
			switch {
			case c.warn == "" && n != 0:
				t.Errorf("unexpected warning: %s", &buf)
			case c.warn != "" && (n != 1 || !strings.Contains(buf.String(), c.warn)):
				t.Errorf("want one warning naming %q, got %d:\n%s", c.warn, n, &buf)
			}
		})
	}
}

func TestKeepSlowerThan(t *testing.T) {
	cases := []struct {
		v    string
		want time.Duration
		warn bool
	}{
		{"", 0, false},
		{"30s", 30 * time.Second, false},
		{" 1m30s ", 90 * time.Second, false},
		{"250ms", 250 * time.Millisecond, false},
		{"30", 0, true}, // a Go duration needs its unit
		{"-1s", 0, true},
		{"0s", 0, true},
		{"slow", 0, true},
	}
	for _, c := range cases {
		t.Run(c.v, func(t *testing.T) {
			warned.Clear()
			t.Setenv(EnvKeepSlowerThan, c.v)
			var buf bytes.Buffer
			if got := KeepSlowerThan(slog.New(slog.NewTextHandler(&buf, nil))); got != c.want {
				t.Errorf("KeepSlowerThan() = %v, want %v", got, c.want)
			}
			if warned := strings.Count(buf.String(), "level=WARN") == 1 &&
				strings.Contains(buf.String(), EnvKeepSlowerThan); warned != c.warn {
				t.Errorf("warned %v, want %v:\n%s", warned, c.warn, &buf)
			}
		})
	}
}

func TestKeepFailed(t *testing.T) {
	for _, c := range []struct {
		v          string
		want, warn bool
	}{
		{"", true, false}, {"true", true, false}, {"false", false, false}, {"OFF", false, false}, {"maybe", true, true},
	} {
		warned.Clear()
		t.Setenv(EnvKeepFailed, c.v)
		var buf bytes.Buffer
		if got := KeepFailed(slog.New(slog.NewTextHandler(&buf, nil))); got != c.want {
			t.Errorf("KeepFailed(%q) = %v, want %v", c.v, got, c.want)
		}
		if w := strings.Contains(buf.String(), EnvKeepFailed); w != c.warn {
			t.Errorf("%q: warned %v, want %v", c.v, w, c.warn)
		}
	}
}

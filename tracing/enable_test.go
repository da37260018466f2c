package tracing

import (
	"context"
	"testing"

	"github.com/crewai-go/crewai/internal/traceenv"
)

func TestAttachDisabledIsNoop(t *testing.T) {
	t.Setenv(traceenv.EnvTracingEnabled, "")
	t.Setenv(traceenv.EnvSDKDisabled, "true")
	tr, exp, _ := newMemTracer(t)
	if _, err := runCrew(context.Background(), tr, scenario{}); err != nil {
		t.Fatal(err)
	}
	if n := len(exp.GetSpans()); n != 0 {
		t.Errorf("%d spans with OTEL_SDK_DISABLED=true", n)
	}
}

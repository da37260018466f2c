package e2e_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/e2e/jaegertest"
)

// jaeger is the instance shared by every test of the package, started by
// TestMain. It is nil when the tests run with -short.
var jaeger *jaegertest.Instance

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// testing.Short needs parsed flags; m.Run would parse them too late.
	if !parseShort() {
		ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
		bin, err := jaegertest.Binary(ctx, jaegertest.BuildOptions{ModuleDir: "jaegertool", Log: os.Stderr})
		if err != nil {
			cancel()
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		jaeger, err = jaegertest.Start(ctx, jaegertest.Options{Binary: bin})
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "e2e: jaeger pid %d: OTLP gRPC %s, OTLP HTTP %s, query %s\n",
			jaegerPID(), jaeger.OTLPGRPC, jaeger.OTLPHTTP, jaeger.QueryURL)
	}
	code := m.Run()
	removeBinDir()
	if jaeger != nil {
		if code != 0 {
			fmt.Fprintf(os.Stderr, "e2e: jaeger log (last lines):\n%s\n", jaeger.LogTail(30))
		}
		if err := jaeger.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			code = 1
		}
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: goroutine leak:", err)
			code = 1
		}
	}
	return code
}

// parseShort reports whether -test.short was given, without parsing the
// flags (testing does that in m.Run).
func parseShort() bool {
	for _, a := range os.Args[1:] {
		a = strings.TrimLeft(a, "-")
		if a == "test.short" || a == "test.short=true" {
			return true
		}
	}
	return false
}

func jaegerPID() int { return jaeger.PID() }

// needJaeger skips the test when TestMain did not start Jaeger (-short).
func needJaeger(t *testing.T) *jaegertest.Instance {
	t.Helper()
	if jaeger == nil {
		t.Skip("e2e: -short: Jaeger not started")
	}
	return jaeger
}

// waitCtx returns a context bounded by the deadline used for reading traces
// back, cancelled when the test ends.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// serviceName returns a service name unique to this test and run.
func serviceName(t *testing.T) string {
	r := strings.NewReplacer("/", "-", " ", "_")
	return fmt.Sprintf("e2e-%s-%d", r.Replace(t.Name()), time.Now().UnixNano())
}

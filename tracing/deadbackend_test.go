package tracing

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crewai-go/crewai/internal/aop/aoptest"
	"github.com/crewai-go/crewai/internal/traceenv"
)

// silentListener accepts connections and never answers on them; it counts
// them.
type silentListener struct {
	lis      net.Listener
	accepted atomic.Int64
	mu       sync.Mutex
	conns    []net.Conn
	done     chan struct{}
}

func newSilentListener(t *testing.T) *silentListener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentListener{lis: lis, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		lis.Close()
		<-s.done
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	return s
}

// closedPort returns the address of a port nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

// testClock is a settable clock for the back-off.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) now() time.Time { return time.Unix(0, c.ns.Load()) }

// TestDeadBackendBacksOff: for every network protocol, a backend that
// refuses connections or accepts them and never answers costs one attempt;
// the kickoffs after it do not try again (their spans are dropped and
// counted) until the back-off has passed, then one probe is sent.
func TestDeadBackendBacksOff(t *testing.T) {
	const kickoffs, spansPerKickoff = 4, 11
	for _, proto := range []string{"http/protobuf", "http/json", "grpc", "crewai"} {
		for _, fault := range []string{"refused", "silent"} {
			t.Run(proto+"/"+fault, func(t *testing.T) {
				clearOTLPEnv(t)
				var (
					addr   string
					silent *silentListener
				)
				if fault == "refused" {
					addr = closedPort(t)
				} else {
					silent = newSilentListener(t)
					addr = silent.lis.Addr().String()
				}
				clk := &testClock{}
				clk.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
				logs := &logBuf{}
				opts := []Option{WithLogger(logs.logger()), WithNotice(nil), WithFlushTimeout(300 * time.Millisecond),
					WithBatchDelay(time.Hour), withBackoff(time.Second, time.Hour, clk.now)}
				if proto == "crewai" {
					opts = append(opts, WithCrewAI(CrewAIConfig{Credential: aoptest.DefaultCredential, BaseURL: "http://" + addr}))
				} else {
					t.Setenv(traceenv.EnvOTLPEndpoint, "http://"+addr)
					t.Setenv(traceenv.EnvOTLPProtocol, proto)
				}
				tr, err := New(opts...)
				if err != nil {
					t.Fatal(err)
				}
				var took []time.Duration
				for range kickoffs {
					out, d := runWithDeadline(t, tr)
					if out != "answer write" {
						t.Fatalf("result changed: %q", out)
					}
					took = append(took, d.Round(time.Millisecond))
				}
				t.Logf("kickoff times (flush timeout 300ms; logged, not asserted): %v", took)
				if !tr.batch.Unavailable() {
					t.Error("the backend is not taken for down")
				}
				if n := tr.batch.Sent(); n != 1 {
					t.Errorf("%d exports sent over %d kickoffs, want 1 (then back-off)", n, kickoffs)
				}
				// Once the attempt has failed (the silent backend: after the
				// export timeout) and the back-off has passed, the next
				// kickoff's spans are a probe, which fails too.
				deadline := time.Now().Add(20 * time.Second)
				for tr.Stats().Failed != spansPerKickoff || !tr.batch.Idle() {
					if time.Now().After(deadline) {
						t.Fatalf("the first export never failed: %+v", tr.Stats())
					}
					time.Sleep(5 * time.Millisecond)
				}
				clk.ns.Add(int64(2 * time.Hour))
				if out, _ := runWithDeadline(t, tr); out != "answer write" {
					t.Fatalf("result changed: %q", out)
				}
				shutdown(t, tr)
				if n := tr.batch.Sent(); n != 2 {
					t.Errorf("%d exports sent, want 2 (one attempt, one probe after the back-off)", n)
				}
				st := tr.Stats()
				want := Stats{Started: (kickoffs + 1) * spansPerKickoff, Failed: 2 * spansPerKickoff,
					Dropped: (kickoffs - 1) * spansPerKickoff}
				if st != want {
					t.Errorf("stats %+v, want %+v (every span of the skipped exports dropped and counted)", st, want)
				}
				if silent != nil && proto != "grpc" {
					// HTTP: one connection per attempt (gRPC keeps one
					// connection, in its handshake, for both).
					if n := silent.accepted.Load(); n != 2 {
						t.Errorf("%d connections, want 2", n)
					}
				}
				// One warning per cause; the crewai backend names its
				// timeouts apart (the grant's) from the flush's.
				wantWarnings := 1
				if proto == "crewai" && fault == "silent" {
					wantWarnings = 2
				}
				if n := logs.warnings(); n != wantWarnings {
					t.Errorf("%d warnings, want %d:\n%s", n, wantWarnings, logs)
				}
				if !strings.Contains(logs.String(), "do not wait") {
					t.Errorf("the warning does not say kickoffs stop waiting:\n%s", logs)
				}
			})
		}
	}
}

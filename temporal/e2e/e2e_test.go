package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.uber.org/goleak"

	crewtemporal "github.com/crewai-go/crewai/temporal"
	"github.com/crewai-go/crewai/temporal/e2e/e2eflow"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// The gRPC connection of a closed Temporal client winds down in the
		// background.
		goleak.IgnoreTopFunction("google.golang.org/grpc/internal/grpcsync.(*CallbackSerializer).run"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// proc is a child process in its own process group, stopped by Cleanup.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func start(t *testing.T, name, logPath string, bin string, args ...string) *proc {
	t.Helper()
	logf, err := os.Create(logPath)
	require.NoError(t, err)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start(), "start %s", name)
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t, syscall.SIGTERM) })
	return p
}

// stop sends sig to the process group and waits for the process; after 15s
// it sends SIGKILL.
func (p *proc) stop(t *testing.T, sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Logf("%s did not stop on %v; killing it", p.name, sig)
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// span is the part of a stdouttrace JSON span the test reads.
type span struct {
	Name        string `json:"Name"`
	SpanContext struct {
		TraceID string `json:"TraceID"`
		SpanID  string `json:"SpanID"`
	} `json:"SpanContext"`
	Parent struct {
		SpanID string `json:"SpanID"`
	} `json:"Parent"`
	Resource []struct {
		Key   string `json:"Key"`
		Value struct {
			Value any `json:"Value"`
		} `json:"Value"`
	} `json:"Resource"`
}

func (s span) instance() string {
	for _, kv := range s.Resource {
		if kv.Key == string(semconv.ServiceInstanceIDKey) {
			return fmt.Sprint(kv.Value.Value)
		}
	}
	return ""
}

func readSpans(t *testing.T, path string) []span {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []span
	dec := json.NewDecoder(bufio.NewReader(f))
	for {
		var s span
		if err := dec.Decode(&s); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			// A worker killed in the middle of a write leaves a partial
			// line at the end: keep what decoded.
			t.Logf("%s: stopped reading at a partial span: %v", filepath.Base(path), err)
			return out
		}
		out = append(out, s)
	}
}

func waitFile(t *testing.T, path string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			return string(data)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not appear within %v", path, within)
	return ""
}

func TestWorkerKilledMidFlow(t *testing.T) {
	cli := os.Getenv("TEMPORAL_CLI")
	if cli == "" {
		t.Skip("TEMPORAL_CLI is not set; run temporal/run-e2e.sh, which builds the Temporal CLI and sets it")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// The worker binary.
	workerBin := filepath.Join(dir, "testworker")
	build := exec.CommandContext(ctx, "go", "build", "-o", workerBin, "./testworker")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the worker: %v\n%s", err, out)
	}

	// The dev server: in memory, every port on 127.0.0.1.
	port, httpPort, metricsPort := freePort(t), freePort(t), freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	server := start(t, "dev server", filepath.Join(dir, "server.log"), cli, "server", "start-dev",
		"--ip", "127.0.0.1", "--port", strconv.Itoa(port), "--http-port", strconv.Itoa(httpPort),
		"--metrics-port", strconv.Itoa(metricsPort), "--headless", "--log-level", "warn")
	t.Logf("dev server pid %d on %s (http %d, metrics %d), in memory", server.cmd.Process.Pid, addr, httpPort, metricsPort)

	// The client, with its own spans.
	clientSpans := filepath.Join(dir, "client.jsonl")
	cf, err := os.Create(clientSpans)
	require.NoError(t, err)
	defer cf.Close()
	exp, err := stdouttrace.New(stdouttrace.WithWriter(cf))
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("crewai-e2e-client"), semconv.ServiceInstanceID("client"))))
	defer tp.Shutdown(context.Background())
	ti, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{Tracer: tp.Tracer("temporal")})
	require.NoError(t, err)
	logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	var c client.Client
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err = client.Dial(client.Options{HostPort: addr, Interceptors: []interceptor.ClientInterceptor{ti}, Logger: logger})
		if err == nil {
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				break
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dev server is not ready: %v (log: %s)", err, filepath.Join(dir, "server.log"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	defer c.Close()

	// Worker A, then the flow: A runs plan and research and blocks in review.
	marker := filepath.Join(dir, "review.claimed")
	workers := map[string]*proc{}
	spanFiles := map[string]string{}
	startWorker := func(id string) {
		spanFiles[id] = filepath.Join(dir, "worker-"+id+".jsonl")
		workers[id] = start(t, "worker "+id, filepath.Join(dir, "worker-"+id+".log"), workerBin,
			"-address", addr, "-id", id, "-spans", spanFiles[id], "-marker", marker)
		t.Logf("worker %s pid %d", id, workers[id].cmd.Process.Pid)
	}
	startWorker("A")
	f, crews := e2eflow.New(e2eflow.Config{})
	run, err := crewtemporal.StartFlow(ctx, c, f, map[string]any{"topic": "durable agents"},
		client.StartWorkflowOptions{ID: "e2e-" + strconv.FormatInt(time.Now().UnixNano(), 36), TaskQueue: e2eflow.TaskQueue})
	require.NoError(t, err)
	t.Logf("flow started: workflow %s run %s", run.ID(), run.RunID())

	blocked := waitFile(t, marker, 90*time.Second)
	require.Equal(t, "A", blocked, "worker A runs the blocking method")
	startWorker("B")
	workers["A"].stop(t, syscall.SIGKILL)
	t.Logf("KILLED worker A (pid %d, SIGKILL) while it ran method %q", workers["A"].cmd.Process.Pid, "review")

	res, err := run.Get(ctx)
	require.NoError(t, err)
	state, _ := json.Marshal(res.State)
	t.Logf("RESUMED method %q on worker %s; the flow completed with method %q", "review", res.State.RanBy["review"], res.Method)
	t.Logf("FINAL STATE %s", state)
	assert.Equal(t, map[string]string{"plan": "A", "research": "A", "review": "B", "publish": "B"}, res.State.RanBy,
		"A's completed methods are not run again; B resumes after them")
	assert.Equal(t, "- fact one\n- fact two\n- fact three", res.State.Research)
	assert.Equal(t, "A short article built on three facts.", res.Output)

	// Determinism: the run's history, which spans both workers, replays
	// against the definitions.
	hist := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, run.ID(), run.RunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, ev)
	}
	replayer := worker.NewWorkflowReplayer()
	require.NoError(t, crewtemporal.RegisterWorkflows(replayer, crewtemporal.Registry{Flows: []crewtemporal.FlowDefinition{f}, Crews: crews, Options: e2eflow.Options}))
	require.NoError(t, replayer.ReplayWorkflowHistory(logger, hist), "the history replays deterministically")
	t.Logf("history of %d events replays deterministically", len(hist.Events))

	// One trace, with spans from both workers.
	workers["B"].stop(t, syscall.SIGTERM)
	require.NoError(t, tp.ForceFlush(ctx))
	all := map[string][]span{"client": readSpans(t, clientSpans), "A": readSpans(t, spanFiles["A"]), "B": readSpans(t, spanFiles["B"])}
	require.NotEmpty(t, all["client"])
	traceID := ""
	for _, s := range all["client"] {
		if strings.HasPrefix(s.Name, "StartWorkflow:") {
			traceID = s.SpanContext.TraceID
		}
	}
	require.NotEmpty(t, traceID, "the client's StartWorkflow span")
	byID := map[string]span{}
	counts := map[string]int{}
	for who, spans := range all {
		for _, s := range spans {
			assert.Equal(t, traceID, s.SpanContext.TraceID, "span %q from %s is in the flow's trace", s.Name, who)
			if s.instance() != who {
				t.Errorf("span %q in %s's file has service.instance.id %q", s.Name, who, s.instance())
			}
			byID[s.SpanContext.SpanID] = s
			counts[who]++
		}
	}
	t.Logf("TRACE %s: spans per worker: client %d, A %d, B %d", traceID, counts["client"], counts["A"], counts["B"])
	assert.Positive(t, counts["A"], "spans from worker A")
	assert.Positive(t, counts["B"], "spans from worker B")

	// The crews' spans nest under their methods' spans, which nest under
	// the Temporal activity spans.
	for who, pair := range map[string][2]string{"A": {"research", "research crew"}, "B": {"publish", "writing crew"}} {
		var crewSpan *span
		for _, s := range all[who] {
			if s.Name == "invoke_workflow "+pair[1] {
				crewSpan = &s
			}
		}
		require.NotNil(t, crewSpan, "crew span %q on %s", pair[1], who)
		node := byID[crewSpan.Parent.SpanID]
		assert.Equal(t, "invoke_node "+pair[0], node.Name, "the crew's parent is its method")
		var chain []string
		for s, ok := node, true; ok; s, ok = byID[s.Parent.SpanID] {
			chain = append(chain, s.Name)
		}
		assert.Contains(t, chain, "RunActivity:ResearchPipeline."+pair[0], "the method runs under its activity span: %v", chain)
	}
	// A method on a worker makes one invoke_node span, a direct child of its
	// activity's span, and no flow span of its own. The completed methods
	// are plan and research on A, review and publish on B.
	nodes := map[string][]string{}
	for who, spans := range all {
		for _, s := range spans {
			assert.NotEqual(t, "invoke_workflow ResearchPipeline", s.Name, "%s: no flow span around a single method", who)
			if m, ok := strings.CutPrefix(s.Name, "invoke_node "); ok {
				nodes[who] = append(nodes[who], m)
				assert.Equal(t, "RunActivity:ResearchPipeline."+m, byID[s.Parent.SpanID].Name, "%s: the parent of %q", who, s.Name)
			}
		}
		sort.Strings(nodes[who])
	}
	assert.Equal(t, map[string][]string{"A": {"plan", "research"}, "B": {"publish", "review"}}, nodes,
		"one method span per completed method (A's interrupted review exported nothing)")
	// Per worker: A has init, plan, research (RunActivity + StartActivity
	// each), the StartActivity of review, 2 method spans and the research
	// crew's 4 spans (crew, task, agent, model call): 13. B has the
	// workflow span, review and publish (RunActivity each, StartActivity of
	// publish), 2 method spans and the writing crew's 4: 10.
	assert.Equal(t, map[string]int{"client": 1, "A": 13, "B": 10}, counts, "spans per process")
	names := map[string][]string{}
	for who, spans := range all {
		for _, s := range spans {
			names[who] = append(names[who], s.Name)
		}
		sort.Strings(names[who])
	}
	assert.Contains(t, names["B"], "RunActivity:ResearchPipeline.review", "B ran the resumed method")
	assert.NotContains(t, names["A"], "RunActivity:ResearchPipeline.review", "A never finished it")
	t.Logf("span names per worker: %v", names)
}

package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewai-go/crewai/e2e/jaegertest"
)

// A scenario is one traced kickoff run as a process of its own, with the
// trace it must leave in Jaeger.
type scenario struct {
	name string
	// bin builds (once) and returns the program to run.
	bin  func(t *testing.T) string
	args []string
	// tracingEnv sets CREWAI_TRACING_ENABLED=true; scenarios whose crew or
	// flow sets Tracing: true run without it, to prove that path.
	tracingEnv bool
	// tree is the expected outline of the trace (jaegertest.Trace.Tree).
	tree string
	// models are the chat spans' expected gen_ai.request.model.
	model string
	// tools are the tool names expected on execute_tool spans.
	tools []string
	// failingTool names the tool whose span must have status Error, and
	// failMessage what its exception event must say.
	failingTool, failMessage string
	// kickoffs is the number of kickoffs the run makes (0 means 1), each of
	// which must leave one trace of the same shape.
	kickoffs int
	// checkOutput checks the process's output against the trace.
	checkOutput func(t *testing.T, out string, tr *jaegertest.Trace)
}

var scenarios = []scenario{
	{
		// The quickstart exactly as a user runs it (go build ./examples/quickstart
		// in the library's module); its crew sets Tracing: true.
		name: "quickstart",
		bin:  rootProgram("./examples/quickstart"),
		tree: `invoke_workflow research crew [internal]
  execute_task research [internal]
    invoke_agent Senior Research Analyst [internal]
      chat scripted-offline [client]
      execute_tool search [internal]
      chat scripted-offline [client]
  execute_task write [internal]
    invoke_agent Tech Content Strategist [internal]
      chat scripted-offline [client]
`,
		model:       "scripted-offline",
		tools:       []string{"search"},
		checkOutput: checkQuickstartUsage,
	},
	{
		// The seed's ExampleFlow (go build ./examples/flow); Tracing: true.
		name: "flow",
		bin:  rootProgram("./examples/flow"),
		tree: `invoke_workflow ExampleFlow [internal]
  invoke_node first_method [internal]
  invoke_node second_method [internal]
  invoke_node second_method [internal]
  invoke_node second_method [internal]
  invoke_node final_method [internal]
`,
	},
	{
		// A flow whose method kicks off a crew: the crew's spans are part of
		// the flow's trace, under the method's span.
		name: "flow-crew",
		bin:  e2eProgram("./scenario"),
		args: []string{"flow-crew"},
		tree: `invoke_workflow TripFlow [internal]
  invoke_node pick_city [internal]
  invoke_node plan_trip [internal]
    invoke_workflow planning crew [internal]
      execute_task plan [internal]
        invoke_agent Travel Planner [internal]
          chat scripted-flow-model [client]
  invoke_node summarize [internal]
`,
		model: "scripted-flow-model",
	},
	{
		// A crew whose tool fails; tracing is on through the environment only.
		name:       "failing-tool",
		bin:        e2eProgram("./scenario"),
		args:       []string{"failing-tool"},
		tracingEnv: true,
		tree: `invoke_workflow reader crew [internal]
  execute_task summarise [internal]
    invoke_agent Release Reader [internal]
      chat scripted-tool-model [client]
      execute_tool fetch_page [internal] ERROR
      chat scripted-tool-model [client]
`,
		model:       "scripted-tool-model",
		tools:       []string{"fetch_page"},
		failingTool: "fetch_page",
		failMessage: "host unreachable",
	},
	{
		// Two kickoffs of the failing-tool crew at once in one process, on
		// the shared process-wide exporter: two separate, complete traces.
		name:       "concurrent",
		bin:        e2eProgram("./scenario"),
		args:       []string{"concurrent"},
		tracingEnv: true,
		kickoffs:   2,
		tree: `invoke_workflow reader crew [internal]
  execute_task summarise [internal]
    invoke_agent Release Reader [internal]
      chat scripted-tool-model [client]
      execute_tool fetch_page [internal] ERROR
      chat scripted-tool-model [client]
`,
		model:       "scripted-tool-model",
		tools:       []string{"fetch_page"},
		failingTool: "fetch_page",
		failMessage: "host unreachable",
	},
}

// TestTracesInJaeger runs every scenario once over OTLP HTTP/protobuf and once
// over OTLP gRPC, each as a separate process with its own OTEL_SERVICE_NAME,
// and checks what Jaeger's query API returns.
func TestTracesInJaeger(t *testing.T) {
	j := needJaeger(t)
	for _, proto := range []string{"http/protobuf", "grpc"} {
		t.Run(strings.ReplaceAll(proto, "/", "-"), func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					runScenario(t, j, proto, sc)
				})
			}
		})
	}
}

var traceLine = regexp.MustCompile(`crewai: trace ([0-9a-f]{32}) sent over OTLP`)

func runScenario(t *testing.T, j *jaegertest.Instance, proto string, sc scenario) {
	bin := sc.bin(t)
	svc := serviceName(t)
	tracesDir := t.TempDir()
	otlp, err := j.OTLPEnv(proto)
	if err != nil {
		t.Fatal(err)
	}
	env := append(cleanEnv(),
		"OTEL_SERVICE_NAME="+svc,
		"CREWAI_TRACES_DIR="+tracesDir, // must stay empty: the backend is OTLP
		"CREWAI_TRACING_FLUSH_TIMEOUT=20s",
	)
	env = append(env, otlp...)
	if sc.tracingEnv {
		env = append(env, "CREWAI_TRACING_ENABLED=true")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, sc.args...)
	cmd.Dir = t.TempDir()
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(sc.args, " "), err, out.String())
	}
	output := out.String()
	// A failing tool is warned about by design (the agent's default
	// ToolFailurePolicy); any other warning (an export that failed, a
	// dropped span) is a failure of the test.
	for _, line := range strings.Split(output, "\n") {
		if strings.Contains(line, "WARN") && !strings.Contains(line, "(ToolFailurePolicy warn)") {
			t.Errorf("the run logged a warning:\n%s", output)
			break
		}
	}

	// The run names its traces; they must be the service's only traces.
	kickoffs := max(sc.kickoffs, 1)
	var printed []string
	for _, m := range traceLine.FindAllStringSubmatch(output, -1) {
		printed = append(printed, m[1])
	}
	// The notice is shown once per process, whatever the number of kickoffs.
	if len(printed) != 1 {
		t.Fatalf("%d %q lines in the output, want 1 (once per process):\n%s", len(printed), "crewai: trace <id> sent over OTLP", output)
	}
	wantSpans := strings.Count(sc.tree, "\n")
	c := j.Client()
	traces, err := c.WaitTraces(waitCtx(t), svc, func(ts []jaegertest.Trace) bool {
		n := 0
		for _, tr := range ts {
			n += len(tr.Spans)
		}
		return n >= kickoffs*wantSpans
	})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for i := range traces {
		found = append(found, traces[i].TraceID)
	}
	slices.Sort(found)
	if len(found) != kickoffs || !slices.Contains(found, printed[0]) {
		t.Fatalf("service %s has traces %v; want %d (one per kickoff), among them the printed %s", svc, found, kickoffs, printed[0])
	}
	for _, traceID := range found {
		// Read it again by ID, as the UI's trace page does.
		tr, err := c.Trace(waitCtx(t), traceID)
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.Tree(); got != sc.tree {
			t.Errorf("trace %s:\n%s\nwant:\n%s", traceID, got, sc.tree)
		}
		if len(tr.Spans) != wantSpans {
			t.Errorf("trace %s has %d spans, want %d", traceID, len(tr.Spans), wantSpans)
		}
		if len(tr.Warnings) > 0 {
			t.Errorf("Jaeger warns about trace %s: %q", traceID, tr.Warnings)
		}
		checkSpans(t, tr, svc, sc)
		if sc.checkOutput != nil {
			sc.checkOutput(t, output, tr)
		}
		t.Logf("trace %s: %d spans checked (service %s, OTLP %s)", traceID, len(tr.Spans), svc, proto)
	}
	if left, _ := os.ReadDir(tracesDir); len(left) > 0 {
		t.Errorf("the file backend wrote %d entries to CREWAI_TRACES_DIR; the OTLP backend should have been chosen", len(left))
	}
}

// checkSpans checks every span's service, operation name, kind and GenAI
// attributes, the usage totals of the root, and the failing tool's error.
func checkSpans(t *testing.T, tr *jaegertest.Trace, svc string, sc scenario) {
	t.Helper()
	var chatIn, chatOut, chats int64
	for i := range tr.Spans {
		s := &tr.Spans[i]
		name := s.OperationName
		if got := tr.Service(s); got != svc {
			t.Errorf("%s: service %q, want %q", name, got, svc)
		}
		op, target, _ := strings.Cut(name, " ")
		if got := s.TagString("gen_ai.operation.name"); got != op {
			t.Errorf("%s: gen_ai.operation.name = %q, want %q", name, got, op)
		}
		wantOI := map[string]string{"chat": "LLM", "execute_tool": "TOOL", "invoke_agent": "AGENT"}[op]
		if wantOI == "" {
			wantOI = "CHAIN"
		}
		if got := s.TagString("openinference.span.kind"); got != wantOI {
			t.Errorf("%s: openinference.span.kind = %q, want %q", name, got, wantOI)
		}
		wantKind := "internal"
		if op == "chat" {
			wantKind = "client"
		}
		if got := s.Kind(); got != wantKind {
			t.Errorf("%s: span kind %q, want %q", name, got, wantKind)
		}
		if s.Duration <= 0 {
			t.Errorf("%s: duration %dµs", name, s.Duration)
		}
		switch op {
		case "chat":
			chats++
			if got := s.TagString("gen_ai.request.model"); got != sc.model {
				t.Errorf("%s: gen_ai.request.model = %q, want %q", name, got, sc.model)
			}
			if s.TagString("gen_ai.provider.name") == "" {
				t.Errorf("%s: no gen_ai.provider.name", name)
			}
			in, okIn := s.TagInt("gen_ai.usage.input_tokens")
			outTok, okOut := s.TagInt("gen_ai.usage.output_tokens")
			if !okIn || !okOut || in <= 0 || outTok <= 0 {
				t.Errorf("%s: gen_ai.usage.input_tokens = %d (%v), output_tokens = %d (%v); want both > 0", name, in, okIn, outTok, okOut)
			}
			chatIn += in
			chatOut += outTok
		case "execute_tool":
			if got := s.TagString("gen_ai.tool.name"); got != target {
				t.Errorf("%s: gen_ai.tool.name = %q, want %q", name, got, target)
			}
			if len(sc.tools) > 0 && !contains(sc.tools, target) {
				t.Errorf("%s: unexpected tool (want one of %q)", name, sc.tools)
			}
			failing := target == sc.failingTool
			if s.IsError() != failing {
				t.Errorf("%s: error status %v, want %v", name, s.IsError(), failing)
			}
			if failing {
				checkFailedSpan(t, s, sc.failMessage)
			}
		case "invoke_workflow":
			if got := s.TagString("gen_ai.workflow.name"); got != target {
				t.Errorf("%s: gen_ai.workflow.name = %q, want %q", name, got, target)
			}
		case "invoke_agent":
			if got := s.TagString("gen_ai.agent.name"); got != target {
				t.Errorf("%s: gen_ai.agent.name = %q, want %q", name, got, target)
			}
		}
		if op != "execute_tool" || target != sc.failingTool {
			if s.IsError() || len(s.LogsNamed("exception")) > 0 {
				t.Errorf("%s: unexpected error status or exception event", name)
			}
		}
	}
	// The root carries the run's total usage, counted once.
	roots := tr.Roots()
	if len(roots) != 1 {
		t.Fatalf("trace has %d roots, want 1", len(roots))
	}
	root := roots[0]
	if in, _ := root.TagInt("gen_ai.usage.input_tokens"); in != chatIn {
		t.Errorf("%s: gen_ai.usage.input_tokens = %d, want %d (the sum over the chat spans)", root.OperationName, in, chatIn)
	}
	if out, _ := root.TagInt("gen_ai.usage.output_tokens"); out != chatOut {
		t.Errorf("%s: gen_ai.usage.output_tokens = %d, want %d (the sum over the chat spans)", root.OperationName, out, chatOut)
	}
	if chats > 0 {
		if n, _ := root.TagInt("crewai.usage.successful_requests"); n != chats {
			t.Errorf("%s: crewai.usage.successful_requests = %d, want %d chat spans", root.OperationName, n, chats)
		}
	}
}

// checkFailedSpan checks how Jaeger shows a span whose status is Error.
func checkFailedSpan(t *testing.T, s *jaegertest.Span, message string) {
	t.Helper()
	name := s.OperationName
	if got := s.TagString("otel.status_code"); got != "ERROR" {
		t.Errorf("%s: otel.status_code = %q, want ERROR", name, got)
	}
	if v, ok := s.Tag("error"); !ok || v != true {
		t.Errorf("%s: error tag = %v (%v), want true", name, v, ok)
	}
	if s.TagString("error.type") == "" {
		t.Errorf("%s: no error.type", name)
	}
	if got := s.TagString("otel.status_description"); !strings.Contains(got, message) {
		t.Errorf("%s: otel.status_description = %q, want it to contain %q", name, got, message)
	}
	ex := s.LogsNamed("exception")
	if len(ex) != 1 {
		t.Fatalf("%s: %d exception events, want 1", name, len(ex))
	}
	if v, _ := ex[0].Field("exception.message"); !strings.Contains(fmt.Sprint(v), message) {
		t.Errorf("%s: exception.message = %q, want it to contain %q", name, v, message)
	}
}

var usageLine = regexp.MustCompile(`Token usage: (\d+) total \((\d+) prompt, \d+ cached prompt, (\d+) completion\) in (\d+) requests`)

// checkQuickstartUsage compares the usage the quickstart prints with the
// usage on its trace's root span.
func checkQuickstartUsage(t *testing.T, out string, tr *jaegertest.Trace) {
	t.Helper()
	m := usageLine.FindStringSubmatch(out)
	if m == nil {
		t.Errorf("no usage line in the quickstart's output:\n%s", out)
		return
	}
	root := tr.Roots()[0]
	for _, c := range []struct {
		tag  string
		want string
	}{
		{"crewai.usage.total_tokens", m[1]},
		{"gen_ai.usage.input_tokens", m[2]},
		{"gen_ai.usage.output_tokens", m[3]},
		{"crewai.usage.successful_requests", m[4]},
	} {
		got, _ := root.TagInt(c.tag)
		if strconv.FormatInt(got, 10) != c.want {
			t.Errorf("%s: %s = %d; the quickstart printed %s", root.OperationName, c.tag, got, c.want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cleanEnv is this process's environment without what would change the runs:
// model credentials (the runs must use their scripted models) and every
// OTEL_ and CREWAI_ setting (the test sets its own).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "OTEL_") || strings.HasPrefix(k, "CREWAI_") || strings.HasPrefix(k, "OPENAI_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Programs are built once per test process, into binDir.
var (
	binDir     string
	binDirOnce sync.Once
	binDirErr  error
	builds     sync.Map // package path → *build
)

type build struct {
	once sync.Once
	path string
	err  error
}

// rootProgram returns a builder for a main package of the library's module,
// built there as a user would (go build in the repository).
func rootProgram(pkg string) func(t *testing.T) string {
	return func(t *testing.T) string { return program(t, "..", pkg) }
}

// e2eProgram returns a builder for a main package of this module.
func e2eProgram(pkg string) func(t *testing.T) string {
	return func(t *testing.T) string { return program(t, ".", pkg) }
}

func program(t *testing.T, dir, pkg string) string {
	t.Helper()
	binDirOnce.Do(func() { binDir, binDirErr = os.MkdirTemp("", "crewai-e2e-bin-") })
	if binDirErr != nil {
		t.Fatal(binDirErr)
	}
	v, _ := builds.LoadOrStore(dir+"|"+pkg, &build{})
	b := v.(*build)
	b.once.Do(func() {
		b.path = filepath.Join(binDir, strings.NewReplacer("/", "_", ".", "_").Replace(dir+pkg))
		cmd := exec.Command("go", "build", "-o", b.path, pkg)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s (in %s): %v\n%s", pkg, dir, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// removeBinDir removes the programs built by the tests.
func removeBinDir() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

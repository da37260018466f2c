package tracing_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/internal/aop"
	"github.com/crewai-go/crewai/internal/aop/aoptest"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

// syncBuf is a log sink safe for concurrent writes.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// clearCrewAIEnv unsets the variables the crewai backend reads, and keeps
// trace files in a temporary folder.
func clearCrewAIEnv(t *testing.T) string {
	t.Helper()
	for _, k := range []string{"CREWAI_USER_PAT", "CREWAI_PLATFORM_INTEGRATION_TOKEN", "CREWAI_PLUS_URL",
		"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED",
		"CREWAI_TRACING_ENABLED"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	t.Setenv("CREWAI_TRACES_DIR", dir)
	return dir
}

// aopTracer builds a Tracer on the crewai backend pointed at fake.
func aopTracer(t *testing.T, fake *aoptest.Server, logs *syncBuf, notice *syncBuf, opts ...tracing.Option) *tracing.Tracer {
	t.Helper()
	base := []tracing.Option{
		tracing.WithCrewAI(tracing.CrewAIConfig{Credential: aoptest.DefaultCredential, BaseURL: fake.URL}),
		tracing.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
		tracing.WithNotice(nil),
		// The bound is not what these tests look at: a loaded machine
		// must not make a flush give up before the spans are counted.
		tracing.WithFlushTimeout(time.Minute),
	}
	if notice != nil {
		base = append(base, tracing.WithNotice(notice))
	}
	tr, err := tracing.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tr.Shutdown(ctx)
	})
	return tr
}

// twoTaskCrew is a traced crew of two tasks on a scripted model; hook, if
// set, runs inside the second model call.
func twoTaskCrew(tr *tracing.Tracer, hook func()) *crew.Crew {
	var mu sync.Mutex
	calls := 0
	model := &llmtest.Scripted{Model: "scripted-model", Respond: func(req *llm.Request) llmtest.Reply {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 2 && hook != nil {
			hook()
		}
		return llmtest.Reply{Content: "answer", Usage: llm.Usage{PromptTokens: 10, CompletionTokens: 2, TotalTokens: 12}}
	}}
	a := &agent.Agent{Role: "Analyst", Goal: "Analyse", Backstory: "You analyse.", LLM: model}
	return &crew.Crew{Name: "analysis crew", Agents: []*agent.Agent{a}, Tracing: true, Tracer: tr,
		Tasks: []*task.Task{
			{Name: "gather", Description: "Gather facts about {topic}", ExpectedOutput: "Facts", Agent: a},
			{Name: "report", Description: "Report on {topic}", ExpectedOutput: "A report", Agent: a},
		}}
}

func attr(sp *tracepb.Span, key string) string {
	v, _ := aoptest.Attr(sp, key)
	return v
}

// secretsAbsent fails when the credential or a grant token is in text.
func secretsAbsent(t *testing.T, fake *aoptest.Server, what, text string) {
	t.Helper()
	if strings.Contains(text, aoptest.DefaultCredential) {
		t.Errorf("the credential is in the %s", what)
	}
	for _, g := range fake.Grants() {
		if g.Token != "" && strings.Contains(text, g.Token) {
			t.Errorf("grant token %s is in the %s", g.Token[:8], what)
		}
	}
}

func spanText(spans []*tracepb.Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.String())
	}
	return b.String()
}

// The whole path for a crew: one grant for the kickoff, every span sent to
// the collector with it, stamped with the execution and carrying CrewAI's
// attributes next to the GenAI ones.
func TestCrewAIBackendCrew(t *testing.T) {
	dir := clearCrewAIEnv(t)
	fake := aoptest.New()
	defer fake.Close()
	logs, notice := &syncBuf{}, &syncBuf{}
	tr := aopTracer(t, fake, logs, notice)
	if tr.Backend() != tracing.BackendCrewAI {
		t.Fatalf("backend = %s", tr.Backend())
	}
	// The credential in an input is masked like any secret.
	out, err := twoTaskCrew(tr, nil).Kickoff(context.Background(), map[string]any{"topic": "Go " + aoptest.DefaultCredential})
	if err != nil || out.Raw != "answer" {
		t.Fatalf("kickoff: %v, %q", err, out.Raw)
	}
	grants := fake.Grants()
	if len(grants) != 1 {
		t.Fatalf("%d grants, want 1", len(grants))
	}
	exec := grants[0].ExecutionID
	spans := fake.Spans()
	if len(spans) != 7 { // crew, 2 tasks, 2 agent executions, 2 model calls
		t.Fatalf("%d spans at the collector, want 7", len(spans))
	}
	byName := map[string]*tracepb.Span{}
	for _, sp := range spans {
		if got := attr(sp, aop.AttrExecutionUUID); got != exec {
			t.Errorf("%s: execution %q, want %q", sp.Name, got, exec)
		}
		byName[sp.Name] = sp
	}
	for _, r := range fake.Requests() {
		if r.Token != grants[0].Token {
			t.Error("a request without the kickoff's grant")
		}
	}
	want := []struct{ span, key, value string }{
		{"invoke_workflow analysis crew", "crewai.event_name", "crew_kickoff_completed"},
		{"invoke_workflow analysis crew", "crewai.crew.name", "analysis crew"},
		{"invoke_workflow analysis crew", "crewai.crew.output", "answer"},
		{"invoke_workflow analysis crew", "gen_ai.operation.name", "invoke_workflow"},
		{"execute_task gather", "crewai.event_name", "task_completed"},
		{"execute_task gather", "crewai.task.name", "gather"},
		{"execute_task report", "crewai.task.output", "answer"},
		{"invoke_agent Analyst", "crewai.agent.role", "Analyst"},
		{"invoke_agent Analyst", "crewai.event_name", "agent_execution_completed"},
		{"chat scripted-model", "crewai.event_name", "llm_call_completed"},
		{"chat scripted-model", "crewai.llm.call_type", "llm_call"},
		{"chat scripted-model", "gen_ai.request.model", "scripted-model"},
	}
	for _, w := range want {
		sp := byName[w.span]
		if sp == nil {
			t.Fatalf("no span %q", w.span)
		}
		if got := attr(sp, w.key); got != w.value {
			t.Errorf("%s: %s = %q, want %q", w.span, w.key, got, w.value)
		}
	}
	if !strings.Contains(attr(byName["invoke_workflow analysis crew"], "crewai.crew.usage_metrics"), `"total_tokens":24`) {
		t.Error("crew usage metrics")
	}
	line := notice.String()
	if !strings.Contains(line, exec) || !strings.Contains(line, fake.URL+"/crewai_plus/otel_traces/"+exec) {
		t.Errorf("notice %q names neither the execution nor the dashboard link", line)
	}
	secretsAbsent(t, fake, "spans", spanText(spans))
	secretsAbsent(t, fake, "log", logs.String())
	secretsAbsent(t, fake, "notice", line)
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings on a good run: %s", logs)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d files in the traces folder", len(files))
	}
}

// The whole path for a flow that runs a crew: the crew is part of the flow's
// execution and shares its one grant.
func TestCrewAIBackendFlowWithCrew(t *testing.T) {
	clearCrewAIEnv(t)
	fake := aoptest.New()
	defer fake.Close()
	tr := aopTracer(t, fake, &syncBuf{}, nil)
	c := twoTaskCrew(tr, nil)
	type state struct{ Report string }
	f := &flow.Flow[state]{Name: "ReportFlow", Tracing: true, Tracer: tr}
	f.Step(flow.Start("write"), func(ctx context.Context, s *flow.State[state]) (any, error) {
		out, err := c.Kickoff(ctx, map[string]any{"topic": "flows"})
		if err != nil {
			return nil, err
		}
		s.Update(func(st *state) { st.Report = out.Raw })
		return out.Raw, nil
	})
	res, err := f.Kickoff(context.Background(), nil)
	if err != nil || res.Output != "answer" {
		t.Fatalf("kickoff: %v %v", err, res.Output)
	}
	if n := len(fake.Grants()); n != 1 {
		t.Fatalf("%d grants, want 1 for the flow and its crew", n)
	}
	exec := fake.Grants()[0].ExecutionID
	names := map[string]string{}
	for _, sp := range fake.Spans() {
		if attr(sp, aop.AttrExecutionUUID) != exec {
			t.Errorf("%s not stamped with the flow's execution", sp.Name)
		}
		names[sp.Name] = attr(sp, "crewai.event_name")
	}
	for name, ev := range map[string]string{
		"invoke_workflow ReportFlow":    "flow_finished",
		"invoke_node write":             "method_execution_finished",
		"invoke_workflow analysis crew": "crew_kickoff_completed",
		"execute_task report":           "task_completed",
	} {
		if names[name] != ev {
			t.Errorf("%s: crewai.event_name %q, want %q", name, names[name], ev)
		}
	}
}

// A grant close to its expiry is renewed mid-run, for the same execution.
func TestCrewAIBackendRenewsMidRun(t *testing.T) {
	clearCrewAIEnv(t)
	fake := aoptest.New()
	defer fake.Close()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake.SetClock(clock)
	tr := aopTracer(t, fake, &syncBuf{}, nil, tracing.WithCrewAIClock(clock))
	var flushErr error
	c := twoTaskCrew(tr, func() {
		// The first task's spans go now, with the first grant...
		flushErr = tr.ForceFlush(context.Background())
		// ...then 14 min 35 s pass: 25 s are left, under the 30 s margin.
		mu.Lock()
		now = now.Add(14*time.Minute + 35*time.Second)
		mu.Unlock()
	})
	if _, err := c.Kickoff(context.Background(), map[string]any{"topic": "Go"}); err != nil {
		t.Fatal(err)
	}
	if flushErr != nil {
		t.Fatal(flushErr)
	}
	grants := fake.Grants()
	if len(grants) != 2 || grants[0].ExecutionID != grants[1].ExecutionID {
		t.Fatalf("grants = %+v, want 2 for one execution", grants)
	}
	used := map[string]int{}
	for _, r := range fake.Requests() {
		used[r.Token] += len(r.Spans)
	}
	if used[grants[0].Token] == 0 || used[grants[1].Token] == 0 || used[grants[0].Token]+used[grants[1].Token] != 7 {
		t.Fatalf("spans per grant: %v", used)
	}
}

// Twenty concurrent kickoffs of one crew: twenty executions, each with its
// own grant, its spans stamped with its own id.
func TestCrewAIBackendConcurrentKickoffs(t *testing.T) {
	clearCrewAIEnv(t)
	fake := aoptest.New()
	defer fake.Close()
	tr := aopTracer(t, fake, &syncBuf{}, nil)
	c := twoTaskCrew(tr, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			if _, err := c.Kickoff(context.Background(), map[string]any{"topic": fmt.Sprint(i)}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := tr.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	grants := fake.Grants()
	if len(grants) != 20 {
		t.Fatalf("%d grants, want 20", len(grants))
	}
	perExec := map[string]int{}
	perTrace := map[string]map[string]bool{}
	for _, sp := range fake.Spans() {
		e := attr(sp, aop.AttrExecutionUUID)
		perExec[e]++
		tid := fmt.Sprintf("%x", sp.TraceId)
		if perTrace[tid] == nil {
			perTrace[tid] = map[string]bool{}
		}
		perTrace[tid][e] = true
	}
	if len(perExec) != 20 {
		t.Fatalf("%d executions at the collector, want 20", len(perExec))
	}
	for e, n := range perExec {
		if n != 7 {
			t.Errorf("execution %s: %d spans, want 7", e, n)
		}
	}
	for tid, execs := range perTrace {
		if len(execs) != 1 {
			t.Errorf("trace %s has %d executions", tid, len(execs))
		}
	}
}

// Each failure of AOP or its collector leaves the run's result as it is,
// is warned about once whatever the number of runs, and never shows the
// credential or a grant.
func TestCrewAIBackendFailures(t *testing.T) {
	closedURL := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, f *aoptest.Server) string // returns a base URL override
		cause string
	}{
		{"AOP down", func(t *testing.T, f *aoptest.Server) string { return closedURL(t) }, "AOP grant connection refused"},
		{"AOP slow", func(t *testing.T, f *aoptest.Server) string { f.HangGrants(true); return "" }, ""},
		{"revoked token", func(t *testing.T, f *aoptest.Server) string { f.SetCredential("another"); return "" }, "AOP grant HTTP 401"},
		{"forbidden", func(t *testing.T, f *aoptest.Server) string { f.SetGrantStatus(403); return "" }, "AOP grant HTTP 403"},
		{"AOP 5xx", func(t *testing.T, f *aoptest.Server) string { f.SetGrantStatus(503); return "" }, "AOP grant HTTP 503"},
		{"invalid grant", func(t *testing.T, f *aoptest.Server) string {
			f.SetGrantOverride(map[string]any{"expires_at": "2020-01-01T00:00:00Z"})
			return ""
		}, "AOP grant invalid (expires_at)"},
		{"collector down", func(t *testing.T, f *aoptest.Server) string {
			f.SetGrantOverride(map[string]any{"collector_url": closedURL(t) + "/v1/traces"})
			return ""
		}, "AOP collector connection refused"},
		{"collector slow", func(t *testing.T, f *aoptest.Server) string { f.HangExports(true); return "" }, ""},
		{"collector 5xx", func(t *testing.T, f *aoptest.Server) string { f.SetExportStatus(502); return "" }, "AOP collector HTTP 502"},
		{"grant refused by the collector", func(t *testing.T, f *aoptest.Server) string { f.SetExportStatus(401); return "" },
			"AOP collector HTTP 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := clearCrewAIEnv(t)
			fake := aoptest.New()
			defer fake.Close()
			base := fake.URL
			if u := tt.setup(t, fake); u != "" {
				base = u
			}
			logs, notice := &syncBuf{}, &syncBuf{}
			tr, err := tracing.New(
				tracing.WithCrewAI(tracing.CrewAIConfig{Credential: aoptest.DefaultCredential, BaseURL: base}),
				tracing.WithLogger(slog.New(slog.NewTextHandler(logs, nil))), tracing.WithNotice(notice),
				tracing.WithFlushTimeout(300*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			c := twoTaskCrew(tr, nil)
			for range 3 {
				out, err := c.Kickoff(context.Background(), map[string]any{"topic": "Go"})
				if err != nil || out.Raw != "answer" {
					t.Fatalf("the run changed: %v %q", err, out.Raw)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			_ = tr.Shutdown(ctx)
			cancel()
			fake.Close()
			text := logs.String()
			t.Logf("warnings:\n%s", text)
			if tt.cause != "" && strings.Count(text, tt.cause) != 1 {
				t.Errorf("cause %q warned %d times, want once:\n%s", tt.cause, strings.Count(text, tt.cause), text)
			}
			seen := map[string]bool{}
			for _, line := range strings.Split(text, "\n") {
				if !strings.Contains(line, "level=WARN") {
					continue
				}
				msg := line[strings.Index(line, "msg="):]
				if seen[msg] {
					t.Errorf("warned twice: %s", msg)
				}
				seen[msg] = true
			}
			if len(seen) == 0 {
				t.Error("no warning")
			}
			if strings.Contains(notice.String(), "sent to CrewAI") {
				t.Errorf("a notice claims success: %q", notice)
			}
			secretsAbsent(t, fake, "log", text)
			secretsAbsent(t, fake, "notice", notice.String())
			secretsAbsent(t, fake, "spans", spanText(fake.Spans()))
			if files, _ := os.ReadDir(dir); len(files) != 0 {
				t.Errorf("%d files in the traces folder", len(files))
			}
		})
	}
}

// An expired grant the client still believes valid is refused by the
// collector; a fresh one is asked for and the spans still arrive.
func TestCrewAIBackendExpiredGrantRecovers(t *testing.T) {
	clearCrewAIEnv(t)
	fake := aoptest.New()
	defer fake.Close()
	logs := &syncBuf{}
	tr := aopTracer(t, fake, logs, nil)
	c := twoTaskCrew(tr, func() {
		_ = tr.ForceFlush(context.Background())
		fake.ExpireAll()
	})
	if _, err := c.Kickoff(context.Background(), map[string]any{"topic": "Go"}); err != nil {
		t.Fatal(err)
	}
	if len(fake.Grants()) != 2 || len(fake.Spans()) != 7 {
		t.Fatalf("%d grants, %d spans; want 2 and 7", len(fake.Grants()), len(fake.Spans()))
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warned although the spans arrived: %s", logs)
	}
}

// Chosen by the environment; without a credential, one warning naming both
// variables and the file backend; CrewAI's attributes only on this backend.
func TestCrewAIBackendChoice(t *testing.T) {
	t.Run("environment", func(t *testing.T) {
		clearCrewAIEnv(t)
		fake := aoptest.New()
		defer fake.Close()
		t.Setenv("OTEL_TRACES_EXPORTER", "crewai")
		t.Setenv("CREWAI_PLATFORM_INTEGRATION_TOKEN", aoptest.DefaultCredential)
		t.Setenv("CREWAI_PLUS_URL", fake.URL)
		tr, err := tracing.New(tracing.WithNotice(nil))
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Shutdown(context.Background())
		if tr.Backend() != tracing.BackendCrewAI {
			t.Fatalf("backend = %s", tr.Backend())
		}
		if _, err := twoTaskCrew(tr, nil).Kickoff(context.Background(), map[string]any{"topic": "Go"}); err != nil {
			t.Fatal(err)
		}
		if len(fake.Grants()) != 1 || len(fake.Spans()) != 7 {
			t.Fatalf("%d grants, %d spans", len(fake.Grants()), len(fake.Spans()))
		}
	})
	for _, how := range []string{"environment", "option"} {
		t.Run("no credential, "+how, func(t *testing.T) {
			dir := clearCrewAIEnv(t)
			fake := aoptest.New()
			defer fake.Close()
			t.Setenv("CREWAI_PLUS_URL", fake.URL)
			logs := &syncBuf{}
			opts := []tracing.Option{tracing.WithNotice(nil), tracing.WithLogger(slog.New(slog.NewTextHandler(logs, nil)))}
			if how == "environment" {
				t.Setenv("OTEL_TRACES_EXPORTER", "crewai")
			} else {
				opts = append(opts, tracing.WithBackend("crewai"))
			}
			tr, err := tracing.New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Shutdown(context.Background())
			if tr.Backend() != tracing.BackendFile {
				t.Fatalf("backend = %s, want the file fallback", tr.Backend())
			}
			text := logs.String()
			if strings.Count(text, "level=WARN") != 1 || !strings.Contains(text, "CREWAI_USER_PAT") ||
				!strings.Contains(text, "CREWAI_PLATFORM_INTEGRATION_TOKEN") {
				t.Fatalf("want one warning naming both variables, got:\n%s", text)
			}
			if _, err := twoTaskCrew(tr, nil).Kickoff(context.Background(), map[string]any{"topic": "Go"}); err != nil {
				t.Fatal(err)
			}
			if files, _ := os.ReadDir(dir); len(files) != 1 {
				t.Fatalf("%d trace files, want 1", len(files))
			}
			if len(fake.Grants()) != 0 {
				t.Fatal("AOP was called without a credential")
			}
			raw, _ := os.ReadFile(dir + "/" + mustOnlyFile(t, dir))
			if bytes.Contains(raw, []byte("crewai.execution_uuid")) || bytes.Contains(raw, []byte("crewai.event_name")) {
				t.Fatal("CrewAI's attributes on the file backend")
			}
		})
	}
	t.Run("bad base URL", func(t *testing.T) {
		clearCrewAIEnv(t)
		_, err := tracing.New(tracing.WithCrewAI(tracing.CrewAIConfig{Credential: "x", BaseURL: "http://aop.example"}))
		if err == nil || !strings.Contains(err.Error(), "aop.example") {
			t.Fatalf("err = %v", err)
		}
	})
}

func mustOnlyFile(t *testing.T, dir string) string {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil || len(files) != 1 {
		t.Fatalf("files: %v %v", files, err)
	}
	return files[0].Name()
}

// Spans whose requests would pass AOP's cap are split over several
// requests; a span too large alone is dropped, counted and warned about
// once, and the others still arrive.
func TestCrewAIBackendRequestCap(t *testing.T) {
	for _, tt := range []struct {
		name    string
		size    int
		dropped bool
	}{
		{"split", 700 << 10, false},
		{"too large alone", 1700 << 10, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clearCrewAIEnv(t)
			fake := aoptest.New()
			defer fake.Close()
			logs := &syncBuf{}
			tr := aopTracer(t, fake, logs, nil, tracing.WithMaxAttributeLength(4<<20))
			topic := strings.Repeat("z", tt.size)
			if _, err := twoTaskCrew(tr, nil).Kickoff(context.Background(), map[string]any{"topic": topic}); err != nil {
				t.Fatal(err)
			}
			reqs := fake.Requests()
			for _, r := range reqs {
				if r.Bytes > aop.MaxRequestBytes {
					t.Fatalf("a request of %d bytes", r.Bytes)
				}
			}
			st := tr.Stats()
			got := len(fake.Spans())
			if !tt.dropped {
				if len(reqs) < 2 || got != 7 || st.Dropped != 0 || st.Exported != 7 {
					t.Fatalf("%d requests, %d spans, stats %+v", len(reqs), got, st)
				}
				return
			}
			if st.Dropped == 0 || int(st.Dropped)+got != 7 || int(st.Exported) != got || got == 0 {
				t.Fatalf("%d spans arrived, stats %+v", got, st)
			}
			if n := strings.Count(logs.String(), "span over the AOP request cap"); n != 1 {
				t.Fatalf("warned %d times about the cap:\n%s", n, logs)
			}
		})
	}
}

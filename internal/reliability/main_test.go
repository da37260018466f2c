package reliability

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The two models of the test crew, so that an error can be checked to name
// the model of the agent that failed.
const (
	researchModel = "gpt-4o-mini"
	writerModel   = "gpt-4.1-nano"
	crewName      = "newsroom"
	researchRole  = "Research Analyst"
	writerRole    = "Staff Writer"
	researchTask  = "research"
	writeTask     = "write"
	// markers in the task descriptions by which the fake server tells the
	// two tasks' calls apart.
	researchMark = "RESEARCH:"
	writeMark    = "WRITE:"
	facts        = "facts about AI"
	article      = "ARTICLE(" + facts + ")"
)

// hangGuard is how long a test waits for a kickoff before it declares a
// hang: a generous hang detector, not a timing assertion.
const hangGuard = 60 * time.Second

// rig is a fake OpenAI-compatible server and the two real clients of the
// test crew pointed at it.
type rig struct {
	srv      *llmtest.Server
	research *llm.Client
	writer   *llm.Client
	// writeCalls counts the requests of the second task (its agent's
	// calls, summaries included).
	writeCalls atomic.Int64
	// toolRuns counts runs of the writer's tool.
	toolRuns atomic.Int64

	mu        sync.Mutex
	writeReqs []llm.Request // the second task's first maxKept requests, in order
}

// maxKept bounds the requests a rig keeps (so that soak runs stay flat).
const maxKept = 32

// writeRequests returns the requests of the second task's calls.
func (rg *rig) writeRequests() []llm.Request {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	return append([]llm.Request(nil), rg.writeReqs...)
}

// rigConfig says how the fake server answers the second task's calls.
type rigConfig struct {
	// plan are the replies to the second task's first calls; later calls
	// are answered normally. When persist is set, the last reply of the
	// plan answers every later call too.
	plan    []llmtest.Reply
	persist bool
	// key is the API key the clients send (default "sk-test-dummy");
	// keyFromEnv leaves it to OPENAI_API_KEY instead.
	key        string
	keyFromEnv bool
	// chaos, if set, may replace the answer to any request with a fault
	// (ok true).
	chaos func(sr *llmtest.ServerRequest) (r llmtest.Reply, ok bool)
	// research, if set, answers the first task's calls.
	research func(r *llm.Request) llmtest.Reply
}

func userPrompt(r *llm.Request) string {
	for _, m := range r.Messages {
		if m.Role == llm.RoleUser {
			return m.Content
		}
	}
	return ""
}

// newRig starts the server and the clients; both are closed at cleanup.
func newRig(t testing.TB, cfg rigConfig) *rig {
	t.Helper()
	rg := &rig{}
	rg.srv = llmtest.NewServer(llmtest.ServerConfig{Respond: func(sr *llmtest.ServerRequest) llmtest.Reply {
		if cfg.chaos != nil {
			if r, ok := cfg.chaos(sr); ok {
				return r
			}
		}
		prompt := userPrompt(&sr.Request)
		if strings.Contains(prompt, writeMark) {
			rg.mu.Lock()
			if len(rg.writeReqs) < maxKept {
				rg.writeReqs = append(rg.writeReqs, sr.Request)
			}
			rg.mu.Unlock()
			n := int(rg.writeCalls.Add(1))
			switch {
			case n <= len(cfg.plan):
				return cfg.plan[n-1]
			case cfg.persist && len(cfg.plan) > 0:
				return cfg.plan[len(cfg.plan)-1]
			}
			return writerAnswer(&sr.Request)
		}
		if strings.Contains(prompt, researchMark) {
			if cfg.research != nil {
				return cfg.research(&sr.Request)
			}
			return llmtest.Reply{Content: facts}
		}
		// A summary request (its prompt is the project's own): answer it.
		return llmtest.Reply{Content: "summary of the work so far"}
	}, MaxRecorded: -1})
	key := cfg.key
	if key == "" {
		key = "sk-test-dummy"
	}
	lc := llm.Config{BaseURL: rg.srv.URL(), BackoffBase: time.Millisecond, BackoffMax: 4 * time.Millisecond}
	if !cfg.keyFromEnv {
		lc.APIKey = key
	}
	// A configuration error (no key in the environment) is kept by the
	// clients and returned by every Generate, which the tests observe.
	lc.Model = researchModel
	rg.research, _ = llm.New(lc)
	lc.Model = writerModel
	rg.writer, _ = llm.New(lc)
	t.Cleanup(func() {
		rg.research.CloseIdleConnections()
		rg.writer.CloseIdleConnections()
		rg.srv.Close()
	})
	return rg
}

// writerAnswer is the writer's correct answer: the article, which depends on
// the research being in its context.
func writerAnswer(r *llm.Request) llmtest.Reply {
	if !strings.Contains(userPrompt(r), facts) {
		return llmtest.Reply{Content: "ARTICLE(without research)"}
	}
	return llmtest.Reply{Content: article}
}

type countIn struct {
	Text string `json:"text"`
}

// newCrew builds the two-task crew on the rig: research (gpt-4o-mini), then
// write (gpt-4.1-nano, with a count_words tool).
func (rg *rig) newCrew(tune func(writer *agent.Agent)) *crew.Crew {
	researcher := &agent.Agent{Role: researchRole, Goal: "Find facts about {topic}", LLM: rg.research}
	counter := tool.New("count_words", "Count the words of a text.", func(ctx context.Context, in countIn) (int, error) {
		rg.toolRuns.Add(1)
		return len(strings.Fields(in.Text)), nil
	})
	writer := &agent.Agent{Role: writerRole, Goal: "Write about {topic}", LLM: rg.writer,
		Tools: []tool.Tool{counter}}
	if tune != nil {
		tune(writer)
	}
	return &crew.Crew{
		Name:   crewName,
		Agents: []*agent.Agent{researcher, writer},
		Tasks: []*task.Task{
			{Name: researchTask, Description: researchMark + " find facts about {topic}", ExpectedOutput: "facts", Agent: researcher},
			{Name: writeTask, Description: writeMark + " write an article on {topic}", ExpectedOutput: "an article", Agent: writer},
		},
	}
}

// recorder keeps what a test needs of every event of a bus: copies of the
// headers, kinds and failures. It is safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	events []recorded
}

type recorded struct {
	kind event.Kind
	hdr  event.Header
	err  error         // the failure of a failed end event
	wait time.Duration // Retry.Wait
}

func (r *recorder) Handle(e event.Event) {
	rec := recorded{kind: e.Kind(), hdr: *e.EventHeader()}
	if f := event.FailureOf(e); f != nil {
		rec.err = f.Err
	}
	if rt, ok := e.(*event.Retry); ok {
		rec.wait = rt.Wait
	}
	r.mu.Lock()
	r.events = append(r.events, rec)
	r.mu.Unlock()
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.events...)
}

// checkComplete reports every step that did not end exactly once, every end
// without its start, and every failed end without an error. It returns the
// number of steps (start events).
func checkComplete(t testing.TB, events []recorded) int {
	t.Helper()
	type key struct {
		run event.RunID
		id  uint64
	}
	starts := map[key]event.Kind{}
	ends := map[key]int{}
	for _, e := range events {
		switch e.hdr.Phase {
		case event.Start:
			starts[key{e.hdr.Run, e.hdr.ID}] = e.kind
		case event.Finish:
			k := key{e.hdr.Run, e.hdr.StartID}
			if _, ok := starts[k]; !ok {
				t.Errorf("end event %s (seq %d) closes start %d, which was not seen before it", e.kind, e.hdr.Seq, e.hdr.StartID)
			}
			ends[k]++
			if strings.HasSuffix(string(e.kind), "failed") && e.err == nil {
				t.Errorf("failed event %s (seq %d) carries no error", e.kind, e.hdr.Seq)
			}
		}
	}
	for k, kind := range starts {
		if n := ends[k]; n != 1 {
			t.Errorf("step %s (id %d) ended %d times, want exactly once", kind, k.id, n)
		}
	}
	return len(starts)
}

// traced is a Tracer over an in-memory exporter.
type traced struct {
	tr   *tracing.Tracer
	exp  *tracetest.InMemoryExporter
	logs *syncBuf
}

func newTraced(t testing.TB, opts ...tracing.Option) *traced {
	t.Helper()
	x := &traced{exp: tracetest.NewInMemoryExporter(), logs: &syncBuf{}}
	base := []tracing.Option{tracing.WithExporter(x.exp), tracing.WithNotice(io.Discard),
		tracing.WithLogger(slog.New(slog.NewTextHandler(x.logs, nil))), tracing.WithBatchDelay(time.Millisecond)}
	tr, err := tracing.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	x.tr = tr
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tr.Shutdown(ctx); err != nil {
			t.Errorf("tracer shutdown: %v", err)
		}
	})
	return x
}

// checkSpans checks that the run's spans are all exported and ended, that
// every parent is among them, and that there is one span per step. It
// returns the spans by name (the last one of each name).
func checkSpans(t testing.TB, x *traced, steps int) map[string]tracetest.SpanStub {
	t.Helper()
	spans := x.exp.GetSpans()
	st := x.tr.Stats()
	if st.Started != st.Exported || st.Failed != 0 || st.Dropped != 0 {
		t.Errorf("tracer stats %+v: every started span should be exported", st)
	}
	if len(spans) != steps {
		t.Errorf("%d spans for %d steps: %v", len(spans), steps, spanNames(spans))
	}
	ids := map[string]bool{}
	for _, s := range spans {
		ids[s.SpanContext.SpanID().String()] = true
	}
	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		if s.EndTime.IsZero() || s.EndTime.Before(s.StartTime) {
			t.Errorf("span %q has no proper end (start %v, end %v)", s.Name, s.StartTime, s.EndTime)
		}
		if p := s.Parent; p.IsValid() && !ids[p.SpanID().String()] {
			t.Errorf("span %q has a parent %s that was never exported (left open?)", s.Name, p.SpanID())
		}
		byName[s.Name] = s
	}
	return byName
}

func spanNames(spans tracetest.SpanStubs) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = fmt.Sprintf("%s[%s]", s.Name, s.Status.Code)
	}
	return out
}

// wantStatus checks the status code of the span named name.
func wantStatus(t testing.TB, spans map[string]tracetest.SpanStub, name string, code codes.Code) {
	t.Helper()
	s, ok := spans[name]
	if !ok {
		t.Errorf("no span %q", name)
		return
	}
	if s.Status.Code != code {
		t.Errorf("span %q has status %v %q, want %v", name, s.Status.Code, s.Status.Description, code)
	}
	if code == codes.Error && !hasAttr(s, "error.type") {
		t.Errorf("failed span %q has no error.type", name)
	}
}

func hasAttr(s tracetest.SpanStub, key string) bool {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return true
		}
	}
	return false
}

// syncBuf is a bytes.Buffer safe for concurrent writers.
type syncBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// kickoff runs c with a hang detector.
func kickoff(t testing.TB, ctx context.Context, c *crew.Crew) (*crew.CrewOutput, error) {
	t.Helper()
	type result struct {
		out *crew.CrewOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := c.Kickoff(ctx, map[string]any{"topic": "AI"})
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-time.After(hangGuard):
		t.Fatalf("kickoff of crew %q did not return within %v: hung", c.Name, hangGuard)
	}
	return nil, nil
}

var _ sdktrace.SpanExporter = (*tracetest.InMemoryExporter)(nil)

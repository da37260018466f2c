package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/viewer"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

const evilReply = `<script>window.__pwned=1</script> done`

// scriptedCrewTrace runs a two-task crew on scripted models with the file
// backend writing into dir, and returns the trace ID.
func scriptedCrewTrace(t *testing.T, dir string) string {
	t.Helper()
	usage := llm.Usage{PromptTokens: 1000, CompletionTokens: 200, TotalTokens: 1200}
	type searchIn struct {
		Query string `json:"query"`
	}
	search := tool.New("search", "Search the web.", func(ctx context.Context, in searchIn) (string, error) {
		return "results for " + in.Query, nil
	})
	researcherLLM := &llmtest.Scripted{Model: "gpt-4o-mini", Respond: func(req *llm.Request) llmtest.Reply {
		for _, m := range req.Messages {
			if m.Role == llm.RoleTool {
				return llmtest.Reply{Content: evilReply, Usage: usage}
			}
		}
		return llmtest.Reply{ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "search", Arguments: `{"query":"AI agents"}`}}, Usage: usage}
	}}
	writerLLM := &llmtest.Scripted{Model: "my-local-model", Replies: []llmtest.Reply{{Content: "# Article", Usage: usage}}}
	researcher := &agent.Agent{Role: "Researcher", Goal: "Find facts about {topic}", Backstory: "You dig.", LLM: researcherLLM, Tools: []tool.Tool{search}}
	writer := &agent.Agent{Role: "Writer", Goal: "Write about {topic}", Backstory: "You write.", LLM: writerLLM}
	c := &crew.Crew{
		Name:   "research crew",
		Agents: []*agent.Agent{researcher, writer},
		Tasks: []*task.Task{
			{Name: "research", Description: "Research {topic}.", ExpectedOutput: "Facts", Agent: researcher},
			{Name: "write", Description: "Write about {topic}.", ExpectedOutput: "An article", Agent: writer},
		},
		Bus:     &event.Bus{},
		Tracing: true,
	}
	tr, err := tracing.New(tracing.WithFileDir(dir), tracing.WithNotice(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	c.Tracer = tr
	if _, err := c.Kickoff(context.Background(), map[string]any{"topic": "AI"}); err != nil {
		t.Fatal(err)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	sums, skipped, err := tracefile.List(dir, nil)
	if err != nil || len(skipped) != 0 || len(sums) != 1 {
		t.Fatalf("traces written: %v %v %v", sums, skipped, err)
	}
	return sums[0].ID
}

var (
	durRE    = regexp.MustCompile(`\+?\d+(\.\d+)?(µs|ms|s)\b`)
	timeRE   = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d( UTC)?`)
	spacesRE = regexp.MustCompile(` +`)
)

// normalize hides what changes between runs: the trace ID, times, durations.
func normalize(s, id string) string {
	s = strings.ReplaceAll(s, id, "TRACEID")
	s = strings.ReplaceAll(s, id[:8], "TRACEID8")
	s = timeRE.ReplaceAllString(s, "TIME")
	s = durRE.ReplaceAllString(s, "DUR")
	return spacesRE.ReplaceAllString(s, " ") // column widths follow the durations
}

func TestRealTraceFromScriptedCrew(t *testing.T) {
	dir := t.TempDir()
	id := scriptedCrewTrace(t, dir)

	r := runCLI(t, nil, "traces", "list", "--dir", dir)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("%+v", r)
	}
	golden(t, "real_list.golden", normalize(r.stdout, id))

	r = runCLI(t, nil, "traces", "show", id[:10], "--dir", dir)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	golden(t, "real_show.golden", normalize(r.stdout, id))

	// Pushing it sends the real ID bytes (the file holds them in hex).
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	if r := runCLI(t, nil, "traces", "push", id, "--dir", dir, "--endpoint", srv.URL); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if rc.spans() != 9 {
		t.Fatalf("pushed %d spans", rc.spans())
	}
	for _, req := range rc.reqs {
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					if hex.EncodeToString(sp.TraceId) != id || len(sp.SpanId) != 8 {
						t.Fatalf("pushed span %q with trace ID %x, span ID %x", sp.Name, sp.TraceId, sp.SpanId)
					}
				}
			}
		}
	}

	// The viewer shows the reply as data and the prompt as messages.
	h := viewer.Handler(viewer.Options{Dir: dir})
	req := httptest.NewRequest(http.MethodGet, "/api/traces/"+id, nil)
	req.Host = "127.0.0.1"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var tv viewer.TraceView
	if err := json.Unmarshal(w.Body.Bytes(), &tv); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, s := range tv.Spans {
		if s.Op == "chat" && len(s.Output) > 0 && len(s.Output[0].Parts) > 0 && s.Output[0].Parts[0].Content == evilReply {
			found = len(s.Input) > 0 && s.Usage != nil && s.Usage.PromptTokens == 1000 && s.CostKnown
		}
	}
	if !found || strings.Contains(w.Body.String(), "<script") {
		t.Fatalf("chat span with the reply not found in %s", fmt.Sprint(len(tv.Spans)))
	}
}

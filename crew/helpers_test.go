package crew_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tool"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var fixedUsage = llm.Usage{PromptTokens: 10, CompletionTokens: 4, TotalTokens: 14}

// userText returns the first user message of a request (the job's prompt).
func userText(req *llm.Request) string {
	for _, m := range req.Messages {
		if m.Role == llm.RoleUser {
			return m.Content
		}
	}
	return ""
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// toolResults returns the contents of the tool messages of a request.
func toolResults(req *llm.Request) []string {
	var out []string
	for _, m := range req.Messages {
		if m.Role == llm.RoleTool {
			out = append(out, m.Content)
		}
	}
	return out
}

// echo answers every request with prefix and the first line of its prompt.
func echo(prefix string) *llmtest.Scripted {
	return &llmtest.Scripted{Model: prefix + "-model", Respond: func(req *llm.Request) llmtest.Reply {
		return llmtest.Reply{Content: prefix + ": " + firstLine(userText(req)), Usage: fixedUsage}
	}}
}

// searcher calls the search tool once, then answers with the result.
func searcher() *llmtest.Scripted {
	return &llmtest.Scripted{Model: "search-model", Respond: func(req *llm.Request) llmtest.Reply {
		res := toolResults(req)
		if len(res) == 0 {
			q := firstLine(userText(req))
			return llmtest.Reply{ToolCalls: []llm.ToolCall{{Name: "search", Arguments: fmt.Sprintf(`{"query":%q}`, q)}},
				Usage: fixedUsage}
		}
		return llmtest.Reply{Content: "findings: " + res[0], Usage: fixedUsage}
	}}
}

type searchIn struct {
	Query string `json:"query"`
}

func searchTool() tool.Tool {
	return tool.New("search", "Search the web.", func(ctx context.Context, in searchIn) (string, error) {
		return "results for " + in.Query, nil
	})
}

func newAgent(role string, m llm.LLM, tools ...tool.Tool) *agent.Agent {
	return &agent.Agent{Role: role, Goal: "Do good work as " + role, Backstory: "You are a " + role + ".",
		LLM: m, Tools: tools, MaxRetryLimit: -1}
}

// recorder collects events; it is safe for concurrent use.
type recorder struct {
	mu sync.Mutex
	ev []event.Event
}

func (r *recorder) Handle(e event.Event) { r.mu.Lock(); r.ev = append(r.ev, e); r.mu.Unlock() }

func (r *recorder) events() []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.Event(nil), r.ev...)
}

// byRun groups events by run.
func byRun(evs []event.Event) map[event.RunID][]event.Event {
	out := map[event.RunID][]event.Event{}
	for _, e := range evs {
		h := e.EventHeader()
		out[h.Run] = append(out[h.Run], e)
	}
	return out
}

// checkTree verifies that the events of one run form a tree: sequence
// numbers 1..n, every parent started earlier and still open, every start
// ended exactly once by an end with the same parent. It returns the tree
// rendered as indented start-event kinds (point events shown with '.').
func checkTree(t *testing.T, evs []event.Event) string {
	t.Helper()
	sort.Slice(evs, func(i, j int) bool { return evs[i].EventHeader().Seq < evs[j].EventHeader().Seq })
	depth := map[uint64]int{}
	open := map[uint64]uint64{} // start id -> parent
	var b strings.Builder
	for i, e := range evs {
		h := e.EventHeader()
		if h.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i+1, h.Seq)
		}
		d := 0
		if h.ParentID != 0 {
			if _, ok := open[h.ParentID]; !ok {
				t.Fatalf("event %d (%s) has parent %d which is not an open step", h.Seq, e.Kind(), h.ParentID)
			}
			d = depth[h.ParentID] + 1
		}
		switch h.Phase {
		case event.Start:
			open[h.ID], depth[h.ID] = h.ParentID, d
			fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", d), strings.TrimSuffix(string(e.Kind()), "_started"))
		case event.Finish:
			p, ok := open[h.StartID]
			if !ok {
				t.Fatalf("end event %d (%s) closes %d which is not open", h.Seq, e.Kind(), h.StartID)
			}
			if p != h.ParentID {
				t.Fatalf("end event %d (%s) has parent %d, its start %d", h.Seq, e.Kind(), h.ParentID, p)
			}
			delete(open, h.StartID)
		default:
			fmt.Fprintf(&b, "%s.%s\n", strings.Repeat("  ", d), e.Kind())
		}
	}
	if len(open) != 0 {
		t.Fatalf("%d steps never ended: %v\n%s", len(open), open, b.String())
	}
	return b.String()
}

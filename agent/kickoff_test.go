package agent_test

import (
	"context"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

var kickUsage = llm.Usage{PromptTokens: 7, CompletionTokens: 3, TotalTokens: 10, Requests: 1}

func TestKickoffPromptOrMessages(t *testing.T) {
	tests := []struct {
		name  string
		in    agent.KickoffInput
		want  []llm.Message // after the system message
		error string
	}{
		{name: "a prompt", in: agent.KickoffInput{Prompt: "What is Go?"},
			want: []llm.Message{{Role: llm.RoleUser, Content: "What is Go?"}}},
		{name: "a conversation", in: agent.KickoffInput{Messages: []llm.Message{
			{Role: llm.RoleUser, Content: "Hi"}, {Role: llm.RoleAssistant, Content: "Hello"},
			{Role: llm.RoleUser, Content: "What is Go?"}}},
			want: []llm.Message{{Role: llm.RoleUser, Content: "Hi"}, {Role: llm.RoleAssistant, Content: "Hello"},
				{Role: llm.RoleUser, Content: "What is Go?"}}},
		{name: "a prompt then messages", in: agent.KickoffInput{Prompt: "Be brief.", Messages: []llm.Message{
			{Role: llm.RoleUser, Content: "What is Go?"}}},
			want: []llm.Message{{Role: llm.RoleUser, Content: "Be brief."}, {Role: llm.RoleUser, Content: "What is Go?"}}},
		{name: "nothing to do", in: agent.KickoffInput{}, error: "neither a Prompt nor Messages"},
		{name: "a placeholder without input", in: agent.KickoffInput{Prompt: "x", Inputs: map[string]any{"other": 1}},
			error: "topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "A language.", Usage: kickUsage}}}
			a := &agent.Agent{Role: "Expert in {topic}", Goal: "Explain.", LLM: m}
			in := tt.in
			if in.Inputs == nil {
				in.Inputs = map[string]any{"topic": "Go"}
			}
			out, err := a.Kickoff(context.Background(), in)
			if tt.error != "" {
				require.ErrorIs(t, err, agent.ErrInvalid)
				assert.Contains(t, err.Error(), tt.error)
				assert.Empty(t, m.Requests(), "nothing sent to the model")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "A language.", out.Raw)
			assert.Equal(t, "Expert in Go", out.Role)
			assert.Equal(t, kickUsage, out.Usage)
			reqs := m.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, llm.RoleSystem, reqs[0].Messages[0].Role)
			assert.Contains(t, reqs[0].Messages[0].Content, "Expert in Go")
			assert.Equal(t, tt.want, reqs[0].Messages[1:])
		})
	}
}

type verdict struct {
	Answer     string  `json:"answer"`
	Confidence float64 `json:"confidence"`
}

func TestKickoffStructuredOutput(t *testing.T) {
	tests := []struct {
		name    string
		replies []string
		want    verdict
		calls   int
		wantErr bool
	}{
		{name: "valid at once", replies: []string{`{"answer":"yes","confidence":0.9}`}, want: verdict{"yes", 0.9}, calls: 1},
		{name: "in a code fence", replies: []string{"```json\n{\"answer\":\"no\",\"confidence\":0.5}\n```"},
			want: verdict{"no", 0.5}, calls: 1},
		{name: "repaired once", replies: []string{"yes, surely", `{"answer":"yes","confidence":1}`},
			want: verdict{"yes", 1}, calls: 2},
		{name: "still invalid", replies: []string{"yes", `{"answer":3}`}, calls: 2, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rs []llmtest.Reply
			for _, r := range tt.replies {
				rs = append(rs, llmtest.Reply{Content: r, Usage: kickUsage})
			}
			m := &llmtest.Scripted{Replies: rs}
			a := &agent.Agent{Role: "Judge", LLM: m}
			out, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "Is Go fast?", Output: task.As[verdict]()})
			reqs := m.Requests()
			require.Len(t, reqs, tt.calls)
			require.NotNil(t, reqs[0].ResponseFormat)
			assert.Contains(t, string(reqs[0].ResponseFormat.Schema), "confidence")
			if tt.wantErr {
				var oe *agent.OutputError
				require.ErrorAs(t, err, &oe)
				assert.Equal(t, "Judge", oe.Role)
				return
			}
			require.NoError(t, err)
			v, ok := out.Value.(verdict)
			require.True(t, ok, "Value is a verdict: %T", out.Value)
			assert.Equal(t, tt.want, v)
			var back verdict
			require.NoError(t, json.Unmarshal(out.JSON, &back))
			assert.Equal(t, tt.want, back)
			assert.Equal(t, tt.calls, out.Usage.Requests, "the repair's usage is counted")
			if tt.calls == 2 {
				last := reqs[1].Messages[len(reqs[1].Messages)-1]
				assert.Contains(t, last.Content, "could not be used")
				assert.Equal(t, "yes, surely", reqs[1].Messages[len(reqs[1].Messages)-2].Content,
					"the repair continues the conversation")
			}
		})
	}
}

// TestKickoffSpanTree: a traced standalone kickoff is one trace whose root
// is invoke_agent, with the model and tool calls under it, and the usage.
func TestKickoffSpanTree(t *testing.T) {
	tests := []struct {
		name    string
		tracing bool
		env     string
		want    string
	}{
		{name: "Tracing field", tracing: true, want: "invoke_agent Researcher\n  chat scripted-model\n  execute_tool search\n  chat scripted-model\n"},
		{name: "environment", env: "true", want: "invoke_agent Researcher\n  chat scripted-model\n  execute_tool search\n  chat scripted-model\n"},
		{name: "off", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CREWAI_TRACING_ENABLED", tt.env)
			exp := tracetest.NewInMemoryExporter()
			tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
			require.NoError(t, err)
			defer func() { require.NoError(t, tr.Shutdown(context.Background())) }()
			m := &llmtest.Scripted{Replies: []llmtest.Reply{
				{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "search", Arguments: `{"q":"go"}`}}, Usage: kickUsage},
				{Content: "Go is fast.", Usage: kickUsage}}}
			a := &agent.Agent{Role: "Researcher", LLM: m, Tools: []tool.Tool{newEcho("search")}, Tracing: tt.tracing,
				Tracer: tr, Bus: &event.Bus{}}
			out, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "Is Go fast?"})
			require.NoError(t, err)
			assert.Equal(t, 2, out.Usage.Requests)
			spans := exp.GetSpans()
			assert.Equal(t, tt.want, spanTree(spans))
			if tt.want == "" {
				return
			}
			root := spans[len(spans)-1]
			require.Equal(t, "invoke_agent Researcher", root.Name)
			attrs := map[attribute.Key]attribute.Value{}
			for _, kv := range root.Attributes {
				attrs[kv.Key] = kv.Value
			}
			assert.Equal(t, int64(14), attrs["gen_ai.usage.input_tokens"].AsInt64())
			assert.Equal(t, int64(6), attrs["gen_ai.usage.output_tokens"].AsInt64())
			assert.Equal(t, "Go is fast.", attrs["output.value"].AsString())
		})
	}
}

func TestKickoffVerbosePrints(t *testing.T) {
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "the verbose answer"}}}
	a := &agent.Agent{Role: "Loud Analyst", LLM: m, Verbose: true, Bus: &event.Bus{}}
	out := captureStderr(t, func() {
		_, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "Say it."})
		assert.NoError(t, err)
	})
	assert.Contains(t, out, "Loud Analyst")
	assert.Equal(t, 1, strings.Count(out, "the verbose answer"), out)
}

// spanTree renders spans as an indented tree of names, children in start
// order.
func spanTree(spans tracetest.SpanStubs) string {
	kids := map[trace.SpanID][]tracetest.SpanStub{}
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		ids[s.SpanContext.SpanID()] = true
	}
	var roots []tracetest.SpanStub
	for _, s := range spans {
		if ids[s.Parent.SpanID()] {
			kids[s.Parent.SpanID()] = append(kids[s.Parent.SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(ss []tracetest.SpanStub, depth int)
	walk = func(ss []tracetest.SpanStub, depth int) {
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].StartTime.Before(ss[j].StartTime) })
		for _, s := range ss {
			b.WriteString(strings.Repeat("  ", depth) + s.Name + "\n")
			walk(kids[s.SpanContext.SpanID()], depth+1)
		}
	}
	walk(roots, 0)
	return b.String()
}

// fakeMemory records what a standalone agent recalls and saves.
type fakeMemory struct {
	recalled []string // the queries' scopes: crew + "|" + agent
	saved    []string // agent + "|" + task + "|" + result
	drained  int
}

func (m *fakeMemory) Recall(_ context.Context, crew, agentRole, _ string) ([]string, error) {
	m.recalled = append(m.recalled, crew+"|"+agentRole)
	return []string{"The user prefers answers in French."}, nil
}
func (m *fakeMemory) Tools(string, string, bool) []tool.Tool { return nil }
func (m *fakeMemory) RememberTask(_ context.Context, _, agentRole, taskText, result string, _ llm.LLM) {
	m.saved = append(m.saved, agentRole+"|"+taskText+"|"+result)
}
func (m *fakeMemory) Drain(context.Context) error { m.drained++; return nil }

// A standalone agent uses its memory as in a crew: what it remembers goes
// into its prompt, and what it did is saved (and drained) before Kickoff
// returns.
func TestKickoffUsesMemory(t *testing.T) {
	mem := &fakeMemory{}
	m := &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "Go est un langage."}}}
	a := &agent.Agent{Role: "Teacher", Goal: "Explain.", LLM: m, Memory: mem}
	out, err := a.Kickoff(context.Background(), agent.KickoffInput{Prompt: "What is Go?"})
	require.NoError(t, err)
	assert.Equal(t, "Go est un langage.", out.Raw)
	require.NotEmpty(t, mem.recalled, "the agent recalls before it works")
	assert.Equal(t, "|Teacher", mem.recalled[0], "an agent alone recalls in its own scope, no crew")
	reqs := m.Requests()
	require.Len(t, reqs, 1)
	var prompt strings.Builder
	for _, msg := range reqs[0].Messages {
		prompt.WriteString(msg.Content)
	}
	assert.Contains(t, prompt.String(), "The user prefers answers in French.")
	assert.Equal(t, []string{"Teacher|What is Go?|Go est un langage."}, mem.saved)
	assert.Equal(t, 1, mem.drained, "the save is drained before Kickoff returns")
}

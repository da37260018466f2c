package crew_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/stream"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

// nonStreaming is a model that ignores OnChunk: its replies arrive whole.
type nonStreaming struct{ *llmtest.Scripted }

func (m nonStreaming) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	r := *req
	r.OnChunk = nil
	return m.Scripted.Generate(ctx, &r)
}

// waitForCancel is a model whose every call waits until its ctx ends.
type waitForCancel struct{}

func (waitForCancel) Info() llm.Info { return llm.Info{Model: "waiting-model"} }
func (waitForCancel) Generate(ctx context.Context, _ *llm.Request) (*llm.Response, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// streamCrew: research (a tool call, then a streamed answer) and write.
func streamCrew(research, write llm.LLM) *crew.Crew {
	return &crew.Crew{Name: "stream crew", Bus: &event.Bus{}, Tasks: []*task.Task{
		{Name: "research", Description: "Research Go.", Agent: newAgent("Researcher", research, searchTool())},
		{Name: "write", Description: "Write about Go.", Agent: newAgent("Writer", write)},
	}}
}

func researchScript() *llmtest.Scripted {
	return &llmtest.Scripted{Model: "research-model", Replies: []llmtest.Reply{
		{ToolCalls: []llm.ToolCall{{ID: "c1", Name: "search", Arguments: `{"query":"go"}`}}},
		{Chunks: []string{"Go ", "is ", "fast."}},
	}}
}

type got struct {
	kind              stream.Kind
	text, task, agent string
}

func TestKickoffStreamYieldsChunksThenTheOutput(t *testing.T) {
	tests := []struct {
		name  string
		write llm.LLM
		want  []got
	}{
		{name: "a streaming model", write: &llmtest.Scripted{Replies: []llmtest.Reply{{Chunks: []string{"An ", "article."}}}},
			want: []got{
				{stream.ToolCall, "search", "research", "Researcher"},
				{stream.Text, "Go ", "research", "Researcher"}, {stream.Text, "is ", "research", "Researcher"},
				{stream.Text, "fast.", "research", "Researcher"},
				{stream.Text, "An ", "write", "Writer"}, {stream.Text, "article.", "write", "Writer"},
			}},
		{name: "a model that does not stream: one chunk per reply",
			write: nonStreaming{&llmtest.Scripted{Replies: []llmtest.Reply{{Chunks: []string{"An ", "article."}}}}},
			want: []got{
				{stream.ToolCall, "search", "research", "Researcher"},
				{stream.Text, "Go ", "research", "Researcher"}, {stream.Text, "is ", "research", "Researcher"},
				{stream.Text, "fast.", "research", "Researcher"},
				{stream.Text, "An article.", "write", "Writer"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := streamCrew(researchScript(), tt.write)
			var gots []got
			var final *crew.CrewOutput
			finals := 0
			for ch, err := range c.KickoffStream(context.Background(), nil) {
				require.NoError(t, err)
				switch ch.Kind {
				case stream.Final:
					finals++
					final = ch.Output
				case stream.ToolCall:
					gots = append(gots, got{ch.Kind, ch.ToolCall.Name, ch.Task, ch.Agent})
				default:
					gots = append(gots, got{ch.Kind, ch.Text, ch.Task, ch.Agent})
				}
			}
			assert.Equal(t, tt.want, gots)
			require.Equal(t, 1, finals, "one final chunk, last")
			require.NotNil(t, final)
			assert.Equal(t, "An article.", final.Raw)
			assert.Len(t, final.Tasks, 2)
		})
	}
}

// TestKickoffStreamThroughTheOpenAIClient: the real client streams the
// fake server's reply word by word; the pieces make the answer.
func TestKickoffStreamThroughTheOpenAIClient(t *testing.T) {
	srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "Streaming over the wire works."}}})
	defer srv.Close()
	m, err := llm.New(llm.Config{Model: "gpt-4o-mini", BaseURL: srv.URL(), APIKey: "test-key"})
	require.NoError(t, err)
	defer m.CloseIdleConnections()
	c := &crew.Crew{Bus: &event.Bus{}, Tasks: []*task.Task{{Name: "say", Description: "Say it.", Agent: newAgent("Speaker", m)}}}
	var pieces []string
	var final *crew.CrewOutput
	for ch, err := range c.KickoffStream(context.Background(), nil) {
		require.NoError(t, err)
		if ch.Kind == stream.Final {
			final = ch.Output
			continue
		}
		assert.Equal(t, "say", ch.Task)
		pieces = append(pieces, ch.Text)
	}
	assert.Greater(t, len(pieces), 1, "streamed in pieces: %q", pieces)
	assert.Equal(t, "Streaming over the wire works.", strings.Join(pieces, ""))
	require.NotNil(t, final)
	assert.Equal(t, "Streaming over the wire works.", final.Raw)
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	assert.True(t, reqs[0].Stream, "the client asked for a stream")
}

// TestKickoffStreamBreakCancels: breaking out of the loop cancels the
// kickoff, leaves no goroutine, and ends its spans as cancelled.
func TestKickoffStreamBreakCancels(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr, err := tracing.New(tracing.WithExporter(exp), tracing.WithNotice(io.Discard))
	require.NoError(t, err)
	c := streamCrew(researchScript(), waitForCancel{})
	c.Tracing, c.Tracer = true, tr
	n := 0
	for ch := range c.KickoffStream(context.Background(), nil) {
		n++
		if ch.Kind == stream.Text {
			break
		}
	}
	assert.Equal(t, 2, n, "the tool call, then the first text chunk")
	spans := exp.GetSpans() // flushed before the kickoff returned
	require.NoError(t, tr.Shutdown(context.Background()))
	goleak.VerifyNone(t)

	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	root, ok := byName["invoke_workflow stream crew"]
	require.True(t, ok, "the crew span was ended")
	assert.Equal(t, codes.Error, root.Status.Code)
	assert.Contains(t, root.Attributes, attribute.String("error.type", "cancelled"))
}

// TestKickoffStreamSlowConsumerBlocksNobody: a consumer that holds the
// first chunk until the kickoff has completed (seen by a bus subscriber)
// does not hold the run: the run completes meanwhile.
func TestKickoffStreamSlowConsumerBlocksNobody(t *testing.T) {
	c := streamCrew(researchScript(), &llmtest.Scripted{Replies: []llmtest.Reply{{Content: "An article."}}})
	completed := make(chan struct{})
	defer c.Bus.Subscribe(event.HandlerFunc(func(e event.Event) {
		if _, ok := e.(*event.CrewCompleted); ok {
			close(completed)
		}
	}))()
	first := true
	var final *crew.CrewOutput
	for ch, err := range c.KickoffStream(context.Background(), nil) {
		require.NoError(t, err)
		if first {
			first = false
			select {
			case <-completed:
			case <-time.After(time.Minute):
				t.Fatal("the kickoff did not complete while the consumer held its first chunk")
			}
		}
		if ch.Kind == stream.Final {
			final = ch.Output
		}
	}
	require.NotNil(t, final)
	assert.Equal(t, "An article.", final.Raw)
}

package flow_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/stream"
)

// blockUntilCancel is a model whose calls wait until their ctx ends.
type blockUntilCancel struct{}

func (blockUntilCancel) Info() llm.Info { return llm.Info{Model: "blocking-model"} }
func (blockUntilCancel) Generate(ctx context.Context, _ *llm.Request) (*llm.Response, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func streamingFlow(second llm.LLM) *flow.Flow[map[string]any] {
	writer := &agent.Agent{Role: "Writer", LLM: &llmtest.Scripted{Replies: []llmtest.Reply{{Chunks: []string{"Hello ", "flow."}}}}}
	editor := &agent.Agent{Role: "Editor", LLM: second}
	f := &flow.Flow[map[string]any]{Name: "streamed", Bus: &event.Bus{}}
	f.Step(flow.Start("write"), func(ctx context.Context, _ *flow.State[map[string]any]) (any, error) {
		out, err := writer.Kickoff(ctx, agent.KickoffInput{Prompt: "Say hello."})
		if err != nil {
			return nil, err
		}
		return out.Raw, nil
	})
	f.Step(flow.Listen("edit", flow.On("write")), func(ctx context.Context, _ *flow.State[map[string]any]) (any, error) {
		out, err := editor.Kickoff(ctx, agent.KickoffInput{Prompt: "Edit: " + flow.TriggerOf(ctx).Output.(string)})
		if err != nil {
			return nil, err
		}
		return out.Raw, nil
	})
	return f
}

func TestFlowKickoffStream(t *testing.T) {
	f := streamingFlow(&llmtest.Scripted{Replies: []llmtest.Reply{{Content: "Hello, flow!"}}})
	var b strings.Builder
	var final *flow.Result[map[string]any]
	for ch, err := range f.KickoffStream(context.Background(), nil) {
		require.NoError(t, err)
		if ch.Kind == stream.Final {
			final = ch.Output
			continue
		}
		assert.Equal(t, "streamed", ch.Flow)
		b.WriteString(ch.Method + "/" + ch.Agent + ":" + ch.Text + "|")
	}
	assert.Equal(t, "write/Writer:Hello |write/Writer:flow.|edit/Editor:Hello, |edit/Editor:flow!|", b.String())
	require.NotNil(t, final)
	assert.Equal(t, "Hello, flow!", final.Output)
}

func TestFlowKickoffStreamBreakCancels(t *testing.T) {
	f := streamingFlow(blockUntilCancel{})
	for ch := range f.KickoffStream(context.Background(), nil) {
		if ch.Kind == stream.Text {
			break // the editor's model is waiting: the break must end it
		}
	}
	goleak.VerifyNone(t)
}

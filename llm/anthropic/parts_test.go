package anthropic_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

var (
	png = []byte("\x89PNG\r\n\x1a\n fake image bytes")
	pdf = []byte("%PDF-1.7 fake document")
)

// TestMultimodalParts: images (bytes and URL) and PDF documents reach the
// Messages API as image and document blocks; audio, parts on other roles
// and media types Anthropic does not take are refused before any request.
func TestMultimodalParts(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "seen"} }}, "claude-sonnet-4-5")
	parts := []chat.Part{chat.Image("image/png", png), chat.ImageURL("https://example.com/cat.jpg"),
		chat.File("report.pdf", "application/pdf", pdf), chat.File("notes.txt", "text/plain", []byte("plain notes"))}
	resp, err := h.client.Generate(context.Background(), &llm.Request{Messages: []llm.Message{
		{Role: llm.RoleUser, Content: "Describe these.", Parts: parts}}})
	require.NoError(t, err)
	assert.Equal(t, "seen", resp.Content)
	reqs := h.srv.Requests()
	require.Len(t, reqs, 1)
	msgs := reqs[0].Request.Messages
	require.Len(t, msgs, 1)
	assert.Equal(t, "Describe these.", msgs[0].Content)
	got := msgs[0].Parts
	require.Len(t, got, len(parts))
	assert.Equal(t, llm.Part{Kind: llm.PartImage, MediaType: "image/png", Data: png}, got[0])
	assert.Equal(t, llm.Part{Kind: llm.PartImage, URL: "https://example.com/cat.jpg"}, got[1])
	assert.Equal(t, llm.Part{Kind: llm.PartFile, MediaType: "application/pdf", Data: pdf}, got[2])
	assert.Equal(t, llm.Part{Kind: llm.PartFile, MediaType: "text/plain", Data: []byte("plain notes")}, got[3])

	// An image alone (no text) is a valid user turn.
	_, err = h.client.Generate(context.Background(), &llm.Request{Messages: []llm.Message{
		{Role: llm.RoleUser, Parts: []chat.Part{chat.ImageURL("data:image/png;base64,iVBORw0KGgo=")}}}})
	require.NoError(t, err)

	bad := []struct {
		name string
		msg  llm.Message
		want string
	}{
		{"audio", llm.Message{Role: llm.RoleUser, Content: "x", Parts: []chat.Part{chat.Audio("audio/wav", []byte("RIFF"))}}, "Parts[0]: the Messages API takes no audio"},
		{"bmp image", llm.Message{Role: llm.RoleUser, Parts: []chat.Part{chat.Image("image/bmp", png)}}, `"image/bmp"`},
		{"docx", llm.Message{Role: llm.RoleUser, Parts: []chat.Part{chat.File("a.docx", "application/msword", pdf)}}, `"application/msword"`},
		{"empty image", llm.Message{Role: llm.RoleUser, Parts: []chat.Part{{Kind: chat.PartImage}}}, "no data"},
		{"parts on assistant", llm.Message{Role: llm.RoleAssistant, Content: "x", Parts: []chat.Part{chat.Image("image/png", png)}}, "only user messages"},
	}
	for _, tt := range bad {
		_, err := h.client.Generate(context.Background(), &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "q"}, tt.msg}})
		require.Error(t, err, tt.name)
		assert.True(t, errors.Is(err, llm.ErrBadRequest), tt.name)
		assert.Contains(t, err.Error(), tt.want, tt.name)
	}
	assert.Len(t, h.srv.Requests(), 2, "refused parts send nothing")
}

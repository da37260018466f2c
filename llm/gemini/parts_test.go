package gemini_test

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

// TestMultimodalParts: images, PDFs and audio go inline (inlineData), a
// URL as fileData with its media type; a URL without one and parts on
// other roles are refused before any request.
func TestMultimodalParts(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "seen"} }}, "gemini-2.5-flash")
	png, pdf, wav := []byte("\x89PNG fake"), []byte("%PDF-1.7 fake"), []byte("RIFF fake wav")
	parts := []chat.Part{chat.Image("image/png", png), chat.File("r.pdf", "application/pdf", pdf), chat.Audio("audio/wav", wav),
		{Kind: chat.PartImage, URL: "gs://bucket/cat.jpg", MediaType: "image/jpeg"}, chat.ImageURL("data:image/gif;base64,R0lGODlh")}
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
	assert.Equal(t, llm.Part{Kind: llm.PartFile, MediaType: "application/pdf", Data: pdf}, got[1])
	assert.Equal(t, llm.Part{Kind: llm.PartAudio, MediaType: "audio/wav", Data: wav}, got[2])
	assert.Equal(t, llm.Part{Kind: llm.PartImage, MediaType: "image/jpeg", URL: "gs://bucket/cat.jpg"}, got[3])
	assert.Equal(t, llm.Part{Kind: llm.PartImage, MediaType: "image/gif", Data: []byte("GIF89a")}, got[4])

	bad := []struct {
		name string
		msg  llm.Message
		want string
	}{
		{"URL without media type", llm.Message{Role: llm.RoleUser, Parts: []chat.Part{chat.ImageURL("https://example.com/x")}}, "Parts[0]: the image part is given by URL and needs its MediaType"},
		{"no data", llm.Message{Role: llm.RoleUser, Parts: []chat.Part{{Kind: chat.PartAudio, MediaType: "audio/wav"}}}, "no data"},
		{"unknown kind", llm.Message{Role: llm.RoleUser, Parts: []chat.Part{{Kind: "video3d", Data: png}}}, `"video3d"`},
		{"parts on a tool message", llm.Message{Role: llm.RoleTool, ToolCallID: "c", Name: "f", Parts: []chat.Part{chat.Image("image/png", png)}}, "only user messages"},
	}
	for _, tt := range bad {
		_, err := h.client.Generate(context.Background(), &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "q"}, tt.msg}})
		require.Error(t, err, tt.name)
		assert.True(t, errors.Is(err, llm.ErrBadRequest), tt.name)
		assert.Contains(t, err.Error(), tt.want, tt.name)
	}
	assert.Len(t, h.srv.Requests(), 1, "refused parts send nothing")
}

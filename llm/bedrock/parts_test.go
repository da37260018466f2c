package bedrock_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// TestParts: images and documents go to Converse as bytes (or s3:// URIs)
// with their format, and what Converse does not take is refused naming
// the part and what is accepted.
func TestParts(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nfake")
	pdf := []byte("%PDF-1.7 fake")
	h := newHarness(t, llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "seen"} }})
	req := &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "What do these show?", Parts: []llm.Part{
		chat.Image("image/png", png),
		chat.File("Q3 report (final).v2.pdf", "application/pdf", pdf),
		{Kind: llm.PartImage, URL: "s3://bucket/cat.jpg"},
		{Kind: llm.PartFile, URL: "s3://bucket/notes.md", Name: "notes.md"},
		{Kind: llm.PartImage, URL: "data:image/webp;base64,UklGRg=="},
		{Kind: llm.PartFile, MediaType: "text/csv", Data: []byte("a,b\n1,2\n")},
	}}}}
	resp, err := h.client.Generate(h.ctx(), req)
	require.NoError(t, err)
	assert.Equal(t, "seen", resp.Content)
	got := h.srv.Requests()[0].Request.Messages[0]
	assert.Equal(t, "What do these show?", got.Content)
	assert.Equal(t, []llm.Part{
		{Kind: llm.PartImage, MediaType: "image/png", Data: png},
		{Kind: llm.PartFile, MediaType: "application/pdf", Data: pdf, Name: "Q3 report (final) v2"},
		{Kind: llm.PartImage, MediaType: "image/jpeg", URL: "s3://bucket/cat.jpg"},
		{Kind: llm.PartFile, MediaType: "text/markdown", URL: "s3://bucket/notes.md", Name: "notes"},
		{Kind: llm.PartImage, MediaType: "image/webp", Data: []byte("RIFF")},
		{Kind: llm.PartFile, MediaType: "text/csv", Data: []byte("a,b\n1,2\n"), Name: "document-6"},
	}, got.Parts)

	bad := []struct {
		name string
		part llm.Part
		want string
	}{
		{"image URL", chat.ImageURL("https://example.com/cat.png?X-Amz-Signature=secret"), "s3:// URI"},
		{"image type", chat.Image("image/tiff", []byte{1}), "image/jpeg, image/png, image/gif or image/webp"},
		{"document type", chat.File("a.zip", "application/zip", []byte{1}), "application/pdf"},
		{"no data", llm.Part{Kind: llm.PartImage, MediaType: "image/png"}, "no data"},
		{"audio", chat.Audio("audio/wav", []byte{1}), "no audio"},
		{"blank text part", llm.Part{Kind: llm.PartText, Text: " "}, "blank text"},
		{"unknown kind", llm.Part{Kind: "video"}, `"video"`},
	}
	for _, tt := range bad {
		_, err := h.client.Generate(h.ctx(), &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "x", Parts: []llm.Part{tt.part}}}})
		require.ErrorIs(t, err, llm.ErrBadRequest, tt.name)
		assert.Contains(t, err.Error(), "Messages[0].Parts[0]", tt.name)
		assert.Contains(t, err.Error(), tt.want, tt.name)
		assert.NotContains(t, err.Error(), "secret", tt.name)
	}
	assert.Equal(t, 1, h.srv.Count(), "no refused part reaches the server")
}

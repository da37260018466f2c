package llm_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// TestMultimodalParts: images go as image_url parts (bytes as data: URLs),
// PDFs as file parts and audio as input_audio parts, which go-openai has no
// types for; the fake, which checks each part's required fields, decodes
// them back. Parts on other roles and unsupported audio are refused before
// any request.
func TestMultimodalParts(t *testing.T) {
	h := newHarness(t, llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "seen"} }},
		llm.Config{Model: "gpt-4o-mini", MaxAttempts: 1})
	png, pdf, wav := []byte("\x89PNG fake"), []byte("%PDF-1.7 fake"), []byte("RIFF fake wav")
	parts := []chat.Part{chat.Image("image/png", png), chat.ImageURL("https://example.com/cat.jpg"),
		chat.File("report.pdf", "application/pdf", pdf), chat.Audio("audio/wav", wav), chat.TextPart(" and more text"),
		chat.File("second.pdf", "application/pdf", pdf)}
	for _, stream := range []bool{false, true} {
		req := &llm.Request{Messages: []llm.Message{{Role: llm.RoleSystem, Content: "s"}, {Role: llm.RoleUser, Content: "Describe these.", Parts: parts}}}
		if stream {
			req.OnChunk = func(string) {}
		}
		resp, err := h.client.Generate(context.Background(), req)
		require.NoError(t, err, "stream %t", stream)
		assert.Equal(t, "seen", resp.Content)
	}
	reqs := h.srv.Requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		m := r.Request.Messages[1]
		assert.Equal(t, "Describe these. and more text", m.Content)
		require.Len(t, m.Parts, 5)
		assert.Equal(t, llm.Part{Kind: llm.PartImage, URL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)}, m.Parts[0])
		assert.Equal(t, llm.Part{Kind: llm.PartImage, URL: "https://example.com/cat.jpg"}, m.Parts[1])
		assert.Equal(t, llm.Part{Kind: llm.PartFile, Name: "report.pdf", URL: "data:application/pdf;base64," + base64.StdEncoding.EncodeToString(pdf)}, m.Parts[2])
		assert.Equal(t, llm.Part{Kind: llm.PartAudio, MediaType: "audio/wav", Data: wav}, m.Parts[3])
		assert.Equal(t, "second.pdf", m.Parts[4].Name)
		mt, data, ok := m.Parts[2].Inline()
		assert.True(t, ok)
		assert.Equal(t, "application/pdf", mt)
		assert.Equal(t, pdf, data)
	}

	bad := []struct {
		name string
		msg  llm.Message
		want string
	}{
		{"ogg audio", llm.Message{Role: llm.RoleUser, Parts: []chat.Part{chat.Audio("audio/ogg", []byte("OggS"))}}, `Parts[0]: audio media type "audio/ogg"`},
		{"file by URL", llm.Message{Role: llm.RoleUser, Parts: []chat.Part{{Kind: chat.PartFile, URL: "https://example.com/a.pdf"}}}, "by URL"},
		{"image without bytes", llm.Message{Role: llm.RoleUser, Parts: []chat.Part{{Kind: chat.PartImage}}}, "Parts[0] is an image without Data or URL"},
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

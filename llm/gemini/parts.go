package gemini

import (
	"fmt"
	"strings"

	"google.golang.org/genai"

	"github.com/crewai-go/crewai/chat"
)

// partOf maps a multimodal part to a Gemini part: text, inline data (bytes
// or a data: URL) or file data (another URL, which needs a media type).
// Gemini takes images, documents (PDF, text) and audio alike.
func partOf(p chat.Part) (*genai.Part, error) {
	switch p.Kind {
	case chat.PartText, "":
		if p.Text == "" {
			return nil, fmt.Errorf("the text part is empty; Gemini rejects empty text")
		}
		return &genai.Part{Text: p.Text}, nil
	case chat.PartImage, chat.PartFile, chat.PartAudio:
	default:
		return nil, fmt.Errorf("part kind %q is not text, image, file or audio", p.Kind)
	}
	if p.URL != "" && !strings.HasPrefix(p.URL, "data:") {
		if p.MediaType == "" {
			return nil, fmt.Errorf("the %s part is given by URL and needs its MediaType for Gemini", p.Kind)
		}
		return &genai.Part{FileData: &genai.FileData{FileURI: p.URL, MIMEType: p.MediaType, DisplayName: p.Name}}, nil
	}
	mt, data, ok := p.Inline()
	if !ok || len(data) == 0 {
		return nil, fmt.Errorf("the %s has no data (set Data and MediaType, or URL)", p.Kind)
	}
	if mt == "" {
		return nil, fmt.Errorf("the %s has no MediaType", p.Kind)
	}
	return &genai.Part{InlineData: &genai.Blob{MIMEType: mt, Data: data}}, nil
}

package chat_test

import (
	"bytes"
	"testing"

	"github.com/crewai-go/crewai/chat"
)

func TestPartInline(t *testing.T) {
	tests := []struct {
		name string
		p    chat.Part
		mt   string
		data []byte
		ok   bool
	}{
		{"bytes", chat.Image("image/png", []byte("px")), "image/png", []byte("px"), true},
		{"data URL", chat.ImageURL("data:image/gif;base64,R0lGODlh"), "image/gif", []byte("GIF89a"), true},
		{"data URL without type", chat.Part{Kind: chat.PartFile, MediaType: "application/pdf", URL: "data:;base64,JVBERg=="}, "application/pdf", []byte("%PDF"), true},
		{"https URL", chat.ImageURL("https://example.com/a.png"), "", nil, false},
		{"data URL not base64", chat.ImageURL("data:text/plain,hello"), "", nil, false},
		{"data URL bad base64", chat.ImageURL("data:image/png;base64,%%%"), "", nil, false},
	}
	for _, tt := range tests {
		mt, data, ok := tt.p.Inline()
		if mt != tt.mt || !bytes.Equal(data, tt.data) || ok != tt.ok {
			t.Errorf("%s: Inline() = %q, %q, %t; want %q, %q, %t", tt.name, mt, data, ok, tt.mt, tt.data, tt.ok)
		}
	}
	if got := chat.Audio("audio/wav", []byte("RIFF")).DataURL(); got != "data:audio/wav;base64,UklGRg==" {
		t.Errorf("DataURL = %q", got)
	}
	if got := chat.ImageURL("https://x/y.png").DataURL(); got != "https://x/y.png" {
		t.Errorf("DataURL of a URL part = %q", got)
	}
}

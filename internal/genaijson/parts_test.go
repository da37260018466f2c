package genaijson

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/chat"
)

// TestInputMessagesParts: a captured multimodal message shows each binary
// part's kind, media type, size and SHA-256, never its bytes (not even
// base64 in a data: URL), and URLs as uri parts.
func TestInputMessagesParts(t *testing.T) {
	png := []byte("\x89PNG secret pixels")
	pdf := []byte("%PDF secret document")
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	enc := &Encoder{Text: func(s string) string { return s }, Max: 1 << 20}
	msgs := []chat.Message{{Role: chat.RoleUser, Content: "Look:", Parts: []chat.Part{
		chat.Image("image/png", png),
		chat.ImageURL("https://example.com/cat.jpg"),
		chat.ImageURL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		chat.File("report.pdf", "application/pdf", pdf),
		chat.TextPart("more"),
		{Kind: chat.PartImage, URL: "data:image/png;base64,%%%not base64"},
	}}}
	out := enc.InputMessages(msgs)
	var got []struct {
		Role  string           `json:"role"`
		Parts []map[string]any `json:"parts"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, secret := range []string{"secret", base64.StdEncoding.EncodeToString(png), base64.StdEncoding.EncodeToString(pdf), "not base64"} {
		if strings.Contains(out, secret) {
			t.Errorf("the captured messages hold %q: %s", secret, out)
		}
	}
	want := []map[string]any{
		{"type": "text", "content": "Look:"},
		{"type": "blob", "modality": "image", "mime_type": "image/png", "size": float64(len(png)), "sha256": sum(png)},
		{"type": "uri", "modality": "image", "uri": "https://example.com/cat.jpg"},
		{"type": "blob", "modality": "image", "mime_type": "image/png", "size": float64(len(png)), "sha256": sum(png)},
		{"type": "blob", "modality": "file", "mime_type": "application/pdf", "size": float64(len(pdf)), "sha256": sum(pdf), "name": "report.pdf"},
		{"type": "text", "content": "more"},
		{"type": "blob", "modality": "image", "size": float64(len("data:image/png;base64,%%%not base64")), "sha256": sum([]byte("data:image/png;base64,%%%not base64"))},
	}
	if len(got) != 1 || len(got[0].Parts) != len(want) {
		t.Fatalf("got %s", out)
	}
	for i, w := range want {
		g := got[0].Parts[i]
		if len(g) != len(w) {
			t.Errorf("part %d = %v, want %v", i, g, w)
			continue
		}
		for k, v := range w {
			if g[k] != v {
				t.Errorf("part %d: %s = %v, want %v", i, k, g[k], v)
			}
		}
	}
}

package anthropic

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/crewai-go/crewai/chat"
)

// imageTypes are the image media types Anthropic takes inline.
var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// partBlock maps a multimodal part to an Anthropic content block: text, an
// image (base64 or URL), a document (a PDF, base64 or URL, or plain text).
// Audio is refused: the Messages API takes none.
func partBlock(p chat.Part) (sdk.ContentBlockParamUnion, error) {
	switch p.Kind {
	case chat.PartText, "":
		if p.Text == "" {
			return sdk.ContentBlockParamUnion{}, fmt.Errorf("the text part is empty; Anthropic rejects empty text")
		}
		return sdk.NewTextBlock(p.Text), nil
	case chat.PartImage:
		if p.URL != "" && !strings.HasPrefix(p.URL, "data:") {
			return sdk.NewImageBlock(sdk.URLImageSourceParam{URL: p.URL}), nil
		}
		mt, data, ok := p.Inline()
		if !ok || len(data) == 0 {
			return sdk.ContentBlockParamUnion{}, fmt.Errorf("the image has no data (set Data and MediaType, or URL)")
		}
		if !imageTypes[mt] {
			return sdk.ContentBlockParamUnion{}, fmt.Errorf("image media type %q is not one Anthropic takes; use image/jpeg, image/png, image/gif or image/webp", mt)
		}
		return sdk.NewImageBlockBase64(mt, base64.StdEncoding.EncodeToString(data)), nil
	case chat.PartFile:
		if p.URL != "" && !strings.HasPrefix(p.URL, "data:") {
			return sdk.NewDocumentBlock(sdk.URLPDFSourceParam{URL: p.URL}), nil
		}
		mt, data, ok := p.Inline()
		if !ok || len(data) == 0 {
			return sdk.ContentBlockParamUnion{}, fmt.Errorf("the file has no data (set Data and MediaType, or URL)")
		}
		var b sdk.ContentBlockParamUnion
		switch mt {
		case "application/pdf":
			b = sdk.NewDocumentBlock(sdk.Base64PDFSourceParam{Data: base64.StdEncoding.EncodeToString(data)})
		case "text/plain":
			b = sdk.NewDocumentBlock(sdk.PlainTextSourceParam{Data: string(data)})
		default:
			return sdk.ContentBlockParamUnion{}, fmt.Errorf("file media type %q is not one Anthropic takes; use application/pdf or text/plain", mt)
		}
		if p.Name != "" {
			b.OfDocument.Title = sdk.String(p.Name)
		}
		return b, nil
	case chat.PartAudio:
		return sdk.ContentBlockParamUnion{}, errors.New("the Messages API takes no audio input")
	}
	return sdk.ContentBlockParamUnion{}, fmt.Errorf("part kind %q is not text, image, file or audio", p.Kind)
}

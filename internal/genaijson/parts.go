package genaijson

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/crewai-go/crewai/chat"
)

// appendParts writes the multimodal parts of a message, each preceded by a
// comma when comma is true or it is not the first. Text parts are text
// parts; a part given by URL is a "uri" part; a part with bytes (Data or a
// data: URL) is a "blob" part whose content is left out and replaced by its
// size in bytes and its SHA-256, so that no binary data reaches a span:
//
//	{"type":"blob","modality":"image","mime_type":"image/png","size":1234,"sha256":"..."}
//	{"type":"uri","modality":"image","uri":"https://..."}
func (t *Encoder) appendParts(b []byte, parts []chat.Part, comma bool) []byte {
	for _, p := range parts {
		if comma {
			b = append(b, ',')
		}
		comma = true
		if p.Kind == chat.PartText || p.Kind == "" {
			b = appendTextPart(b, t.Text(p.Text))
			continue
		}
		mt, data, inline := p.Inline()
		if !inline && strings.HasPrefix(p.URL, "data:") {
			// A data: URL that does not decode is still data: hash it whole.
			mt, data, inline = "", []byte(p.URL), true
		}
		if !inline {
			b = append(b, `{"type":"uri","modality":`...)
			b = appendJSONString(b, string(p.Kind))
			if p.MediaType != "" {
				b = append(b, `,"mime_type":`...)
				b = appendJSONString(b, p.MediaType)
			}
			b = append(b, `,"uri":`...)
			b = appendJSONString(b, t.Text(p.URL))
		} else {
			b = append(b, `{"type":"blob","modality":`...)
			b = appendJSONString(b, string(p.Kind))
			if mt != "" {
				b = append(b, `,"mime_type":`...)
				b = appendJSONString(b, mt)
			}
			sum := sha256.Sum256(data)
			b = append(b, `,"size":`...)
			b = strconv.AppendInt(b, int64(len(data)), 10)
			b = append(b, `,"sha256":"`...)
			b = hex.AppendEncode(b, sum[:])
			b = append(b, '"')
		}
		if p.Name != "" {
			b = append(b, `,"name":`...)
			b = appendJSONString(b, t.Text(p.Name))
		}
		b = append(b, '}')
	}
	return b
}

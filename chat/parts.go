package chat

import (
	"encoding/base64"
	"strings"
)

// PartKind is the kind of a [Part] of a multimodal message.
type PartKind string

// The kinds of parts.
const (
	// PartText is text.
	PartText PartKind = "text"
	// PartImage is an image (PNG, JPEG, GIF, WebP), by URL or bytes.
	PartImage PartKind = "image"
	// PartFile is a document, such as a PDF, by bytes (or a URL where the
	// provider fetches one).
	PartFile PartKind = "file"
	// PartAudio is audio (WAV, MP3), by bytes.
	PartAudio PartKind = "audio"
)

// Part is one piece of a multimodal message: text, an image, a document or
// audio, given either inline (Data with its MediaType) or by URL. The zero
// value is an empty text part. It is plain data: Data is shared, not copied,
// and must not be modified while a message holding it is in use.
//
// Model clients map parts to their provider's format and refuse, naming the
// field, a part their provider does not take (audio on Anthropic, for
// example). Tracing never records Data: a captured message shows a binary
// part's kind, media type, size and SHA-256 instead.
type Part struct {
	// Kind says what the part is.
	Kind PartKind `json:"kind"`
	// Text is the text of a PartText.
	Text string `json:"text,omitempty"`
	// MediaType is the IANA media type of Data (or of what URL points at),
	// such as "image/png", "application/pdf" or "audio/wav".
	MediaType string `json:"media_type,omitempty"`
	// Data holds the content inline.
	Data []byte `json:"data,omitempty"`
	// URL points at the content instead of Data (an https URL, or a data:
	// URL).
	URL string `json:"url,omitempty"`
	// Name is a file name, for documents.
	Name string `json:"name,omitempty"`
}

// TextPart returns a text part.
func TextPart(text string) Part { return Part{Kind: PartText, Text: text} }

// ImageURL returns an image part that the provider fetches from url (an
// https URL or a data: URL).
func ImageURL(url string) Part { return Part{Kind: PartImage, URL: url} }

// Image returns an image part with its bytes and media type, such as
// "image/png".
func Image(mediaType string, data []byte) Part {
	return Part{Kind: PartImage, MediaType: mediaType, Data: data}
}

// File returns a document part (such as a PDF: media type
// "application/pdf") with its bytes and file name.
func File(name, mediaType string, data []byte) Part {
	return Part{Kind: PartFile, Name: name, MediaType: mediaType, Data: data}
}

// Audio returns an audio part with its bytes and media type, such as
// "audio/wav" or "audio/mpeg".
func Audio(mediaType string, data []byte) Part {
	return Part{Kind: PartAudio, MediaType: mediaType, Data: data}
}

// Inline returns the part's bytes and media type: Data, or the content of a
// base64 data: URL; ok is false for a part given by another URL (or a data:
// URL that does not decode).
func (p Part) Inline() (mediaType string, data []byte, ok bool) {
	if p.URL == "" {
		return p.MediaType, p.Data, true
	}
	rest, isData := strings.CutPrefix(p.URL, "data:")
	if !isData {
		return "", nil, false
	}
	meta, payload, found := strings.Cut(rest, ",")
	mt, isB64 := strings.CutSuffix(meta, ";base64")
	if !found || !isB64 {
		return "", nil, false
	}
	b, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return "", nil, false
	}
	if mt == "" {
		mt = p.MediaType
	}
	return mt, b, true
}

// DataURL returns the part as a base64 data: URL (its URL when it has one).
func (p Part) DataURL() string {
	if p.URL != "" {
		return p.URL
	}
	return "data:" + p.MediaType + ";base64," + base64.StdEncoding.EncodeToString(p.Data)
}

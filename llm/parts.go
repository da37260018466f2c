package llm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// partPlaceholder is the URL of the image_url part that stands, in what
// go-openai encodes, for a part go-openai has no type for (a file, audio);
// the HTTP layer replaces it with the part's JSON (see attempt.parts).
const partPlaceholder = "crewai-part:"

// multiContent maps a user message's text and parts to OpenAI content
// parts. Parts go-openai cannot express (files, audio) are returned as JSON
// in extra, with a placeholder image part in their place.
func multiContent(m Message, extra []json.RawMessage) ([]openai.ChatMessagePart, []json.RawMessage, error) {
	var out []openai.ChatMessagePart
	if m.Content != "" {
		out = append(out, openai.ChatMessagePart{Type: openai.ChatMessagePartTypeText, Text: m.Content})
	}
	for j, p := range m.Parts {
		switch p.Kind {
		case PartText, "":
			if p.Text == "" {
				return nil, extra, partErr(j, "is an empty text part")
			}
			out = append(out, openai.ChatMessagePart{Type: openai.ChatMessagePartTypeText, Text: p.Text})
		case PartImage:
			if p.URL == "" && len(p.Data) == 0 {
				return nil, extra, partErr(j, "is an image without Data or URL")
			}
			if p.URL == "" && p.MediaType == "" {
				return nil, extra, partErr(j, "is an image without MediaType")
			}
			out = append(out, openai.ChatMessagePart{Type: openai.ChatMessagePartTypeImageURL,
				ImageURL: &openai.ChatMessageImageURL{URL: p.DataURL()}})
		case PartFile, PartAudio:
			raw, err := rawPart(p)
			if err != nil {
				return nil, extra, &partError{j, ": " + err.Error()}
			}
			out = append(out, openai.ChatMessagePart{Type: openai.ChatMessagePartTypeImageURL,
				ImageURL: &openai.ChatMessageImageURL{URL: partPlaceholder + strconv.Itoa(len(extra))}})
			extra = append(extra, raw)
		default:
			return nil, extra, partErr(j, fmt.Sprintf("has Kind %q; use text, image, file or audio", p.Kind))
		}
	}
	return out, extra, nil
}

// rawPart encodes a file part ({"type":"file","file":{...}}) or an audio
// part ({"type":"input_audio","input_audio":{...}}) as OpenAI takes them.
func rawPart(p Part) (json.RawMessage, error) {
	mt, data, ok := p.Inline()
	if !ok {
		return nil, fmt.Errorf("a %s by URL is not taken by OpenAI; give its Data", p.Kind)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("the %s has no Data", p.Kind)
	}
	if p.Kind == PartFile {
		if mt == "" {
			return nil, fmt.Errorf("the file has no MediaType (such as application/pdf)")
		}
		name := p.Name
		if name == "" {
			name = "file"
		}
		return json.Marshal(map[string]any{"type": "file", "file": map[string]string{"filename": name,
			"file_data": "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(data)}})
	}
	var format string
	switch strings.ToLower(mt) {
	case "audio/wav", "audio/x-wav", "audio/wave":
		format = "wav"
	case "audio/mpeg", "audio/mp3":
		format = "mp3"
	default:
		return nil, fmt.Errorf("audio media type %q is not one OpenAI takes; use audio/wav or audio/mpeg", mt)
	}
	return json.Marshal(map[string]any{"type": "input_audio", "input_audio": map[string]string{
		"data": base64.StdEncoding.EncodeToString(data), "format": format}})
}

// replaceParts puts the parts' JSON in place of their placeholders in a
// body go-openai encoded.
func replaceParts(body []byte, parts []json.RawMessage) []byte {
	for i, raw := range parts {
		ph := []byte(`{"type":"image_url","image_url":{"url":"` + partPlaceholder + strconv.Itoa(i) + `"}}`)
		body = bytes.Replace(body, ph, raw, 1)
	}
	return body
}

// partError is a part that cannot be sent: its index and why.
type partError struct {
	index  int
	reason string
}

func (e *partError) Error() string {
	if strings.HasPrefix(e.reason, ":") {
		return "Parts[" + strconv.Itoa(e.index) + "]" + e.reason
	}
	return "Parts[" + strconv.Itoa(e.index) + "] " + e.reason
}

func partErr(j int, reason string) error { return &partError{j, reason} }

package llmtest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

// TestDecodeRequest checks what the fake server reads from a request body:
// the fields of the common shapes, encoding/json's leniency (key case,
// unknown and duplicate keys), and an error for anything that is not one
// chat-completions JSON object.
func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string // a part of the error; empty: decodes
		model   string
		content string // the messages' contents, joined with |
	}{
		{"minimal", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, "", "m", "hi"},
		{"white space", " \n{ \"model\" : \"m\" , \"messages\" : [ ] , \"tools\":[] }\t\n", "", "m", ""},
		{"null content", `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`, "", "", ""},
		{"escapes", `{"messages":[{"role":"user","content":"a\u00e9\n\"\\\/\ud83d\ude00"}]}`, "", "", "a\u00e9\n\"\\/\U0001F600"},
		{"lone surrogate", `{"messages":[{"role":"user","content":"\ud800x"}]}`, "", "", "\uFFFDx"},
		{"content parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}`, "", "", "ab"},
		{"key in another case", `{"Model":"m"}`, "", "m", ""},
		{"escaped key", `{"mod\u0065l":"m"}`, "", "m", ""},
		{"unknown key", `{"model":"m","user":"u"}`, "", "m", ""},
		{"duplicate key", `{"model":"a","model":"b"}`, "", "b", ""},
		{"stop string", `{"stop":"\n"}`, "", "", ""},
		{"empty object", `{}`, "", "", ""},

		{"fractional max_tokens", `{"max_tokens":1.5}`, "not a chat-completions JSON object", "", ""},
		{"huge temperature", `{"temperature":1e999}`, "not a chat-completions JSON object", "", ""},
		{"stop number", `{"stop":3}`, "stop is neither a string nor a list of strings", "", ""},
		{"content number", `{"messages":[{"role":"user","content":3}]}`, "messages[0].content", "", ""},
		{"tool of another type", `{"tools":[{"type":"retrieval","function":{"name":"t"}}]}`, `tools[0].type is "retrieval"`, "", ""},
		{"bad parameters", `{"tools":[{"function":{"name":"t","parameters":{"a":}}}]}`, "not a chat-completions JSON object", "", ""},
		{"trailing data", `{"model":"m"} x`, "data after the JSON object", "", ""},
		{"two objects", `{"model":"m"}{}`, "data after the JSON object", "", ""},
		{"not an object", `[]`, "not a chat-completions JSON object", "", ""},
		{"unterminated", `{"model":"m`, "not a chat-completions JSON object", "", ""},
		{"control character", "{\"model\":\"a\tb\"}", "not a chat-completions JSON object", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr, err := decodeRequest([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "llmtest: ") {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var contents []string
			for _, m := range sr.Request.Messages {
				contents = append(contents, m.Content)
			}
			if sr.Model != tt.model || strings.Join(contents, "|") != tt.content {
				t.Fatalf("model %q, contents %q; want %q, %q", sr.Model, strings.Join(contents, "|"), tt.model, tt.content)
			}
		})
	}
}

// TestReadBody checks the server's body reading with and without an
// announced length: the whole body, and an error for a body shorter than
// announced.
func TestReadBody(t *testing.T) {
	body := strings.Repeat("x", 3000)
	tests := []struct {
		name    string
		length  int64
		body    io.Reader
		want    string
		wantErr bool
	}{
		{"announced", 3000, strings.NewReader(body), body, false},
		{"unknown length", -1, strings.NewReader(body), body, false},
		{"empty", 0, strings.NewReader(""), "", false},
		{"shorter than announced", 3001, strings.NewReader(body), "", true},
		{"longer than announced", 10, strings.NewReader(body), body, false},
		{"read error", 3000, io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(errors.New("boom"))), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", tt.body)
			r.ContentLength = tt.length
			got, err := readBody(r)
			if (err != nil) != tt.wantErr || string(got) != tt.want {
				t.Fatalf("readBody = %d bytes, %v; want %d bytes, error %t", len(got), err, len(tt.want), tt.wantErr)
			}
		})
	}
}

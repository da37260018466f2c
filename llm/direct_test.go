package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// TestAppendChatRequest checks that the request the Client writes itself
// has the same members and values as go-openai's encoding of the same
// request, for every field buildRequest sets.
func TestAppendChatRequest(t *testing.T) {
	temp, zero, hot := 0.7, 0.0, 1.9
	msgs := []Message{
		{Role: RoleSystem, Content: "You are \"careful\".\n\tBe <brief> & exact: é, 日本, \U0001F600, \u2028, \x01, bad \xff."},
		{Role: RoleUser, Content: "Research Go and sum it up."},
		{Role: RoleAssistant, Content: "Let me look.", ToolCalls: []ToolCall{{ID: "call_1", Name: "search", Arguments: `{"query":"go \"lang\""}`},
			{ID: "", Name: "lookup", Arguments: ""}}},
		{Role: RoleTool, ToolCallID: "call_1", Name: "search", Content: "Go: a language by Google"},
		{Role: RoleTool, ToolCallID: "call_2", Name: "lookup", Content: ""},
		{Role: RoleAssistant, Content: ""},
	}
	tools := []ToolDef{
		{Name: "search", Description: "Search the web <fast>.", Parameters: json.RawMessage(`{ "type": "object", "properties": {"query": {"type": "string", "description": "a <b>"}}, "required": ["query"] }`)},
		{Name: "lookup"},
	}
	tests := []struct {
		name  string
		model string
		req   Request
	}{
		{"one message", "gpt-4o-mini", Request{Messages: msgs[1:2]}},
		{"conversation and tools", "gpt-4o-mini", Request{Messages: msgs, Tools: tools}},
		{"stop, temperature, max tokens", "gpt-4o-mini", Request{Messages: msgs[:2], Stop: []string{"\nObservation:", "<end>"}, Temperature: &temp, MaxTokens: 100}},
		{"temperature 0", "gpt-4o-mini", Request{Messages: msgs[:2], Temperature: &zero}},
		{"temperature 1.9", "gpt-4o-mini", Request{Messages: msgs[:2], Temperature: &hot}},
		{"reasoning model", "o3-mini", Request{Messages: msgs[:2], MaxTokens: 50, Temperature: &temp, Stop: []string{"x"}}},
		{"response format", "gpt-4o-mini", Request{Messages: msgs[:2], ResponseFormat: &ResponseFormat{Name: "the answer!", Strict: true,
			Schema: json.RawMessage(`{"type":"object","properties":{"a":{"type":"integer"}}}`)}}},
		{"response format, not strict", "gpt-4o-mini", Request{Messages: msgs[:2], ResponseFormat: &ResponseFormat{
			Schema: json.RawMessage(`{"type":"object"}`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config{Model: tt.model, APIKey: "k", BaseURL: "http://127.0.0.1:1/v1"})
			if err != nil {
				t.Fatal(err)
			}
			w, berr := c.buildRequest(&tt.req)
			if berr != nil {
				t.Fatal(berr)
			}
			got := appendChatRequest(nil, &w)
			want, err := json.Marshal(w)
			if err != nil {
				t.Fatal(err)
			}
			var g, wv any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, got)
			}
			if err := json.Unmarshal(want, &wv); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, wv) {
				t.Errorf("written\n%s\ngo-openai\n%s", got, want)
			}
			if n := c.requestSize(&w); n < len(got) {
				t.Errorf("requestSize %d, written %d bytes", n, len(got))
			}
		})
	}
}

// FuzzAppendJSONString checks the string encoding byte for byte against
// encoding/json.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "<&>", "\"\\/", "\n\r\t\b\f\x00\x1f\x7f", "é\xff\xc3", "\u2028\u2029", "\U0001F600", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got[1:]) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got[1:], want)
		}
	})
}

// TestReplyContent checks that a reply's content is read as go-openai
// reads it.
func TestReplyContent(t *testing.T) {
	tests := []struct {
		json    string
		want    string
		wantErr bool
	}{
		{`"plain"`, "plain", false},
		{`"esc\"aped\n\u00e9"`, "esc\"aped\né", false},
		{"\"bad \xff\"", "bad \ufffd", false},
		{`null`, "", false},
		{`[{"type":"text","text":"a"}]`, "", false},
		{`[]`, "", false},
		{`42`, "", true},
		{`{"a":1}`, "", true},
		{`[1]`, "", true},
	}
	for _, tt := range tests {
		var r struct {
			Message struct {
				Content replyContent `json:"content"`
			} `json:"message"`
		}
		err := json.Unmarshal([]byte(`{"message":{"content":`+tt.json+`}}`), &r)
		if (err != nil) != tt.wantErr || string(r.Message.Content) != tt.want {
			t.Errorf("%s: got %q, %v; want %q, error %t", tt.json, r.Message.Content, err, tt.want, tt.wantErr)
		}
		// go-openai's own reading agrees
		var m openai.ChatCompletionMessage
		oerr := json.Unmarshal([]byte(`{"role":"assistant","content":`+tt.json+`}`), &m)
		if (oerr != nil) != tt.wantErr || (oerr == nil && m.Content != tt.want) {
			t.Errorf("%s: go-openai reads %q, %v", tt.json, m.Content, oerr)
		}
		var typ *json.UnmarshalTypeError
		if err != nil && !errors.As(err, &typ) {
			t.Errorf("%s: error %T, want a *json.UnmarshalTypeError (classified as malformed JSON)", tt.json, err)
		}
	}
}

// TestDirectChat checks which clients send non-streamed requests
// themselves: OpenAI-compatible ones, not Azure and not the models go-openai
// refuses on the chat endpoint (which keep failing before anything is sent).
func TestDirectChat(t *testing.T) {
	tests := []struct {
		cfg    Config
		direct bool
	}{
		{Config{Model: "gpt-4o-mini", APIKey: "k", BaseURL: "http://127.0.0.1:1/v1/"}, true},
		{Config{Model: "llama3", BaseURL: "http://localhost:11434/v1"}, true},
		{Config{Model: "gpt-4o", APIKey: "k", BaseURL: "https://x.openai.azure.com", Azure: true}, false},
		{Config{Model: openai.GPT3TextDavinci003, APIKey: "k", BaseURL: "http://127.0.0.1:1/v1"}, false},
	}
	for _, tt := range tests {
		c, err := New(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if (c.chatURL != "") != tt.direct {
			t.Errorf("%v: chatURL %q, want direct %t", tt.cfg, c.chatURL, tt.direct)
		}
		if tt.direct && c.chatURL != "http://"+c.info.ServerAddress+":"+itoa(c.info.ServerPort)+"/v1/chat/completions" {
			t.Errorf("%v: chatURL %q", tt.cfg, c.chatURL)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// replyBodies are chat-completions replies: the fake server's, and the
// shapes OpenAI and compatible servers send (nulls, extra members).
var replyBodies = []string{
	`{"id":"chatcmpl-llmtest-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Go is a language.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"search","arguments":"{\"query\":\"go\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":50,"completion_tokens":8,"total_tokens":58,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
	`{
  "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
  "object": "chat.completion",
  "created": 1741570283,
  "model": "gpt-4o-2024-08-06",
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": "The image shows a wooden boardwalk.\n\u00e9 \ud83d\ude00",
        "refusal": null,
        "annotations": []
      },
      "logprobs": null,
      "finish_reason": "stop"
    }
  ],
  "usage": {
    "prompt_tokens": 1117,
    "completion_tokens": 46,
    "total_tokens": 1163,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
  },
  "service_tier": "default",
  "system_fingerprint": "fp_fc9f1d7035"
}`,
	`{"id":"x","choices":[{"message":{"content":null,"refusal":"I can't.","tool_calls":null},"finish_reason":null}],"usage":null}`,
	`{"choices":[],"usage":{"prompt_tokens_details":null}}`,
	`{"choices":null} trailing`,
	`{"id":"a","ID":"b"}`,
	`{"id":"a","id":"b"}`,
	`{"choices":[{"message":{"content":[{"type":"text","text":"a"}]}}]}`,
	`{"choices":[{"message":{"content":42}}]}`,
	`{"usage":{"prompt_tokens":1.5}}`,
	`{"model":"m","x":{"a":[1,2,{"b":null}]},"y":"\u00e9"}`,
	`{"model":"m","x":}`,
	`{"id":"unterminated`,
	``,
	`null`,
}

// TestDecodeReply checks that the reply reader agrees with encoding/json
// (as the Client used it) on every reply it takes, and takes the usual
// ones.
func TestDecodeReply(t *testing.T) {
	for i, body := range replyBodies {
		got, ok := decodeReply([]byte(body))
		var want chatReply
		err := json.NewDecoder(strings.NewReader(body)).Decode(&want)
		if i < 5 && !ok {
			t.Errorf("reply %d not taken: %s", i, body)
		}
		if ok && (err != nil || !reflect.DeepEqual(*got, want)) {
			t.Errorf("reply %d: decodeReply %+v, encoding/json %+v (%v)", i, *got, want, err)
		}
	}
}

// FuzzDecodeReply checks that whatever the reply reader accepts,
// encoding/json decodes to the same value.
func FuzzDecodeReply(f *testing.F) {
	for _, b := range replyBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := decodeReply(body)
		if !ok {
			return
		}
		var want chatReply
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(&want); err != nil {
			t.Fatalf("%q: decodeReply took it, encoding/json: %v", body, err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("%q: decodeReply %+v, encoding/json %+v", body, *got, want)
		}
	})
}

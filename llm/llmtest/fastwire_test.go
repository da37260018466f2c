package llmtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/crewai-go/crewai/llm"
)

// clientBodies returns the bodies the real client (llm.Client over
// go-openai) sends for a set of requests, as the fake server received them.
func clientBodies(t *testing.T) [][]byte {
	t.Helper()
	srv := NewServer(ServerConfig{Respond: func(*ServerRequest) Reply { return Reply{Content: "ok"} }})
	defer srv.Close()
	c, err := llm.New(llm.Config{Model: "gpt-4o-mini", APIKey: "k", BaseURL: srv.URL(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	temp, zero := 0.7, 0.0
	reqs := []*llm.Request{
		{Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}},
		{Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: "You are \"careful\".\n\tBe <brief> & exact: é, 日本, \U0001F600, \u2028."},
			{Role: llm.RoleUser, Content: "Research Go and sum it up."},
			{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "search", Arguments: `{"query":"go \"lang\""}`},
				{ID: "call_2", Name: "lookup", Arguments: `{}`}}},
			{Role: llm.RoleTool, ToolCallID: "call_1", Name: "search", Content: "Go: a language by Google"},
			{Role: llm.RoleTool, ToolCallID: "call_2", Name: "lookup", Content: ""},
		}, Tools: []llm.ToolDef{
			{Name: "search", Description: "Search the web.", Parameters: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string","description":"What to search for"}},"required":["query"]}`)},
			{Name: "lookup"},
		}},
		{Messages: []llm.Message{{Role: llm.RoleUser, Content: "a"}}, Stop: []string{"\nObservation:", "x"},
			Temperature: &temp, MaxTokens: 100},
		{Messages: []llm.Message{{Role: llm.RoleUser, Content: "a"}}, Temperature: &zero},
		{Messages: []llm.Message{{Role: llm.RoleUser, Content: "stream"}}, OnChunk: func(string) {}},
	}
	for i, r := range reqs {
		if _, err := c.Generate(context.Background(), r); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	var out [][]byte
	for _, r := range srv.Requests() {
		out = append(out, r.Body)
	}
	if len(out) != len(reqs) {
		t.Fatalf("%d bodies recorded, want %d", len(out), len(reqs))
	}
	return out
}

// TestFastDecodeRequest checks that what the real client sends takes the
// fast path and decodes to what encoding/json decodes, and that the bodies
// the fast path does not handle go to encoding/json with the same result
// (error included).
func TestFastDecodeRequest(t *testing.T) {
	for i, body := range clientBodies(t) {
		fast, ok := fastDecodeRequest(body)
		if !ok {
			t.Errorf("client body %d did not take the fast path: %s", i, body)
			continue
		}
		slow, err := decodeRequestJSON(body)
		if err != nil {
			t.Fatalf("client body %d: %v", i, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("client body %d: fast path\n%+v\nencoding/json\n%+v", i, fast, slow)
		}
	}

	tests := []struct {
		name string
		body string
		fast bool // the fast path handles it
	}{
		{"minimal", `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, true},
		{"white space", " \n{ \"model\" : \"m\" , \"messages\" : [ ] , \"tools\":[] }\t\n", true},
		{"null content", `{"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`, true},
		{"escapes", `{"messages":[{"role":"user","content":"a\u00e9\n\"\\\/\ud83d\ude00"}]}`, true},
		{"lone surrogate", `{"messages":[{"role":"user","content":"\ud800x"}]}`, true},
		{"invalid UTF-8", "{\"messages\":[{\"role\":\"user\",\"content\":\"a\xffb\"}]}", true},
		{"numbers", `{"temperature":1.5e-1,"max_tokens":-0,"max_completion_tokens":12}`, true},
		{"stop string", `{"stop":"\n"}`, true},
		{"stop null", `{"stop":null}`, true},
		{"stream options", `{"stream":true,"stream_options":{"include_usage":true}}`, true},
		{"parameters null", `{"tools":[{"type":"function","function":{"name":"t","parameters":null}}]}`, true},
		{"empty object", `{}`, true},

		{"key in another case", `{"Model":"m"}`, false},
		{"unknown key", `{"model":"m","user":"u"}`, false},
		{"escaped key", `{"mod\u0065l":"m"}`, false},
		{"duplicate key", `{"model":"a","model":"b"}`, false},
		{"duplicate message key", `{"messages":[{"role":"user","role":"system"}]}`, false},
		{"null messages", `{"messages":null}`, false},
		{"null temperature", `{"temperature":null}`, false},
		{"content parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}`, false},
		{"response format", `{"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{},"strict":true}}}`, false},
		{"fractional max_tokens", `{"max_tokens":1.0}`, false},
		{"huge max_tokens", `{"max_tokens":99999999999999999999}`, false},
		{"huge temperature", `{"temperature":1e999}`, false},
		{"stop number", `{"stop":3}`, false},
		{"tool of another type", `{"tools":[{"type":"retrieval","function":{"name":"t"}}]}`, false},
		{"bad parameters", `{"tools":[{"function":{"name":"t","parameters":{"a":}}}]}`, false},
		{"trailing data", `{"model":"m"} x`, false},
		{"two objects", `{"model":"m"}{}`, false},
		{"not an object", `[]`, false},
		{"null", `null`, false},
		{"unterminated", `{"model":"m`, false},
		{"control character", "{\"model\":\"a\tb\"}", false},
		{"bad escape", `{"model":"a\qb"}`, false},
		{"leading zero", `{"max_tokens":012}`, false},
		{"trailing comma", `{"model":"m",}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			fast, ok := fastDecodeRequest(body)
			if ok != tt.fast {
				t.Fatalf("fast path took it: %t, want %t", ok, tt.fast)
			}
			slow, slowErr := decodeRequestJSON(body)
			got, gotErr := decodeRequest(body)
			if (gotErr == nil) != (slowErr == nil) || (gotErr != nil && gotErr.Error() != slowErr.Error()) {
				t.Fatalf("decodeRequest error %v, encoding/json %v", gotErr, slowErr)
			}
			if !reflect.DeepEqual(got, slow) {
				t.Fatalf("decodeRequest\n%+v\nencoding/json\n%+v", got, slow)
			}
			if ok && !reflect.DeepEqual(fast, slow) {
				t.Fatalf("fast path\n%+v\nencoding/json\n%+v", fast, slow)
			}
		})
	}
}

// FuzzFastDecodeRequest checks that whatever the fast path accepts,
// encoding/json accepts too and decodes to the same request.
func FuzzFastDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	f.Add([]byte(`{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are \"x\".\nGo"},{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"search","arguments":"{\"q\":1}"}}]},{"role":"tool","content":"res","name":"search","tool_call_id":"c1"}],"stream":false,"tools":[{"function":{"name":"search","description":"d","parameters":{"type":"object"}},"type":"function"}]}`))
	f.Add([]byte(`{"stop":["a","b"],"stream":true,"stream_options":{"include_usage":true},"temperature":0.5,"max_tokens":3}`))
	f.Add([]byte(`{"messages":[{"role":"tool","content":null,"tool_call_id":"c"}],"stop":"x"}`))
	f.Add([]byte(`{"tools":[{"type":"function","function":{"name":"t","parameters":[1,{"a":"}"}]}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := fastDecodeRequest(body)
		if !ok {
			return
		}
		slow, err := decodeRequestJSON(body)
		if err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refused it: %v", body, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast path\n%+v\nencoding/json\n%+v", body, fast, slow)
		}
	})
}

// TestAppendResponse checks that appendResponse writes what json.Marshal
// writes, for replies, stream chunks and texts that need escaping.
func TestAppendResponse(t *testing.T) {
	stop, calls, empty := "stop", "tool_calls", ""
	idx := 1
	texts := []string{"plain", "", "quote \" backslash \\ <html> & co", "line\nbreak\ttab\x01", "é 日本 \U0001F600", "\u2028\u2029", "bad \xff utf8", "\x7f del"}
	var tests []*wireResponse
	for _, s := range texts {
		s := s
		call := wireCall{ID: "call_" + s, Type: "function"}
		call.Function.Name, call.Function.Arguments = s, `{"q":"`+s+`"}`
		tests = append(tests,
			&wireResponse{ID: s, Object: "chat.completion", Created: 1700000000, Model: s, Choices: []wireChoice{{
				Message: &wireMessage{Role: "assistant", Content: &s, Refusal: &s, ToolCalls: []wireCall{call, {}}}, FinishReason: &calls}},
				Usage: wireUsageOf(llm.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3, CachedPromptTokens: 4, ReasoningTokens: 5})},
			&wireResponse{ID: "x", Object: "chat.completion.chunk", Created: -1, Choices: []wireChoice{{Index: 2,
				Delta: &wireOutMessage{Content: &s, ToolCalls: []wireCall{{Index: &idx}}}}}},
		)
	}
	tests = append(tests,
		&wireResponse{},
		&wireResponse{Choices: []wireChoice{}, Usage: &wireUsage{}},
		&wireResponse{Choices: []wireChoice{{Message: &wireMessage{}, Delta: &wireOutMessage{Content: &empty}, FinishReason: &stop}}},
		&wireResponse{Choices: []wireChoice{{Message: &wireMessage{Role: "assistant", ToolCalls: []wireCall{{ID: "c"}}}}}},
	)
	for i, r := range tests {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendResponse(nil, r); string(got) != string(want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// FuzzAppendString checks the string encoding against json.Marshal.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "<&>", "\"\\", "\n\x00\x7f", "é\xff", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("%q: got %s, want %s", s, got[1:], want)
		}
	})
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

// FuzzUnquote checks the string decoding against encoding/json: the same
// text for what both accept, and nothing accepted that encoding/json
// refuses.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{``, `a`, `\n\t\r\b\f\/\\\"`, `\u00e9\u00E9`, `\ud83d\ude00`, `\ud800`, `\ud800x`, `\ud800\u0041`,
		`\udc00\ud800\udc00`, "\xff\xc3(", `\u12`, `\x`, "é日本"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		got, ok := unquote(s)
		var want string
		err := json.Unmarshal(append(append([]byte{'"'}, s...), '"'), &want)
		if ok && err != nil {
			t.Fatalf("%q: unquote accepted %q, encoding/json refused: %v", s, got, err)
		}
		if ok && got != want {
			t.Fatalf("%q: unquote %q, encoding/json %q", s, got, want)
		}
		if !ok && err == nil {
			t.Fatalf("%q: unquote refused what encoding/json reads as %q", s, want)
		}
	})
}

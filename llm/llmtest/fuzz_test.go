package llmtest

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeRequest checks that any body either decodes or is refused with
// an error, never a panic, and that what decodes is consistent.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	f.Add([]byte(`{"stop":"x","messages":[{"role":"user","content":[{"type":"text","text":"a"}]}],"tools":[{"type":"function","function":{"name":"t","parameters":{}}}]}`))
	f.Add([]byte(`{"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{}}},"max_tokens":3,"max_completion_tokens":5}`))
	f.Add([]byte(`{"stop":["a","b"],"stream":true,"stream_options":{"include_usage":true}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"model":"m"} }`))
	f.Add([]byte(`{"messages":[{"role":"tool","content":null,"tool_call_id":"c"}]} x`))
	f.Fuzz(func(t *testing.T, body []byte) {
		sr, err := decodeRequest(body)
		if err != nil {
			if sr != nil {
				t.Fatal("a request was returned with an error")
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("invalid JSON %q decoded", body)
		}
		if sr.Request.MaxTokens != max(sr.MaxTokens, sr.MaxCompletionTokens) {
			t.Fatalf("MaxTokens %d, sent %d and %d", sr.Request.MaxTokens, sr.MaxTokens, sr.MaxCompletionTokens)
		}
	})
}

package llmtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzBedrockDecode checks that the Bedrock fake either decodes a Converse
// body or refuses it with a 4xx, never both, never a panic, and that what
// it accepts holds what Converse requires.
func FuzzBedrockDecode(f *testing.F) {
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`))
	f.Add([]byte(`{"system":[{"text":"s"},{"cachePoint":{"type":"default"}}],"messages":[{"role":"user","content":[{"text":"a"},{"image":{"format":"png","source":{"bytes":"AAAA"}}}]}],"inferenceConfig":{"maxTokens":5,"temperature":0.5}}`))
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"text":"a"}]},{"role":"assistant","content":[{"toolUse":{"toolUseId":"t","name":"f","input":{}}}]},{"role":"user","content":[{"toolResult":{"toolUseId":"t","content":[{"json":{"a":1}}]}}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"object"}}}}]}}`))
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"document":{"format":"pdf","name":"x","source":{"s3Location":{"uri":"s3://b/k"}}}}]}],"outputConfig":{"textFormat":{"type":"json_schema","structure":{"jsonSchema":{"schema":"{}"}}}}}`))
	f.Add([]byte(`{"messages":[{"role":"user","content":[{}]}]}`))
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"cachePoint":{"type":"default"}}]}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/model/m/converse", strings.NewReader(string(body)))
		r.Header.Set("Authorization", "Bearer k")
		sr, ae := bedrockDialect{}.decode(r, body)
		if (sr == nil) == (ae == nil) {
			t.Fatalf("decode returned %v and %v", sr, ae)
		}
		if ae != nil {
			if ae.status < 400 || ae.status > 499 || ae.typ == "" || ae.msg == "" {
				t.Fatalf("refusal %+v", ae)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("invalid JSON %q accepted", body)
		}
		msgs := sr.Request.Messages
		if len(msgs) > 0 && msgs[0].Role == "system" {
			msgs = msgs[1:]
		}
		if len(msgs) == 0 || msgs[0].Role != "user" {
			t.Fatalf("accepted a conversation that does not start with a user message: %+v", sr.Request.Messages)
		}
		if sr.Request.Temperature != nil && (*sr.Request.Temperature < 0 || *sr.Request.Temperature > 1) {
			t.Fatalf("accepted temperature %v", *sr.Request.Temperature)
		}
	})
}

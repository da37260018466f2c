package mcp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/crewai-go/crewai/tool"
)

// FuzzConvertTool feeds hostile tool definitions (as a server would send
// them: huge, deeply nested, wrong types, external references) and hostile
// results to the conversion into tool.Tool values: it must return errors,
// never panic, never offer a schema the runner cannot compile, and never
// give the model more than the bounds.
func FuzzConvertTool(f *testing.F) {
	deep := strings.Repeat(`{"type":"object","properties":{"a":`, 40) + `{}` + strings.Repeat(`}}`, 40)
	for _, s := range []string{
		`{"name":"echo","inputSchema":{"type":"object","properties":{"text":{"type":"string"}}}}`,
		`{"name":"x","inputSchema":{"type":"string"}}`,
		`{"name":"x","inputSchema":[1,2]}`,
		`{"name":"x","inputSchema":{"$ref":"http://example.com/s.json"}}`,
		`{"name":"x","inputSchema":{"type":"object","properties":{"a":{"$ref":"#/nowhere"}}}}`,
		`{"name":"x","inputSchema":{"type":"object","pattern":"("}}`,
		`{"name":"x","inputSchema":` + deep + `}`,
		`{"name":"","inputSchema":{}}`,
		`{"name":"!!!","inputSchema":{}}`,
		`{"name":"` + strings.Repeat("n", 300) + `","description":"` + strings.Repeat("d", 9000) + `","inputSchema":{}}`,
		`{"name":"x","inputSchema":{"type":["object","null"]}}`,
		`{"name":"x","inputSchema":{"type":"object","required":"a"}}`,
		`{"content":[{"type":"text","text":"hi"},{"type":"image","data":"AAAA","mimeType":"image/png"}],"structuredContent":{"a":1}}`,
		`{"content":[{"type":"resource","resource":{"uri":"x","blob":"AAAA"}},{"type":"resource_link","uri":"file:///x"}],"isError":true}`,
	} {
		f.Add([]byte(s))
	}
	l := limits{server: "fuzz", prefix: true, maxDesc: 512, maxSchema: 4096, maxResult: 1024}
	f.Fuzz(func(t *testing.T, data []byte) {
		var def sdk.Tool
		if json.Unmarshal(data, &def) == nil {
			check(t, l, &def)
		}
		check(t, l, &sdk.Tool{Name: "raw", InputSchema: json.RawMessage(data)})
		var res sdk.CallToolResult
		if json.Unmarshal(data, &res) == nil {
			out := renderResult(&res, l.maxResult)
			if len(out) > l.maxResult+len("…[truncated 99999999999 bytes]") {
				t.Fatalf("result of %d bytes passed the bound", len(out))
			}
		}
	})
}

func check(t *testing.T, l limits, def *sdk.Tool) {
	st, err := convertTool(l, def)
	if err != nil {
		if st != nil {
			t.Fatalf("a tool and an error: %v", err)
		}
		return
	}
	if err := tool.CheckSchema(st.Schema()); err != nil {
		t.Fatalf("offered a schema the runner refuses: %v", err)
	}
	if _, err := tool.SanitizeName(st.Name()); err != nil || len(st.Name()) > tool.MaxNameLen {
		t.Fatalf("offered a bad name %q", st.Name())
	}
	if len(st.Description()) > l.maxDesc+len("…[truncated 99999999999 bytes]") {
		t.Fatalf("description of %d bytes passed the bound", len(st.Description()))
	}
	// the runner can validate calls against it without panicking
	r := tool.NewRunner([]tool.Tool{st})
	res := r.Run(context.Background(), st.Name(), `{"a":1}`)
	if res.Output == "" {
		t.Fatalf("empty output from the runner")
	}
}

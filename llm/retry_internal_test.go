package llm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		headers map[string]string
		want    time.Duration
	}{
		{"none", nil, 0},
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{"fraction", map[string]string{"Retry-After": " 0.5 "}, 500 * time.Millisecond},
		{"zero", map[string]string{"Retry-After": "0"}, 0},
		{"negative", map[string]string{"Retry-After": "-4"}, 0},
		{"absurd", map[string]string{"Retry-After": "1e30"}, 0},
		{"date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"past date", map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{"garbage", map[string]string{"Retry-After": "later"}, 0},
		{"ms", map[string]string{"Retry-After-Ms": "250"}, 250 * time.Millisecond},
		{"ms wins", map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond},
		{"bad ms falls back", map[string]string{"Retry-After-Ms": "x", "Retry-After": "9"}, 9 * time.Second},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.headers {
			h.Set(k, v)
		}
		if got := parseRetryAfter(h, now); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	c := &RetryPolicy{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second}
	for n := 1; n <= 8; n++ {
		nominal := min(100*time.Millisecond<<(n-1), time.Second)
		for range 50 {
			d := c.backoff(n, 0)
			if d < nominal/2 || d > nominal {
				t.Fatalf("retry %d: wait %v outside [%v, %v]", n, d, nominal/2, nominal)
			}
		}
		if d := c.backoff(n, 5*time.Second); d != 5*time.Second {
			t.Fatalf("retry %d: wait %v, want the provider's 5s", n, d)
		}
	}
	if d := c.backoff(1000, 0); d > time.Second {
		t.Fatalf("no overflow: %v", d)
	}
}

func TestSchemaName(t *testing.T) {
	for in, want := range map[string]string{"": "response", "city info": "city_info", "ok-Name_1": "ok-Name_1",
		strings.Repeat("x", 80): strings.Repeat("x", 64), "é": "_"} {
		if got := schemaName(in); got != want {
			t.Errorf("schemaName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzStreamAccumulator feeds arbitrary server-sent event streams, decoded
// the way go-openai decodes them, to the accumulator: it must never panic,
// must deliver exactly the content it returns, and must report a reply
// without a finish reason as truncated.
func FuzzStreamAccumulator(f *testing.F) {
	f.Add([]byte("data: {\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"he\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"llo\"},\"finish_reason\":\"stop\"}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"x\"},{\"index\":5,\"function\":{\"name\":\"g\"}}]}}]}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"other\"},\"finish_reason\":\"stop\"}]}\n\n"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		var acc streamAccumulator
		var delivered strings.Builder
		sc := bufio.NewScanner(bytes.NewReader(stream))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line, ok := bytes.CutPrefix(bytes.TrimSpace(sc.Bytes()), []byte("data:"))
			if !ok {
				continue
			}
			var chunk openai.ChatCompletionStreamResponse
			if json.Unmarshal(bytes.TrimSpace(line), &chunk) != nil {
				continue
			}
			acc.add(&chunk, func(s string) { delivered.WriteString(s) })
		}
		resp, err := acc.response()
		if err != nil {
			if resp != nil {
				t.Fatal("a response with an error")
			}
			return
		}
		if resp.FinishReason == "" {
			t.Fatal("a reply without a finish reason was accepted")
		}
		if delivered.String() != "" && resp.Content != delivered.String() {
			t.Fatalf("content %q, delivered %q", resp.Content, delivered.String())
		}
		if resp.Usage.Requests != 1 {
			t.Fatalf("Requests = %d", resp.Usage.Requests)
		}
	})
}

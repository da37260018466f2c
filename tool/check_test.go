package tool_test

import (
	"context"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/tool"
)

func TestCheck(t *testing.T) {
	good := tool.New("echo", "Echo.", func(_ context.Context, in struct {
		Text string `json:"text"`
	}) (string, error) {
		return in.Text, nil
	})
	broken := tool.New("bad", "Takes a channel, which has no JSON schema.", func(_ context.Context, in chan int) (string, error) {
		return "", nil
	})
	if broken.Err() == nil {
		t.Fatal("a tool over a channel input should carry a construction error")
	}
	tests := []struct {
		name  string
		tools []tool.Tool
		want  string // "" means no error
	}{
		{"none", nil, ""},
		{"good", []tool.Tool{good}, ""},
		{"nil", []tool.Tool{good, nil}, "Tools[1] is nil"},
		{"broken", []tool.Tool{good, broken}, `Tools[1] ("bad") cannot be used`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tool.Check(tt.tools)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

type weatherIn struct {
	City string `json:"city" jsonschema:"description=The city"`
}

func weatherTool() tool.Tool {
	return tool.New("weather", "Tells the weather in a city.", func(ctx context.Context, in weatherIn) (string, error) {
		if in.City == "Atlantis" {
			return "", errors.New("no weather under the sea")
		}
		return "sunny in " + in.City, nil
	})
}

func panicTool() tool.Tool {
	return tool.New("boom", "Panics.", func(ctx context.Context, in struct{}) (string, error) { panic("kaboom") })
}

// serveInMemory serves svc on in-memory connections and returns a Server
// (client side) reaching it.
func serveInMemory(t *testing.T, svc *Service, name string) *Server {
	t.Helper()
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return &Server{Name: name, Dial: func(context.Context) (sdk.Transport, error) {
		ct, st := sdk.NewInMemoryTransports()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = svc.Run(ctx, st)
		}()
		return ct, nil
	}}
}

func TestServiceServesTools(t *testing.T) {
	svc := &Service{Name: "weather-service", Tools: []tool.Tool{weatherTool(), panicTool()}}
	c := connect(t, serveInMemory(t, svc, "weather"))
	tools := toolsByName(t, c)
	require.Len(t, tools, 2)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(tools["weather"].Schema(), &schema))
	assert.Contains(t, schema["properties"], "city")

	ctx := context.Background()
	out, err := tools["weather"].Run(ctx, json.RawMessage(`{"city":"Lisbon"}`))
	require.NoError(t, err)
	assert.Equal(t, "sunny in Lisbon", out)

	tests := []struct {
		tool, args, want string
	}{
		{"weather", `{"city":"Atlantis"}`, "no weather under the sea"},
		{"weather", `{"town":"Lisbon"}`, "invalid arguments"},
		{"boom", `{}`, "kaboom"},
	}
	for _, tt := range tests {
		_, err := tools[tt.tool].Run(ctx, json.RawMessage(tt.args))
		var te *ToolError
		require.True(t, errors.As(err, &te), "%s %s: %v", tt.tool, tt.args, err)
		assert.Contains(t, te.Text, tt.want)
	}
}

func TestServiceRefusesBadTools(t *testing.T) {
	svc := &Service{Tools: []tool.Tool{weatherTool(), weatherTool()}}
	_, err := svc.Handler()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"weather" is used twice`)
	svc = &Service{Tools: []tool.Tool{nil}}
	_, err = svc.Handler()
	assert.ErrorContains(t, err, "Tools[0] is nil")
}

func TestCrewServedOverStreamableHTTP(t *testing.T) {
	a := &agent.Agent{Role: "Writer", LLM: &llmtest.Scripted{Respond: func(*llm.Request) llmtest.Reply {
		return llmtest.Reply{Content: "a haiku about the sea"}
	}}}
	c := &crew.Crew{Name: "poets", Agents: []*agent.Agent{a},
		Tasks: []*task.Task{{Description: "Write a {form} about {topic}.", ExpectedOutput: "a poem", Agent: a}}}
	svc := &Service{Name: "poets", Tools: []tool.Tool{CrewTool("write_poem", "Writes a poem.", c)}}
	h, err := svc.Handler()
	require.NoError(t, err)
	ts := httptest.NewServer(h)
	defer ts.Close()

	cl := connect(t, &Server{Name: "poets", URL: ts.URL, Headers: map[string]string{"Authorization": "Bearer t"}})
	defer cl.Close() // before ts.Close: the session ends with a DELETE
	tools := toolsByName(t, cl)
	var schema struct {
		Required []string `json:"required"`
	}
	require.NoError(t, json.Unmarshal(tools["write_poem"].Schema(), &schema))
	assert.Equal(t, []string{"form", "topic"}, schema.Required)
	out, err := tools["write_poem"].Run(context.Background(), json.RawMessage(`{"form":"haiku","topic":"the sea"}`))
	require.NoError(t, err)
	assert.Equal(t, "a haiku about the sea", out)
	assert.NotEmpty(t, cl.SessionID())
	// missing input: refused by the server's validation, told to the caller
	_, err = tools["write_poem"].Run(context.Background(), json.RawMessage(`{"form":"haiku"}`))
	var te *ToolError
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Contains(t, te.Text, "topic")
}

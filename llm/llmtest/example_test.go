package llmtest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// A scripted model asks for a tool, then answers; it records what it was
// asked.
func ExampleScripted() {
	model := &llmtest.Scripted{Replies: []llmtest.Reply{
		{ToolCalls: []llm.ToolCall{{Name: "add", Arguments: `{"a":2,"b":3}`}}},
		{Content: "2 + 3 = 5"},
		{Fault: llmtest.FaultRateLimit},
	}}
	ctx := context.Background()
	req := &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "What is 2 + 3?"}}}

	r1, _ := model.Generate(ctx, req)
	call := r1.ToolCalls[0]
	fmt.Println(r1.FinishReason, call.ID, call.Name, call.Arguments)

	req.Messages = append(req.Messages,
		llm.Message{Role: llm.RoleAssistant, ToolCalls: r1.ToolCalls},
		llm.Message{Role: llm.RoleTool, ToolCallID: call.ID, Content: "5"})
	r2, _ := model.Generate(ctx, req)
	fmt.Println(r2.FinishReason, r2.Content)

	_, err := model.Generate(ctx, req)
	fmt.Println(errors.Is(err, llm.ErrRateLimit))
	_, err = model.Generate(ctx, req)
	fmt.Println(errors.Is(err, llmtest.ErrScriptExhausted))
	fmt.Println(len(model.Requests()), "requests")
	// Output:
	// tool_calls call_1 add {"a":2,"b":3}
	// stop 2 + 3 = 5
	// true
	// true
	// 4 requests
}

// The fake server speaks the OpenAI wire format, so the real client (with its
// retries) runs against it; faults and answers mix in one script.
func ExampleNewServer() {
	srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Fault: llmtest.FaultRateLimit, RetryAfter: "0"},
		{Fault: llmtest.FaultReset},
		{Content: "pong"},
	}})
	defer srv.Close()
	client, err := llm.New(llm.Config{Model: "gpt-4o-mini", BaseURL: srv.URL(), BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()

	resp, err := client.Generate(context.Background(), &llm.Request{
		Messages: []llm.Message{{Role: llm.RoleUser, Content: "ping"}}})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(resp.Content, srv.Count())
	last := srv.Requests()[2]
	fmt.Println(last.Path, last.Model, last.Request.Messages[0].Content)
	// Output:
	// pong 3
	// /v1/chat/completions gpt-4o-mini ping
}

package anthropic_test

import (
	"context"
	"fmt"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/anthropic"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// A client with extended thinking: the reasoning comes back in
// Response.Reasoning, apart from the answer. (The fake Anthropic server
// stands in for api.anthropic.com.)
func ExampleConfig_thinking() {
	srv := llmtest.NewAnthropicServer(llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Thinking: "Six times seven is forty-two.", Content: "42"}}})
	defer srv.Close()
	c, err := anthropic.New(anthropic.Config{Model: "claude-sonnet-4-5", APIKey: "sk-ant-example", BaseURL: srv.URL(),
		ThinkingBudget: 2048})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseIdleConnections()
	resp, err := c.Generate(context.Background(), &llm.Request{Messages: []llm.Message{
		{Role: llm.RoleUser, Content: "What is six times seven?"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("answer:", resp.Content)
	fmt.Println("thinking:", resp.Reasoning[0].Text)
	fmt.Println("signed:", resp.Reasoning[0].Signature != "")
	fmt.Println("budget sent:", srv.Requests()[0].ThinkingBudget)
	// Output:
	// answer: 42
	// thinking: Six times seven is forty-two.
	// signed: true
	// budget sent: 2048
}

package llm_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// A client talks to any OpenAI-compatible server; here the fake server of
// llmtest, which first fails with a 503 and then answers. The client
// retries on its own.
func ExampleNew() {
	srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Fault: llmtest.FaultUnavailable},
		{Content: "Paris.", Usage: llm.Usage{PromptTokens: 21, CompletionTokens: 2, TotalTokens: 23}},
	}})
	defer srv.Close()

	client, err := llm.New(llm.Config{
		Model:       "gpt-4o-mini",
		BaseURL:     srv.URL(), // or OPENAI_BASE_URL; no key is needed for a non-OpenAI URL
		BackoffBase: time.Millisecond,
		BackoffMax:  10 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()

	resp, err := client.Generate(context.Background(), &llm.Request{Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: "Answer in one word."},
		{Role: llm.RoleUser, Content: "What is the capital of France?"},
	}})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(resp.Content, resp.FinishReason, resp.Usage.TotalTokens)
	fmt.Println("requests sent:", srv.Count())
	info := client.Info()
	fmt.Println(info.Provider, info.Model, info.ContextWindow)
	// Output:
	// Paris. stop 23
	// requests sent: 2
	// openai gpt-4o-mini 128000
}

// Setting OnChunk streams the reply; the Response is still complete.
func ExampleClient_Generate_streaming() {
	srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{
		{Chunks: []string{"Hello", ", ", "world", "!"}},
	}})
	defer srv.Close()
	client, err := llm.New(llm.Config{Model: "gpt-4o-mini", BaseURL: srv.URL()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()

	req := &llm.Request{
		Messages: []llm.Message{{Role: llm.RoleUser, Content: "Greet the world."}},
		OnChunk:  func(text string) { fmt.Printf("chunk %q\n", text) },
	}
	resp, err := client.Generate(context.Background(), req)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(resp.Content, resp.Usage.Requests)
	// Output:
	// chunk "Hello"
	// chunk ", "
	// chunk "world"
	// chunk "!"
	// Hello, world! 1
}

// Errors are typed: callers branch on the kind with errors.Is.
func ExampleError() {
	srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: llmtest.FaultContextLength}}})
	defer srv.Close()
	client, err := llm.New(llm.Config{Model: "gpt-4o-mini", BaseURL: srv.URL()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()

	_, err = client.Generate(context.Background(), &llm.Request{
		Messages: []llm.Message{{Role: llm.RoleUser, Content: "a very long prompt"}}})
	var le *llm.Error
	if errors.As(err, &le) {
		fmt.Println(errors.Is(err, llm.ErrContextWindow), le.Status, le.Code, le.Attempts, le.ErrorType())
	}
	// Output:
	// true 400 context_length_exceeded 1 context_window_exceeded
}

func ExampleCapabilitiesOf() {
	for _, m := range []string{"gpt-4o", "o3-mini", "gpt-5", "llama3.1:8b"} {
		c := llm.CapabilitiesOf(m)
		fmt.Println(m, c.NoStop, c.ContextWindow)
	}
	// Output:
	// gpt-4o false 128000
	// o3-mini true 200000
	// gpt-5 true 400000
	// llama3.1:8b false 0
}

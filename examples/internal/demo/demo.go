// Package demo holds what the example programs share: the choice between a
// real model and their scripted offline one.
package demo

import (
	"fmt"
	"os"

	"github.com/crewai-go/crewai/llm"
)

// OpenAI returns an OpenAI model when OPENAI_API_KEY is set: the model named
// by OPENAI_MODEL (default gpt-4o-mini), at OPENAI_BASE_URL if set (any
// OpenAI-compatible server). Otherwise it prints one line to standard error
// saying that the example runs offline, and returns nil: the caller then
// uses its scripted model. It is safe for concurrent use.
func OpenAI() llm.LLM {
	if os.Getenv("OPENAI_API_KEY") == "" {
		fmt.Fprintln(os.Stderr, "OPENAI_API_KEY is not set: running on a scripted offline model (set it to use OpenAI).")
		return nil
	}
	name := os.Getenv("OPENAI_MODEL")
	if name == "" {
		name = "gpt-4o-mini"
	}
	m, err := llm.New(llm.Config{Model: name})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return m
}

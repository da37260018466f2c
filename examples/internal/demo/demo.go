// Package demo holds what the example programs share: the choice between a
// real model and their scripted offline one.
package demo

import (
	"fmt"
	"os"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/models"
)

// OpenAI returns the real model the examples run on, or nil. With
// CREWAI_MODEL set (a model string such as "anthropic/claude-sonnet-4-5" or
// "gemini/gemini-2.5-flash", see package llm/models) it returns that model
// when its provider's key is set. Otherwise it returns an OpenAI model when
// OPENAI_API_KEY is set: the model named by OPENAI_MODEL (default
// gpt-4o-mini), at OPENAI_BASE_URL if set (any OpenAI-compatible server).
// When no real model can be had it prints one line to standard error saying
// why the example runs offline, and returns nil: the caller then uses its
// scripted model. It is safe for concurrent use.
func OpenAI() llm.LLM {
	if s := os.Getenv("CREWAI_MODEL"); s != "" {
		m, err := models.New(s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "CREWAI_MODEL: %v: running on a scripted offline model.\n", err)
			return nil
		}
		return m
	}
	if os.Getenv("OPENAI_API_KEY") == "" {
		fmt.Fprintln(os.Stderr, "OPENAI_API_KEY is not set: running on a scripted offline model (set it to use OpenAI, or CREWAI_MODEL to use another provider).")
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

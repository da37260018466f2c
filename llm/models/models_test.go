package models_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/llm/models"
	"github.com/crewai-go/crewai/task"
)

// envVars are every variable the package reads; each test starts from none.
var envVars = []string{"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_ORG_ID", "OPENAI_API_VERSION",
	"AZURE_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT", "AZURE_API_VERSION",
	"ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT",
	"GOOGLE_CLOUD_LOCATION", "VERTEXAI_PROJECT", "VERTEXAI_LOCATION", "GOOGLE_GEMINI_BASE_URL",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_BEARER_TOKEN_BEDROCK",
	"OLLAMA_API_BASE", "OLLAMA_HOST", "OPENROUTER_API_KEY", "OPENROUTER_API_BASE", "GROQ_API_KEY", "DEEPSEEK_API_KEY"}

func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range envVars {
		t.Setenv(k, "")
	}
	// The AWS shared files are read even when no variable names them.
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, provider, model string
		err                 string
	}{
		{"gpt-4o-mini", "openai", "gpt-4o-mini", ""},
		{"openai/gpt-4o", "openai", "gpt-4o", ""},
		{" anthropic/claude-sonnet-4-5 ", "anthropic", "claude-sonnet-4-5", ""},
		{"openrouter/meta-llama/llama-3.1-70b", "openrouter", "meta-llama/llama-3.1-70b", ""},
		{"ollama/llama3.1:8b", "ollama", "llama3.1:8b", ""},
		{"Gemini/gemini-2.5-flash", "gemini", "gemini-2.5-flash", ""},
		{"vertex/gemini-2.5-pro", "vertex_ai", "gemini-2.5-pro", ""},
		{"", "", "", "empty"},
		{"mistral/mistral-large", "", "", `unknown provider "mistral"`},
		{"anthropic/", "", "", "empty"},
	}
	for _, tt := range tests {
		s, err := models.Parse(tt.in)
		if tt.err != "" {
			require.Error(t, err, tt.in)
			assert.Contains(t, err.Error(), tt.err, tt.in)
			var me *models.Error
			assert.True(t, errors.As(err, &me), tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, models.Spec{Provider: tt.provider, Model: tt.model}, s, tt.in)
	}
}

func TestMissingKeysNameTheVariable(t *testing.T) {
	tests := map[string]string{
		"anthropic/claude-sonnet-4-5": "ANTHROPIC_API_KEY",
		"openrouter/x/y":              "OPENROUTER_API_KEY",
		"groq/llama-3.3-70b":          "GROQ_API_KEY",
		"deepseek/deepseek-chat":      "DEEPSEEK_API_KEY",
		"azure/my-deployment":         "AZURE_API_KEY",
		"gpt-4o-mini":                 "OPENAI_API_KEY",
		"gemini/gemini-2.5-flash":     "GEMINI_API_KEY",
		"vertex_ai/gemini-2.5-pro":    "GOOGLE_CLOUD_PROJECT",
		"bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0": "AWS_REGION",
	}
	for s, variable := range tests {
		clearEnv(t)
		_, err := models.New(s)
		require.Error(t, err, s)
		assert.Contains(t, err.Error(), variable, s)
		m := models.LLM(s)
		require.NotNil(t, m, s)
		_, ok := m.(llm.Checker)
		require.True(t, ok, "%s: the model reports its error through llm.Checker", s)
		assert.ErrorContains(t, llm.Check(m), variable, s)
		_, gerr := m.Generate(context.Background(), &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}})
		assert.ErrorContains(t, gerr, variable, s)
	}
}

// TestKeysStayWithTheirProvider: an OpenAI key is never sent to another
// OpenAI-compatible service.
func TestKeysStayWithTheirProvider(t *testing.T) {
	clearEnv(t)
	t.Setenv("OPENAI_API_KEY", "sk-openai")
	_, err := models.New("openrouter/anthropic/claude-3.5-sonnet")
	assert.ErrorContains(t, err, "OPENROUTER_API_KEY")
}

func TestProvidersReachTheirServers(t *testing.T) {
	clearEnv(t)
	oai := llmtest.NewServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "from openai api"} }})
	defer oai.Close()
	ant := llmtest.NewAnthropicServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "from anthropic"} }})
	defer ant.Close()
	gem := llmtest.NewGeminiServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "from gemini"} }})
	defer gem.Close()
	t.Setenv("GEMINI_API_KEY", "k4")
	t.Setenv("GOOGLE_GEMINI_BASE_URL", gem.URL())
	t.Setenv("OPENAI_API_KEY", "k1")
	t.Setenv("OPENAI_BASE_URL", oai.URL())
	t.Setenv("ANTHROPIC_API_KEY", "k2")
	t.Setenv("ANTHROPIC_BASE_URL", ant.URL())
	t.Setenv("OLLAMA_API_BASE", oai.URL()[:len(oai.URL())-len("/v1")])
	t.Setenv("OPENROUTER_API_KEY", "k3")
	t.Setenv("OPENROUTER_API_BASE", oai.URL())
	tests := []struct{ model, provider, text string }{
		{"gpt-4o-mini", "openai", "from openai api"},
		{"openai/gpt-4o", "openai", "from openai api"},
		{"anthropic/claude-haiku-4-5", "anthropic", "from anthropic"},
		{"gemini/gemini-2.5-flash", "gcp.gemini", "from gemini"},
		{"ollama/llama3.1", "ollama", "from openai api"},
		{"openrouter/meta-llama/llama-3.1-8b", "openrouter", "from openai api"},
	}
	for _, tt := range tests {
		m, err := models.New(tt.model)
		require.NoError(t, err, tt.model)
		assert.Equal(t, tt.provider, m.Info().Provider, tt.model)
		resp, err := m.Generate(context.Background(), &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}})
		require.NoError(t, err, tt.model)
		assert.Equal(t, tt.text, resp.Content, tt.model)
		if c, ok := m.(interface{ CloseIdleConnections() }); ok {
			c.CloseIdleConnections()
		}
	}
	reqs := oai.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, "meta-llama/llama-3.1-8b", reqs[3].Model)
}

// TestCrewValidateReportsModelStrings: a crew whose second agent names a
// model string that cannot work fails Crew.Validate and Kickoff with the
// variable to set, before the first agent's model is called.
func TestCrewValidateReportsModelStrings(t *testing.T) {
	tests := []struct{ model, want string }{
		{"anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY"},
		{"gemini/gemini-2.5-flash", "GEMINI_API_KEY"},
		{"bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", "AWS_REGION"},
		{"mistral/mistral-large", `unknown provider "mistral"`},
		{"", "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			clearEnv(t)
			oai := llmtest.NewServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "done"} }})
			defer oai.Close()
			t.Setenv("OPENAI_API_KEY", "k")
			t.Setenv("OPENAI_BASE_URL", oai.URL())
			first := &agent.Agent{Role: "Researcher", Goal: "g", LLM: models.LLM("openai/gpt-4o-mini")}
			second := &agent.Agent{Role: "Writer", Goal: "g", LLM: models.LLM(tt.model)}
			c := &crew.Crew{Agents: []*agent.Agent{first, second}, Tasks: []*task.Task{
				{Description: "research", ExpectedOutput: "notes", Agent: first},
				{Description: "write", ExpectedOutput: "text", Agent: second},
			}}
			err := c.Validate(nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "Agents[1]")
			var me *models.Error
			assert.True(t, errors.As(err, &me), "the *models.Error is reachable with errors.As: %v", err)
			_, err = c.Kickoff(context.Background(), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Zero(t, oai.Count(), "no model call before the crew was found unusable")
		})
	}
}

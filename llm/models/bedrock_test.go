package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/bedrock"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/llm/models"
)

// TestBedrockModelString: "bedrock/ID" builds the Bedrock client from the
// AWS environment (region, credential chain, endpoint variable); a missing
// region or missing credentials are a *models.Error naming the variable.
func TestBedrockModelString(t *testing.T) {
	const id = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	srv := llmtest.NewBedrockServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		return llmtest.Reply{Content: "from bedrock"}
	}})
	defer srv.Close()
	tests := []struct {
		name, model string
		env         map[string]string
		variable    string
		cause       error
	}{
		{name: "no region", model: "bedrock/" + id, env: map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"},
			variable: "AWS_REGION", cause: bedrock.ErrNoRegion},
		{name: "no credentials", model: "bedrock/" + id, env: map[string]string{"AWS_DEFAULT_REGION": "eu-west-1"},
			variable: "AWS_ACCESS_KEY_ID", cause: bedrock.ErrNoCredentials},
		{name: "keys", model: "bedrock/" + id, env: map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID",
			"AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": srv.URL()}},
		{name: "converse route prefix", model: "bedrock/converse/" + id, env: map[string]string{"AWS_REGION": "us-east-1",
			"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": srv.URL()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			m, err := models.New(tt.model)
			if tt.variable != "" {
				var me *models.Error
				require.True(t, errors.As(err, &me), "%v", err)
				assert.Equal(t, tt.variable, me.Variable)
				assert.Equal(t, "bedrock", me.Provider)
				assert.Contains(t, err.Error(), tt.variable)
				assert.ErrorIs(t, err, tt.cause)
				assert.ErrorContains(t, llm.Check(models.LLM(tt.model)), tt.variable)
				return
			}
			require.NoError(t, err)
			require.NoError(t, llm.Check(m))
			assert.Equal(t, "aws.bedrock", m.Info().Provider)
			assert.Equal(t, id, m.Info().Model)
			resp, err := m.Generate(context.Background(), &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "hi"}}})
			require.NoError(t, err)
			assert.Equal(t, "from bedrock", resp.Content)
			m.(*bedrock.Client).CloseIdleConnections()
		})
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, id, reqs[1].Model, "the converse/ route prefix is not part of the model ID")
}

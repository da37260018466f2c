package provider_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/internal/provider"
)

func TestConfigure(t *testing.T) {
	base := provider.Setup{Package: "acme", Provider: "acme", Model: "claude-3-5-haiku", Example: "acme-1",
		BaseURL: "https://api.acme.test:8443/v1", BaseFrom: "Config.BaseURL or ACME_BASE_URL"}
	tests := []struct {
		name string
		edit func(*provider.Setup)
		want string // the error, if any
		info llm.Info
		caps llm.Capabilities
	}{
		{name: "table entry", edit: func(*provider.Setup) {},
			info: llm.Info{Model: "claude-3-5-haiku", Provider: "acme", ServerAddress: "api.acme.test", ServerPort: 8443, ContextWindow: 200_000},
			caps: llm.Capabilities{NoThinking: true, ContextWindow: 200_000}},
		{name: "overrides", edit: func(s *provider.Setup) {
			s.Capabilities, s.ContextWindow = &llm.Capabilities{NoStop: true}, 4096
		},
			info: llm.Info{Model: "claude-3-5-haiku", Provider: "acme", ServerAddress: "api.acme.test", ServerPort: 8443, NoStop: true, ContextWindow: 4096},
			caps: llm.Capabilities{NoStop: true, ContextWindow: 4096}},
		{name: "default port", edit: func(s *provider.Setup) { s.BaseURL = "http://localhost" },
			info: llm.Info{Model: "claude-3-5-haiku", Provider: "acme", ServerAddress: "localhost", ServerPort: 80, ContextWindow: 200_000},
			caps: llm.Capabilities{NoThinking: true, ContextWindow: 200_000}},
		{name: "no model", edit: func(s *provider.Setup) { s.Model = "" }, want: `acme: Config.Model is empty; name the model, such as "acme-1"`},
		{name: "bad URL", edit: func(s *provider.Setup) { s.BaseURL = "ftp://user:pw@x" }, want: "(from Config.BaseURL or ACME_BASE_URL)"},
		{name: "bad retry", edit: func(s *provider.Setup) { s.Retry.MaxAttempts = -1 }, want: "acme: Config.Retry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			tt.edit(&s)
			core, e := provider.Configure(s)
			if tt.want != "" {
				require.NotNil(t, e)
				assert.ErrorIs(t, e, llm.ErrBadRequest)
				assert.Contains(t, e.Error(), tt.want)
				assert.NotContains(t, e.Error(), "pw@", "no password in the error")
				assert.Equal(t, s.Model, core.Info.Model, "Info is filled in anyway")
				return
			}
			require.Nil(t, e)
			assert.Equal(t, tt.info, core.Info)
			assert.Equal(t, tt.caps, core.Caps)
		})
	}
}

func TestCore(t *testing.T) {
	var c provider.Core
	assert.NoError(t, c.Check(), "no error is a nil error, not a nil *llm.Error")
	c.CloseIdleConnections() // no HTTP client: nothing to do
	c.Info = llm.Info{Model: "m", Provider: "p", ServerAddress: "h"}
	e := c.Fail(llm.ErrAuth, "acme: set %s", "ACME_KEY")
	assert.Equal(t, &llm.Error{Kind: llm.ErrAuth, Model: "m", Provider: "p", Message: "acme: set ACME_KEY"}, e)
	c.Err, c.HC = e, &http.Client{}
	var le *llm.Error
	require.True(t, errors.As(c.Check(), &le))
	assert.Same(t, e, le)
	c.CloseIdleConnections()
	assert.Equal(t, `acme.Client{Model: "m", Provider: "p", Server: "h"}`, c.Describe("acme.Client"))
	assert.Equal(t, "set", provider.KeyState("sk-1"))
	assert.Equal(t, "unset", provider.KeyState(""))
}

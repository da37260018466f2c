// Package models turns CrewAI's model strings ("provider/model", such as
// "anthropic/claude-sonnet-4-5" or "ollama/llama3.1") into [llm.LLM]
// clients. It is the one package that imports every provider client, for
// programs that pick models by string; a program that builds its clients
// itself (llm.New, anthropic.New...) links only the providers it uses.
//
// # Model strings
//
// The text before the first '/' names the provider; the rest is the model
// as the provider names it (it may hold more slashes, as OpenRouter's do).
// A string without a known provider prefix is an OpenAI model.
//
//	provider     client              environment
//	openai/      llm (OpenAI)        OPENAI_API_KEY, OPENAI_BASE_URL
//	(bare name)  llm (OpenAI)        the same
//	azure/       llm (Azure OpenAI)  AZURE_API_KEY or AZURE_OPENAI_API_KEY, AZURE_API_BASE or AZURE_OPENAI_ENDPOINT, AZURE_API_VERSION or OPENAI_API_VERSION; the model is the deployment
//	anthropic/   llm/anthropic       ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL
//	gemini/      llm/gemini          GEMINI_API_KEY or GOOGLE_API_KEY
//	vertex_ai/   llm/gemini (Vertex) GOOGLE_CLOUD_PROJECT (or VERTEXAI_PROJECT), GOOGLE_CLOUD_LOCATION (or VERTEXAI_LOCATION), Application Default Credentials
//	bedrock/     llm/bedrock         AWS_REGION or AWS_DEFAULT_REGION (or the profile's region); AWS_BEARER_TOKEN_BEDROCK, or the AWS credential chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, SSO, web identity, container); AWS_ENDPOINT_URL_BEDROCK_RUNTIME; the model is a model ID or inference profile ("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0")
//	ollama/      llm (OpenAI API)    OLLAMA_API_BASE or OLLAMA_HOST (default http://localhost:11434); no key
//	openrouter/  llm (OpenAI API)    OPENROUTER_API_KEY, OPENROUTER_API_BASE (default https://openrouter.ai/api/v1)
//	groq/        llm (OpenAI API)    GROQ_API_KEY (base https://api.groq.com/openai/v1)
//	deepseek/    llm (OpenAI API)    DEEPSEEK_API_KEY (base https://api.deepseek.com/v1)
//
// A key is never taken from another provider's variable: an OpenRouter
// model without OPENROUTER_API_KEY is an error, not a request that sends
// OPENAI_API_KEY to OpenRouter.
//
// [New] returns the client or an error (an unknown provider, a missing key:
// the message names the variable to set). [LLM] never fails, for one-line
// use in an agent literal (Agent{LLM: models.LLM("anthropic/claude-sonnet-4-5")}):
// when the client cannot be built it returns a model whose Check (see
// [llm.Checker]) and Generate return the error, so that Crew.Validate and
// Agent validation report it before any model call.
//
// Everything here reads the environment when called and keeps no state; it
// is safe for concurrent use.
package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/anthropic"
	"github.com/crewai-go/crewai/llm/bedrock"
	"github.com/crewai-go/crewai/llm/gemini"
)

// Spec is a parsed model string. The zero value names no model. It is a
// plain value, safe to copy.
type Spec struct {
	// Provider is the provider prefix, such as "anthropic"; "openai" for a
	// bare name.
	Provider string
	// Model is the model as the provider names it.
	Model string
}

// String returns the model string, such as "anthropic/claude-sonnet-4-5".
func (s Spec) String() string { return s.Provider + "/" + s.Model }

// Error is a model string that cannot become a client: an empty string, an
// unknown provider, or a missing setting. Match it with errors.As. The zero
// value is not meaningful; it is not modified once returned.
type Error struct {
	// Model is the model string as given.
	Model string
	// Provider is the provider prefix, if one was read.
	Provider string
	// Variable names the environment variable to set, if that is the fix.
	Variable string
	// Reason says what is wrong and what is accepted.
	Reason string
	// Err is the underlying error (such as the client's *llm.Error), if any.
	Err error
}

// Error returns a message naming the model string and the fix.
func (e *Error) Error() string {
	return fmt.Sprintf("models: %q: %s", e.Model, e.Reason)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Providers returns the provider prefixes this package knows, sorted.
func Providers() []string {
	out := make([]string, 0, len(builders))
	for p := range builders {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Parse splits a model string into provider and model. A string whose
// prefix names no known provider is an OpenAI model ("gpt-4o-mini",
// "ft:gpt-4o:org::id"); "provider/" with an unknown provider and a name
// that does not look like an OpenAI model is an error naming the known
// providers.
func Parse(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Spec{}, &Error{Model: s, Reason: "the model string is empty; use \"provider/model\", such as \"openai/gpt-4o-mini\" or \"anthropic/claude-sonnet-4-5\""}
	}
	prov, rest, ok := strings.Cut(s, "/")
	if !ok {
		return Spec{Provider: "openai", Model: s}, nil
	}
	p := strings.ToLower(prov)
	if alias, ok := aliases[p]; ok {
		p = alias
	}
	if _, known := builders[p]; !known {
		return Spec{}, &Error{Model: s, Provider: prov, Reason: fmt.Sprintf("unknown provider %q; use one of %s, or a bare OpenAI model name", prov, strings.Join(Providers(), ", "))}
	}
	if strings.TrimSpace(rest) == "" {
		return Spec{}, &Error{Model: s, Provider: p, Reason: "the model name after the provider is empty"}
	}
	return Spec{Provider: p, Model: strings.TrimSpace(rest)}, nil
}

// aliases maps other spellings CrewAI accepts to the provider names here.
var aliases = map[string]string{"vertex": "vertex_ai", "vertexai": "vertex_ai", "google": "gemini", "claude": "anthropic",
	"azure_openai": "azure"}

// builders builds a client for each provider from the environment.
var builders = map[string]func(spec Spec) (llm.LLM, error){
	"openai":     openAI,
	"azure":      azure,
	"anthropic":  anthropicModel,
	"gemini":     geminiModel,
	"vertex_ai":  vertexModel,
	"bedrock":    bedrockModel,
	"ollama":     ollama,
	"openrouter": compatible("openrouter", "OPENROUTER_API_KEY", "OPENROUTER_API_BASE", "https://openrouter.ai/api/v1"),
	"groq":       compatible("groq", "GROQ_API_KEY", "", "https://api.groq.com/openai/v1"),
	"deepseek":   compatible("deepseek", "DEEPSEEK_API_KEY", "", "https://api.deepseek.com/v1"),
}

// New returns the client for the model string s (see the package doc),
// configured from the environment. It fails with an [*Error] for an empty
// string, an unknown provider or a missing key (naming the variable).
func New(s string) (llm.LLM, error) {
	spec, err := Parse(s)
	if err != nil {
		return nil, err
	}
	c, err := builders[spec.Provider](spec)
	if err != nil {
		var me *Error
		if errors.As(err, &me) {
			me.Model = s
			return nil, me
		}
		return nil, &Error{Model: s, Provider: spec.Provider, Reason: err.Error(), Err: err}
	}
	return c, nil
}

// LLM returns the client for s like [New], or, when New fails, a model whose
// Check method ([llm.Checker]) and every Generate return that error. It
// never returns nil.
func LLM(s string) llm.LLM {
	c, err := New(s)
	if err != nil {
		return &broken{model: s, err: err}
	}
	return c
}

// broken is the model of a string that could not become a client.
type broken struct {
	model string
	err   error
}

func (b *broken) Generate(context.Context, *llm.Request) (*llm.Response, error) { return nil, b.err }
func (b *broken) Info() llm.Info                                                { return llm.Info{Model: b.model} }

// Check returns why the model string could not become a client (see
// [llm.Checker]): a crew's validation reports it before any model call.
func (b *broken) Check() error { return b.err }

func missing(spec Spec, variable, what string) error {
	return &Error{Provider: spec.Provider, Variable: variable,
		Reason: fmt.Sprintf("no %s: set %s", what, variable)}
}

func openAI(spec Spec) (llm.LLM, error) {
	return llm.New(llm.Config{Model: spec.Model})
}

func azure(spec Spec) (llm.LLM, error) {
	cfg := llm.Config{Model: spec.Model, Azure: true, APIKey: firstEnv("AZURE_API_KEY", "AZURE_OPENAI_API_KEY"),
		BaseURL: firstEnv("AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"), AzureAPIVersion: firstEnv("AZURE_API_VERSION", "OPENAI_API_VERSION")}
	if cfg.APIKey == "" {
		return nil, missing(spec, "AZURE_API_KEY", "Azure OpenAI key (AZURE_API_KEY or AZURE_OPENAI_API_KEY)")
	}
	if cfg.BaseURL == "" {
		return nil, missing(spec, "AZURE_API_BASE", "Azure OpenAI endpoint (AZURE_API_BASE or AZURE_OPENAI_ENDPOINT, such as https://NAME.openai.azure.com)")
	}
	return llm.New(cfg)
}

func anthropicModel(spec Spec) (llm.LLM, error) {
	if os.Getenv("ANTHROPIC_API_KEY") == "" {
		return nil, missing(spec, "ANTHROPIC_API_KEY", "Anthropic API key")
	}
	return anthropic.New(anthropic.Config{Model: spec.Model})
}

func geminiModel(spec Spec) (llm.LLM, error) {
	if firstEnv("GEMINI_API_KEY", "GOOGLE_API_KEY") == "" {
		return nil, missing(spec, "GEMINI_API_KEY", "Gemini API key (GEMINI_API_KEY or GOOGLE_API_KEY)")
	}
	return gemini.New(gemini.Config{Model: spec.Model})
}

func vertexModel(spec Spec) (llm.LLM, error) {
	project := firstEnv("GOOGLE_CLOUD_PROJECT", "VERTEXAI_PROJECT")
	if project == "" {
		return nil, missing(spec, "GOOGLE_CLOUD_PROJECT", "Google Cloud project for Vertex AI (GOOGLE_CLOUD_PROJECT or VERTEXAI_PROJECT)")
	}
	return gemini.New(gemini.Config{Model: spec.Model, Vertex: true, Project: project,
		Location: firstEnv("GOOGLE_CLOUD_LOCATION", "VERTEXAI_LOCATION")})
}

// bedrockModel builds a Bedrock client from the AWS configuration; a
// missing region or missing credentials name the variable to set.
func bedrockModel(spec Spec) (llm.LLM, error) {
	// LiteLLM's route prefix "bedrock/converse/MODEL" names the API this
	// client speaks anyway.
	c, err := bedrock.New(bedrock.Config{Model: strings.TrimPrefix(spec.Model, "converse/")})
	switch {
	case errors.Is(err, bedrock.ErrNoRegion):
		return nil, &Error{Provider: spec.Provider, Variable: "AWS_REGION", Err: err,
			Reason: "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or a region in the AWS profile)"}
	case errors.Is(err, bedrock.ErrNoCredentials):
		return nil, &Error{Provider: spec.Provider, Variable: "AWS_ACCESS_KEY_ID", Err: err,
			Reason: "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the Bedrock API key AWS_BEARER_TOKEN_BEDROCK"}
	case err != nil:
		return nil, err
	}
	return c, nil
}

func ollama(spec Spec) (llm.LLM, error) {
	base := firstEnv("OLLAMA_API_BASE", "OLLAMA_HOST")
	if base == "" {
		base = "http://localhost:11434"
	}
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	base = strings.TrimRight(base, "/")
	if !strings.HasSuffix(base, "/v1") {
		base += "/v1"
	}
	// Ollama needs no key; a placeholder keeps OPENAI_API_KEY from being sent.
	return llm.New(llm.Config{Model: spec.Model, BaseURL: base, APIKey: "ollama", Provider: "ollama"})
}

// compatible builds the client of an OpenAI-compatible service with its own
// key variable and base URL.
func compatible(name, keyVar, baseVar, base string) func(Spec) (llm.LLM, error) {
	return func(spec Spec) (llm.LLM, error) {
		key := os.Getenv(keyVar)
		if key == "" {
			return nil, missing(spec, keyVar, name+" API key")
		}
		u := base
		if baseVar != "" {
			if b := os.Getenv(baseVar); b != "" {
				u = b
			}
		}
		return llm.New(llm.Config{Model: spec.Model, APIKey: key, BaseURL: u, Provider: name})
	}
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

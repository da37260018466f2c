package llm

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/crewai-go/crewai/internal/urlmask"
)

// DefaultBaseURL is the base URL of OpenAI's own API, used when neither the
// configuration nor the environment names another.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultAzureAPIVersion is the Azure OpenAI API version used when
// [Config].AzureAPIVersion and OPENAI_API_VERSION are both empty.
const DefaultAzureAPIVersion = "2024-10-21"

// Defaults of the retry policy; see [Config].
const (
	// DefaultMaxAttempts is the number of requests one Generate makes at
	// most (the first and three retries).
	DefaultMaxAttempts = 4
	// DefaultBackoffBase is the nominal wait before the first retry.
	DefaultBackoffBase = 500 * time.Millisecond
	// DefaultBackoffMax caps the nominal wait between retries.
	DefaultBackoffMax = 30 * time.Second
	// DefaultMaxWait is the longest Retry-After the client honours.
	DefaultMaxWait = 60 * time.Second
	// DefaultTimeout bounds each attempt.
	DefaultTimeout = 10 * time.Minute
)

// Provider names reported by [Client.Info], following the OpenTelemetry
// gen_ai.provider.name values.
const (
	// ProviderOpenAI is reported for OpenAI and OpenAI-compatible servers.
	ProviderOpenAI = "openai"
	// ProviderAzure is reported for Azure OpenAI.
	ProviderAzure = "azure.ai.openai"
)

// Config configures a [Client]. Empty fields take their value from the
// environment, read once by [New], and then from the defaults below. The zero
// value (with a Model) talks to OpenAI with OPENAI_API_KEY. A Config is a
// plain value; its String method never shows the API key. It may be shared
// between goroutines as long as no one modifies it; New copies it.
type Config struct {
	// Model is the model name sent to the provider, such as "gpt-4o-mini"
	// (required). For Azure it is also the deployment name unless
	// AzureDeployment is set.
	Model string
	// APIKey is the provider's key. Empty: AZURE_OPENAI_API_KEY (Azure
	// only), then OPENAI_API_KEY. A key is required only for OpenAI's own
	// URL and for Azure; local servers (Ollama, vLLM, LM Studio) need none.
	APIKey string
	// BaseURL is the API's base URL, such as "http://localhost:11434/v1" for
	// Ollama. Empty: OPENAI_BASE_URL, then OPENAI_API_BASE (for Azure first
	// AZURE_OPENAI_ENDPOINT), then [DefaultBaseURL].
	BaseURL string
	// Organization is sent as the OpenAI-Organization header. Empty:
	// OPENAI_ORG_ID.
	Organization string
	// Timeout bounds each attempt (the whole request, a streamed body
	// included). 0 means [DefaultTimeout]; a negative value means none (the
	// ctx alone bounds the call). An attempt that times out is retried.
	Timeout time.Duration

	// Azure selects Azure OpenAI: the URL is
	// {BaseURL}/openai/deployments/{deployment}/chat/completions?api-version=...
	// and the key is sent in the api-key header.
	Azure bool
	// AzureAPIVersion is the api-version query parameter. Empty:
	// OPENAI_API_VERSION, then [DefaultAzureAPIVersion].
	AzureAPIVersion string
	// AzureDeployment is the deployment name. Empty: Model.
	AzureDeployment string

	// HTTPClient sends the requests. Nil means a client of the Client's own
	// with a connection pool sized for concurrent agents.
	HTTPClient *http.Client

	// MaxAttempts bounds the requests of one Generate call, retries
	// included: 0 means [DefaultMaxAttempts], 1 disables retries.
	MaxAttempts int
	// BackoffBase is the first retry's nominal wait; each retry doubles it,
	// up to BackoffMax, and the wait actually taken is drawn at random
	// between half the nominal wait and all of it. 0 means
	// [DefaultBackoffBase].
	BackoffBase time.Duration
	// BackoffMax caps the nominal wait. 0 means [DefaultBackoffMax].
	BackoffMax time.Duration
	// MaxWait is the longest wait a Retry-After header may impose: when a
	// provider asks for more, the client gives up at once with the error
	// (its RetryAfter field says how long the provider asked for). 0 means
	// [DefaultMaxWait].
	MaxWait time.Duration

	// Temperature, if not nil, is the sampling temperature of requests that
	// set none.
	Temperature *float64
	// Provider overrides the gen_ai.provider.name reported by Info (for
	// example "ollama" or "vllm" for a local server). Empty: "openai", or
	// "azure.ai.openai" for Azure.
	Provider string
	// ContextWindow overrides the context size from the capability table.
	ContextWindow int
	// Capabilities, if not nil, replaces the capability table's entry for
	// the model (see [CapabilitiesOf]): for a model the table does not know,
	// or one it knows wrong (such as a fine-tune of a reasoning model under
	// another name).
	Capabilities *Capabilities
	// NoTools reports a model without native function calling (agents then
	// use a text protocol).
	NoTools bool
}

// String describes the configuration without its API key.
func (c Config) String() string {
	key := "unset"
	if c.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("llm.Config{Model: %q, BaseURL: %q, Azure: %t, APIKey: %s}", c.Model, urlmask.URL(c.BaseURL), c.Azure, key)
}

// GoString is String, so that %#v does not show the API key either.
func (c Config) GoString() string { return c.String() }

// Client is the OpenAI-compatible [LLM]: OpenAI, Azure OpenAI, Ollama, vLLM,
// LM Studio or any server that speaks the chat completions API. Build it
// with [New]. The zero value is not usable.
//
// Generate retries 429, 5xx and transport failures (connection refused or
// reset, malformed JSON, a truncated reply, an attempt timeout) with
// jittered exponential backoff that honours Retry-After (seconds or an HTTP
// date) and retry-after-ms, bounded by MaxAttempts and by the ctx: when the
// ctx's deadline comes before the end of the next wait, it gives up at once
// with the last error. Other 4xx are not retried. A streamed reply that
// fails after text was delivered to OnChunk is not retried either (the text
// cannot be taken back). Each wait emits an [event.Retry] (Operation
// "chat MODEL", Attempt the number of the attempt that failed, counting
// from 1, Wait the wait about to start, Err the attempt's [*Error]) and,
// for a 429, an [event.RateLimitWait] with Limiter "provider", on the ctx's
// run.
//
// Every error is an [*Error] with its Kind set, naming the model, the HTTP
// status and the provider's message; the API key never appears in it.
type Client struct {
	cfg      Config // resolved; APIKey is the effective key
	err      *Error // configuration error, reported by Generate
	oa       *openai.Client
	hc       *http.Client
	caps     Capabilities
	info     Info
	operName string // "chat " + model
	sleep    func(ctx context.Context, d time.Duration) error
	// secrets of the base URL (its password and query values), masked in
	// errors as the API key is.
	urlSecrets []string
}

// New returns a client for cfg, with empty fields filled from the
// environment and the defaults. It returns an [*Error] (ErrAuth for a
// missing key, ErrBadRequest for other problems) when cfg cannot work; the
// client it returns alongside still answers Info and fails every Generate
// with that error.
func New(cfg Config) (*Client, error) {
	c := &Client{sleep: sleepCtx}
	c.err = c.configure(cfg)
	if c.err != nil {
		return c, c.err
	}
	return c, nil
}

// Check returns the configuration error that every Generate of c would
// return (an *Error: ErrAuth for a missing key, ErrBadRequest for a
// malformed base URL or another bad setting), or nil when c can be used. It
// does no I/O; see [Checker].
func (c *Client) Check() error {
	if c.err != nil {
		return c.err
	}
	return nil
}

func (c *Client) configure(cfg Config) *Error {
	cfg.Model = strings.TrimSpace(cfg.Model)
	if cfg.APIKey == "" && cfg.Azure {
		cfg.APIKey = os.Getenv("AZURE_OPENAI_API_KEY")
	}
	if cfg.APIKey == "" {
		cfg.APIKey = os.Getenv("OPENAI_API_KEY")
	}
	if cfg.BaseURL == "" && cfg.Azure {
		cfg.BaseURL = os.Getenv("AZURE_OPENAI_ENDPOINT")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = os.Getenv("OPENAI_BASE_URL")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = os.Getenv("OPENAI_API_BASE")
	}
	if cfg.BaseURL == "" && !cfg.Azure {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Organization == "" {
		cfg.Organization = os.Getenv("OPENAI_ORG_ID")
	}
	if cfg.Azure && cfg.AzureAPIVersion == "" {
		cfg.AzureAPIVersion = os.Getenv("OPENAI_API_VERSION")
		if cfg.AzureAPIVersion == "" {
			cfg.AzureAPIVersion = DefaultAzureAPIVersion
		}
	}
	if cfg.Azure && cfg.AzureDeployment == "" {
		cfg.AzureDeployment = cfg.Model
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BackoffBase == 0 {
		cfg.BackoffBase = DefaultBackoffBase
	}
	if cfg.BackoffMax == 0 {
		cfg.BackoffMax = DefaultBackoffMax
	}
	if cfg.BackoffMax < cfg.BackoffBase {
		cfg.BackoffMax = cfg.BackoffBase
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	c.cfg = cfg
	c.caps = CapabilitiesOf(cfg.Model)
	if cfg.Capabilities != nil {
		c.caps = *cfg.Capabilities
	}
	if cfg.ContextWindow > 0 {
		c.caps.ContextWindow = cfg.ContextWindow
	}
	c.operName = "chat " + cfg.Model
	provider := cfg.Provider
	if provider == "" {
		provider = ProviderOpenAI
		if cfg.Azure {
			provider = ProviderAzure
		}
	}
	c.info = Info{Model: cfg.Model, Provider: provider, NoTools: cfg.NoTools, NoStop: c.caps.NoStop,
		ContextWindow: c.caps.ContextWindow}

	bad := func(kind error, format string, args ...any) *Error {
		return &Error{Kind: kind, Model: cfg.Model, Provider: provider, Message: fmt.Sprintf(format, args...)}
	}
	if cfg.Model == "" {
		return bad(ErrBadRequest, "llm: Config.Model is empty; name the model, such as \"gpt-4o-mini\"")
	}
	if cfg.Azure && cfg.BaseURL == "" {
		return bad(ErrBadRequest, "llm: Azure OpenAI needs the resource endpoint: set Config.BaseURL or AZURE_OPENAI_ENDPOINT (such as https://NAME.openai.azure.com)")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad(ErrBadRequest, "llm: base URL %q is not an http or https URL with a host (from Config.BaseURL, OPENAI_BASE_URL or OPENAI_API_BASE)", urlmask.URL(cfg.BaseURL))
	}
	c.urlSecrets = urlmask.Secrets(cfg.BaseURL)
	// A query in the base URL (?api-key=... for some gateways) goes on
	// every request, after the API path, not in the middle of it.
	base := *u
	base.RawQuery, base.ForceQuery = "", false
	baseQuery := u.Query()
	c.info.ServerAddress = u.Hostname()
	if p := u.Port(); p != "" {
		c.info.ServerPort, _ = strconv.Atoi(p)
	} else if u.Scheme == "https" {
		c.info.ServerPort = 443
	} else {
		c.info.ServerPort = 80
	}
	if cfg.MaxAttempts < 0 {
		return bad(ErrBadRequest, "llm: Config.MaxAttempts is %d; use 1 or more (1 disables retries), or 0 for the default %d", cfg.MaxAttempts, DefaultMaxAttempts)
	}
	if cfg.BackoffBase < 0 || cfg.BackoffMax < 0 || cfg.MaxWait < 0 {
		return bad(ErrBadRequest, "llm: Config.BackoffBase, BackoffMax and MaxWait must not be negative (got %v, %v, %v)", cfg.BackoffBase, cfg.BackoffMax, cfg.MaxWait)
	}
	if cfg.APIKey == "" {
		switch {
		case cfg.Azure:
			return bad(ErrAuth, "llm: no API key for Azure OpenAI: set AZURE_OPENAI_API_KEY or OPENAI_API_KEY, or Config.APIKey")
		case strings.EqualFold(u.Hostname(), "api.openai.com"):
			return bad(ErrAuth, "llm: no API key: set OPENAI_API_KEY (or Config.APIKey), or point OPENAI_BASE_URL at a server that needs none")
		}
	}

	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: newTransport()}
	}
	c.hc = hc
	var oc openai.ClientConfig
	if cfg.Azure {
		oc = openai.DefaultAzureConfig(cfg.APIKey, strings.TrimRight(base.String(), "/"))
		oc.APIVersion = cfg.AzureAPIVersion
		dep := cfg.AzureDeployment
		oc.AzureModelMapperFunc = func(string) string { return dep }
	} else {
		oc = openai.DefaultConfig(cfg.APIKey)
		oc.BaseURL = strings.TrimRight(base.String(), "/")
	}
	oc.OrgID = cfg.Organization
	oc.HTTPClient = recordingDoer{hc: hc, query: baseQuery}
	c.oa = openai.NewClientWithConfig(oc)
	return nil
}

// newTransport returns a transport like http.DefaultTransport with a pool
// sized for many concurrent agents talking to one host.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return t
}

// Info describes the model: name, provider, server address and the
// capabilities from [CapabilitiesOf]. It does no I/O.
func (c *Client) Info() Info { return c.info }

// Capabilities returns the model's capabilities (with the configured
// context window, if any).
func (c *Client) Capabilities() Capabilities { return c.caps }

// CloseIdleConnections closes the idle connections of the client's HTTP
// client (tests call it before checking for leaked goroutines).
func (c *Client) CloseIdleConnections() {
	if c.hc != nil {
		c.hc.CloseIdleConnections()
	}
}

// String describes the client without its API key.
func (c *Client) String() string {
	return fmt.Sprintf("llm.Client{Model: %q, Provider: %q, Server: %q}", c.info.Model, c.info.Provider, c.info.ServerAddress)
}

// GoString is String, so that %#v does not show the API key either.
func (c *Client) GoString() string { return c.String() }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

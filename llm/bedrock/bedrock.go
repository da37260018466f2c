// Package bedrock is the native [llm.LLM] client of Amazon Bedrock's
// Converse API (Converse and ConverseStream), built on the official AWS SDK
// (github.com/aws/aws-sdk-go-v2/service/bedrockruntime). A program that
// imports it links the AWS SDK; package llm itself does not.
//
// # Credentials and region
//
// [New] takes a [Config]; empty settings come from the standard AWS
// configuration, loaded once by New with config.LoadDefaultConfig (which
// reads the environment and the shared config and credentials files, and
// does no network I/O):
//
//   - the region: Config.Region, else AWS_REGION, AWS_DEFAULT_REGION, or the
//     profile's region. None is an ErrBadRequest naming AWS_REGION.
//   - the credentials: the Bedrock API key (Config.BearerToken, else
//     AWS_BEARER_TOKEN_BEDROCK: sent as a bearer token instead of a SigV4
//     signature), else Config.Credentials, else the default chain
//     (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN,
//     AWS_PROFILE and the shared files, SSO, web identity, container
//     credentials). Credentials are fetched (and refreshed) lazily, with the
//     ctx of the call.
//   - the endpoint: Config.BaseURL, else what the SDK reads
//     (AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ENDPOINT_URL), else the
//     region's bedrock-runtime endpoint.
//
// When nothing but the EC2 instance metadata service could supply
// credentials, the client counts them as missing (an ErrAuth naming the
// variables to set) unless [Config].InstanceRole is set: Check must answer
// without I/O, and most machines that reach that fallback have no instance
// role. A profile with credential_source = Ec2InstanceMetadata counts as
// configured.
//
// No secret is ever shown: the secret access key, the session token and
// the bearer token are scrubbed from every error, and fmt on a Client or a
// Config shows none.
//
// # Mapping
//
// Model is a model ID ("anthropic.claude-sonnet-4-5-20250929-v1:0"), an
// inference profile ID ("us.anthropic.claude-sonnet-4-5-20250929-v1:0") or
// an ARN. System messages become system blocks; tool messages become
// toolResult blocks of one user turn (parallel calls answered together);
// consecutive messages of one role are merged. A tool result with empty
// text is sent as the text "(no output)": Converse rejects both blank text
// and empty toolResult content. When the history holds tool calls but the
// request offers no tools, the tools named in the history are declared
// (with an open object schema), as Converse requires a toolConfig whenever
// toolUse or toolResult blocks are present. A [llm.ResponseFormat] uses
// Converse's native structured output (outputConfig.textFormat with a JSON
// schema); no forced tool is involved. MaxTokens, Temperature and Stop go in
// inferenceConfig (Stop is dropped for models the capability table marks
// NoStop, Temperature for reasoning models); with [Config].PromptCaching a
// cache point follows the system prompt and the tools.
//
// Multimodal parts (user messages only): images as bytes (JPEG, PNG, GIF,
// WebP) or s3:// URIs, documents (PDF, CSV, DOC, DOCX, XLS, XLSX, HTML, TXT,
// Markdown) likewise. An http(s) URL is refused with an error naming what is
// accepted: Converse takes bytes or S3 locations only. Audio is refused.
//
// Extended thinking (Anthropic models): [Config].ThinkingBudget sends
// additionalModelRequestFields.thinking with that budget; the request's
// maxTokens is then the budget plus the answer's allowance (MaxTokens, else
// [DefaultMaxTokens]) and Temperature is not sent, as Anthropic requires.
// Reasoning blocks come back in [llm.Response].Reasoning (text and
// signature, or redacted content as base64), not in Content, and are sent
// back as reasoningContent blocks on the assistant messages that carry
// them, which Anthropic requires on a turn whose tool calls are answered.
//
// Responses: text blocks are joined into Content, toolUse blocks become
// tool calls in order. ID is the AWS
// request ID; Model is the configured model (Converse reports none).
// FinishReason is normalised to the values of the OpenAI client: end_turn
// and stop_sequence are "stop", tool_use is "tool_calls", max_tokens and
// model_context_window_exceeded are "length", guardrail_intervened and
// content_filtered are "content_filter"; others pass through. Usage:
// PromptTokens counts every input token (inputTokens plus cache reads and
// writes, which Bedrock counts apart), CachedPromptTokens the cache reads,
// CacheWriteTokens the cache writes; Converse reports no reasoning-token
// count, so ReasoningTokens stays 0. A streamed reply's usage is the
// metadata event's; a stream that ends before its messageStop and metadata
// events is a transport failure. A reply with no content block at all is
// ErrEmptyResponse.
//
// # Retries and errors
//
// Retries follow [llm.RetryPolicy], as for the other clients. The SDK's own
// retryer is replaced by aws.NopRetryer and its RetryMaxAttempts forced to
// 0 (so AWS_MAX_ATTEMPTS and AWS_RETRY_MODE change nothing): one Generate
// sends at most Retry.MaxAttempts requests. Every error is an [*llm.Error]:
// ThrottlingException is ErrRateLimit (retried, honouring Retry-After when
// the reply has one), ServiceQuotaExceededException ErrRateLimit (not
// retried); AccessDeniedException, UnrecognizedClientException and the
// other signature and token errors are ErrAuth; ValidationException is
// ErrBadRequest, or ErrContextWindow when it says the input is too long;
// InternalServerException, ServiceUnavailableException,
// ModelNotReadyException, ModelTimeoutException, ModelErrorException and
// ModelStreamErrorException are ErrServer (retried); connection failures,
// malformed and truncated replies are ErrTransport (retried unless text
// already reached OnChunk). A failure to get credentials is ErrAuth.
//
// A [Client] is safe for concurrent use; its configuration does not change
// after New. The zero values of [Config] (with a Model) and of
// [llm.Request] fields are useful.
package bedrock

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/auth/bearer"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/internal/provider"
)

// MinThinkingBudget is the smallest thinking budget Anthropic models take.
const MinThinkingBudget = 1024

// DefaultMaxTokens is the answer's allowance, beyond the thinking budget,
// of a request with thinking on that sets no MaxTokens.
const DefaultMaxTokens = 4096

// ProviderName is the gen_ai.provider.name the client reports (the OTel
// GenAI conventions' value for Amazon Bedrock).
const ProviderName = "aws.bedrock"

// The causes of a [New] that cannot work for lack of a setting: the
// *llm.Error New returns wraps one of them, so errors.Is tells them apart.
var (
	// ErrNoRegion: no AWS region was found (Config.Region, AWS_REGION,
	// AWS_DEFAULT_REGION, the profile's region).
	ErrNoRegion = errors.New("bedrock: no AWS region")
	// ErrNoCredentials: neither a Bedrock API key nor AWS credentials were
	// found.
	ErrNoCredentials = errors.New("bedrock: no AWS credentials")
)

// Config configures a [Client]. Empty fields take their value from the AWS
// configuration (environment and shared files), loaded once by [New]. A
// Config is a plain value; its String method never shows a secret. New
// copies it.
type Config struct {
	// Model is the model ID, inference profile ID or ARN, such as
	// "us.anthropic.claude-sonnet-4-5-20250929-v1:0" (required).
	Model string
	// Region is the AWS region. Empty: AWS_REGION, AWS_DEFAULT_REGION, then
	// the profile's region.
	Region string
	// Profile names the shared-config profile. Empty: AWS_PROFILE, then
	// "default".
	Profile string
	// BearerToken is a Bedrock API key. Empty: AWS_BEARER_TOKEN_BEDROCK.
	// When set, it authenticates the requests instead of SigV4 credentials.
	BearerToken string
	// Credentials, if not nil, replaces the default credential chain.
	Credentials aws.CredentialsProvider
	// InstanceRole counts the EC2 instance role as configured credentials
	// when nothing else supplies them (see the package doc).
	InstanceRole bool
	// BaseURL overrides the endpoint, such as http://127.0.0.1:8080 for a
	// fake. Empty: AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ENDPOINT_URL, then
	// the region's endpoint.
	BaseURL string
	// MaxTokens is the maxTokens of requests that set none. 0: none is sent
	// (the model's default applies).
	MaxTokens int
	// ThinkingBudget, if positive (at least 1024), turns on the extended
	// thinking of Anthropic models with this many tokens
	// (additionalModelRequestFields.thinking); see the package doc.
	ThinkingBudget int
	// PromptCaching adds a cache point after the system prompt and after
	// the tools, for models that support Bedrock prompt caching.
	PromptCaching bool
	// Timeout bounds each attempt; 0 means [llm.DefaultTimeout], a negative
	// value none.
	Timeout time.Duration
	// HTTPClient sends the Bedrock requests. Nil: a client on the SDK's
	// transport (honouring AWS_CA_BUNDLE) with a pool sized for concurrent
	// agents. The credential providers (SSO, STS, container) use the SDK's
	// own client.
	HTTPClient *http.Client
	// Retry is the retry policy; the zero value is the default one.
	Retry llm.RetryPolicy
	// ContextWindow overrides the context size of the capability table.
	ContextWindow int
	// Capabilities, if not nil, replaces the capability table's entry for
	// the model.
	Capabilities *llm.Capabilities
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	token := "unset"
	if c.BearerToken != "" {
		token = "set"
	}
	creds := "default chain"
	if c.Credentials != nil {
		creds = "set"
	}
	return fmt.Sprintf("bedrock.Config{Model: %q, Region: %q, BaseURL: %q, BearerToken: %s, Credentials: %s}",
		c.Model, c.Region, c.BaseURL, token, creds)
}

// GoString is String, so that %#v shows no secret either.
func (c Config) GoString() string { return c.String() }

// Client is the Bedrock [llm.LLM]. Build it with [New]. It is safe for
// concurrent use. The zero value is not usable.
type Client struct {
	cfg     Config
	err     *llm.Error
	sdk     *bedrockruntime.Client
	hc      *http.Client
	caps    llm.Capabilities
	info    llm.Info
	secrets *secrets
}

// New returns a client for cfg, with empty fields filled from the AWS
// configuration. It returns an [*llm.Error] (ErrAuth for missing
// credentials, ErrBadRequest for a missing region or another bad setting)
// when cfg cannot work; the client it returns alongside still answers Info
// and fails every Generate with that error.
func New(cfg Config) (*Client, error) {
	c := &Client{secrets: &secrets{}}
	if e := c.configure(cfg); e != nil {
		c.err = provider.Redact(e, c.secrets.list()...)
		return c, c.err
	}
	return c, nil
}

func (c *Client) configure(cfg Config) *llm.Error {
	cfg.Model = strings.TrimSpace(cfg.Model)
	if cfg.BearerToken == "" {
		cfg.BearerToken = os.Getenv("AWS_BEARER_TOKEN_BEDROCK")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = llm.DefaultTimeout
	}
	c.cfg = cfg
	c.secrets.add(cfg.BearerToken)
	c.caps = llm.CapabilitiesOf(baseModel(cfg.Model))
	if cfg.Capabilities != nil {
		c.caps = *cfg.Capabilities
	}
	if cfg.ContextWindow > 0 {
		c.caps.ContextWindow = cfg.ContextWindow
	}
	c.info = llm.Info{Model: cfg.Model, Provider: ProviderName, NoStop: c.caps.NoStop, ContextWindow: c.caps.ContextWindow}
	bad := func(kind error, format string, args ...any) *llm.Error {
		return &llm.Error{Kind: kind, Model: cfg.Model, Provider: ProviderName, Message: fmt.Sprintf(format, args...)}
	}
	if cfg.Model == "" {
		return bad(llm.ErrBadRequest, "bedrock: Config.Model is empty; name a model ID or inference profile, such as \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\"")
	}
	if cfg.BaseURL != "" {
		host, port, err := provider.Server(cfg.BaseURL)
		if err != nil {
			return bad(llm.ErrBadRequest, "bedrock: %v (from Config.BaseURL)", err)
		}
		c.info.ServerAddress, c.info.ServerPort = host, port
	}
	if err := cfg.Retry.Check("bedrock: Config.Retry"); err != nil {
		return bad(llm.ErrBadRequest, "%v", err)
	}
	if cfg.MaxTokens < 0 {
		return bad(llm.ErrBadRequest, "bedrock: Config.MaxTokens is %d; use a positive number, or 0 to send none", cfg.MaxTokens)
	}
	if cfg.ThinkingBudget != 0 && cfg.ThinkingBudget < MinThinkingBudget {
		return bad(llm.ErrBadRequest, "bedrock: Config.ThinkingBudget is %d; use at least %d tokens, or 0 for no thinking", cfg.ThinkingBudget, MinThinkingBudget)
	}
	opts := []func(*config.LoadOptions) error{}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if cfg.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(cfg.Credentials))
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return bad(llm.ErrBadRequest, "bedrock: loading the AWS configuration (AWS_PROFILE, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE): %v", err)
	}
	if awsCfg.Region == "" {
		e := bad(llm.ErrBadRequest, "bedrock: no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, a region in the AWS profile, or Config.Region)")
		e.Err = ErrNoRegion
		return e
	}
	if c.info.ServerAddress == "" {
		c.info.ServerAddress, c.info.ServerPort = "bedrock-runtime."+awsCfg.Region+".amazonaws.com", 443
	}
	if cfg.BearerToken == "" && !hasCredentials(awsCfg.Credentials, cfg.InstanceRole) {
		e := bad(llm.ErrAuth, "bedrock: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the Bedrock API key AWS_BEARER_TOKEN_BEDROCK (or Config.Credentials; Config.InstanceRole for an EC2 instance role)")
		e.Err = ErrNoCredentials
		return e
	}
	c.hc = provider.HTTPClient(httpClient(cfg.HTTPClient, awsCfg.HTTPClient))
	creds := awsCfg.Credentials
	if creds != nil {
		creds = &keeper{next: creds, secrets: c.secrets}
	}
	c.sdk = bedrockruntime.NewFromConfig(awsCfg, func(o *bedrockruntime.Options) {
		o.HTTPClient = c.hc
		o.Credentials = creds
		// The retries are llm.RetryPolicy's: the SDK makes one attempt.
		o.Retryer = aws.NopRetryer{}
		o.RetryMaxAttempts = 0
		if cfg.BaseURL != "" {
			o.BaseEndpoint = aws.String(cfg.BaseURL)
		}
		if token := cfg.BearerToken; token != "" {
			o.BearerAuthTokenProvider = bearer.TokenProviderFunc(func(context.Context) (bearer.Token, error) {
				return bearer.Token{Value: token}, nil
			})
			o.AuthSchemePreference = []string{"httpBearerAuth"}
		}
	})
	return nil
}

// httpClient returns the HTTP client of the Bedrock requests: the given
// one, or one on the SDK's own transport (which honours AWS_CA_BUNDLE) with
// a pool sized for concurrent agents.
func httpClient(given *http.Client, sdk aws.HTTPClient) *http.Client {
	if given != nil {
		return given
	}
	bc, ok := sdk.(*awshttp.BuildableClient)
	if !ok {
		return nil // provider.HTTPClient's default
	}
	tr := bc.WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 256
	}).GetTransport()
	return &http.Client{Transport: tr}
}

// hasCredentials reports whether the credential chain found a source other
// than the EC2 instance metadata fallback (which counts only when
// instanceRole is set).
func hasCredentials(p aws.CredentialsProvider, instanceRole bool) bool {
	if p == nil {
		return false
	}
	src, ok := p.(aws.CredentialProviderSource)
	if !ok {
		return true // a provider the caller gave
	}
	sources := src.ProviderSources()
	if len(sources) == 1 && sources[0] == aws.CredentialSourceIMDS {
		return instanceRole
	}
	return true
}

// secrets remembers the secrets the client has handled (the bearer token,
// the secret keys and session tokens the credential chain returned), to
// scrub them from errors. It keeps the latest few distinct values.
type secrets struct {
	mu   sync.Mutex
	vals []string
}

const maxSecrets = 8

func (s *secrets) add(vs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vs {
		if v == "" || containsString(s.vals, v) {
			continue
		}
		if len(s.vals) == maxSecrets {
			s.vals = append(s.vals[:0], s.vals[1:]...)
		}
		s.vals = append(s.vals, v)
	}
}

func (s *secrets) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.vals...)
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// keeper is the credentials provider the SDK sees: it remembers the secrets
// of what the chain returns and marks retrieval failures.
type keeper struct {
	next    aws.CredentialsProvider
	secrets *secrets
}

func (k *keeper) Retrieve(ctx context.Context) (aws.Credentials, error) {
	cr, err := k.next.Retrieve(ctx)
	if err != nil {
		return cr, &credentialError{err: err}
	}
	k.secrets.add(cr.SecretAccessKey, cr.SessionToken)
	return cr, nil
}

// credentialError is a failure of the credential chain.
type credentialError struct{ err error }

func (e *credentialError) Error() string { return "getting AWS credentials: " + e.err.Error() }
func (e *credentialError) Unwrap() error { return e.err }

// Info describes the model; it does no I/O.
func (c *Client) Info() llm.Info { return c.info }

// Check returns the configuration error that every Generate returns (an
// *llm.Error: ErrAuth for missing credentials, ErrBadRequest for a missing
// region or another bad setting), or nil when c can be used. It does no
// I/O; a crew's validation calls it through [llm.Check].
func (c *Client) Check() error {
	if c.err == nil {
		return nil
	}
	return c.err
}

// CloseIdleConnections closes the idle connections of the client's HTTP
// client.
func (c *Client) CloseIdleConnections() {
	if c.hc != nil {
		c.hc.CloseIdleConnections()
	}
}

// String describes the client without its secrets.
func (c *Client) String() string {
	return fmt.Sprintf("bedrock.Client{Model: %q, Server: %q}", c.info.Model, c.info.ServerAddress)
}

// GoString is String, so that %#v shows no secret either.
func (c *Client) GoString() string { return c.String() }

// Generate sends req and returns the reply, retrying as [llm.RetryPolicy]
// says. With req.OnChunk set the reply is streamed (ConverseStream) and
// OnChunk receives each piece of text in order on the calling goroutine.
func (c *Client) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if c.err != nil {
		return nil, c.err
	}
	if req == nil {
		return nil, c.badRequest("bedrock: Generate called with a nil *llm.Request")
	}
	in, e := c.buildInput(req)
	if e != nil {
		return nil, e
	}
	return c.cfg.Retry.Do(ctx, c.info, func(ctx context.Context) (*llm.Response, *llm.Error, bool) {
		return c.attempt(ctx, in, req.OnChunk)
	})
}

func (c *Client) badRequest(format string, args ...any) *llm.Error {
	return &llm.Error{Kind: llm.ErrBadRequest, Model: c.cfg.Model, Provider: ProviderName, Message: fmt.Sprintf(format, args...)}
}

func (c *Client) attempt(ctx context.Context, in *bedrockruntime.ConverseInput, onChunk func(string)) (*llm.Response, *llm.Error, bool) {
	actx, cancel, rec := provider.AttemptContext(ctx, c.cfg.Timeout)
	defer cancel()
	if onChunk != nil {
		return c.stream(ctx, actx, in, rec, onChunk)
	}
	out, err := c.sdk.Converse(actx, in)
	if err != nil {
		e, retry := c.classify(ctx, rec, err, false)
		return nil, e, retry
	}
	msg, _ := out.Output.(*types.ConverseOutputMemberMessage)
	var blocks []types.ContentBlock
	if msg != nil {
		blocks = msg.Value.Content
	}
	var r reply
	for _, b := range blocks {
		switch v := b.(type) {
		case *types.ContentBlockMemberText:
			r.text.WriteString(v.Value)
			r.blocks++
		case *types.ContentBlockMemberToolUse:
			args := "{}"
			if v.Value.Input != nil {
				if raw, err := v.Value.Input.MarshalSmithyDocument(); err == nil && provider.IsJSONObject(raw) {
					args = string(raw)
				}
			}
			r.calls = append(r.calls, llm.ToolCall{ID: aws.ToString(v.Value.ToolUseId), Name: aws.ToString(v.Value.Name), Arguments: args})
			r.blocks++
		case *types.ContentBlockMemberReasoningContent:
			switch rc := v.Value.(type) {
			case *types.ReasoningContentBlockMemberReasoningText:
				r.reasoning = append(r.reasoning, llm.Reasoning{Text: aws.ToString(rc.Value.Text), Signature: aws.ToString(rc.Value.Signature)})
			case *types.ReasoningContentBlockMemberRedactedContent:
				r.reasoning = append(r.reasoning, llm.Reasoning{Redacted: base64.StdEncoding.EncodeToString(rc.Value)})
			}
			r.blocks++
		default:
			r.blocks++ // other blocks (citations, guard content) are not returned
		}
	}
	r.stop, r.usage = string(out.StopReason), out.Usage
	r.id, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	return c.response(&r, rec)
}

// reply is a Converse reply, complete or accumulated from a stream.
type reply struct {
	reasoning []llm.Reasoning
	text      strings.Builder
	calls     []llm.ToolCall
	blocks    int
	stop      string
	usage     *types.TokenUsage
	id        string
}

func (c *Client) response(r *reply, rec *provider.Attempt) (*llm.Response, *llm.Error, bool) {
	if r.blocks == 0 && r.stop != string(types.StopReasonMaxTokens) && r.stop != string(types.StopReasonGuardrailIntervened) &&
		r.stop != string(types.StopReasonContentFiltered) {
		return nil, &llm.Error{Kind: llm.ErrEmptyResponse, Model: c.cfg.Model, Provider: ProviderName, Status: rec.Status,
			Message: "the reply has no content (stop reason " + fmt.Sprintf("%q", r.stop) + ")"}, false
	}
	resp := &llm.Response{ID: r.id, Model: c.cfg.Model, Content: r.text.String(), ToolCalls: r.calls,
		Reasoning: r.reasoning, FinishReason: FinishReason(r.stop)}
	resp.Usage = usageOf(r.usage)
	return resp, nil, false
}

func usageOf(u *types.TokenUsage) llm.Usage {
	out := llm.Usage{Requests: 1}
	if u == nil {
		return out
	}
	in := int(aws.ToInt32(u.InputTokens))
	read, write := int(aws.ToInt32(u.CacheReadInputTokens)), int(aws.ToInt32(u.CacheWriteInputTokens))
	out.PromptTokens = in + read + write
	out.CachedPromptTokens = read
	out.CacheWriteTokens = write
	out.CompletionTokens = int(aws.ToInt32(u.OutputTokens))
	out.TotalTokens = out.PromptTokens + out.CompletionTokens
	return out
}

func (c *Client) stream(ctx, actx context.Context, in *bedrockruntime.ConverseInput, rec *provider.Attempt, onChunk func(string)) (*llm.Response, *llm.Error, bool) {
	sin := &bedrockruntime.ConverseStreamInput{ModelId: in.ModelId, Messages: in.Messages, System: in.System,
		InferenceConfig: in.InferenceConfig, ToolConfig: in.ToolConfig, OutputConfig: in.OutputConfig,
		AdditionalModelRequestFields: in.AdditionalModelRequestFields}
	out, err := c.sdk.ConverseStream(actx, sin)
	if err != nil {
		e, retry := c.classify(ctx, rec, err, false)
		return nil, e, retry
	}
	st := out.GetStream()
	defer st.Close()
	var r reply
	r.id, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	type toolAcc struct {
		id, name string
		args     strings.Builder
	}
	tools := map[int32]*toolAcc{}
	thoughts := map[int32]*llm.Reasoning{}
	var order []int32
	seen := map[int32]bool{}
	delivered, stopped, metadata := false, false, false
	for ev := range st.Events() {
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockStart:
			idx := aws.ToInt32(v.Value.ContentBlockIndex)
			if tu, ok := v.Value.Start.(*types.ContentBlockStartMemberToolUse); ok {
				tools[idx] = &toolAcc{id: aws.ToString(tu.Value.ToolUseId), name: aws.ToString(tu.Value.Name)}
			}
			if !seen[idx] {
				seen[idx] = true
				order = append(order, idx)
			}
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			idx := aws.ToInt32(v.Value.ContentBlockIndex)
			if !seen[idx] {
				seen[idx] = true
				order = append(order, idx)
			}
			switch d := v.Value.Delta.(type) {
			case *types.ContentBlockDeltaMemberText:
				if d.Value != "" {
					r.text.WriteString(d.Value)
					delivered = true
					onChunk(d.Value)
				}
			case *types.ContentBlockDeltaMemberToolUse:
				t := tools[idx]
				if t == nil {
					e := &llm.Error{Kind: llm.ErrTransport, Model: c.cfg.Model, Provider: ProviderName, Status: rec.Status,
						Message: fmt.Sprintf("the stream is inconsistent: a toolUse delta for block %d, which no toolUse start opened", idx)}
					return nil, e, !delivered
				}
				t.args.WriteString(aws.ToString(d.Value.Input))
			case *types.ContentBlockDeltaMemberReasoningContent:
				th := thoughts[idx]
				if th == nil {
					th = &llm.Reasoning{}
					thoughts[idx] = th
				}
				switch rd := d.Value.(type) {
				case *types.ReasoningContentBlockDeltaMemberText:
					th.Text += rd.Value
				case *types.ReasoningContentBlockDeltaMemberSignature:
					th.Signature += rd.Value
				case *types.ReasoningContentBlockDeltaMemberRedactedContent:
					th.Redacted = base64.StdEncoding.EncodeToString(rd.Value)
				}
			}
		case *types.ConverseStreamOutputMemberMessageStop:
			stopped = true
			r.stop = string(v.Value.StopReason)
		case *types.ConverseStreamOutputMemberMetadata:
			metadata = true
			r.usage = v.Value.Usage
		}
	}
	if err := st.Err(); err != nil {
		e, retry := c.classify(ctx, rec, err, true)
		return nil, e, retry && !delivered
	}
	if ctx.Err() != nil {
		e, _ := c.classify(ctx, rec, ctx.Err(), true)
		return nil, e, false
	}
	if !stopped || !metadata {
		e := &llm.Error{Kind: llm.ErrTransport, Model: c.cfg.Model, Provider: ProviderName, Status: rec.Status,
			Message: "the stream ended before the reply was complete (no messageStop and metadata events)"}
		return nil, e, !delivered
	}
	r.blocks = len(order)
	for _, idx := range order {
		if th := thoughts[idx]; th != nil {
			r.reasoning = append(r.reasoning, *th)
		}
		t := tools[idx]
		if t == nil {
			continue
		}
		args := strings.TrimSpace(t.args.String())
		if args == "" {
			args = "{}"
		}
		r.calls = append(r.calls, llm.ToolCall{ID: t.id, Name: t.name, Arguments: args})
	}
	return c.response(&r, rec)
}

// FinishReason normalises a Bedrock stop reason to the values of the
// OpenAI client (see the package doc).
func FinishReason(stop string) string {
	switch types.StopReason(stop) {
	case types.StopReasonEndTurn, types.StopReasonStopSequence:
		return "stop"
	case types.StopReasonToolUse:
		return "tool_calls"
	case types.StopReasonMaxTokens, types.StopReasonModelContextWindowExceeded:
		return "length"
	case types.StopReasonGuardrailIntervened, types.StopReasonContentFiltered:
		return "content_filter"
	}
	return stop
}

// authCodes are the error codes of a request AWS did not authenticate or
// authorise.
var authCodes = map[string]bool{"AccessDeniedException": true, "UnrecognizedClientException": true,
	"ExpiredTokenException": true, "InvalidSignatureException": true, "IncompleteSignatureException": true,
	"MissingAuthenticationTokenException": true, "InvalidClientTokenId": true, "SignatureDoesNotMatch": true,
	"ExpiredToken": true, "InvalidAccessKeyId": true}

// serverCodes are the error codes of a failure on Bedrock's side, retried.
var serverCodes = map[string]bool{"InternalServerException": true, "ServiceUnavailableException": true,
	"ModelNotReadyException": true, "ModelTimeoutException": true, "ModelErrorException": true,
	"ModelStreamErrorException": true}

// classify maps an SDK or transport error; inStream is set for an error
// that arrived inside an event stream (an exception event, a broken frame).
func (c *Client) classify(parent context.Context, rec *provider.Attempt, err error, inStream bool) (*llm.Error, bool) {
	var apiErr smithy.APIError
	var credErr *credentialError
	var e *llm.Error
	var retry bool
	switch {
	case parent.Err() == nil && errors.As(err, &credErr):
		e = &llm.Error{Kind: llm.ErrAuth, Model: c.cfg.Model, Provider: ProviderName,
			Message: "bedrock: " + credErr.Error(), Err: err}
	case parent.Err() == nil && errors.As(err, &apiErr) && apiErr.ErrorCode() != "":
		code, msg := apiErr.ErrorCode(), apiErr.ErrorMessage()
		if msg == "" {
			msg = code
		}
		status := 0
		if inStream {
			// An exception event: the HTTP status (200) says nothing of it.
			rec = &provider.Attempt{Sent: true}
		}
		e, retry = provider.APIError(c.info, rec, status, code, msg, err)
		switch {
		case code == "ThrottlingException":
			e.Kind, retry = llm.ErrRateLimit, true
		case code == "ServiceQuotaExceededException":
			e.Kind, retry = llm.ErrRateLimit, false
		case authCodes[code]:
			e.Kind, retry = llm.ErrAuth, false
		case code == "ValidationException":
			e.Kind, _ = llm.ClassifyStatus(http.StatusBadRequest, code, msg)
			retry = false
		case code == "ResourceNotFoundException":
			e.Kind, retry = llm.ErrBadRequest, false
		case serverCodes[code]:
			e.Kind, retry = llm.ErrServer, true
		}
	default:
		e, retry = provider.Failure(parent, c.info, rec, c.cfg.Timeout, err)
		if inStream && e.Message == "" && parent.Err() == nil {
			e.Message = "the event stream broke: " + err.Error()
		}
	}
	return provider.Redact(e, c.secrets.list()...), retry
}

// Package gemini is the native [llm.LLM] client of Google's Gemini models,
// through the Gemini API (an API key) or Vertex AI (a Google Cloud project
// and Application Default Credentials), built on the official SDK
// (google.golang.org/genai). A program that imports it links that SDK and
// nothing of the other providers.
//
// [New] takes a [Config]; empty settings come from the environment, read
// once by New:
//
//   - Gemini API: GEMINI_API_KEY, then GOOGLE_API_KEY (required; a missing
//     key is an ErrAuth error naming them).
//   - Vertex AI ([Config].Vertex): GOOGLE_CLOUD_PROJECT (required),
//     GOOGLE_CLOUD_LOCATION (default us-central1), and the credentials of
//     Application Default Credentials unless [Config].Credentials is set.
//
// The key is never shown: not in errors (messages that echo it are
// scrubbed), not by fmt on a Client or a Config.
//
// # Mapping
//
// System messages become the system instruction; assistant messages are
// "model" turns whose tool calls are functionCall parts; tool messages
// become functionResponse parts ({"output": text}) of one user turn, so
// that the results of parallel calls go back together, as Gemini requires.
// Tools are function declarations with their JSON schemas
// (parametersJsonSchema); a [llm.ResponseFormat] uses Gemini's native JSON
// mode with a schema (responseMimeType application/json and
// responseJsonSchema). Stop, Temperature and MaxTokens map to
// stopSequences, temperature and maxOutputTokens.
//
// Gemini's thinking models sign their function calls and want the
// signature back with the call in the next turn. The client carries it in
// the tool call's ID (the call's own ID, "~", and the signature in
// base64url), so that the conversation needs no state beyond its messages;
// IDs without a signature are sent as they are.
//
// Responses: text parts (not thought parts) are joined into Content;
// function calls become tool calls. FinishReason is normalised: STOP is
// "stop" (or "tool_calls" when the reply calls tools), MAX_TOKENS is
// "length", SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII and
// IMAGE_SAFETY are "content_filter"; other reasons pass through in lower
// case. A prompt that Gemini blocks (promptFeedback.blockReason) is an
// ErrBadRequest naming the reason. Usage: CompletionTokens counts the
// candidates' tokens and the thinking tokens (ReasoningTokens), as the
// OpenAI API counts them; CachedPromptTokens is cachedContentTokenCount.
//
// Retries and errors follow [llm.RetryPolicy]; the SDK makes one request
// per attempt. A [Client] is safe for concurrent use; its configuration
// does not change after New.
package gemini

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/auth/credentials"
	"cloud.google.com/go/auth/httptransport"
	"google.golang.org/genai"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/internal/provider"
)

// Provider names reported by [Client.Info], following the OpenTelemetry
// gen_ai.provider.name values.
const (
	// ProviderGemini is the Gemini API.
	ProviderGemini = "gcp.gemini"
	// ProviderVertex is Vertex AI.
	ProviderVertex = "gcp.vertex_ai"
)

// DefaultLocation is the Vertex AI location used when neither the Config
// nor GOOGLE_CLOUD_LOCATION names one.
const DefaultLocation = "us-central1"

// Config configures a [Client]. Empty fields take their value from the
// environment, read once by [New]. A Config is a plain value; its String
// method never shows the API key. New copies it.
type Config struct {
	// Model is the model name, such as "gemini-2.5-flash" (required).
	Model string
	// APIKey is the Gemini API key. Empty: GEMINI_API_KEY, then
	// GOOGLE_API_KEY. Not used with Vertex.
	APIKey string
	// Vertex selects Vertex AI instead of the Gemini API.
	Vertex bool
	// Project is the Google Cloud project (Vertex). Empty:
	// GOOGLE_CLOUD_PROJECT.
	Project string
	// Location is the Vertex AI location. Empty: GOOGLE_CLOUD_LOCATION, then
	// [DefaultLocation].
	Location string
	// Credentials authenticate Vertex AI requests. Nil: Application
	// Default Credentials, found by the SDK.
	Credentials *auth.Credentials
	// BaseURL replaces the API's base URL (for a proxy or a test server).
	// Empty: GOOGLE_GEMINI_BASE_URL (Gemini API) or GOOGLE_VERTEX_BASE_URL
	// (Vertex), then Google's.
	BaseURL string
	// Timeout bounds each attempt; 0 means [llm.DefaultTimeout], a negative
	// value none.
	Timeout time.Duration
	// HTTPClient sends the requests. Nil: a client with a pool sized for
	// concurrent agents.
	HTTPClient *http.Client
	// Retry is the retry policy; the zero value is the default one.
	Retry llm.RetryPolicy
	// ContextWindow overrides the context size of the capability table.
	ContextWindow int
	// Capabilities, if not nil, replaces the capability table's entry for
	// the model.
	Capabilities *llm.Capabilities
}

// String describes the configuration without its API key.
func (c Config) String() string {
	return fmt.Sprintf("gemini.Config{Model: %q, Vertex: %t, Project: %q, APIKey: %s}", c.Model, c.Vertex, c.Project, provider.KeyState(c.APIKey))
}

// GoString is String, so that %#v does not show the API key either.
func (c Config) GoString() string { return c.String() }

// Client is the Gemini [llm.LLM]. Build it with [New]. It is safe for
// concurrent use. The zero value is not usable.
type Client struct {
	cfg  Config
	core provider.Core
	gc   *genai.Client
}

// New returns a client for cfg, with empty fields filled from the
// environment. It returns an [*llm.Error] (ErrAuth for a missing key or
// project, ErrBadRequest for other problems) when cfg cannot work; the
// client it returns alongside still answers Info and fails every Generate
// with that error.
func New(cfg Config) (*Client, error) {
	c := &Client{}
	if e := c.configure(cfg); e != nil {
		c.core.Err = e
		return c, e
	}
	return c, nil
}

func (c *Client) configure(cfg Config) *llm.Error {
	cfg.Model = strings.TrimSpace(cfg.Model)
	name := ProviderGemini
	if cfg.Vertex {
		name = ProviderVertex
		if cfg.Project == "" {
			cfg.Project = os.Getenv("GOOGLE_CLOUD_PROJECT")
		}
		if cfg.Location == "" {
			cfg.Location = os.Getenv("GOOGLE_CLOUD_LOCATION")
		}
		if cfg.Location == "" {
			cfg.Location = DefaultLocation
		}
	} else {
		if cfg.APIKey == "" {
			cfg.APIKey = os.Getenv("GEMINI_API_KEY")
		}
		if cfg.APIKey == "" {
			cfg.APIKey = os.Getenv("GOOGLE_API_KEY")
		}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = llm.DefaultTimeout
	}
	baseFrom := "Config.BaseURL or GOOGLE_GEMINI_BASE_URL"
	if cfg.Vertex {
		baseFrom = "Config.BaseURL or GOOGLE_VERTEX_BASE_URL"
	}
	if cfg.BaseURL == "" && !cfg.Vertex {
		cfg.BaseURL = os.Getenv("GOOGLE_GEMINI_BASE_URL")
	}
	if cfg.BaseURL == "" && cfg.Vertex {
		cfg.BaseURL = os.Getenv("GOOGLE_VERTEX_BASE_URL")
	}
	c.cfg = cfg
	base := cfg.BaseURL
	if base == "" {
		base = "https://generativelanguage.googleapis.com/"
		if cfg.Vertex {
			base = "https://" + cfg.Location + "-aiplatform.googleapis.com/"
		}
	}
	var e *llm.Error
	c.core, e = provider.Configure(provider.Setup{Package: "gemini", Provider: name, Model: cfg.Model,
		Example: "gemini-2.5-flash", BaseURL: base, BaseFrom: baseFrom,
		Retry: cfg.Retry, ContextWindow: cfg.ContextWindow, Capabilities: cfg.Capabilities})
	if e != nil {
		return e
	}
	bad := c.core.Fail
	var err error
	if cfg.Vertex && cfg.Project == "" {
		return bad(llm.ErrAuth, "gemini: Vertex AI needs a project: set GOOGLE_CLOUD_PROJECT (or Config.Project)")
	}
	if !cfg.Vertex && cfg.APIKey == "" {
		return bad(llm.ErrAuth, "gemini: no API key: set GEMINI_API_KEY or GOOGLE_API_KEY (or Config.APIKey)")
	}
	c.core.HC = provider.HTTPClient(cfg.HTTPClient)
	cc := &genai.ClientConfig{HTTPClient: c.core.HC, HTTPOptions: genai.HTTPOptions{BaseURL: cfg.BaseURL}}
	if cfg.Vertex {
		creds := cfg.Credentials
		if creds == nil {
			creds, err = credentials.DetectDefault(&credentials.DetectOptions{
				Scopes: []string{"https://www.googleapis.com/auth/cloud-platform"}})
			if err != nil {
				return bad(llm.ErrAuth, "gemini: Vertex AI needs Google Cloud credentials: set GOOGLE_APPLICATION_CREDENTIALS or run gcloud auth application-default login (or set Config.Credentials): %v", err)
			}
		}
		// The SDK authenticates only the HTTP clients it makes itself.
		if err := httptransport.AddAuthorizationMiddleware(c.core.HC, creds); err != nil {
			return bad(llm.ErrAuth, "gemini: the Vertex AI credentials cannot be used: %v", err)
		}
		cc.Backend, cc.Project, cc.Location, cc.Credentials = genai.BackendVertexAI, cfg.Project, cfg.Location, creds
	} else {
		cc.Backend, cc.APIKey = genai.BackendGeminiAPI, cfg.APIKey
	}
	gc, err := genai.NewClient(context.Background(), cc)
	if err != nil {
		return provider.Redact(bad(llm.ErrAuth, "gemini: the SDK refused the configuration: %v", err), cfg.APIKey)
	}
	c.gc = gc
	return nil
}

// Info describes the model; it does no I/O.
func (c *Client) Info() llm.Info { return c.core.Info }

// Check returns the configuration error that every Generate returns (an
// *llm.Error: ErrAuth for a missing key, ErrBadRequest for another bad
// setting), or nil when c can be used. It does no I/O; a crew's validation
// calls it through [llm.Check].
func (c *Client) Check() error { return c.core.Check() }

// CloseIdleConnections closes the idle connections of the client's HTTP
// client.
func (c *Client) CloseIdleConnections() { c.core.CloseIdleConnections() }

// String describes the client without its API key.
func (c *Client) String() string { return c.core.Describe("gemini.Client") }

// GoString is String, so that %#v does not show the API key either.
func (c *Client) GoString() string { return c.String() }

func (c *Client) badRequest(format string, args ...any) *llm.Error {
	return c.core.Fail(llm.ErrBadRequest, format, args...)
}

// Generate sends req and returns the reply, retrying as [llm.RetryPolicy]
// says. With req.OnChunk set the reply is streamed and OnChunk receives each
// piece of text in order on the calling goroutine.
func (c *Client) Generate(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if c.core.Err != nil {
		return nil, c.core.Err
	}
	if req == nil {
		return nil, c.badRequest("gemini: Generate called with a nil *llm.Request")
	}
	contents, gcfg, e := c.build(req)
	if e != nil {
		return nil, e
	}
	return c.cfg.Retry.Do(ctx, c.core.Info, func(ctx context.Context) (*llm.Response, *llm.Error, bool) {
		return c.attempt(ctx, contents, gcfg, req.OnChunk)
	})
}

func (c *Client) attempt(ctx context.Context, contents []*genai.Content, gcfg *genai.GenerateContentConfig, onChunk func(string)) (*llm.Response, *llm.Error, bool) {
	actx, cancel, rec := provider.AttemptContext(ctx, c.cfg.Timeout)
	defer cancel()
	if onChunk == nil {
		r, err := c.gc.Models.GenerateContent(actx, c.cfg.Model, contents, gcfg)
		if err != nil {
			e, retry := c.classify(ctx, rec, err)
			return nil, e, retry
		}
		var acc accumulator
		acc.add(r, nil)
		return c.finish(&acc, rec)
	}
	var acc accumulator
	next, stop := iter.Pull2(c.gc.Models.GenerateContentStream(actx, c.cfg.Model, contents, gcfg))
	defer stop()
	for {
		r, err, ok := next()
		if !ok {
			break
		}
		if err != nil {
			e, retry := c.classify(ctx, rec, err)
			return nil, e, retry && !acc.delivered
		}
		acc.add(r, onChunk)
	}
	if acc.chunks == 0 || (acc.any && acc.finish == "") {
		e := &llm.Error{Kind: llm.ErrTransport, Model: c.cfg.Model, Provider: c.core.Info.Provider, Status: rec.Status,
			Message: "the stream ended before the reply was complete (no finish reason)"}
		return nil, e, !acc.delivered
	}
	return c.finish(&acc, rec)
}

// accumulator assembles a reply from one response or the chunks of a
// stream.
type accumulator struct {
	text      strings.Builder
	calls     []llm.ToolCall
	finish    string
	block     string
	id, model string
	usage     *genai.GenerateContentResponseUsageMetadata
	delivered bool
	any       bool // some candidate was seen
	chunks    int  // responses added
}

func (a *accumulator) add(r *genai.GenerateContentResponse, onChunk func(string)) {
	if r == nil {
		return
	}
	a.chunks++
	if a.id == "" {
		a.id = r.ResponseID
	}
	if a.model == "" {
		a.model = r.ModelVersion
	}
	if r.UsageMetadata != nil {
		a.usage = r.UsageMetadata
	}
	if pf := r.PromptFeedback; pf != nil && pf.BlockReason != "" {
		a.block = string(pf.BlockReason)
		if pf.BlockReasonMessage != "" {
			a.block += ": " + pf.BlockReasonMessage
		}
	}
	if len(r.Candidates) == 0 || r.Candidates[0] == nil {
		return
	}
	cand := r.Candidates[0]
	a.any = true
	if cand.FinishReason != "" {
		a.finish = string(cand.FinishReason)
	}
	if cand.Content == nil {
		return
	}
	for _, p := range cand.Content.Parts {
		switch {
		case p == nil, p.Thought:
		case p.FunctionCall != nil:
			args := "{}"
			if p.FunctionCall.Args != nil {
				if b, err := json.Marshal(p.FunctionCall.Args); err == nil {
					args = string(b)
				}
			}
			id := p.FunctionCall.ID
			if id == "" {
				id = "call_" + strconv.Itoa(len(a.calls)+1)
			}
			a.calls = append(a.calls, llm.ToolCall{ID: encodeID(id, p.ThoughtSignature), Name: p.FunctionCall.Name, Arguments: args})
		case p.Text != "":
			a.text.WriteString(p.Text)
			if onChunk != nil {
				a.delivered = true
				onChunk(p.Text)
			}
		}
	}
}

func (c *Client) finish(a *accumulator, rec *provider.Attempt) (*llm.Response, *llm.Error, bool) {
	if !a.any {
		if a.block != "" {
			return nil, &llm.Error{Kind: llm.ErrBadRequest, Model: c.cfg.Model, Provider: c.core.Info.Provider, Status: rec.Status,
				Code: "prompt_blocked", Message: "Gemini blocked the prompt: " + a.block}, false
		}
		return nil, &llm.Error{Kind: llm.ErrEmptyResponse, Model: c.cfg.Model, Provider: c.core.Info.Provider, Status: rec.Status,
			Message: "the reply has no candidates"}, false
	}
	resp := &llm.Response{Content: a.text.String(), ToolCalls: a.calls, ID: a.id, Model: a.model,
		FinishReason: FinishReason(a.finish, len(a.calls) > 0)}
	if resp.Model == "" {
		resp.Model = c.cfg.Model
	}
	resp.Usage = llm.Usage{Requests: 1}
	if u := a.usage; u != nil {
		resp.Usage.PromptTokens = int(u.PromptTokenCount + u.ToolUsePromptTokenCount)
		resp.Usage.CachedPromptTokens = int(u.CachedContentTokenCount)
		resp.Usage.ReasoningTokens = int(u.ThoughtsTokenCount)
		resp.Usage.CompletionTokens = int(u.CandidatesTokenCount + u.ThoughtsTokenCount)
		resp.Usage.TotalTokens = int(u.TotalTokenCount)
		if resp.Usage.TotalTokens == 0 {
			resp.Usage.TotalTokens = resp.Usage.PromptTokens + resp.Usage.CompletionTokens
		}
	}
	return resp, nil, false
}

// FinishReason normalises a Gemini finish reason (see the package doc);
// calls says whether the reply calls tools.
func FinishReason(reason string, calls bool) string {
	switch reason {
	case "STOP", "":
		if calls {
			return "tool_calls"
		}
		return "stop"
	case "MAX_TOKENS":
		return "length"
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT":
		return "content_filter"
	}
	return strings.ToLower(reason)
}

// classify maps an SDK or transport error.
func (c *Client) classify(parent context.Context, rec *provider.Attempt, err error) (*llm.Error, bool) {
	var apiErr genai.APIError
	var apiPtr *genai.APIError
	var e *llm.Error
	var retry bool
	switch {
	case parent.Err() != nil:
		e, retry = provider.Failure(parent, c.core.Info, rec, c.cfg.Timeout, err)
	case errors.As(err, &apiErr):
		e, retry = c.apiError(rec, &apiErr, err)
	case errors.As(err, &apiPtr):
		e, retry = c.apiError(rec, apiPtr, err)
	default:
		e, retry = provider.Failure(parent, c.core.Info, rec, c.cfg.Timeout, err)
	}
	return provider.Redact(e, c.cfg.APIKey), retry
}

func (c *Client) apiError(rec *provider.Attempt, a *genai.APIError, err error) (*llm.Error, bool) {
	msg := a.Message
	if msg == "" {
		msg = a.Status
	}
	status := a.Code
	if status == 0 {
		status = rec.Status
	}
	e, retry := provider.APIError(c.core.Info, rec, status, a.Status, msg, err)
	if a.Status == "RESOURCE_EXHAUSTED" && e.Kind != llm.ErrRateLimit {
		e.Kind, retry = llm.ErrRateLimit, true
	}
	return e, retry
}

// build maps req to the SDK's contents and configuration.
func (c *Client) build(req *llm.Request) ([]*genai.Content, *genai.GenerateContentConfig, *llm.Error) {
	gcfg := &genai.GenerateContentConfig{}
	if len(req.Messages) == 0 {
		return nil, nil, c.badRequest("gemini: Request.Messages is empty; send at least one message")
	}
	names := map[string]string{} // tool-call ID → function name, for results without a Name
	var contents []*genai.Content
	for i, m := range req.Messages {
		var role string
		var parts []*genai.Part
		if len(m.Parts) > 0 && m.Role != llm.RoleUser {
			return nil, nil, c.badRequest("gemini: Request.Messages[%d] has Parts but role %q; only user messages carry them", i, m.Role)
		}
		switch m.Role {
		case llm.RoleSystem:
			if m.Content != "" {
				if gcfg.SystemInstruction == nil {
					gcfg.SystemInstruction = &genai.Content{}
				}
				gcfg.SystemInstruction.Parts = append(gcfg.SystemInstruction.Parts, &genai.Part{Text: m.Content})
			}
			continue
		case llm.RoleUser:
			if m.Content == "" && len(m.Parts) == 0 {
				return nil, nil, c.badRequest("gemini: Request.Messages[%d] is a user message with empty content; Gemini rejects empty text", i)
			}
			if len(m.ToolCalls) > 0 {
				return nil, nil, c.badRequest("gemini: Request.Messages[%d] has tool calls but role %q; only assistant messages carry them", i, m.Role)
			}
			role = "user"
			if m.Content != "" {
				parts = append(parts, &genai.Part{Text: m.Content})
			}
			for j, mp := range m.Parts {
				gp, err := partOf(mp)
				if err != nil {
					return nil, nil, c.badRequest("gemini: Request.Messages[%d].Parts[%d]: %v", i, j, err)
				}
				parts = append(parts, gp)
			}
		case llm.RoleAssistant:
			role = "model"
			if m.Content != "" {
				parts = append(parts, &genai.Part{Text: m.Content})
			}
			for j, tc := range m.ToolCalls {
				if tc.Name == "" {
					return nil, nil, c.badRequest("gemini: Request.Messages[%d].ToolCalls[%d].Name is empty", i, j)
				}
				args := map[string]any{}
				if strings.TrimSpace(tc.Arguments) != "" && json.Unmarshal([]byte(tc.Arguments), &args) != nil {
					args = map[string]any{} // the model wrote arguments that are no JSON object
				}
				id, sig := decodeID(tc.ID)
				names[tc.ID] = tc.Name
				parts = append(parts, &genai.Part{FunctionCall: &genai.FunctionCall{ID: callID(id), Name: tc.Name, Args: args},
					ThoughtSignature: sig})
			}
			if len(parts) == 0 {
				continue
			}
		case llm.RoleTool:
			if m.ToolCallID == "" {
				return nil, nil, c.badRequest("gemini: Request.Messages[%d] is a tool message without a ToolCallID", i)
			}
			name := m.Name
			if name == "" {
				name = names[m.ToolCallID]
			}
			if name == "" {
				return nil, nil, c.badRequest("gemini: Request.Messages[%d] answers call %q, which no earlier assistant message made, and has no Name; Gemini needs the function's name", i, m.ToolCallID)
			}
			id, _ := decodeID(m.ToolCallID)
			role = "user"
			parts = []*genai.Part{{FunctionResponse: &genai.FunctionResponse{ID: callID(id), Name: name,
				Response: map[string]any{"output": m.Content}}}}
		default:
			return nil, nil, c.badRequest("gemini: Request.Messages[%d].Role is %q; use system, user, assistant or tool", i, m.Role)
		}
		if n := len(contents); n > 0 && contents[n-1].Role == role {
			contents[n-1].Parts = append(contents[n-1].Parts, parts...)
			continue
		}
		contents = append(contents, &genai.Content{Role: role, Parts: parts})
	}
	if len(contents) == 0 {
		return nil, nil, c.badRequest("gemini: Request.Messages holds only system messages; Gemini needs at least one user message")
	}
	if len(req.Tools) > 0 {
		tool := &genai.Tool{}
		for i, t := range req.Tools {
			if t.Name == "" {
				return nil, nil, c.badRequest("gemini: Request.Tools[%d].Name is empty", i)
			}
			var schema any = map[string]any{"type": "object", "properties": map[string]any{}}
			if len(strings.TrimSpace(string(t.Parameters))) > 0 {
				if !provider.IsJSONObject(t.Parameters) {
					return nil, nil, c.badRequest("gemini: Request.Tools[%d] (%q): Parameters is not a JSON object schema: %.80q", i, t.Name, t.Parameters)
				}
				schema = json.RawMessage(t.Parameters)
			}
			tool.FunctionDeclarations = append(tool.FunctionDeclarations, &genai.FunctionDeclaration{Name: t.Name,
				Description: t.Description, ParametersJsonSchema: schema})
		}
		gcfg.Tools = []*genai.Tool{tool}
	}
	if len(req.Stop) > 0 && !c.core.Caps.NoStop {
		gcfg.StopSequences = append([]string(nil), req.Stop...)
	}
	if req.Temperature != nil && !c.core.Caps.Reasoning {
		t := float32(*req.Temperature)
		if *req.Temperature < 0 || *req.Temperature > 2 || t != t {
			return nil, nil, c.badRequest("gemini: temperature %v is out of range; use 0 to 2", *req.Temperature)
		}
		gcfg.Temperature = &t
	}
	if req.MaxTokens < 0 {
		return nil, nil, c.badRequest("gemini: Request.MaxTokens is %d; use a positive number, or 0 for no limit", req.MaxTokens)
	}
	gcfg.MaxOutputTokens = int32(min(req.MaxTokens, 1<<31-1))
	if rf := req.ResponseFormat; rf != nil {
		if !provider.IsJSONObject(rf.Schema) {
			return nil, nil, c.badRequest("gemini: Request.ResponseFormat.Schema is not a JSON object schema: %.80q", rf.Schema)
		}
		gcfg.ResponseMIMEType = "application/json"
		gcfg.ResponseJsonSchema = json.RawMessage(rf.Schema)
	}
	return contents, gcfg, nil
}

// callID returns the ID to send for a call: Gemini's own IDs go back as
// they came; the "call_N" IDs the client made up for calls without one are
// not sent.
func callID(id string) string {
	if strings.HasPrefix(id, "call_") {
		return ""
	}
	return id
}

// encodeID appends a thought signature to a call's ID.
func encodeID(id string, sig []byte) string {
	if len(sig) == 0 {
		return id
	}
	return id + "~" + base64.RawURLEncoding.EncodeToString(sig)
}

// decodeID splits an ID made by encodeID. An ID without a valid signature
// is returned whole.
func decodeID(s string) (string, []byte) {
	i := strings.LastIndexByte(s, '~')
	if i < 0 {
		return s, nil
	}
	sig, err := base64.RawURLEncoding.DecodeString(s[i+1:])
	if err != nil || len(sig) == 0 {
		return s, nil
	}
	return s[:i], sig
}

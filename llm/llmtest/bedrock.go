package llmtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/crewai-go/crewai/llm"
)

// NewBedrockServer starts a fake of Amazon Bedrock's Converse API (POST
// /model/{modelId}/converse, and /model/{modelId}/converse-stream answered
// with AWS event-stream frames) driven by cfg like [NewServer]. Point a
// client at it with its endpoint override ([Server.URL]).
//
// It checks what Converse checks and answers 400 ValidationException the
// way Bedrock does (the x-amzn-ErrorType header and a {"message"} body): no
// messages, a first message that is not the user's, roles that do not
// alternate, an empty content list, blank text, a content block that sets
// no member or more than one, toolUse blocks not answered by toolResult
// blocks in the next user turn (or results answering none), toolUse or
// toolResult blocks without a toolConfig, tools whose name Converse refuses,
// with an empty description or a schema that is not an object, an empty
// toolResult content, images and documents with an unknown format or
// no bytes (or a document without a name), maxTokens below 1, a
// temperature outside 0 to 1, and an outputConfig that is not a JSON
// schema. A request without an Authorization header (SigV4 or a Bedrock API
// key as a bearer token) is a 403 MissingAuthenticationTokenException, a
// SigV4 credential not scoped to the bedrock service a 403
// InvalidSignatureException.
//
// Faults are sent as Bedrock sends them: 429 ThrottlingException (with
// Reply.RetryAfter as its Retry-After header), 500 InternalServerException
// (inside a stream: an internalServerException event after messageStart),
// 503 ServiceUnavailableException (FaultUnavailable), 400
// ValidationException "Input is too long for requested model."
// (FaultContextLength), 403 UnrecognizedClientException
// (FaultUnauthorized); FaultStatus answers the exception Bedrock uses for
// that status (403 AccessDeniedException, 404 ResourceNotFoundException,
// 424 ModelErrorException...). A Reply.Header "X-Amzn-ErrorType" names
// another exception (such as ModelNotReadyException). FaultEmptyChoices
// answers a message with no content block; FaultMalformedJSON a body (or a
// stream event) that is not JSON; FaultTruncated half the body or half the
// events. Event payloads carry the "p" padding field Bedrock adds. When the
// request turns on extended thinking (additionalModelRequestFields.thinking),
// Reply.Thinking and Reply.RedactedThinking are answered as reasoningContent
// blocks (signed by [ThinkingSignature]); reasoningText blocks sent back must
// carry that signature.
// ServerRequest.Request holds the request in the llm package's terms.
func NewBedrockServer(cfg ServerConfig) *Server { return newServer(cfg, bedrockDialect{}) }

type bedrockDialect struct{}

// bedrockToolName is the pattern Converse requires of a tool name.
var bedrockToolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

var bedrockImageFormats = map[string]string{"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}

var bedrockDocFormats = map[string]string{"pdf": "application/pdf", "csv": "text/csv", "doc": "application/msword",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "xls": "application/vnd.ms-excel",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "html": "text/html", "txt": "text/plain",
	"md": "text/markdown"}

// bedrockDocName is what Converse takes as a document name.
var bedrockDocName = regexp.MustCompile(`^[A-Za-z0-9\-\(\)\[\]]+(\s[A-Za-z0-9\-\(\)\[\]]+)*$`)

type brSource struct {
	Bytes      *string         `json:"bytes"`
	S3Location json.RawMessage `json:"s3Location"`
	Text       *string         `json:"text"`
}

type brMedia struct {
	Format string    `json:"format"`
	Name   *string   `json:"name"`
	Source *brSource `json:"source"`
}

type brBlock struct {
	Text     *string  `json:"text"`
	Image    *brMedia `json:"image"`
	Document *brMedia `json:"document"`
	ToolUse  *struct {
		ToolUseID string          `json:"toolUseId"`
		Name      string          `json:"name"`
		Input     json.RawMessage `json:"input"`
	} `json:"toolUse"`
	ToolResult *struct {
		ToolUseID string            `json:"toolUseId"`
		Content   []json.RawMessage `json:"content"`
		Status    string            `json:"status"`
	} `json:"toolResult"`
	CachePoint       json.RawMessage `json:"cachePoint"`
	ReasoningContent *struct {
		ReasoningText *struct {
			Text      string `json:"text"`
			Signature string `json:"signature"`
		} `json:"reasoningText"`
		RedactedContent *string `json:"redactedContent"`
	} `json:"reasoningContent"`
	// members counts the keys the block sets.
	members int
}

func (b *brBlock) UnmarshalJSON(data []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return err
	}
	type plain brBlock
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*b = brBlock(p)
	b.members = len(keys)
	return nil
}

type brMessage struct {
	Role    string    `json:"role"`
	Content []brBlock `json:"content"`
}

type brRequest struct {
	Messages        []brMessage       `json:"messages"`
	System          []json.RawMessage `json:"system"`
	InferenceConfig *struct {
		MaxTokens     *int     `json:"maxTokens"`
		Temperature   *float64 `json:"temperature"`
		TopP          *float64 `json:"topP"`
		StopSequences []string `json:"stopSequences"`
	} `json:"inferenceConfig"`
	ToolConfig *struct {
		Tools []struct {
			ToolSpec *struct {
				Name        string  `json:"name"`
				Description *string `json:"description"`
				InputSchema struct {
					JSON json.RawMessage `json:"json"`
				} `json:"inputSchema"`
			} `json:"toolSpec"`
			CachePoint json.RawMessage `json:"cachePoint"`
		} `json:"tools"`
	} `json:"toolConfig"`
	OutputConfig *struct {
		TextFormat *struct {
			Type      string `json:"type"`
			Structure struct {
				JSONSchema *struct {
					Schema *string `json:"schema"`
					Name   string  `json:"name"`
				} `json:"jsonSchema"`
			} `json:"structure"`
		} `json:"textFormat"`
	} `json:"outputConfig"`
}

func badBedrock(format string, args ...any) *apiErr {
	return &apiErr{status: http.StatusBadRequest, typ: "ValidationException", msg: fmt.Sprintf(format, args...)}
}

// bedrockAuth checks the Authorization header: a SigV4 signature scoped to
// the bedrock service, or a bearer token.
func bedrockAuth(h string) *apiErr {
	switch {
	case h == "":
		return &apiErr{status: http.StatusForbidden, typ: "MissingAuthenticationTokenException", msg: "Missing Authentication Token"}
	case strings.HasPrefix(h, "Bearer "):
		if strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")) == "" {
			return &apiErr{status: http.StatusForbidden, typ: "UnrecognizedClientException", msg: "The security token included in the request is invalid."}
		}
		return nil
	case strings.HasPrefix(h, "AWS4-HMAC-SHA256 "):
		_, cred, ok := strings.Cut(h, "Credential=")
		cred, _, _ = strings.Cut(cred, ",")
		scope := strings.Split(cred, "/")
		if !ok || len(scope) != 5 || scope[4] != "aws4_request" {
			return &apiErr{status: http.StatusForbidden, typ: "IncompleteSignatureException", msg: "Authorization header requires a valid Credential parameter."}
		}
		if scope[3] != "bedrock" {
			return &apiErr{status: http.StatusForbidden, typ: "InvalidSignatureException",
				msg: fmt.Sprintf("Credential should be scoped to correct service: 'bedrock'. (got '%s')", scope[3])}
		}
		return nil
	}
	return &apiErr{status: http.StatusForbidden, typ: "IncompleteSignatureException", msg: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters."}
}

// bedrockRoute reads the model ID and the operation from the path.
func bedrockRoute(r *http.Request) (model string, stream bool, ae *apiErr) {
	p := r.URL.EscapedPath()
	rest, ok := strings.CutPrefix(p, "/model/")
	if ok {
		var op string
		if i := strings.LastIndexByte(rest, '/'); i > 0 {
			rest, op = rest[:i], rest[i+1:]
		}
		id, err := url.PathUnescape(rest)
		if err == nil && id != "" && (op == "converse" || op == "converse-stream") {
			return id, op == "converse-stream", nil
		}
	}
	return "", false, &apiErr{status: http.StatusNotFound, typ: "UnknownOperationException",
		msg: "llmtest: no route " + p + "; the Bedrock fake serves POST /model/{modelId}/converse and /converse-stream"}
}

func (bedrockDialect) decode(r *http.Request, body []byte) (*ServerRequest, *apiErr) {
	model, stream, ae := bedrockRoute(r)
	if ae != nil {
		return nil, ae
	}
	if r.Method != http.MethodPost {
		return nil, &apiErr{status: http.StatusMethodNotAllowed, typ: "ValidationException", msg: "llmtest: use POST, not " + r.Method}
	}
	if ae := bedrockAuth(r.Header.Get("Authorization")); ae != nil {
		return nil, ae
	}
	var w brRequest
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, &apiErr{status: http.StatusBadRequest, typ: "SerializationException", msg: "llmtest: the request body is not valid Converse JSON: " + err.Error()}
	}
	sr := &ServerRequest{Model: model, Stream: stream, IncludeUsage: stream, Authorized: true}
	req := &sr.Request
	if ic := w.InferenceConfig; ic != nil {
		if ic.MaxTokens != nil {
			if *ic.MaxTokens < 1 {
				return nil, badBedrock("1 validation error detected: Value '%d' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1", *ic.MaxTokens)
			}
			sr.MaxTokens, req.MaxTokens = *ic.MaxTokens, *ic.MaxTokens
		}
		if t := ic.Temperature; t != nil {
			if *t < 0 || *t > 1 {
				return nil, badBedrock("1 validation error detected: Value '%g' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value between 0 and 1", *t)
			}
			req.Temperature = t
		}
		req.Stop = ic.StopSequences
	}
	var sys strings.Builder
	for i, raw := range w.System {
		var b struct {
			Text       *string         `json:"text"`
			CachePoint json.RawMessage `json:"cachePoint"`
		}
		if json.Unmarshal(raw, &b) != nil || (b.Text == nil && b.CachePoint == nil) {
			return nil, badBedrock("SystemContentBlock object at system.%d must set one of the following keys: text, guardContent, cachePoint.", i)
		}
		if b.Text != nil {
			if strings.TrimSpace(*b.Text) == "" {
				return nil, badBedrock("The text field in the SystemContentBlock object at system.%d is blank. Add text to the text field, and try again.", i)
			}
			sys.WriteString(*b.Text)
		}
	}
	if sys.Len() > 0 {
		req.Messages = append(req.Messages, llm.Message{Role: llm.RoleSystem, Content: sys.String()})
	}
	if len(w.Messages) == 0 {
		return nil, badBedrock("1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must not be null and must have at least 1 element")
	}
	if w.Messages[0].Role != "user" {
		return nil, badBedrock("A conversation must start with a user message. Try again with a conversation that starts with a user message.")
	}
	toolBlocks := false
	var pending map[string]bool // toolUse IDs the next user turn must answer
	for i, m := range w.Messages {
		where := "messages." + strconv.Itoa(i)
		if m.Role != "user" && m.Role != "assistant" {
			return nil, badBedrock("1 validation error detected: Value '%s' at '%s.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]", m.Role, where)
		}
		if i > 0 && w.Messages[i-1].Role == m.Role {
			return nil, badBedrock("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.")
		}
		if len(m.Content) == 0 {
			return nil, badBedrock("The content field in the Message object at %s is empty. Add a ContentBlock object to the content field and try again.", where)
		}
		if m.Role == "user" {
			answered := map[string]bool{}
			for _, b := range m.Content {
				if b.ToolResult != nil {
					if !pending[b.ToolResult.ToolUseID] || answered[b.ToolResult.ToolUseID] {
						return nil, badBedrock("The number of toolResult blocks at %s.content exceeds the number of toolUse blocks of previous turn.", where)
					}
					answered[b.ToolResult.ToolUseID] = true
				}
			}
			var missing []string
			for id := range pending {
				if !answered[id] {
					missing = append(missing, id)
				}
			}
			if len(missing) > 0 {
				sort.Strings(missing)
				return nil, badBedrock("Expected toolResult blocks at %s.content for the following Ids: %s", where, strings.Join(missing, ", "))
			}
			pending = nil
		}
		var text strings.Builder
		var calls []llm.ToolCall
		var parts []llm.Part
		var reasoning []llm.Reasoning
		results := false
		for j, b := range m.Content {
			bw := where + ".content." + strconv.Itoa(j)
			if b.members != 1 {
				return nil, badBedrock("ContentBlock object at %s must set exactly one of the following keys: text, image, document, toolUse, toolResult, reasoningContent, cachePoint.", bw)
			}
			switch {
			case b.Text != nil:
				if strings.TrimSpace(*b.Text) == "" {
					return nil, badBedrock("The text field in the ContentBlock object at %s is blank. Add text to the text field, and try again.", bw)
				}
				text.WriteString(*b.Text)
			case b.Image != nil, b.Document != nil:
				part, ae := bedrockMedia(&b, bw)
				if ae != nil {
					return nil, ae
				}
				parts = append(parts, part)
			case b.ToolUse != nil:
				toolBlocks = true
				tu := b.ToolUse
				if m.Role != "assistant" {
					return nil, badBedrock("%s: toolUse blocks are only allowed in assistant messages.", bw)
				}
				if tu.ToolUseID == "" || tu.Name == "" {
					return nil, badBedrock("The toolUse block at %s needs a toolUseId and a name.", bw)
				}
				if !isObject(tu.Input) {
					return nil, badBedrock("The format of the value at %s.toolUse.input is invalid. Provide a json object for the field and try again.", bw)
				}
				if pending == nil {
					pending = map[string]bool{}
				}
				pending[tu.ToolUseID] = true
				var args bytes.Buffer
				_ = json.Compact(&args, tu.Input)
				calls = append(calls, llm.ToolCall{ID: tu.ToolUseID, Name: tu.Name, Arguments: args.String()})
			case b.ToolResult != nil:
				toolBlocks = true
				if m.Role != "user" {
					return nil, badBedrock("%s: toolResult blocks are only allowed in user messages.", bw)
				}
				content, ae := bedrockToolResult(b.ToolResult.Content, bw+".toolResult")
				if ae != nil {
					return nil, ae
				}
				req.Messages = append(req.Messages, llm.Message{Role: llm.RoleTool, ToolCallID: b.ToolResult.ToolUseID, Content: content})
				results = true
			case b.ReasoningContent != nil:
				rc := b.ReasoningContent
				if m.Role != "assistant" {
					return nil, badBedrock("%s: reasoningContent blocks are only allowed in assistant messages.", bw)
				}
				switch {
				case rc.ReasoningText != nil:
					if rc.ReasoningText.Signature != ThinkingSignature(rc.ReasoningText.Text) {
						return nil, badBedrock("The signature of the reasoningText at %s.reasoningContent does not match its text.", bw)
					}
					reasoning = append(reasoning, llm.Reasoning{Text: rc.ReasoningText.Text, Signature: rc.ReasoningText.Signature})
				case rc.RedactedContent != nil:
					data, err := base64.StdEncoding.DecodeString(*rc.RedactedContent)
					if err != nil || len(data) == 0 {
						return nil, badBedrock("The redactedContent at %s.reasoningContent is empty or not valid base64.", bw)
					}
					reasoning = append(reasoning, llm.Reasoning{Redacted: string(data)})
				default:
					return nil, badBedrock("ReasoningContentBlock object at %s.reasoningContent must set one of the following keys: reasoningText, redactedContent.", bw)
				}
			case b.CachePoint != nil:
			default:
				return nil, badBedrock("ContentBlock object at %s sets an unknown key.", bw)
			}
		}
		if text.Len() > 0 || len(calls) > 0 || len(parts) > 0 || len(reasoning) > 0 {
			req.Messages = append(req.Messages, llm.Message{Role: llm.Role(m.Role), Content: text.String(), ToolCalls: calls, Parts: parts, Reasoning: reasoning})
		} else if !results {
			return nil, badBedrock("The content field in the Message object at %s holds no content block other than cachePoint or reasoningContent.", where)
		}
	}
	if tc := w.ToolConfig; tc != nil {
		if len(tc.Tools) == 0 {
			return nil, badBedrock("1 validation error detected: Value '[]' at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		for i, t := range tc.Tools {
			where := "toolConfig.tools." + strconv.Itoa(i)
			if t.ToolSpec == nil {
				if t.CachePoint != nil {
					continue
				}
				return nil, badBedrock("Tool object at %s must set one of the following keys: toolSpec, cachePoint.", where)
			}
			s := t.ToolSpec
			if !bedrockToolName.MatchString(s.Name) {
				return nil, badBedrock("1 validation error detected: Value '%s' at '%s.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+ and have length between 1 and 64", s.Name, where)
			}
			if s.Description != nil && *s.Description == "" {
				return nil, badBedrock("1 validation error detected: Value '' at '%s.member.toolSpec.description' failed to satisfy constraint: Member must have length greater than or equal to 1", where)
			}
			var schema struct {
				Type string `json:"type"`
			}
			if !isObject(s.InputSchema.JSON) || json.Unmarshal(s.InputSchema.JSON, &schema) != nil || schema.Type != "object" {
				return nil, badBedrock("The value at %s.toolSpec.inputSchema.json.type must be one of the following: object.", where)
			}
			desc := ""
			if s.Description != nil {
				desc = *s.Description
			}
			req.Tools = append(req.Tools, llm.ToolDef{Name: s.Name, Description: desc, Parameters: s.InputSchema.JSON})
		}
	} else if toolBlocks {
		return nil, badBedrock("The toolConfig field must be defined when using toolUse and toolResult content blocks.")
	}
	if oc := w.OutputConfig; oc != nil && oc.TextFormat != nil {
		tf := oc.TextFormat
		js := tf.Structure.JSONSchema
		if tf.Type != "json_schema" || js == nil || js.Schema == nil || !isObject(json.RawMessage(*js.Schema)) {
			return nil, badBedrock("outputConfig.textFormat must have type json_schema and a structure.jsonSchema.schema holding a JSON object schema.")
		}
		req.ResponseFormat = &llm.ResponseFormat{Name: js.Name, Schema: json.RawMessage(*js.Schema), Strict: true}
	}
	return sr, nil
}

// bedrockMedia checks an image or document block and returns its part.
func bedrockMedia(b *brBlock, where string) (llm.Part, *apiErr) {
	kind, m, formats, key := llm.PartImage, b.Image, bedrockImageFormats, "image"
	if b.Document != nil {
		kind, m, formats, key = llm.PartFile, b.Document, bedrockDocFormats, "document"
	}
	where += "." + key
	mt, ok := formats[m.Format]
	if !ok {
		return llm.Part{}, badBedrock("1 validation error detected: Value '%s' at '%s.format' failed to satisfy constraint: Member must satisfy enum value set", m.Format, where)
	}
	if kind == llm.PartFile && (m.Name == nil || !bedrockDocName.MatchString(*m.Name)) {
		return llm.Part{}, badBedrock("The document name at %s.name is missing or holds characters other than alphanumeric characters, whitespace characters, hyphens, parentheses and square brackets.", where)
	}
	p := llm.Part{Kind: kind, MediaType: mt}
	if m.Name != nil {
		p.Name = *m.Name
	}
	switch s := m.Source; {
	case s == nil:
		return llm.Part{}, badBedrock("The source field at %s is required.", where)
	case s.Bytes != nil:
		data, err := base64.StdEncoding.DecodeString(*s.Bytes)
		if err != nil || len(data) == 0 {
			return llm.Part{}, badBedrock("The bytes at %s.source.bytes are empty or not valid base64.", where)
		}
		p.Data = data
	case s.S3Location != nil:
		var loc struct {
			URI string `json:"uri"`
		}
		if json.Unmarshal(s.S3Location, &loc) != nil || !strings.HasPrefix(loc.URI, "s3://") {
			return llm.Part{}, badBedrock("The uri at %s.source.s3Location must be an s3:// URI.", where)
		}
		p.URL = loc.URI
	default:
		return llm.Part{}, badBedrock("The source at %s must set bytes or s3Location.", where)
	}
	return p, nil
}

// bedrockToolResult checks a toolResult's content (a non-empty list of
// text or json blocks) and returns its text.
func bedrockToolResult(content []json.RawMessage, where string) (string, *apiErr) {
	if len(content) == 0 {
		return "", badBedrock("The content field in the ToolResultBlock object at %s is empty. Add a ToolResultContentBlock object and try again.", where)
	}
	var out strings.Builder
	for k, raw := range content {
		var b struct {
			Text *string         `json:"text"`
			JSON json.RawMessage `json:"json"`
		}
		if json.Unmarshal(raw, &b) != nil || (b.Text == nil && b.JSON == nil) {
			return "", badBedrock("ToolResultContentBlock object at %s.content.%d must set one of the following keys: text, json, image, document.", where, k)
		}
		if b.Text != nil {
			if strings.TrimSpace(*b.Text) == "" {
				return "", badBedrock("The text field in the ToolResultContentBlock object at %s.content.%d is blank. Add text to the text field, and try again.", where, k)
			}
			out.WriteString(*b.Text)
		} else {
			out.Write(b.JSON)
		}
	}
	return out.String(), nil
}

// bedrockExceptionOf returns the exception Bedrock answers with a status.
func bedrockExceptionOf(status int) string {
	switch status {
	case 400:
		return "ValidationException"
	case 403:
		return "AccessDeniedException"
	case 404:
		return "ResourceNotFoundException"
	case 408:
		return "ModelTimeoutException"
	case 424:
		return "ModelErrorException"
	case 429:
		return "ThrottlingException"
	case 503:
		return "ServiceUnavailableException"
	}
	if status >= 500 {
		return "InternalServerException"
	}
	return "ValidationException"
}

func (bedrockDialect) writeError(w http.ResponseWriter, e *apiErr) {
	h := w.Header()
	if h.Get("X-Amzn-ErrorType") == "" {
		typ := e.typ
		if typ == "" {
			typ = bedrockExceptionOf(e.status)
		}
		h.Set("X-Amzn-ErrorType", typ+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-RequestId", "llmtest-error")
	b, _ := json.Marshal(map[string]string{"message": e.msg})
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

func (bedrockDialect) faultError(r *Reply) *apiErr {
	if r.Fault == FaultServerError {
		return nil // answered by answer: inside a stream it is an exception event
	}
	status, _, _, msg, ok := r.Fault.httpError(r)
	if !ok {
		return nil
	}
	typ := bedrockExceptionOf(status)
	switch r.Fault {
	case FaultRateLimit:
		if r.Message == "" {
			msg = "Too many requests, please wait before trying again."
		}
	case FaultUnavailable:
		if r.Message == "" {
			msg = "Bedrock is unable to process your request."
		}
	case FaultContextLength:
		if r.Message == "" {
			msg = "Input is too long for requested model."
		}
	case FaultUnauthorized:
		status, typ = http.StatusForbidden, "UnrecognizedClientException"
		if r.Message == "" {
			msg = "The security token included in the request is invalid."
		}
	}
	return &apiErr{status: status, typ: typ, msg: msg}
}

// brStop maps a finish reason of the llm package to Bedrock's stop reason.
func brStop(finish string) string {
	switch finish {
	case "stop":
		return "end_turn"
	case "tool_calls":
		return "tool_use"
	case "length":
		return "max_tokens"
	case "content_filter":
		return "content_filtered"
	}
	return finish
}

// brUsage is Bedrock's usage: inputTokens excludes cache reads and writes.
func brUsage(u llm.Usage) map[string]int {
	in := max(u.PromptTokens-u.CachedPromptTokens-u.CacheWriteTokens, 0)
	out := map[string]int{"inputTokens": in, "outputTokens": u.CompletionTokens,
		"totalTokens": in + u.CachedPromptTokens + u.CacheWriteTokens + u.CompletionTokens}
	if u.CachedPromptTokens > 0 || u.CacheWriteTokens > 0 {
		out["cacheReadInputTokens"] = u.CachedPromptTokens
		out["cacheWriteInputTokens"] = u.CacheWriteTokens
	}
	return out
}

func brArgs(args string) json.RawMessage {
	if !isObject(json.RawMessage(args)) {
		return json.RawMessage("{}")
	}
	return json.RawMessage(args)
}

// bedrockThinking reports whether a request turned on Anthropic's extended
// thinking (additionalModelRequestFields.thinking.type "enabled").
func bedrockThinking(body []byte) bool {
	var w struct {
		Fields struct {
			Thinking struct {
				Type string `json:"type"`
			} `json:"thinking"`
		} `json:"additionalModelRequestFields"`
	}
	return json.Unmarshal(body, &w) == nil && w.Fields.Thinking.Type == "enabled"
}

func (d bedrockDialect) answer(w http.ResponseWriter, sr *ServerRequest, reply *Reply, resp *llm.Response) {
	reqID := "llmtest-" + strconv.FormatInt(sr.Seq, 10)
	w.Header().Set("X-Amzn-RequestId", reqID)
	if !bedrockThinking(sr.Body) {
		resp.Reasoning = nil // reasoning is sent only when the request asked for it
	}
	if sr.Stream {
		bedrockStream(w, reply, resp)
		return
	}
	if reply.Fault == FaultServerError {
		d.writeError(w, &apiErr{status: http.StatusInternalServerError, typ: "InternalServerException", msg: serverErrorMessage(reply)})
		return
	}
	content := []map[string]any{}
	if reply.Fault != FaultEmptyChoices {
		for _, r := range resp.Reasoning {
			if r.Redacted != "" {
				content = append(content, map[string]any{"reasoningContent": map[string]any{"redactedContent": []byte(r.Redacted)}})
			} else {
				content = append(content, map[string]any{"reasoningContent": map[string]any{"reasoningText": map[string]string{"text": r.Text, "signature": r.Signature}}})
			}
		}
		if resp.Content != "" {
			content = append(content, map[string]any{"text": resp.Content})
		}
		for _, c := range resp.ToolCalls {
			content = append(content, map[string]any{"toolUse": map[string]any{"toolUseId": c.ID, "name": c.Name, "input": brArgs(c.Arguments)}})
		}
	}
	b, _ := json.Marshal(map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": content}},
		"stopReason": brStop(resp.FinishReason), "usage": brUsage(resp.Usage), "metrics": map[string]int{"latencyMs": 42}})
	w.Header().Set("Content-Type", "application/json")
	switch reply.Fault {
	case FaultMalformedJSON:
		b = []byte(`{"output":{"message":{"role":"assistant","content":[<html>not json</html>]}}`)
	case FaultTruncated:
		truncate(w, b)
	}
	_, _ = w.Write(b)
}

func serverErrorMessage(r *Reply) string {
	if r.Message != "" {
		return r.Message
	}
	return "The server encountered an error processing the request. Try your request again."
}

// bedrockFrame is one event-stream message: an event or an exception.
type bedrockFrame struct {
	typ       string // the event or exception type
	exception bool
	payload   []byte
}

// bedrockEvent builds an event frame whose JSON payload carries Bedrock's
// "p" padding field.
func bedrockEvent(typ string, payload map[string]any) bedrockFrame {
	payload["p"] = strings.Repeat("abcdefghijklmnopqrstuvwxyz", 2)[:10+len(typ)%16]
	b, _ := json.Marshal(payload)
	return bedrockFrame{typ: typ, payload: b}
}

// bedrockStream sends the reply as ConverseStream's event-stream frames.
func bedrockStream(w http.ResponseWriter, reply *Reply, resp *llm.Response) {
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := eventstream.NewEncoder()
	send := func(f bedrockFrame) bool {
		var msg eventstream.Message
		if f.exception {
			msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
			msg.Headers.Set(":exception-type", eventstream.StringValue(f.typ))
		} else {
			msg.Headers.Set(":message-type", eventstream.StringValue("event"))
			msg.Headers.Set(":event-type", eventstream.StringValue(f.typ))
		}
		msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		msg.Payload = f.payload
		if err := enc.Encode(w, msg); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send(bedrockEvent("messageStart", map[string]any{"role": "assistant"})) {
		return
	}
	switch reply.Fault {
	case FaultServerError:
		b, _ := json.Marshal(map[string]string{"message": serverErrorMessage(reply)})
		send(bedrockFrame{typ: "internalServerException", exception: true, payload: b})
		return
	case FaultMalformedJSON:
		send(bedrockFrame{typ: "contentBlockDelta", payload: []byte(`{"contentBlockIndex":0,"delta":{"text":<html>not json`)})
		return
	}
	var events []bedrockFrame
	idx := 0
	if reply.Fault != FaultEmptyChoices {
		for _, r := range resp.Reasoning {
			delta := func(v map[string]any) bedrockFrame {
				return bedrockEvent("contentBlockDelta", map[string]any{"contentBlockIndex": idx, "delta": map[string]any{"reasoningContent": v}})
			}
			if r.Redacted != "" {
				events = append(events, delta(map[string]any{"redactedContent": []byte(r.Redacted)}))
			} else {
				events = append(events, delta(map[string]any{"text": r.Text}), delta(map[string]any{"signature": r.Signature}))
			}
			events = append(events, bedrockEvent("contentBlockStop", map[string]any{"contentBlockIndex": idx}))
			idx++
		}
		if resp.Content != "" {
			for _, p := range reply.pieces() {
				events = append(events, bedrockEvent("contentBlockDelta", map[string]any{"contentBlockIndex": idx, "delta": map[string]any{"text": p}}))
			}
			events = append(events, bedrockEvent("contentBlockStop", map[string]any{"contentBlockIndex": idx}))
			idx++
		}
		for _, c := range resp.ToolCalls {
			a1, a2 := splitHalf(string(brArgs(c.Arguments)))
			events = append(events,
				bedrockEvent("contentBlockStart", map[string]any{"contentBlockIndex": idx,
					"start": map[string]any{"toolUse": map[string]any{"toolUseId": c.ID, "name": c.Name}}}),
				bedrockEvent("contentBlockDelta", map[string]any{"contentBlockIndex": idx, "delta": map[string]any{"toolUse": map[string]any{"input": a1}}}),
				bedrockEvent("contentBlockDelta", map[string]any{"contentBlockIndex": idx, "delta": map[string]any{"toolUse": map[string]any{"input": a2}}}),
				bedrockEvent("contentBlockStop", map[string]any{"contentBlockIndex": idx}))
			idx++
		}
	}
	if reply.Fault == FaultTruncated {
		for _, e := range events[:len(events)/2] {
			if !send(e) {
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	events = append(events,
		bedrockEvent("messageStop", map[string]any{"stopReason": brStop(resp.FinishReason)}),
		bedrockEvent("metadata", map[string]any{"usage": brUsage(resp.Usage), "metrics": map[string]int{"latencyMs": 42}}))
	for _, e := range events {
		if !send(e) {
			return
		}
	}
}

package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/crewai-go/crewai/llm"
)

// NewGeminiServer starts a fake of the Gemini API's generateContent and
// streamGenerateContent (server-sent events) methods, under the Gemini API
// path (/v1beta/models/MODEL:generateContent, with an x-goog-api-key
// header) and the Vertex AI one
// (/v1beta1/projects/P/locations/L/publishers/google/models/MODEL:..., with
// an Authorization header), driven by cfg like [NewServer]. It checks what
// Gemini checks and answers 400 INVALID_ARGUMENT the way Gemini does: no
// contents, a role other than user and model, a turn without parts, an
// empty text part, function responses that do not answer the previous
// turn's function calls one for one, function declarations with a bad
// name, unknown fields, a thought signature the fake did not give, and, on
// a Gemini 3 model, a step of the current turn whose first function call
// lost its thought signature. A reply with Thinking signs its first
// function call (thoughtSignature, [ThinkingSignature] of the thinking);
// ServerRequest.Request shows the signatures sent back as the assistant
// messages' Reasoning. A missing credential is a 403 PERMISSION_DENIED
// (Gemini API) or 401 UNAUTHENTICATED (Vertex). Faults are sent as Google
// sends them: 429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE, 400
// INVALID_ARGUMENT "The input token count ... exceeds the maximum number of
// tokens allowed" for FaultContextLength; FaultEmptyChoices answers no
// candidates. ServerRequest.Request holds the request in the llm package's
// terms.
func NewGeminiServer(cfg ServerConfig) *Server { return newServer(cfg, geminiDialect{}) }

type geminiDialect struct{}

var (
	geminiPath   = regexp.MustCompile(`^/v1(?:beta|beta1|1)?/(?:projects/[^/]+/locations/[^/]+/publishers/google/)?models/([^/:]+):(generateContent|streamGenerateContent)$`)
	geminiFnName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$`)
)

var geminiKnown = map[string]bool{"contents": true, "systemInstruction": true, "tools": true, "toolConfig": true,
	"generationConfig": true, "safetySettings": true, "cachedContent": true, "labels": true, "model": true}

type gemPart struct {
	Text         *string `json:"text"`
	Thought      bool    `json:"thought"`
	FunctionCall *struct {
		ID   string          `json:"id"`
		Name string          `json:"name"`
		Args json.RawMessage `json:"args"`
	} `json:"functionCall"`
	FunctionResponse *struct {
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Response json.RawMessage `json:"response"`
	} `json:"functionResponse"`
	InlineData       json.RawMessage `json:"inlineData"`
	FileData         json.RawMessage `json:"fileData"`
	ThoughtSignature []byte          `json:"thoughtSignature"`
}

type gemContent struct {
	Role  string    `json:"role"`
	Parts []gemPart `json:"parts"`
}

type gemRequest struct {
	Contents          []gemContent `json:"contents"`
	SystemInstruction *gemContent  `json:"systemInstruction"`
	Tools             []struct {
		FunctionDeclarations []struct {
			Name                 string          `json:"name"`
			Description          string          `json:"description"`
			Parameters           json.RawMessage `json:"parameters"`
			ParametersJSONSchema json.RawMessage `json:"parametersJsonSchema"`
		} `json:"functionDeclarations"`
	} `json:"tools"`
	GenerationConfig *struct {
		StopSequences      []string        `json:"stopSequences"`
		Temperature        *float64        `json:"temperature"`
		MaxOutputTokens    int             `json:"maxOutputTokens"`
		ResponseMimeType   string          `json:"responseMimeType"`
		ResponseJSONSchema json.RawMessage `json:"responseJsonSchema"`
		ResponseSchema     json.RawMessage `json:"responseSchema"`
	} `json:"generationConfig"`
}

func badGem(format string, args ...any) *apiErr {
	return &apiErr{status: http.StatusBadRequest, typ: "INVALID_ARGUMENT", msg: fmt.Sprintf(format, args...)}
}

func (geminiDialect) decode(r *http.Request, body []byte) (*ServerRequest, *apiErr) {
	m := geminiPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return nil, &apiErr{status: http.StatusNotFound, typ: "NOT_FOUND", msg: "llmtest: no route " + r.URL.Path + "; the Gemini fake serves POST .../models/MODEL:generateContent and :streamGenerateContent"}
	}
	if r.Method != http.MethodPost {
		return nil, &apiErr{status: http.StatusMethodNotAllowed, typ: "INVALID_ARGUMENT", msg: "llmtest: use POST, not " + r.Method}
	}
	vertex := strings.Contains(r.URL.Path, "/projects/")
	switch {
	case vertex && r.Header.Get("Authorization") == "":
		return nil, &apiErr{status: http.StatusUnauthorized, typ: "UNAUTHENTICATED", msg: "Request is missing required authentication credential."}
	case !vertex && r.Header.Get("x-goog-api-key") == "" && r.URL.Query().Get("key") == "":
		return nil, &apiErr{status: http.StatusForbidden, typ: "PERMISSION_DENIED", msg: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, badGem("Invalid JSON payload received. %v", err)
	}
	for k := range fields {
		if !geminiKnown[k] {
			return nil, badGem("Invalid JSON payload received. Unknown name %q: Cannot find field.", k)
		}
	}
	var w gemRequest
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, badGem("Invalid JSON payload received. %v", err)
	}
	if len(w.Contents) == 0 {
		return nil, badGem("* GenerateContentRequest.contents: contents is not specified")
	}
	stream := m[2] == "streamGenerateContent"
	sr := &ServerRequest{Model: m[1], Stream: stream, IncludeUsage: stream, Authorized: true}
	req := &sr.Request
	if si := w.SystemInstruction; si != nil {
		var b strings.Builder
		for _, p := range si.Parts {
			if p.Text != nil {
				b.WriteString(*p.Text)
			}
		}
		req.Messages = append(req.Messages, llm.Message{Role: llm.RoleSystem, Content: b.String()})
	}
	if ae := gemSignatures(sr.Model, w.Contents); ae != nil {
		return nil, ae
	}
	var calls []string // names of the previous model turn's function calls
	for i, c := range w.Contents {
		where := "contents[" + strconv.Itoa(i) + "]"
		if c.Role != "user" && c.Role != "model" {
			return nil, badGem("Please use a valid role: user, model.")
		}
		if len(c.Parts) == 0 {
			return nil, badGem("* GenerateContentRequest.%s.parts: contents.parts must not be empty.", where)
		}
		var text strings.Builder
		var tcs []llm.ToolCall
		var responses []string
		var parts []llm.Part
		var reasoning []llm.Reasoning
		for j, p := range c.Parts {
			pw := where + ".parts[" + strconv.Itoa(j) + "]"
			if len(p.ThoughtSignature) > 0 {
				reasoning = append(reasoning, llm.Reasoning{Signature: string(p.ThoughtSignature)})
			}
			switch {
			case p.FunctionCall != nil:
				if c.Role != "model" {
					return nil, badGem("* GenerateContentRequest.%s.function_call: function calls are only allowed in model turns", pw)
				}
				if p.FunctionCall.Name == "" {
					return nil, badGem("* GenerateContentRequest.%s.function_call.name: Name cannot be empty.", pw)
				}
				args := bytes.TrimSpace(p.FunctionCall.Args)
				if len(args) == 0 {
					args = []byte("{}")
				}
				var cb bytes.Buffer
				_ = json.Compact(&cb, args)
				id := p.FunctionCall.ID
				if id == "" {
					id = "call_" + strconv.Itoa(len(tcs)+1)
				}
				tcs = append(tcs, llm.ToolCall{ID: id, Name: p.FunctionCall.Name, Arguments: cb.String()})
			case p.FunctionResponse != nil:
				fr := p.FunctionResponse
				if fr.Name == "" {
					return nil, badGem("* GenerateContentRequest.%s.function_response.name: Name cannot be empty.", pw)
				}
				if !isObject(fr.Response) {
					return nil, badGem("* GenerateContentRequest.%s.function_response.response: must be an object", pw)
				}
				responses = append(responses, fr.Name)
				var out struct {
					Output any `json:"output"`
				}
				_ = json.Unmarshal(fr.Response, &out)
				content, ok := out.Output.(string)
				if !ok && out.Output != nil {
					b, _ := json.Marshal(out.Output)
					content = string(b)
				}
				id := fr.ID
				if id == "" {
					id = "call_" + strconv.Itoa(len(responses))
				}
				req.Messages = append(req.Messages, llm.Message{Role: llm.RoleTool, ToolCallID: id, Name: fr.Name, Content: content})
			case p.Text != nil:
				if *p.Text == "" {
					return nil, badGem("Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again.")
				}
				if !p.Thought {
					text.WriteString(*p.Text)
				}
			case len(p.InlineData) > 0 || len(p.FileData) > 0:
				part, ae := gemData(p.InlineData, p.FileData, pw)
				if ae != nil {
					return nil, ae
				}
				parts = append(parts, part)
			default:
				return nil, badGem("* GenerateContentRequest.%s.data: required oneof field 'data' must have one initialized field", pw)
			}
		}
		if len(calls) > 0 {
			if c.Role != "user" || len(responses) != len(calls) {
				return nil, badGem("Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.")
			}
		} else if len(responses) > 0 {
			return nil, badGem("Please ensure that function response turn comes immediately after a function call turn.")
		}
		calls = calls[:0]
		for _, tc := range tcs {
			calls = append(calls, tc.Name)
		}
		if text.Len() > 0 || len(tcs) > 0 || len(parts) > 0 {
			role := llm.RoleUser
			if c.Role == "model" {
				role = llm.RoleAssistant
			}
			req.Messages = append(req.Messages, llm.Message{Role: role, Content: text.String(), ToolCalls: tcs, Parts: parts,
				Reasoning: reasoning})
		}
	}
	for i, t := range w.Tools {
		for j, fd := range t.FunctionDeclarations {
			where := fmt.Sprintf("tools[%d].function_declarations[%d]", i, j)
			if !geminiFnName.MatchString(fd.Name) {
				return nil, badGem("* GenerateContentRequest.%s.name: Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores, dots, colons and dashes, with a maximum length of 128.", where)
			}
			params := fd.ParametersJSONSchema
			if len(params) == 0 {
				params = fd.Parameters
			}
			if len(params) > 0 && !isObject(params) {
				return nil, badGem("* GenerateContentRequest.%s.parameters: must be an object schema", where)
			}
			if len(fd.Parameters) > 0 && len(fd.ParametersJSONSchema) > 0 {
				return nil, badGem("* GenerateContentRequest.%s: parameters and parameters_json_schema are mutually exclusive", where)
			}
			req.Tools = append(req.Tools, llm.ToolDef{Name: fd.Name, Description: fd.Description, Parameters: params})
		}
	}
	if g := w.GenerationConfig; g != nil {
		req.Stop, req.Temperature, req.MaxTokens = g.StopSequences, g.Temperature, g.MaxOutputTokens
		sr.MaxTokens = g.MaxOutputTokens
		schema := g.ResponseJSONSchema
		if len(schema) == 0 {
			schema = g.ResponseSchema
		}
		if len(schema) > 0 {
			if g.ResponseMimeType != "application/json" {
				return nil, badGem("* GenerateContentRequest.generation_config.response_mime_type: a response schema needs response_mime_type application/json")
			}
			req.ResponseFormat = &llm.ResponseFormat{Name: "response", Schema: schema, Strict: true}
		}
	}
	return sr, nil
}

func (geminiDialect) writeError(w http.ResponseWriter, e *apiErr) {
	typ := e.typ
	if typ == "" {
		typ = geminiStatus(e.status)
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": e.status, "message": e.msg, "status": typ}})
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

func geminiStatus(status int) string {
	switch status {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 503:
		return "UNAVAILABLE"
	case 504:
		return "DEADLINE_EXCEEDED"
	}
	if status >= 500 {
		return "INTERNAL"
	}
	return "FAILED_PRECONDITION"
}

func (geminiDialect) faultError(r *Reply) *apiErr {
	status, _, _, msg, ok := r.Fault.httpError(r)
	if !ok {
		return nil
	}
	if r.Fault == FaultContextLength && r.Message == "" {
		msg = "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."
	}
	return &apiErr{status: status, typ: geminiStatus(status), msg: msg}
}

// gemFinish maps a finish reason of the llm package to Gemini's.
func gemFinish(finish string) string {
	switch finish {
	case "stop", "tool_calls":
		return "STOP"
	case "length":
		return "MAX_TOKENS"
	case "content_filter":
		return "SAFETY"
	}
	return strings.ToUpper(finish)
}

func gemUsage(u llm.Usage) map[string]any {
	out := map[string]any{"promptTokenCount": u.PromptTokens,
		"candidatesTokenCount": max(u.CompletionTokens-u.ReasoningTokens, 0),
		"totalTokenCount":      u.PromptTokens + u.CompletionTokens,
		"promptTokensDetails":  []map[string]any{{"modality": "TEXT", "tokenCount": u.PromptTokens}}}
	if u.CachedPromptTokens > 0 {
		out["cachedContentTokenCount"] = u.CachedPromptTokens
	}
	if u.ReasoningTokens > 0 {
		out["thoughtsTokenCount"] = u.ReasoningTokens
	}
	return out
}

func gemCandidate(parts []map[string]any, finish string) map[string]any {
	c := map[string]any{"content": map[string]any{"role": "model", "parts": parts}, "index": 0}
	if finish != "" {
		c["finishReason"] = finish
		c["safetyRatings"] = []map[string]any{
			{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"},
			{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "NEGLIGIBLE"}}
	}
	return c
}

// gemCallParts are the functionCall parts of a reply; the first carries
// the thought signature of the reply's thinking, as Gemini's thinking
// models sign a step's first call.
func gemCallParts(resp *llm.Response) []map[string]any {
	var out []map[string]any
	for i, c := range resp.ToolCalls {
		args := json.RawMessage(c.Arguments)
		if !isObject(args) {
			args = json.RawMessage("{}")
		}
		p := map[string]any{"functionCall": map[string]any{"id": c.ID, "name": c.Name, "args": args}}
		if i == 0 {
			for _, r := range resp.Reasoning {
				if r.Signature != "" {
					p["thoughtSignature"] = []byte(r.Signature)
					break
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// gemSignatures checks the thought signatures of a request's model turns
// as Gemini does: a signature must be one the fake gave (the API refuses a
// corrupted one), and on a Gemini 3 model the first function call of each
// step of the current turn (the model turns after the last user turn that
// is not function responses) must carry its signature.
func gemSignatures(model string, contents []gemContent) *apiErr {
	current := 0
	for i, c := range contents {
		if c.Role != "user" {
			continue
		}
		responses := false
		for _, p := range c.Parts {
			responses = responses || p.FunctionResponse != nil
		}
		if !responses {
			current = i
		}
	}
	strict := strings.HasPrefix(model, "gemini-3")
	for i, c := range contents {
		first := true
		for _, p := range c.Parts {
			if len(p.ThoughtSignature) > 0 && !validThinkingSignature(string(p.ThoughtSignature)) {
				return badGem("Unable to submit request because the thought signature in contents[%d] is corrupted or not one this model gave.", i)
			}
			if p.FunctionCall == nil {
				continue
			}
			if first && strict && i > current && c.Role == "model" && len(p.ThoughtSignature) == 0 {
				return badGem("Unable to submit request because function call `%s` in the %d. content block is missing a `thought_signature`. Learn more: https://docs.cloud.google.com/vertex-ai/generative-ai/docs/thinking#thought-signatures", p.FunctionCall.Name, i+1)
			}
			first = false
		}
	}
	return nil
}

func (geminiDialect) answer(w http.ResponseWriter, sr *ServerRequest, reply *Reply, resp *llm.Response) {
	id := "llmtest-resp-" + strconv.FormatInt(sr.Seq, 10)
	if sr.Stream {
		gemStream(w, sr, reply, resp, id)
		return
	}
	parts := []map[string]any{}
	if resp.Content != "" {
		parts = append(parts, map[string]any{"text": resp.Content})
	}
	parts = append(parts, gemCallParts(resp)...)
	out := map[string]any{"candidates": []any{gemCandidate(parts, gemFinish(resp.FinishReason))},
		"usageMetadata": gemUsage(resp.Usage), "modelVersion": resp.Model, "responseId": id}
	if reply.Fault == FaultEmptyChoices {
		out["candidates"] = []any{}
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	switch reply.Fault {
	case FaultMalformedJSON:
		b = []byte(`{"candidates":[{"content":<html>not json</html>}]}`)
	case FaultTruncated:
		truncate(w, b)
	}
	_, _ = w.Write(b)
}

// gemStream sends the reply as Gemini's server-sent events: one
// GenerateContentResponse per text piece, one with the function calls, the
// last with the finish reason and the usage.
func gemStream(w http.ResponseWriter, sr *ServerRequest, reply *Reply, resp *llm.Response, id string) {
	if sr.RawQuery == "" || !strings.Contains(sr.RawQuery, "alt=sse") {
		// Without alt=sse Gemini streams a JSON array; the SDK always asks
		// for SSE, and so does this fake.
		(geminiDialect{}).writeError(w, badGem("llmtest: the Gemini fake streams only with alt=sse"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	send := func(v any) bool {
		b, _ := json.Marshal(v)
		if _, err := io.WriteString(w, "data: "+string(b)+"\r\n\r\n"); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	chunk := func(parts []map[string]any, finish string) map[string]any {
		return map[string]any{"candidates": []any{gemCandidate(parts, finish)}, "modelVersion": resp.Model, "responseId": id,
			"usageMetadata": gemUsage(llm.Usage{PromptTokens: resp.Usage.PromptTokens})}
	}
	if reply.Fault == FaultEmptyChoices {
		send(map[string]any{"candidates": []any{}, "usageMetadata": gemUsage(resp.Usage), "modelVersion": resp.Model, "responseId": id})
		return
	}
	if reply.Fault == FaultMalformedJSON {
		_, _ = io.WriteString(w, "data: {\"candidates\":[<html>not json\r\n\r\n")
		_ = rc.Flush()
		return
	}
	var events []map[string]any
	if resp.Content != "" {
		for _, p := range reply.pieces() {
			events = append(events, chunk([]map[string]any{{"text": p}}, ""))
		}
	}
	if len(resp.ToolCalls) > 0 {
		events = append(events, chunk(gemCallParts(resp), ""))
	}
	if reply.Fault == FaultTruncated {
		for _, e := range events[:len(events)/2] {
			if !send(e) {
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	for _, e := range events {
		if !send(e) {
			return
		}
	}
	last := chunk([]map[string]any{}, gemFinish(resp.FinishReason))
	last["usageMetadata"] = gemUsage(resp.Usage)
	send(last)
}

// gemData checks and decodes an inlineData part (mimeType and base64 data)
// or a fileData part (mimeType and fileUri) into an llm part whose kind
// follows the media type.
func gemData(inline, file json.RawMessage, where string) (llm.Part, *apiErr) {
	var d struct {
		MIMEType string `json:"mimeType"`
		Data     []byte `json:"data"`
		FileURI  string `json:"fileUri"`
	}
	raw := inline
	if len(raw) == 0 {
		raw = file
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return llm.Part{}, badGem("* GenerateContentRequest.%s: invalid data: %v", where, err)
	}
	if d.MIMEType == "" {
		return llm.Part{}, badGem("* GenerateContentRequest.%s.mime_type: Mime type cannot be empty.", where)
	}
	kind := llm.PartFile
	switch {
	case strings.HasPrefix(d.MIMEType, "image/"):
		kind = llm.PartImage
	case strings.HasPrefix(d.MIMEType, "audio/"):
		kind = llm.PartAudio
	}
	if len(inline) > 0 {
		if len(d.Data) == 0 {
			return llm.Part{}, badGem("* GenerateContentRequest.%s.inline_data.data: data cannot be empty.", where)
		}
		return llm.Part{Kind: kind, MediaType: d.MIMEType, Data: d.Data}, nil
	}
	if d.FileURI == "" {
		return llm.Part{}, badGem("* GenerateContentRequest.%s.file_data.file_uri: File URI cannot be empty.", where)
	}
	return llm.Part{Kind: kind, MediaType: d.MIMEType, URL: d.FileURI}, nil
}

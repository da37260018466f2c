// Package openaisdk checks the OpenAI fake of llmtest with OpenAI's official
// Go SDK (github.com/openai/openai-go/v3): the SDK parses every reply and
// error the fake sends, each carries the fields OpenAI's API reference marks
// required, and the fake refuses, with OpenAI's error body, requests OpenAI
// rejects. It is a module of its own so that the SDK stays out of the
// library's go.mod.
package openaisdk

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/respjson"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

func newClient(srv *llmtest.Server) openai.Client {
	return openai.NewClient(option.WithBaseURL(srv.URL()+"/"), option.WithAPIKey("test-key"), option.WithMaxRetries(0))
}

// missingRequired returns the paths of the fields tagged api:"required" in
// v (a struct of the SDK) that were absent from the JSON it was parsed from,
// walking nested structs and slices that were present.
func missingRequired(v reflect.Value, path string) []string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	var out []string
	switch v.Kind() {
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			out = append(out, missingRequired(v.Index(i), path+"["+strconv.Itoa(i)+"]")...)
		}
		return out
	case reflect.Struct:
	default:
		return nil
	}
	meta := v.FieldByName("JSON")
	if !meta.IsValid() || meta.Kind() != reflect.Struct {
		return nil
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Name == "JSON" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		fm := meta.FieldByName(f.Name)
		if !fm.IsValid() {
			continue
		}
		field, ok := fm.Interface().(respjson.Field)
		if !ok {
			continue
		}
		raw := field.Raw()
		if raw == respjson.Omitted {
			if strings.Contains(f.Tag.Get("api"), "required") {
				out = append(out, path+"."+name)
			}
			continue
		}
		if raw != respjson.Null {
			out = append(out, missingRequired(v.Field(i), path+"."+name)...)
		}
	}
	return out
}

func checkRequired(t *testing.T, what string, v any) {
	t.Helper()
	if miss := missingRequired(reflect.ValueOf(v), what); len(miss) > 0 {
		t.Errorf("%s lacks fields OpenAI requires: %v", what, miss)
	}
}

func userMessage(text string) []openai.ChatCompletionMessageParamUnion {
	return []openai.ChatCompletionMessageParamUnion{openai.UserMessage(text)}
}

// TestRepliesParse sends the fake the replies of the behaviour table and
// parses them with the SDK, non-streamed and streamed.
func TestRepliesParse(t *testing.T) {
	calls := []llm.ToolCall{{ID: "call_1", Name: "search", Arguments: `{"q":"go"}`}, {ID: "call_2", Name: "lookup", Arguments: `{}`}}
	tests := []struct {
		name        string
		reply       llmtest.Reply
		wantContent string
		nullContent bool
		wantCalls   int
		wantFinish  string
	}{
		{name: "plain reply", reply: llmtest.Reply{Content: "Hello there."}, wantContent: "Hello there.", wantFinish: "stop"},
		{name: "empty reply", reply: llmtest.Reply{Content: ""}, wantContent: "", wantFinish: "stop"},
		{name: "tool calls only", reply: llmtest.Reply{ToolCalls: calls}, nullContent: true, wantCalls: 2, wantFinish: "tool_calls"},
		{name: "text and a tool call", reply: llmtest.Reply{Content: "Let me look.", ToolCalls: calls[:1]}, wantContent: "Let me look.", wantCalls: 1, wantFinish: "tool_calls"},
		{name: "structured", reply: llmtest.Reply{Content: `{"answer":42}`}, wantContent: `{"answer":42}`, wantFinish: "stop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{tt.reply, tt.reply}})
			defer srv.Close()
			c := newClient(srv)
			ctx := context.Background()
			res, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: userMessage("hi")})
			if err != nil {
				t.Fatal(err)
			}
			checkRequired(t, "completion", res)
			if len(res.Choices) != 1 {
				t.Fatalf("%d choices", len(res.Choices))
			}
			ch := res.Choices[0]
			if ch.Message.Content != tt.wantContent || len(ch.Message.ToolCalls) != tt.wantCalls || ch.FinishReason != tt.wantFinish {
				t.Errorf("content %q, %d calls, finish %q; want %q, %d, %q", ch.Message.Content, len(ch.Message.ToolCalls),
					ch.FinishReason, tt.wantContent, tt.wantCalls, tt.wantFinish)
			}
			if got := ch.Message.JSON.Content.Raw() == respjson.Null; got != tt.nullContent {
				t.Errorf("content is null: %t, want %t (raw %s)", got, tt.nullContent, ch.Message.JSON.Content.Raw())
			}
			if raw := ch.Message.JSON.Refusal.Raw(); raw != respjson.Null {
				t.Errorf("refusal is %s, want null", raw)
			}
			if raw := ch.JSON.Logprobs.Raw(); raw != respjson.Null {
				t.Errorf("logprobs is %s, want null", raw)
			}
			for i, tc := range ch.Message.ToolCalls {
				fc := tc.AsFunction()
				if fc.ID != calls[i].ID || fc.Function.Name != calls[i].Name || fc.Function.Arguments != calls[i].Arguments {
					t.Errorf("call %d = %+v, want %+v", i, fc.Function, calls[i])
				}
			}
			if res.Usage.TotalTokens == 0 || res.Usage.TotalTokens != res.Usage.PromptTokens+res.Usage.CompletionTokens {
				t.Errorf("usage %+v", res.Usage)
			}

			st := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: userMessage("hi"),
				StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}})
			var acc openai.ChatCompletionAccumulator
			chunks := 0
			for st.Next() {
				chunk := st.Current()
				chunks++
				checkRequired(t, "chunk", chunk)
				if !acc.AddChunk(chunk) {
					t.Fatalf("the accumulator refused chunk %d: %s", chunks, chunk.RawJSON())
				}
			}
			if err := st.Err(); err != nil {
				t.Fatal(err)
			}
			if len(acc.Choices) != 1 {
				t.Fatalf("streamed: %d choices", len(acc.Choices))
			}
			sc := acc.Choices[0]
			if sc.Message.Content != tt.wantContent || len(sc.Message.ToolCalls) != tt.wantCalls || sc.FinishReason != tt.wantFinish {
				t.Errorf("streamed: content %q, %d calls, finish %q", sc.Message.Content, len(sc.Message.ToolCalls), sc.FinishReason)
			}
			for i, tc := range sc.Message.ToolCalls {
				if tc.Function.Arguments != calls[i].Arguments {
					t.Errorf("streamed call %d arguments %q, want %q", i, tc.Function.Arguments, calls[i].Arguments)
				}
			}
			if acc.Usage.TotalTokens != res.Usage.TotalTokens {
				t.Errorf("streamed usage %d tokens, non-streamed %d", acc.Usage.TotalTokens, res.Usage.TotalTokens)
			}
		})
	}
}

// TestErrorsParse checks that every HTTP fault reaches the SDK as an
// *openai.Error with OpenAI's fields (param and code present, null or not).
func TestErrorsParse(t *testing.T) {
	tests := []struct {
		fault  llmtest.Fault
		status int
		code   string
	}{
		{llmtest.FaultRateLimit, 429, "rate_limit_exceeded"},
		{llmtest.FaultServerError, 500, ""},
		{llmtest.FaultUnavailable, 503, ""},
		{llmtest.FaultContextLength, 400, "context_length_exceeded"},
		{llmtest.FaultUnauthorized, 401, "invalid_api_key"},
		{llmtest.FaultBadRequest, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{{Fault: tt.fault, RetryAfter: "1"}}})
			defer srv.Close()
			c := newClient(srv)
			_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: userMessage("hi")})
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not an *openai.Error", err, err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Code != tt.code || apiErr.Message == "" || apiErr.Type == "" {
				t.Errorf("status %d code %q type %q message %q; want %d %q", apiErr.StatusCode, apiErr.Code, apiErr.Type,
					apiErr.Message, tt.status, tt.code)
			}
			checkRequired(t, "error", *apiErr)
		})
	}
}

// TestRejectsWhatOpenAIRejects sends the fake requests OpenAI answers with
// 400 and checks the SDK reads the same error (message, param, code).
func TestRejectsWhatOpenAIRejects(t *testing.T) {
	call := `{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]}`
	tests := []struct {
		name, body, param, code string
	}{
		{"tool message without content", `{"model":"m","messages":[{"role":"user","content":"q"},` + call + `,{"role":"tool","tool_call_id":"call_1"}]}`,
			"messages[2].content", "missing_required_parameter"},
		{"user message without content", `{"model":"m","messages":[{"role":"user"}]}`, "messages[0].content", "missing_required_parameter"},
		{"null user content", `{"model":"m","messages":[{"role":"user","content":null}]}`, "messages[0].content", "invalid_type"},
		{"no model", `{"messages":[{"role":"user","content":"q"}]}`, "", ""},
		{"no messages", `{"model":"m","messages":[]}`, "messages", "empty_array"},
		{"unknown role", `{"model":"m","messages":[{"role":"robot","content":"q"}]}`, "messages[0].role", "invalid_value"},
		{"unanswered tool call", `{"model":"m","messages":[{"role":"user","content":"q"},` + call + `]}`, "messages.[1].role", ""},
		{"tool result answering nothing", `{"model":"m","messages":[{"role":"user","content":"q"},{"role":"tool","tool_call_id":"x","content":"r"}]}`, "messages.[1].role", ""},
		{"tool result without call ID", `{"model":"m","messages":[{"role":"user","content":"q"},` + call + `,{"role":"tool","content":"r"}]}`, "messages[2].tool_call_id", "missing_required_parameter"},
		{"bad tool name", `{"model":"m","messages":[{"role":"user","content":"q"}],"tools":[{"type":"function","function":{"name":"a b"}}]}`, "tools[0].function.name", "invalid_value"},
		{"temperature above 2", `{"model":"m","messages":[{"role":"user","content":"q"}],"temperature":3}`, "temperature", "decimal_above_max_value"},
		{"stream options without stream", `{"model":"m","messages":[{"role":"user","content":"q"}],"stream_options":{"include_usage":true}}`, "stream_options", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.NewServer(llmtest.ServerConfig{Replies: []llmtest.Reply{{Content: "should not be answered"}}})
			defer srv.Close()
			c := newClient(srv)
			var res openai.ChatCompletion
			err := c.Post(context.Background(), "chat/completions", json.RawMessage(tt.body), &res)
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not an *openai.Error; reply %s", err, err, res.RawJSON())
			}
			if apiErr.StatusCode != 400 || apiErr.Type != "invalid_request_error" || apiErr.Param != tt.param || apiErr.Code != tt.code {
				t.Errorf("status %d type %q param %q code %q (%s); want 400 invalid_request_error %q %q", apiErr.StatusCode,
					apiErr.Type, apiErr.Param, apiErr.Code, apiErr.Message, tt.param, tt.code)
			}
			checkRequired(t, "error", *apiErr)
		})
	}
}

// TestLibraryClientRequestsAccepted sends, through the library's client, the
// messages go-openai used to mangle (empty tool results, an empty user
// message): the fake, which refuses what OpenAI refuses, answers them.
func TestLibraryClientRequestsAccepted(t *testing.T) {
	srv := llmtest.NewServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply { return llmtest.Reply{Content: "ok"} }})
	defer srv.Close()
	c, err := llm.New(llm.Config{Model: "gpt-4o-mini", APIKey: "k", BaseURL: srv.URL(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseIdleConnections()
	msgs := []llm.Message{
		{Role: llm.RoleSystem, Content: ""},
		{Role: llm.RoleUser, Content: "q"},
		{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c1", Name: "f", Arguments: "{}"}, {ID: "c2", Name: "g", Arguments: "{}"}}},
		{Role: llm.RoleTool, ToolCallID: "c1", Name: "f", Content: ""},
		{Role: llm.RoleTool, ToolCallID: "c2", Name: "g", Content: "r"},
	}
	for _, stream := range []bool{false, true} {
		req := &llm.Request{Messages: msgs}
		if stream {
			req.OnChunk = func(string) {}
		}
		resp, err := c.Generate(context.Background(), req)
		if err != nil {
			t.Fatalf("stream %t: %v", stream, err)
		}
		if resp.Content != "ok" {
			t.Errorf("stream %t: content %q", stream, resp.Content)
		}
	}
}

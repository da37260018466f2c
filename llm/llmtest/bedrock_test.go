package llmtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// sigV4 is an Authorization header of the shape the SDK signs with (the
// fake checks the credential scope, not the signature).
const sigV4 = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00"

// postBedrock sends body to the Bedrock fake's Converse route for model m
// with the given Authorization header.
func postBedrock(t *testing.T, url, path, auth, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// TestBedrockFakeRejectsWhatBedrockRejects sends the fake requests Converse
// answers with 400 ValidationException (or 403), and checks the error is
// Bedrock's: the x-amzn-ErrorType header and a {"message"} body.
func TestBedrockFakeRejectsWhatBedrockRejects(t *testing.T) {
	srv := llmtest.NewBedrockServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		return llmtest.Reply{Content: "fine"}
	}})
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()
	const path = "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"
	const user = `{"role":"user","content":[{"text":"hi"}]}`
	const use = `{"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"f","input":{}}}]}`
	const tools = `"toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"object"}}}}]}`
	tests := []struct {
		name, path, auth, body string
		status                 int
		typ, want              string
	}{
		{"valid", path, sigV4, `{"messages":[` + user + `]}`, 200, "", ""},
		{"valid with bearer", path, "Bearer ABSK-x", `{"messages":[` + user + `]}`, 200, "", ""},
		{"valid tool round", path, sigV4, `{"messages":[` + user + `,` + use + `,{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"text":"r"}]}}]}],` + tools + `}`, 200, "", ""},
		{"no auth", path, "", `{"messages":[` + user + `]}`, 403, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"wrong service", path, strings.Replace(sigV4, "/bedrock/", "/s3/", 1), `{"messages":[` + user + `]}`, 403, "InvalidSignatureException", "'bedrock'"},
		{"unknown route", "/v1/chat/completions", sigV4, `{}`, 404, "UnknownOperationException", "no route"},
		{"not JSON", path, sigV4, `{"messages":`, 400, "SerializationException", "not valid"},
		{"no messages", path, sigV4, `{}`, 400, "ValidationException", "'messages'"},
		{"assistant first", path, sigV4, `{"messages":[{"role":"assistant","content":[{"text":"x"}]}]}`, 400, "ValidationException", "must start with a user message"},
		{"system role", path, sigV4, `{"messages":[` + user + `,{"role":"system","content":[{"text":"x"}]}]}`, 400, "ValidationException", "enum value set"},
		{"not alternating", path, sigV4, `{"messages":[` + user + `,` + user + `]}`, 400, "ValidationException", "must alternate"},
		{"empty content", path, sigV4, `{"messages":[{"role":"user","content":[]}]}`, 400, "ValidationException", "content field in the Message object at messages.0 is empty"},
		{"blank text", path, sigV4, `{"messages":[{"role":"user","content":[{"text":" "}]}]}`, 400, "ValidationException", "messages.0.content.0 is blank"},
		{"two members", path, sigV4, `{"messages":[{"role":"user","content":[{"text":"a","cachePoint":{"type":"default"}}]}]}`, 400, "ValidationException", "exactly one"},
		{"only a cache point", path, sigV4, `{"messages":[{"role":"user","content":[{"cachePoint":{"type":"default"}}]}]}`, 400, "ValidationException", "no content block other than cachePoint"},
		{"blank system", path, sigV4, `{"system":[{"text":""}],"messages":[` + user + `]}`, 400, "ValidationException", "system.0 is blank"},
		{"unanswered toolUse", path, sigV4, `{"messages":[` + user + `,` + use + `,` + user + `],` + tools + `}`, 400, "ValidationException", "Expected toolResult blocks at messages.2.content for the following Ids: t1"},
		{"result without call", path, sigV4, `{"messages":[{"role":"user","content":[{"toolResult":{"toolUseId":"t9","content":[{"text":"x"}]}}]}],` + tools + `}`, 400, "ValidationException", "exceeds the number of toolUse blocks"},
		{"tool blocks without toolConfig", path, sigV4, `{"messages":[` + user + `,` + use + `,{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"text":"r"}]}}]}]}`, 400, "ValidationException", "toolConfig field must be defined"},
		{"empty tool result", path, sigV4, `{"messages":[` + user + `,` + use + `,{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[]}}]}],` + tools + `}`, 400, "ValidationException", "ToolResultBlock"},
		{"blank tool result", path, sigV4, `{"messages":[` + user + `,` + use + `,{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"text":""}]}}]}],` + tools + `}`, 400, "ValidationException", "is blank"},
		{"bad tool name", path, sigV4, `{"messages":[` + user + `],"toolConfig":{"tools":[{"toolSpec":{"name":"a b","inputSchema":{"json":{"type":"object"}}}}]}}`, 400, "ValidationException", "toolSpec.name"},
		{"empty tool description", path, sigV4, `{"messages":[` + user + `],"toolConfig":{"tools":[{"toolSpec":{"name":"f","description":"","inputSchema":{"json":{"type":"object"}}}}]}}`, 400, "ValidationException", "toolSpec.description"},
		{"array tool schema", path, sigV4, `{"messages":[` + user + `],"toolConfig":{"tools":[{"toolSpec":{"name":"f","inputSchema":{"json":{"type":"array"}}}}]}}`, 400, "ValidationException", "inputSchema.json.type"},
		{"maxTokens 0", path, sigV4, `{"messages":[` + user + `],"inferenceConfig":{"maxTokens":0}}`, 400, "ValidationException", "inferenceConfig.maxTokens"},
		{"temperature 1.5", path, sigV4, `{"messages":[` + user + `],"inferenceConfig":{"temperature":1.5}}`, 400, "ValidationException", "inferenceConfig.temperature"},
		{"image format", path, sigV4, `{"messages":[{"role":"user","content":[{"image":{"format":"bmp","source":{"bytes":"AAAA"}}}]}]}`, 400, "ValidationException", "format"},
		{"image without bytes", path, sigV4, `{"messages":[{"role":"user","content":[{"image":{"format":"png","source":{"bytes":""}}}]}]}`, 400, "ValidationException", "source.bytes"},
		{"document name", path, sigV4, `{"messages":[{"role":"user","content":[{"document":{"format":"pdf","name":"a.pdf","source":{"bytes":"JVBERi0="}}}]}]}`, 400, "ValidationException", "document name"},
		{"output config", path, sigV4, `{"messages":[` + user + `],"outputConfig":{"textFormat":{"type":"json_schema","structure":{"jsonSchema":{"schema":"[1]"}}}}}`, 400, "ValidationException", "json_schema"},
	}
	for _, tt := range tests {
		status, h, body := postBedrock(t, srv.URL(), tt.path, tt.auth, tt.body)
		assert.Equal(t, tt.status, status, tt.name)
		if tt.status == 200 {
			assert.Contains(t, body, `"stopReason":"end_turn"`, tt.name)
			continue
		}
		assert.True(t, strings.HasPrefix(h.Get("X-Amzn-ErrorType"), tt.typ+":"), "%s: %s", tt.name, h.Get("X-Amzn-ErrorType"))
		var e struct{ Message string }
		require.NoError(t, json.Unmarshal([]byte(body), &e), tt.name)
		assert.Contains(t, e.Message, tt.want, tt.name)
	}
	assert.Equal(t, 3, len(srv.Requests()), "refused requests are not recorded")
}

func newBedrockSDK(url string, hc *http.Client) *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: hc,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), Retryer: aws.NopRetryer{}})
}

// TestBedrockFakeThroughSDK parses the fake's replies and errors with the
// official SDK: every required field of a Converse reply is present, a
// streamed reply (AWS event-stream frames) carries the same blocks, stop
// reason and usage, and errors (HTTP and exception events) are the SDK's
// typed exceptions.
func TestBedrockFakeThroughSDK(t *testing.T) {
	usage := llm.Usage{PromptTokens: 100, CachedPromptTokens: 60, CacheWriteTokens: 20, CompletionTokens: 9}
	answer := llmtest.Reply{Content: "hello there", ToolCalls: []llm.ToolCall{{ID: "tooluse_1", Name: "f", Arguments: `{"a":1}`}}, Usage: usage}
	srv := llmtest.NewBedrockServer(llmtest.ServerConfig{Replies: []llmtest.Reply{
		answer, answer,
		{Fault: llmtest.FaultRateLimit, RetryAfter: "3"},
		{Fault: llmtest.FaultServerError},
		{Fault: llmtest.FaultStatus, Status: 429, Header: map[string]string{"X-Amzn-ErrorType": "ModelNotReadyException"}},
	}})
	defer srv.Close()
	hc := &http.Client{}
	defer hc.CloseIdleConnections()
	c := newBedrockSDK(srv.URL(), hc)
	ctx := context.Background()
	in := &bedrockruntime.ConverseInput{ModelId: aws.String("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hi"}}}}}
	out, err := c.Converse(ctx, in)
	require.NoError(t, err)
	require.NotNil(t, out.Metrics, "metrics is required")
	require.NotNil(t, out.Usage, "usage is required")
	assert.Equal(t, types.StopReasonToolUse, out.StopReason)
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	require.True(t, ok, "output is a message: %T", out.Output)
	assert.Equal(t, types.ConversationRoleAssistant, msg.Value.Role)
	require.Len(t, msg.Value.Content, 2)
	assert.Equal(t, "hello there", msg.Value.Content[0].(*types.ContentBlockMemberText).Value)
	tu := msg.Value.Content[1].(*types.ContentBlockMemberToolUse).Value
	assert.Equal(t, "tooluse_1", aws.ToString(tu.ToolUseId))
	raw, err := tu.Input.MarshalSmithyDocument()
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":1}`, string(raw))
	assert.Equal(t, int32(20), aws.ToInt32(out.Usage.InputTokens), "inputTokens excludes cache reads and writes")
	assert.Equal(t, int32(60), aws.ToInt32(out.Usage.CacheReadInputTokens))
	assert.Equal(t, int32(20), aws.ToInt32(out.Usage.CacheWriteInputTokens))
	assert.Equal(t, int32(109), aws.ToInt32(out.Usage.TotalTokens))

	sout, err := c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: in.ModelId, Messages: in.Messages})
	require.NoError(t, err)
	st := sout.GetStream()
	var text, args strings.Builder
	var stop types.StopReason
	var su *types.TokenUsage
	var toolID string
	for ev := range st.Events() {
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			switch d := v.Value.Delta.(type) {
			case *types.ContentBlockDeltaMemberText:
				text.WriteString(d.Value)
			case *types.ContentBlockDeltaMemberToolUse:
				args.WriteString(aws.ToString(d.Value.Input))
			}
		case *types.ConverseStreamOutputMemberContentBlockStart:
			toolID = aws.ToString(v.Value.Start.(*types.ContentBlockStartMemberToolUse).Value.ToolUseId)
		case *types.ConverseStreamOutputMemberMessageStop:
			stop = v.Value.StopReason
		case *types.ConverseStreamOutputMemberMetadata:
			su = v.Value.Usage
			assert.NotNil(t, v.Value.Metrics, "metadata.metrics is required")
		case *types.UnknownUnionMember:
			t.Errorf("unknown event %s", v.Tag)
		}
	}
	require.NoError(t, st.Err())
	require.NoError(t, st.Close())
	assert.Equal(t, "hello there", text.String())
	assert.Equal(t, "tooluse_1", toolID)
	assert.JSONEq(t, `{"a":1}`, args.String())
	assert.Equal(t, out.StopReason, stop)
	require.NotNil(t, su)
	assert.Equal(t, *out.Usage.CacheReadInputTokens, *su.CacheReadInputTokens)
	assert.Equal(t, *out.Usage.OutputTokens, *su.OutputTokens)

	_, err = c.Converse(ctx, in)
	var throttled *types.ThrottlingException
	require.True(t, errors.As(err, &throttled), "%v", err)
	assert.Contains(t, throttled.ErrorMessage(), "Too many requests")

	sout, err = c.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: in.ModelId, Messages: in.Messages})
	require.NoError(t, err, "the stream opens; the failure is an exception event")
	st = sout.GetStream()
	for range st.Events() {
	}
	var internal *types.InternalServerException
	require.True(t, errors.As(st.Err(), &internal), "%v", st.Err())
	_ = st.Close()

	_, err = c.Converse(ctx, in)
	var notReady *types.ModelNotReadyException
	require.True(t, errors.As(err, &notReady), "%v", err)
	var api smithy.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "ModelNotReadyException", api.ErrorCode())
}

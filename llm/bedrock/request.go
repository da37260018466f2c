package bedrock

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/internal/provider"
)

// emptyToolResult is the text sent for a tool result without text:
// Converse rejects blank text blocks and empty toolResult contents.
const emptyToolResult = "(no output)"

// toolName is the pattern Converse requires of a tool name.
var toolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// baseModel returns the model name inside a Bedrock model ID, inference
// profile or ARN, for the capability table: "us.anthropic.claude-x-v1:0"
// is "claude-x-v1:0".
func baseModel(id string) string {
	m := id
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	parts := strings.SplitN(m, ".", 3)
	switch {
	case len(parts) == 3 && len(parts[0]) <= 6: // a cross-region prefix: us., eu., apac., global.
		return parts[2]
	case len(parts) >= 2:
		return strings.Join(parts[1:], ".")
	}
	return m
}

// buildInput maps req to the Converse input.
func (c *Client) buildInput(req *llm.Request) (*bedrockruntime.ConverseInput, *llm.Error) {
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(c.cfg.Model)}
	if len(req.Messages) == 0 {
		return nil, c.badRequest("bedrock: Request.Messages is empty; send at least one message")
	}
	if req.MaxTokens < 0 {
		return nil, c.badRequest("bedrock: Request.MaxTokens is %d; use a positive number, or 0 for the default", req.MaxTokens)
	}
	calledTools := []string{} // tool names used in the history, in order
	for i, m := range req.Messages {
		var role types.ConversationRole
		var blocks []types.ContentBlock
		if len(m.Parts) > 0 && m.Role != llm.RoleUser {
			return nil, c.badRequest("bedrock: Request.Messages[%d] has Parts but role %q; only user messages carry them", i, m.Role)
		}
		switch m.Role {
		case llm.RoleSystem:
			if strings.TrimSpace(m.Content) != "" {
				in.System = append(in.System, &types.SystemContentBlockMemberText{Value: m.Content})
			}
			continue
		case llm.RoleUser:
			if strings.TrimSpace(m.Content) == "" && len(m.Parts) == 0 {
				return nil, c.badRequest("bedrock: Request.Messages[%d] is a user message with empty content; Converse rejects blank text", i)
			}
			if len(m.ToolCalls) > 0 {
				return nil, c.badRequest("bedrock: Request.Messages[%d] has tool calls but role %q; only assistant messages carry them", i, m.Role)
			}
			role = types.ConversationRoleUser
			if strings.TrimSpace(m.Content) != "" {
				blocks = append(blocks, &types.ContentBlockMemberText{Value: m.Content})
			}
			for j, part := range m.Parts {
				b, err := partBlock(part, j)
				if err != nil {
					return nil, c.badRequest("bedrock: Request.Messages[%d].Parts[%d]: %v", i, j, err)
				}
				blocks = append(blocks, b)
			}
		case llm.RoleAssistant:
			role = types.ConversationRoleAssistant
			if c.cfg.ThinkingBudget > 0 {
				for j, r := range m.Reasoning {
					b, err := reasoningBlock(r)
					if err != nil {
						return nil, c.badRequest("bedrock: Request.Messages[%d].Reasoning[%d]: %v", i, j, err)
					}
					blocks = append(blocks, b)
				}
			}
			if strings.TrimSpace(m.Content) != "" {
				blocks = append(blocks, &types.ContentBlockMemberText{Value: m.Content})
			}
			for j, tc := range m.ToolCalls {
				if tc.ID == "" || tc.Name == "" {
					return nil, c.badRequest("bedrock: Request.Messages[%d].ToolCalls[%d] needs an ID and a Name", i, j)
				}
				var input map[string]any
				if !provider.IsJSONObject(json.RawMessage(tc.Arguments)) || json.Unmarshal([]byte(tc.Arguments), &input) != nil {
					input = map[string]any{} // the model wrote arguments that are no JSON object
				}
				blocks = append(blocks, &types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{
					ToolUseId: aws.String(tc.ID), Name: aws.String(tc.Name), Input: document.NewLazyDocument(input)}})
				if !containsString(calledTools, tc.Name) {
					calledTools = append(calledTools, tc.Name)
				}
			}
			if len(blocks) == 0 {
				continue // an empty assistant turn says nothing
			}
		case llm.RoleTool:
			if m.ToolCallID == "" {
				return nil, c.badRequest("bedrock: Request.Messages[%d] is a tool message without a ToolCallID", i)
			}
			role = types.ConversationRoleUser
			text := m.Content
			if strings.TrimSpace(text) == "" {
				text = emptyToolResult
			}
			blocks = []types.ContentBlock{&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{
				ToolUseId: aws.String(m.ToolCallID),
				Content:   []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: text}},
			}}}
		default:
			return nil, c.badRequest("bedrock: Request.Messages[%d].Role is %q; use system, user, assistant or tool", i, m.Role)
		}
		// Consecutive turns of one role are merged (tool results of
		// parallel calls go back in one user turn).
		if n := len(in.Messages); n > 0 && in.Messages[n-1].Role == role {
			in.Messages[n-1].Content = append(in.Messages[n-1].Content, blocks...)
			continue
		}
		if len(in.Messages) == 0 && role != types.ConversationRoleUser {
			return nil, c.badRequest("bedrock: Request.Messages[%d] is the first turn but has role %q; Converse needs the conversation to start with a user message", i, m.Role)
		}
		in.Messages = append(in.Messages, types.Message{Role: role, Content: blocks})
	}
	if len(in.Messages) == 0 {
		return nil, c.badRequest("bedrock: Request.Messages holds only system messages; Converse needs at least one user message")
	}
	if c.cfg.PromptCaching && len(in.System) > 0 {
		in.System = append(in.System, &types.SystemContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}})
	}
	tools, e := c.tools(req.Tools, calledTools)
	if e != nil {
		return nil, e
	}
	in.ToolConfig = tools
	var inf types.InferenceConfiguration
	set := false
	thinking := c.cfg.ThinkingBudget > 0
	if n := req.MaxTokens; n > 0 || c.cfg.MaxTokens > 0 || thinking {
		if n == 0 {
			n = c.cfg.MaxTokens
		}
		if thinking {
			if n == 0 {
				n = DefaultMaxTokens
			}
			n += c.cfg.ThinkingBudget
			in.AdditionalModelRequestFields = document.NewLazyDocument(map[string]any{
				"thinking": map[string]any{"type": "enabled", "budget_tokens": c.cfg.ThinkingBudget}})
		}
		inf.MaxTokens, set = aws.Int32(int32(min(n, 1<<31-1))), true
	}
	if req.Temperature != nil && !c.caps.Reasoning && !thinking {
		inf.Temperature, set = aws.Float32(float32(*req.Temperature)), true
	}
	if len(req.Stop) > 0 && !c.caps.NoStop {
		inf.StopSequences, set = append([]string(nil), req.Stop...), true
	}
	if set {
		in.InferenceConfig = &inf
	}
	if rf := req.ResponseFormat; rf != nil {
		if !provider.IsJSONObject(rf.Schema) {
			return nil, c.badRequest("bedrock: Request.ResponseFormat.Schema is not a JSON object schema: %.80q", rf.Schema)
		}
		name := rf.Name
		if name == "" {
			name = "response"
		}
		in.OutputConfig = &types.OutputConfig{TextFormat: &types.OutputFormat{
			Type: types.OutputFormatTypeJsonSchema,
			Structure: &types.OutputFormatStructureMemberJsonSchema{Value: types.JsonSchemaDefinition{
				Schema: aws.String(string(rf.Schema)), Name: aws.String(name)}},
		}}
	}
	return in, nil
}

// reasoningBlock maps a reasoning block back to a reasoningContent block:
// signed text, or redacted content (base64 in llm.Reasoning).
func reasoningBlock(r llm.Reasoning) (types.ContentBlock, error) {
	switch {
	case r.Redacted != "":
		data, err := base64.StdEncoding.DecodeString(r.Redacted)
		if err != nil {
			return nil, fmt.Errorf("the reasoning block's Redacted is not the base64 the client returned: %w", err)
		}
		return &types.ContentBlockMemberReasoningContent{Value: &types.ReasoningContentBlockMemberRedactedContent{Value: data}}, nil
	case r.Signature != "":
		return &types.ContentBlockMemberReasoningContent{Value: &types.ReasoningContentBlockMemberReasoningText{
			Value: types.ReasoningTextBlock{Text: aws.String(r.Text), Signature: aws.String(r.Signature)}}}, nil
	}
	return nil, fmt.Errorf("it has neither a Signature nor Redacted data; Bedrock takes back only the blocks the model signed")
}

// tools maps the offered tools to a toolConfig. With none offered but
// tools called in the history, those are declared with an open schema
// (Converse requires a toolConfig whenever toolUse blocks are present).
func (c *Client) tools(defs []llm.ToolDef, called []string) (*types.ToolConfiguration, *llm.Error) {
	if len(defs) == 0 && len(called) == 0 {
		return nil, nil
	}
	tc := &types.ToolConfiguration{}
	for i, t := range defs {
		if t.Name == "" {
			return nil, c.badRequest("bedrock: Request.Tools[%d].Name is empty", i)
		}
		if !toolName.MatchString(t.Name) {
			return nil, c.badRequest("bedrock: Request.Tools[%d].Name is %q; Converse takes 1 to 64 letters, digits, '_' and '-'", i, t.Name)
		}
		schema, err := inputSchema(t.Parameters)
		if err != nil {
			return nil, c.badRequest("bedrock: Request.Tools[%d] (%q): %v", i, t.Name, err)
		}
		spec := types.ToolSpecification{Name: aws.String(t.Name), InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(schema)}}
		if strings.TrimSpace(t.Description) != "" {
			spec.Description = aws.String(t.Description)
		}
		tc.Tools = append(tc.Tools, &types.ToolMemberToolSpec{Value: spec})
	}
	if len(defs) == 0 {
		for _, name := range called {
			if !toolName.MatchString(name) {
				continue
			}
			tc.Tools = append(tc.Tools, &types.ToolMemberToolSpec{Value: types.ToolSpecification{
				Name:        aws.String(name),
				Description: aws.String("A tool called earlier in this conversation."),
				InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(map[string]any{"type": "object", "properties": map[string]any{}})},
			}})
		}
	}
	if c.cfg.PromptCaching && len(defs) > 0 {
		tc.Tools = append(tc.Tools, &types.ToolMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}})
	}
	return tc, nil
}

// inputSchema decodes a tool's JSON schema; an empty one is an object
// without properties.
func inputSchema(raw json.RawMessage) (map[string]any, error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return map[string]any{"type": "object", "properties": map[string]any{}}, nil
	}
	var m map[string]any
	if !provider.IsJSONObject(raw) || json.Unmarshal(raw, &m) != nil {
		return nil, fmt.Errorf("parameters are not a JSON object schema: %.80q", raw)
	}
	if t, ok := m["type"]; ok && t != "object" {
		return nil, fmt.Errorf("parameters have type %v; Converse takes object schemas only", t)
	}
	if _, ok := m["type"]; !ok {
		m["type"] = "object"
	}
	return m, nil
}

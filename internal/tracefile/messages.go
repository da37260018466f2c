package tracefile

import (
	"encoding/json"
	"fmt"
)

// Message is one chat message of an LLM span, in the OpenTelemetry GenAI
// shape of gen_ai.input.messages / gen_ai.output.messages. It is a plain
// value: the zero value is a message with no role and no parts, and it is
// safe for concurrent reads.
type Message struct {
	Role         string `json:"role"`
	Parts        []Part `json:"parts"`
	FinishReason string `json:"finish_reason,omitempty"`
	Name         string `json:"name,omitempty"`
}

// Part is one part of a message: text ("text": Content), a tool call
// ("tool_call": ID, Name, Arguments) or a tool result ("tool_call_response":
// ID, Response). Unknown part types keep their Type and raw JSON in Raw. It
// is a plain value: the zero value is an empty part of no type, and it is
// safe for concurrent reads.
type Part struct {
	Type      string          `json:"type"`
	Content   string          `json:"content,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Response  json.RawMessage `json:"response,omitempty"`
	Raw       json.RawMessage `json:"raw,omitempty"`
}

// ParseMessages decodes a gen_ai.input.messages or gen_ai.output.messages
// attribute value. A part's content that is not a string is kept as JSON
// text.
func ParseMessages(s string) ([]Message, error) {
	var raw []struct {
		Role         string            `json:"role"`
		Name         string            `json:"name"`
		FinishReason string            `json:"finish_reason"`
		Parts        []json.RawMessage `json:"parts"`
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("tracefile: messages are not a JSON array of {role, parts}: %w", err)
	}
	out := make([]Message, 0, len(raw))
	for _, m := range raw {
		msg := Message{Role: m.Role, Name: m.Name, FinishReason: m.FinishReason}
		for _, pr := range m.Parts {
			var p struct {
				Type      string          `json:"type"`
				Content   json.RawMessage `json:"content"`
				ID        string          `json:"id"`
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
				Response  json.RawMessage `json:"response"`
				Result    json.RawMessage `json:"result"`
			}
			if err := json.Unmarshal(pr, &p); err != nil {
				return nil, fmt.Errorf("tracefile: message part is not a JSON object: %w", err)
			}
			part := Part{Type: p.Type, ID: p.ID, Name: p.Name, Arguments: p.Arguments, Response: p.Response}
			if part.Response == nil {
				part.Response = p.Result
			}
			if len(p.Content) > 0 {
				var str string
				if json.Unmarshal(p.Content, &str) == nil {
					part.Content = str
				} else {
					part.Content = string(p.Content)
				}
			}
			switch p.Type {
			case "text", "tool_call", "tool_call_response", "reasoning":
			default:
				part.Raw = pr
			}
			msg.Parts = append(msg.Parts, part)
		}
		out = append(out, msg)
	}
	return out, nil
}

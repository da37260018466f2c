package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The OpenAI fake checks each chat-completions request against the fields
// OpenAI's API reference marks required and the rules its server enforces,
// and answers 400 with OpenAI's error body ({"error": {"message", "type":
// "invalid_request_error", "param", "code"}}) the way OpenAI does, so that a
// client that sends what OpenAI would reject fails its test instead of
// passing against a lenient fake.

// invalidRequest is a 400 the fake answers: the message, the parameter at
// fault (OpenAI's "param") and OpenAI's code, either possibly empty (null).
type invalidRequest struct {
	param, code, msg string
}

func (e *invalidRequest) Error() string { return "llmtest: " + e.msg }

func missingParam(param string) *invalidRequest {
	return &invalidRequest{param: param, code: "missing_required_parameter",
		msg: fmt.Sprintf("Missing required parameter: '%s'.", param)}
}

// contentRequired reports whether a message of this role must carry
// content: every message but an assistant message that calls tools.
func contentRequired(role string, calls bool) bool {
	return role != "assistant" || !calls
}

// checkContent checks the raw content of messages[i]: present (a string or
// a list of parts) where it is required, null only on an assistant message
// that calls tools.
func checkContent(i int, role string, raw json.RawMessage, calls bool) *invalidRequest {
	raw = bytes.TrimSpace(raw)
	if !contentRequired(role, calls) {
		return nil
	}
	param := "messages[" + strconv.Itoa(i) + "].content"
	if len(raw) == 0 {
		return missingParam(param)
	}
	if bytes.Equal(raw, []byte("null")) {
		return &invalidRequest{param: param, code: "invalid_type",
			msg: fmt.Sprintf("Invalid type for '%s': expected one of a string or array of objects, but got null instead.", param)}
	}
	return nil
}

var (
	openAIRoles    = map[string]bool{"system": true, "developer": true, "user": true, "assistant": true, "tool": true, "function": true}
	openAIFuncName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
)

// checkRequest checks a decoded request as OpenAI does: a model, at least
// one message, known roles, tool calls with an ID and a function name, every
// tool call of an assistant message answered by the tool messages right
// after it (and no tool message answering nothing), tool names OpenAI
// accepts, a temperature from 0 to 2, a response format with a name.
func checkRequest(sr *ServerRequest) *invalidRequest {
	if sr.Model == "" {
		return &invalidRequest{msg: "you must provide a model parameter"}
	}
	req := &sr.Request
	if len(req.Messages) == 0 {
		return &invalidRequest{param: "messages", code: "empty_array",
			msg: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."}
	}
	var pending []string // tool-call IDs the next tool messages must answer
	pendingAt := 0
	for i, m := range req.Messages {
		at := "messages[" + strconv.Itoa(i) + "]"
		if !openAIRoles[string(m.Role)] {
			return &invalidRequest{param: at + ".role", code: "invalid_value",
				msg: fmt.Sprintf("Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", m.Role)}
		}
		if m.Role == "tool" {
			if m.ToolCallID == "" {
				return missingParam(at + ".tool_call_id")
			}
			k := indexOf(pending, m.ToolCallID)
			if k < 0 {
				return &invalidRequest{param: "messages.[" + strconv.Itoa(i) + "].role",
					msg: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."}
			}
			pending = append(pending[:k], pending[k+1:]...)
			continue
		}
		if len(pending) > 0 {
			return unanswered(pendingAt, pending)
		}
		for j, c := range m.ToolCalls {
			cat := at + ".tool_calls[" + strconv.Itoa(j) + "]"
			if c.ID == "" {
				return missingParam(cat + ".id")
			}
			if c.Name == "" {
				return missingParam(cat + ".function.name")
			}
			pending = append(pending, c.ID)
			pendingAt = i
		}
	}
	if len(pending) > 0 {
		return unanswered(pendingAt, pending)
	}
	for i, t := range req.Tools {
		at := "tools[" + strconv.Itoa(i) + "].function.name"
		if t.Name == "" {
			return missingParam(at)
		}
		if !openAIFuncName.MatchString(t.Name) {
			return &invalidRequest{param: at, code: "invalid_value",
				msg: fmt.Sprintf("Invalid '%s': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.", at)}
		}
		if p := bytes.TrimSpace(t.Parameters); len(p) > 0 && !bytes.Equal(p, []byte("null")) && !isObject(p) {
			return &invalidRequest{param: "tools[" + strconv.Itoa(i) + "].function.parameters", code: "invalid_type",
				msg: fmt.Sprintf("Invalid type for 'tools[%d].function.parameters': expected an object.", i)}
		}
	}
	if t := req.Temperature; t != nil {
		switch {
		case *t > 2:
			return &invalidRequest{param: "temperature", code: "decimal_above_max_value",
				msg: fmt.Sprintf("Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got %v instead.", *t)}
		case *t < 0:
			return &invalidRequest{param: "temperature", code: "decimal_below_min_value",
				msg: fmt.Sprintf("Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got %v instead.", *t)}
		}
	}
	if rf := req.ResponseFormat; rf != nil && rf.Name == "" {
		return missingParam("response_format.json_schema.name")
	}
	if sr.IncludeUsage && !sr.Stream {
		return &invalidRequest{param: "stream_options",
			msg: "The 'stream_options' parameter is only allowed when 'stream' is enabled."}
	}
	return nil
}

func unanswered(at int, ids []string) *invalidRequest {
	return &invalidRequest{param: "messages.[" + strconv.Itoa(at) + "].role",
		msg: "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: " + strings.Join(ids, ", ")}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

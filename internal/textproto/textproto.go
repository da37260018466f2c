// Package textproto is the text protocol agents use with models that have no
// native tool calling: the instructions that tell the model which tools exist
// and how to ask for one, and the parser of its replies.
//
// A reply is either an action,
//
//	Thought: what the model is thinking
//	Action: the tool's name
//	Action Input: {"the": "arguments as one JSON object"}
//
// or a final answer,
//
//	Thought: what the model is thinking
//	Final Answer: the answer
//
// Labels are matched case-insensitively at the start of a line, optionally
// decorated with Markdown ('*', '#', '-', '>'). A reply that is neither, that
// is both, that names several actions, or whose action input is not one JSON
// object is a [*ParseError] whose text is meant to be sent back to the model.
// Text from an "Observation:" line on is ignored: the model must not invent
// tool results, and a model that does (because it does not honour stop words)
// is taken at its action.
//
// Everything here is stateless and safe for concurrent use.
package textproto

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Reply is a parsed model reply. Exactly one of Action and Final is set when
// Parse returns no error; the zero value is an empty reply. It is a plain
// value, safe to read from many goroutines.
type Reply struct {
	// Thought is the model's reasoning before the action or answer (may be
	// empty).
	Thought string
	// Action is the name of the tool to call, as written by the model.
	Action string
	// Input is the action's arguments: one JSON object.
	Input json.RawMessage
	// Final is the final answer; IsFinal tells it apart from an empty one.
	Final   string
	IsFinal bool
}

// ParseError is a reply that cannot be used. Problem says what is wrong, in
// words meant for the model. The zero value has an empty Problem. It is not
// modified once returned: safe to read from many goroutines.
type ParseError struct {
	// Problem says what is wrong with the reply, for the model.
	Problem string
}

// Error returns "textproto: " followed by the problem.
func (e *ParseError) Error() string { return "textproto: " + e.Problem }

// Feedback is the message to send back to the model after a reply that could
// not be used.
func (e *ParseError) Feedback() string {
	return "I could not use your last reply: " + e.Problem + "\n\n" +
		"Reply with either\nThought: ...\nAction: <tool name>\nAction Input: <JSON object>\n" +
		"or\nThought: ...\nFinal Answer: <your complete answer>\n" +
		"and nothing else."
}

// label kinds
const (
	lNone = iota
	lThought
	lAction
	lInput
	lFinal
	lObservation
)

// Parse reads one model reply. It never panics.
func Parse(text string) (Reply, error) {
	var r Reply
	var (
		actionAt, inputAt, finalAt = -1, -1, -1 // byte offset of each value
		firstLabel                 = -1         // offset of the first non-thought label line
		thoughtAt                  = -1
		inputEnd                   = len(text)
		nActions, nFinals          int
	)
	end := len(text)
	for pos := 0; pos < len(text); {
		nl := strings.IndexByte(text[pos:], '\n')
		lineEnd := len(text)
		if nl >= 0 {
			lineEnd = pos + nl
		}
		kind, valueAt := label(text, pos, lineEnd)
		switch kind {
		case lObservation:
			end = pos
		case lThought:
			if thoughtAt < 0 && firstLabel < 0 {
				thoughtAt = valueAt
			}
		case lAction:
			nActions++
			if actionAt < 0 {
				actionAt = valueAt
			}
		case lInput:
			if inputAt < 0 {
				inputAt = valueAt
			} else if inputEnd == len(text) {
				inputEnd = pos
			}
		case lFinal:
			nFinals++
			if finalAt < 0 {
				finalAt = valueAt
			}
		}
		if kind == lObservation {
			break
		}
		if kind != lNone && kind != lThought && firstLabel < 0 {
			firstLabel = pos
		}
		if kind == lAction || kind == lFinal || kind == lThought {
			// An input ends where another label starts.
			if inputAt >= 0 && pos > inputAt && inputEnd == len(text) {
				inputEnd = pos
			}
		}
		if nl < 0 {
			break
		}
		pos = lineEnd + 1
	}
	if inputEnd > end {
		inputEnd = end
	}

	// Thought: text before the first action/answer label.
	tEnd := end
	if firstLabel >= 0 && firstLabel < tEnd {
		tEnd = firstLabel
	}
	tStart := 0
	if thoughtAt >= 0 && thoughtAt <= tEnd {
		tStart = thoughtAt
	}
	r.Thought = strings.TrimSpace(text[tStart:tEnd])

	hasAction := actionAt >= 0 || inputAt >= 0
	switch {
	case hasAction && finalAt >= 0:
		return Reply{}, &ParseError{Problem: "it has both an Action and a Final Answer. " +
			"Either call one tool and wait for its result, or give the Final Answer, not both."}
	case !hasAction && finalAt < 0:
		return Reply{}, &ParseError{Problem: "it has neither an \"Action:\" line nor a \"Final Answer:\" line."}
	case finalAt >= 0:
		if nFinals > 1 {
			return Reply{}, &ParseError{Problem: "it has more than one \"Final Answer:\" line. Give one final answer."}
		}
		r.Final = strings.TrimSpace(trimFence(text[finalAt:end]))
		r.IsFinal = true
		if r.Final == "" {
			return Reply{}, &ParseError{Problem: "its Final Answer is empty."}
		}
		return r, nil
	}
	if actionAt < 0 {
		return Reply{}, &ParseError{Problem: "it has an \"Action Input:\" line but no \"Action:\" line naming the tool."}
	}
	if nActions > 1 {
		return Reply{}, &ParseError{Problem: "it asks for more than one Action. Call one tool per reply and wait for its result."}
	}
	if inputAt < 0 {
		return Reply{}, &ParseError{Problem: "it has an \"Action:\" line but no \"Action Input:\" line. " +
			"Give the tool's arguments as one JSON object (use {} when there are none)."}
	}
	aEnd := strings.IndexByte(text[actionAt:], '\n')
	if aEnd < 0 {
		aEnd = len(text) - actionAt
	}
	r.Action = strings.Trim(text[actionAt:actionAt+aEnd], " \t\r*`'\"[]")
	if r.Action == "" {
		return Reply{}, &ParseError{Problem: "its \"Action:\" line does not name a tool."}
	}
	if inputAt > inputEnd {
		inputEnd = inputAt
	}
	raw := strings.TrimSpace(trimFence(text[inputAt:inputEnd]))
	if raw == "" {
		return Reply{}, &ParseError{Problem: "its \"Action Input:\" is empty. " +
			"Give the tool's arguments as one JSON object (use {} when there are none)."}
	}
	if raw[0] != '{' {
		return Reply{}, &ParseError{Problem: "its \"Action Input:\" is not a JSON object (it must start with '{'): " + clip(raw)}
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return Reply{}, &ParseError{Problem: "its \"Action Input:\" is not valid JSON (" + err.Error() + "): " + clip(raw)}
	}
	r.Input = v
	return r, nil
}

// label reports the label that starts the line text[start:end], and the
// offset just after its colon.
func label(text string, start, end int) (int, int) {
	i := start
	for i < end && strings.IndexByte(" \t*#->", text[i]) >= 0 {
		i++
	}
	colon := strings.IndexByte(text[i:end], ':')
	if colon < 0 || colon > 20 {
		return lNone, 0
	}
	name := strings.TrimRight(text[i:i+colon], " \t*")
	v := i + colon + 1
	// Markdown bold after the colon ("**Action:** x").
	for v < end && text[v] == '*' {
		v++
	}
	switch {
	case strings.EqualFold(name, "thought"):
		return lThought, v
	case strings.EqualFold(name, "action"):
		return lAction, v
	case strings.EqualFold(name, "action input"):
		return lInput, v
	case strings.EqualFold(name, "final answer"):
		return lFinal, v
	case strings.EqualFold(name, "observation"):
		return lObservation, v
	}
	return lNone, 0
}

// trimFence removes a Markdown code fence around s, if any.
func trimFence(s string) string {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "```") {
		return strings.TrimSuffix(t, "```")
	}
	t = t[3:]
	if nl := strings.IndexByte(t, '\n'); nl >= 0 {
		t = t[nl+1:] // drop the info string ("json")
	} else {
		t = strings.TrimLeft(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	}
	if i := strings.LastIndex(t, "```"); i >= 0 {
		t = t[:i]
	}
	return t
}

func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// Spec describes one tool for the instructions. The zero value is a tool
// without name, description or schema. It is a plain value, safe to share
// while no one modifies it.
type Spec struct {
	// Name is the tool's name, as the model must write it after "Action:".
	Name string
	// Description tells the model what the tool does.
	Description string
	// Schema is the JSON schema of the tool's arguments.
	Schema json.RawMessage
}

// WriteInstructions appends to b the part of the system prompt that lists
// tools and explains the reply format.
func WriteInstructions(b *strings.Builder, tools []Spec) {
	b.WriteString("\n\n## Tools\nYou can use the following tools. Use only these; do not invent others.\n")
	for _, t := range tools {
		b.WriteString("\n- ")
		b.WriteString(t.Name)
		b.WriteString(": ")
		b.WriteString(t.Description)
		b.WriteString("\n  Arguments (JSON schema): ")
		if len(t.Schema) == 0 {
			b.WriteString("{}")
		} else {
			var c bytes.Buffer
			if json.Compact(&c, t.Schema) == nil {
				b.Write(c.Bytes())
			} else {
				b.Write(t.Schema)
			}
		}
		b.WriteByte('\n')
	}
	b.WriteString("\n## How to reply\nTo use a tool, write exactly these three lines and then stop:\n" +
		"Thought: <your reasoning about what to do next>\n" +
		"Action: <the name of one tool: ")
	for i, t := range tools {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.Name)
	}
	b.WriteString(">\nAction Input: <the tool's arguments as one JSON object, {} if none>\n\n" +
		"The tool's result will come back to you in a message that starts with \"Observation:\"; " +
		"never write an observation yourself.\n" +
		"When you have what you need, write:\n" +
		"Thought: <your reasoning>\n" +
		"Final Answer: <your complete answer>\n\n" +
		"A reply holds either one Action or the Final Answer, never both.")
}

// ObservationPrefix starts every message that gives a tool's result back to
// the model.
const ObservationPrefix = "Observation: "

// StopWord is the stop sequence that keeps a model from inventing a tool's
// result.
const StopWord = "\nObservation:"

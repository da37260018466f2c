package tracing

import (
	"encoding/json"
	"fmt"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/scrub"
	"github.com/crewai-go/crewai/internal/semconv"
)

// text prepares one captured text for a span: secrets masked, the user's
// redaction applied, then truncated.
func (t *Tracer) text(s string) string {
	s = t.scrub.Scrub(s)
	if t.redact != nil {
		s = t.redact(s)
	}
	return scrub.Truncate(s, t.maxLen)
}

// jsonFactor is how many times the per-text limit a JSON attribute built
// from several texts (a conversation) may reach before it is cut whole.
const jsonFactor = 8

// anyValue renders v for input.value or output.value: a string as is, other
// values as JSON, with the matching MIME type.
func (t *Tracer) anyValue(v any) (s string, mime string) {
	switch x := v.(type) {
	case nil:
		return "", ""
	case frozen:
		return x.s, x.mime
	case string:
		return t.text(x), semconv.MimeText
	case []byte:
		return t.text(string(x)), semconv.MimeText
	case fmt.Stringer:
		return t.text(x.String()), semconv.MimeText
	}
	b, err := json.Marshal(v)
	if err != nil {
		return t.text(fmt.Sprintf("%+v", v)), semconv.MimeText
	}
	return t.text(string(b)), semconv.MimeJSON
}

// inputMessages renders messages as gen_ai.input.messages.
func (t *Tracer) inputMessages(msgs []chat.Message) string { return t.genai.InputMessages(msgs) }

// outputMessages renders a model reply as gen_ai.output.messages.
func (t *Tracer) outputMessages(reasoning []chat.Reasoning, content string, calls []chat.ToolCall, finish string) string {
	return t.genai.OutputMessages(reasoning, content, calls, finish)
}

// toolDefs renders tool definitions as gen_ai.tool.definitions.
func (t *Tracer) toolDefs(defs []chat.ToolDef) string { return t.genai.ToolDefs(defs) }

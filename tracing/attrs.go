package tracing

import (
	"go.opentelemetry.io/otel/attribute"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/semconv"
)

func spanName(verb, name string) string {
	if name == "" {
		return verb
	}
	return verb + " " + name
}

func mimeOf(s string) string {
	if len(s) > 0 && (s[0] == '{' || s[0] == '[') {
		return semconv.MimeJSON
	}
	return semconv.MimeText
}

func (t *Tracer) appendValue(attrs []attribute.KeyValue, key, mimeKey string, v any) []attribute.KeyValue {
	s, mime := t.anyValue(v)
	if s == "" && mime == "" {
		return attrs
	}
	return append(attrs, attribute.String(key, s), attribute.String(mimeKey, mime))
}

// appendState adds a flow's state (as JSON, scrubbed, redacted and cut like
// every captured value) under crewai.flow.state.
func (t *Tracer) appendState(attrs []attribute.KeyValue, state any) []attribute.KeyValue {
	s, _ := t.anyValue(state)
	if s == "" {
		return attrs
	}
	return append(attrs, attribute.String(semconv.CrewAIFlowState, s))
}

// appendText adds a captured text and its MIME type, unless it is empty.
func (t *Tracer) appendText(attrs []attribute.KeyValue, key, mimeKey, s string) []attribute.KeyValue {
	if s == "" {
		return attrs
	}
	return append(attrs, attribute.String(key, t.text(s)), attribute.String(mimeKey, semconv.MimeText))
}

func appendUsage(attrs []attribute.KeyValue, u chat.Usage, oi bool) []attribute.KeyValue {
	attrs = append(attrs,
		attribute.Int(semconv.GenAIUsageInputTokens, u.PromptTokens),
		attribute.Int(semconv.GenAIUsageOutputTokens, u.CompletionTokens),
	)
	if u.CachedPromptTokens > 0 {
		attrs = append(attrs, attribute.Int(semconv.GenAIUsageCacheReadTokens, u.CachedPromptTokens))
	}
	if u.ReasoningTokens > 0 {
		attrs = append(attrs, attribute.Int(semconv.GenAIUsageReasoningTokens, u.ReasoningTokens))
	}
	if oi {
		total := u.TotalTokens
		if total == 0 {
			total = u.PromptTokens + u.CompletionTokens
		}
		attrs = append(attrs,
			attribute.Int(semconv.OILLMTokenPrompt, u.PromptTokens),
			attribute.Int(semconv.OILLMTokenCompletion, u.CompletionTokens),
			attribute.Int(semconv.OILLMTokenTotal, total),
		)
		if u.CachedPromptTokens > 0 {
			attrs = append(attrs, attribute.Int(semconv.OILLMTokenPromptCacheRead, u.CachedPromptTokens))
		}
		if u.ReasoningTokens > 0 {
			attrs = append(attrs, attribute.Int(semconv.OILLMTokenReasoning, u.ReasoningTokens))
		}
	} else {
		if u.TotalTokens > 0 {
			attrs = append(attrs, attribute.Int(semconv.CrewAIUsageTotalTokens, u.TotalTokens))
		}
		if u.Requests > 0 {
			attrs = append(attrs, attribute.Int(semconv.CrewAIUsageRequests, u.Requests))
		}
	}
	return attrs
}

// finishReasons is gen_ai.response.finish_reasons for one reason; the
// common reasons' attributes are made once.
func finishReasons(reason string) attribute.KeyValue {
	for i, r := range commonReasons {
		if r == reason {
			return commonReasonAttrs[i]
		}
	}
	return attribute.StringSlice(semconv.GenAIResponseFinishReasons, []string{reason})
}

var (
	commonReasons     = [...]string{"stop", "tool_calls", "length", "content_filter", "end_turn", "tool_use", "max_tokens"}
	commonReasonAttrs = func() (kvs [len(commonReasons)]attribute.KeyValue) {
		for i, r := range commonReasons {
			kvs[i] = attribute.StringSlice(semconv.GenAIResponseFinishReasons, []string{r})
		}
		return kvs
	}()
)

// identityKeys are the attributes naming a step (crew, flow, task, agent,
// tool, model, ...): values that may come from kickoff inputs.
var identityKeys = map[attribute.Key]bool{
	semconv.GenAIWorkflowName: true, semconv.CrewAIFlowName: true, semconv.CrewAIFlowMethod: true,
	semconv.CrewAITaskName: true, semconv.CrewAITaskAgent: true, semconv.GenAIAgentName: true,
	semconv.OIAgentName: true, semconv.GenAIAgentID: true, semconv.CrewAILLMAgent: true,
	semconv.CrewAIToolAgent: true, semconv.GenAIToolName: true, semconv.OIToolName: true,
	semconv.GenAIRequestModel: true, semconv.OILLMModelName: true, semconv.GenAIResponseModel: true,
	semconv.CrewAIDelegationFrom: true, semconv.CrewAIDelegationTo: true, semconv.CrewAIGuardrailTask: true,
	semconv.CrewAIFlowRouterLabel: true, semconv.CrewAIFlowTrigger: true, semconv.CrewAIFlowStateID: true,
}

// scrubIdentity scrubs in place the string values of attrs that name a
// step. Nothing is allocated unless a value holds a secret.
func scrubIdentity(t *Tracer, attrs []attribute.KeyValue) {
	for i := range attrs {
		kv := &attrs[i]
		if kv.Value.Type() != attribute.STRING || !identityKeys[kv.Key] {
			continue
		}
		v := kv.Value.AsString()
		if sv := t.scrub.Scrub(v); sv != v {
			*kv = attribute.String(string(kv.Key), sv)
		}
	}
}

// Package semconv holds, in one place, the names crewai-go puts on its spans:
// the OpenTelemetry GenAI semantic conventions (gen_ai.*), the OpenInference
// conventions read by Arize Phoenix and others (openinference.*, input.*,
// output.*, llm.*), and the library's own crewai.* attributes, span-name verbs
// and span-event names.
//
// The GenAI names follow the conventions as of semantic-conventions v1.41.0
// (the last release that carried them in the main repository); the Go package
// go.opentelemetry.io/otel/semconv/v1.41.0 has the same keys, but this package
// keeps its own copy so that the names do not move when the otel module does.
//
// Everything here is a constant; the package has no state.
package semconv

// Span-name verbs, also used as the value of [GenAIOperationName]. A span's
// name is the verb, a space, and the step's name: "chat gpt-4o-mini".
const (
	OpInvokeWorkflow = "invoke_workflow" // a crew or flow kickoff
	OpExecuteTask    = "execute_task"    // a task
	OpInvokeAgent    = "invoke_agent"    // an agent execution
	OpChat           = "chat"            // an LLM call
	OpExecuteTool    = "execute_tool"    // a tool call
	OpInvokeNode     = "invoke_node"     // a flow method
	OpDelegate       = "delegate"        // a delegation to a coworker agent
	OpGuardrail      = "guardrail"       // a guardrail check of a task output
)

// OpenTelemetry GenAI attributes.
const (
	GenAIOperationName         = "gen_ai.operation.name"
	GenAIProviderName          = "gen_ai.provider.name"
	GenAIRequestModel          = "gen_ai.request.model"
	GenAIRequestTemperature    = "gen_ai.request.temperature"
	GenAIRequestMaxTokens      = "gen_ai.request.max_tokens"
	GenAIRequestStopSequences  = "gen_ai.request.stop_sequences"
	GenAIRequestStream         = "gen_ai.request.stream"
	GenAIResponseModel         = "gen_ai.response.model"
	GenAIResponseID            = "gen_ai.response.id"
	GenAIResponseFinishReasons = "gen_ai.response.finish_reasons"
	GenAIResponseTimeToFirst   = "gen_ai.response.time_to_first_chunk"
	GenAIOutputType            = "gen_ai.output.type"
	GenAIUsageInputTokens      = "gen_ai.usage.input_tokens"
	GenAIUsageOutputTokens     = "gen_ai.usage.output_tokens"
	GenAIUsageCacheReadTokens  = "gen_ai.usage.cache_read.input_tokens"
	GenAIUsageCacheWriteTokens = "gen_ai.usage.cache_creation.input_tokens"
	GenAIUsageReasoningTokens  = "gen_ai.usage.reasoning.output_tokens"
	GenAIInputMessages         = "gen_ai.input.messages"
	GenAIOutputMessages        = "gen_ai.output.messages"
	GenAISystemInstructions    = "gen_ai.system_instructions"
	GenAIToolDefinitions       = "gen_ai.tool.definitions"
	GenAIAgentName             = "gen_ai.agent.name"
	GenAIAgentID               = "gen_ai.agent.id"
	GenAIAgentDescription      = "gen_ai.agent.description"
	GenAIWorkflowName          = "gen_ai.workflow.name"
	GenAIToolName              = "gen_ai.tool.name"
	GenAIToolType              = "gen_ai.tool.type"
	GenAIToolCallID            = "gen_ai.tool.call.id"
	GenAIToolCallArguments     = "gen_ai.tool.call.arguments"
	GenAIToolCallResult        = "gen_ai.tool.call.result"
	GenAIConversationID        = "gen_ai.conversation.id"
	ServerAddress              = "server.address"
	ServerPort                 = "server.port"
	NetworkTransport           = "network.transport"
	MCPMethodName              = "mcp.method.name"
	MCPSessionID               = "mcp.session.id"
	MCPProtocolVersion         = "mcp.protocol.version"
	ErrorTypeToolError         = "tool_error"
	ErrorType                  = "error.type"
	ExceptionEvent             = "exception"
	ExceptionType              = "exception.type"
	ExceptionMessage           = "exception.message"
	ExceptionStacktrace        = "exception.stacktrace"
	ErrorTypeOther             = "_OTHER"
	ToolTypeFunction           = "function"
	OutputTypeText             = "text"
	ServiceName                = "service.name"
)

// OpenInference attributes and span kinds.
const (
	OISpanKind                = "openinference.span.kind"
	OIInputValue              = "input.value"
	OIInputMimeType           = "input.mime_type"
	OIOutputValue             = "output.value"
	OIOutputMimeType          = "output.mime_type"
	OILLMModelName            = "llm.model_name"
	OILLMProvider             = "llm.provider"
	OILLMTokenPrompt          = "llm.token_count.prompt"
	OILLMTokenCompletion      = "llm.token_count.completion"
	OILLMTokenTotal           = "llm.token_count.total"
	OILLMTokenPromptCacheRead = "llm.token_count.prompt_details.cache_read"
	OILLMTokenReasoning       = "llm.token_count.completion_details.reasoning"
	OILLMCostTotal            = "llm.cost.total"
	OIToolName                = "tool.name"
	OIAgentName               = "agent.name"

	OIKindChain     = "CHAIN"
	OIKindAgent     = "AGENT"
	OIKindLLM       = "LLM"
	OIKindTool      = "TOOL"
	OIKindGuardrail = "GUARDRAIL"

	MimeText = "text/plain"
	MimeJSON = "application/json"
)

// crewai-go's own attributes.
const (
	CrewAIVersion         = "crewai.version"
	CrewAIMCPServer       = "crewai.mcp.server"
	CrewAIMCPTools        = "crewai.mcp.tools"
	CrewAIRunID           = "crewai.run.id"
	CrewAICrewProcess     = "crewai.crew.process"
	CrewAITaskName        = "crewai.task.name"
	CrewAITaskDescription = "crewai.task.description"
	CrewAITaskExpected    = "crewai.task.expected_output"
	CrewAITaskAgent       = "crewai.task.agent"
	CrewAITaskAsync       = "crewai.task.async"
	CrewAIAgentGoal       = "crewai.agent.goal"
	CrewAIAgentBackstory  = "crewai.agent.backstory"
	CrewAIAgentTools      = "crewai.agent.tools"
	CrewAIAgentAttempt    = "crewai.agent.attempt"
	CrewAIAgentIterations = "crewai.agent.iterations"
	CrewAIToolCacheHit    = "crewai.tool.cache_hit"
	CrewAIToolRepeated    = "crewai.tool.repeated"
	CrewAIToolIsError     = "crewai.tool.is_error"
	CrewAIToolAttempt     = "crewai.tool.attempt"
	CrewAIToolAgent       = "crewai.tool.agent"
	CrewAIFlowName        = "crewai.flow.name"
	CrewAIFlowMethod      = "crewai.flow.method"
	CrewAIFlowTrigger     = "crewai.flow.trigger"
	CrewAIFlowRouterLabel = "crewai.flow.router_label"
	// CrewAIFlowLinkKind, on the link from a flow method's span to the
	// span of the method whose completion made it run, says why:
	// "triggered_by" (CrewAI's triggered_by_event_id).
	CrewAIFlowLinkKind      = "crewai.flow.link"
	CrewAIFlowStateID       = "crewai.flow.state_id"
	CrewAIFlowRestored      = "crewai.flow.restored"
	CrewAIFlowRunsCarried   = "crewai.flow.runs_carried"
	CrewAIFlowState         = "crewai.flow.state"
	CrewAIGuardrailTask     = "crewai.guardrail.task"
	CrewAIGuardrailAttempt  = "crewai.guardrail.attempt"
	CrewAIGuardrailSuccess  = "crewai.guardrail.success"
	CrewAIGuardrailFeedback = "crewai.guardrail.feedback"
	CrewAIDelegationFrom    = "crewai.delegation.from"
	CrewAIDelegationTo      = "crewai.delegation.to"
	CrewAIDelegationAsk     = "crewai.delegation.question"
	CrewAILLMAgent          = "crewai.llm.agent"
	CrewAILLMResponseFmt    = "crewai.llm.response_format"
	CrewAIUsageRequests     = "crewai.usage.successful_requests"
	CrewAIUsageTotalTokens  = "crewai.usage.total_tokens"
	CrewAIRetryOperation    = "crewai.retry.operation"
	CrewAIRetryAttempt      = "crewai.retry.attempt"
	CrewAIRetryWait         = "crewai.retry.wait_ms"
	CrewAIRetryError        = "crewai.retry.error"
	CrewAIRateLimiter       = "crewai.rate_limit.limiter"
	CrewAIRateLimitWait     = "crewai.rate_limit.wait_ms"
	CrewAIChunkOffset       = "crewai.llm.chunk.offset"
	CrewAIChunkSize         = "crewai.llm.chunk.size"
	CrewAIChunkToolName     = "crewai.llm.chunk.tool_name"
)

// Span-event names.
const (
	EventRetry         = "crewai.retry"
	EventRateLimitWait = "crewai.rate_limit_wait"
	EventStreamChunk   = "crewai.llm.stream_chunk"
)

// Instrumentation scope and the default service name.
const (
	ScopeName          = "github.com/crewai-go/crewai"
	DefaultServiceName = "crewai-go"
)

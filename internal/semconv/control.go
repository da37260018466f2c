package semconv

// Span-name verbs of the control steps (crew planning, agent reasoning).
const (
	OpPlan   = "plan"   // a crew's planning step
	OpReason = "reason" // an agent's reasoning step
)

// Attributes of the control steps: conditional tasks, guardrails, planning,
// reasoning and hooks.
const (
	CrewAITaskSkipped          = "crewai.task.skipped"
	CrewAITaskIndex            = "crewai.task.index"
	CrewAIGuardrailName        = "crewai.guardrail.name"
	CrewAIGuardrailIndex       = "crewai.guardrail.index"
	CrewAIGuardrailRule        = "crewai.guardrail.rule"
	CrewAIGuardrailTransformed = "crewai.guardrail.transformed"
	CrewAIPlanningTasks        = "crewai.planning.tasks"
	CrewAIPlanningModel        = "crewai.planning.model"
	CrewAIReasoningMaxAttempts = "crewai.reasoning.max_attempts"
	CrewAIReasoningAttempts    = "crewai.reasoning.attempts"
	CrewAIReasoningReady       = "crewai.reasoning.ready"
	CrewAIHookBlocked          = "crewai.hook.blocked"
	CrewAIHookReason           = "crewai.hook.reason"
)

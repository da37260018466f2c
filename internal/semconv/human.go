package semconv

// The human-input step (package human): a question to a person.
const (
	// OpHumanInput names a question to a person (crewai-go's own verb: the
	// GenAI conventions have none).
	OpHumanInput = "human_input"

	CrewAIHumanWhere    = "crewai.human.where"
	CrewAIHumanQuestion = "crewai.human.question"
	CrewAIHumanAnswer   = "crewai.human.answer"
	CrewAIHumanOutcome  = "crewai.human.outcome"
	CrewAIHumanOutcomes = "crewai.human.outcomes"
	CrewAIHumanRound    = "crewai.human.round"
	CrewAIHumanWaitMS   = "crewai.human.wait_ms"
	CrewAIHumanPending  = "crewai.human.pending"
)

package event

import "github.com/crewai-go/crewai/chat"

// Kinds of the events of the control steps: a conditional task skipped, a
// crew's planning step and an agent's reasoning step.
const (
	KindTaskSkipped        Kind = "task_skipped"
	KindPlanningStarted    Kind = "planning_started"
	KindPlanningCompleted  Kind = "planning_completed"
	KindPlanningFailed     Kind = "planning_failed"
	KindReasoningStarted   Kind = "reasoning_started"
	KindReasoningCompleted Kind = "reasoning_completed"
	KindReasoningFailed    Kind = "reasoning_failed"
)

// TaskSkipped reports a conditional task whose condition was false: it did
// not run, and its output is recorded as skipped. It is a point event under
// the crew's step.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type TaskSkipped struct {
	Header
	// Task is the task's display name.
	Task string
	// Agent is the role of the agent that would have run it.
	Agent string
	// Index is the task's position in the crew, from 0.
	Index int
}

// PlanningStarted opens a crew's planning step: one model call that writes
// a step plan for every task before the tasks run.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type PlanningStarted struct {
	Header
	// Crew is the crew's name.
	Crew string
	// Model is the planning model.
	Model string
	// Tasks counts the tasks to plan.
	Tasks int
}

// PlanningCompleted closes a planning step that produced the plans.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type PlanningCompleted struct {
	Header
	// Crew is the crew's name.
	Crew string
	// Plans holds each task's plan, in task order.
	Plans []string
	// Usage counts the tokens of the planning model calls.
	Usage chat.Usage
}

// PlanningFailed closes a planning step that failed.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type PlanningFailed struct {
	Header
	// Crew is the crew's name.
	Crew string
	Failure
}

// ReasoningStarted opens an agent's reasoning step: before its job the agent
// writes a plan and refines it until it is ready.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type ReasoningStarted struct {
	Header
	// Role is the agent's role.
	Role string
	// AgentID is the agent's stable ID.
	AgentID string
	// MaxAttempts is the most plans the agent may write.
	MaxAttempts int
}

// ReasoningCompleted closes a reasoning step with its plan.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type ReasoningCompleted struct {
	Header
	// Role is the agent's role.
	Role string
	// Plan is the final plan, which goes into the agent's prompt.
	Plan string
	// Attempts counts the plans written (1 for the first).
	Attempts int
	// Ready is true when the agent judged the plan ready; false when it
	// reached the maximum of attempts first.
	Ready bool
	// Usage counts the tokens of the reasoning model calls.
	Usage chat.Usage
}

// ReasoningFailed closes a reasoning step that failed.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type ReasoningFailed struct {
	Header
	// Role is the agent's role.
	Role string
	Failure
}

// Kind returns KindTaskSkipped.
func (*TaskSkipped) Kind() Kind { return KindTaskSkipped }

// Kind returns KindPlanningStarted.
func (*PlanningStarted) Kind() Kind { return KindPlanningStarted }

// Kind returns KindPlanningCompleted.
func (*PlanningCompleted) Kind() Kind { return KindPlanningCompleted }

// Kind returns KindPlanningFailed.
func (*PlanningFailed) Kind() Kind { return KindPlanningFailed }

// Kind returns KindReasoningStarted.
func (*ReasoningStarted) Kind() Kind { return KindReasoningStarted }

// Kind returns KindReasoningCompleted.
func (*ReasoningCompleted) Kind() Kind { return KindReasoningCompleted }

// Kind returns KindReasoningFailed.
func (*ReasoningFailed) Kind() Kind { return KindReasoningFailed }

package event

import "time"

// Kinds of the events of a question to a person (package human).
const (
	KindHumanInputStarted   Kind = "human_input_started"
	KindHumanInputCompleted Kind = "human_input_completed"
	KindHumanInputFailed    Kind = "human_input_failed"
)

// HumanInputStarted opens a question to a person: feedback on a task's
// answer, a flow step's review, or a flow's free question.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type HumanInputStarted struct {
	Header
	// Where names what asks: a task's or a flow method's name.
	Where string
	// Message is the question.
	Message string
	// Output is what the person is asked to review, if anything.
	Output string
	// Outcomes are the answers a flow step routes on, if any.
	Outcomes []string
	// Round counts the questions of the same task: 1, 2, ... (0 outside a
	// task).
	Round int
}

// HumanInputCompleted closes a question the person answered.
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type HumanInputCompleted struct {
	Header
	// Where names what asked.
	Where string
	// Answer is the person's answer as given (empty: accepted).
	Answer string
	// Outcome is the outcome the answer was collapsed to, if the question
	// had outcomes.
	Outcome string
	// Wait is how long the person took to answer.
	Wait time.Duration
}

// HumanInputFailed closes a question that got no answer: the provider
// failed, timed out, the input ended, or the answer will come later
// (Pending).
// The zero value is an event not yet emitted; once emitted, an event is
// read-only and may be read by several subscribers at once.
type HumanInputFailed struct {
	Header
	// Where names what asked.
	Where string
	// Wait is how long the question waited.
	Wait time.Duration
	// Pending is true when the provider said the answer comes later (a
	// paused flow); the failure is then not an error of the run.
	Pending bool
	Failure
}

// Kind returns KindHumanInputStarted.
func (*HumanInputStarted) Kind() Kind { return KindHumanInputStarted }

// Kind returns KindHumanInputCompleted.
func (*HumanInputCompleted) Kind() Kind { return KindHumanInputCompleted }

// Kind returns KindHumanInputFailed.
func (*HumanInputFailed) Kind() Kind { return KindHumanInputFailed }

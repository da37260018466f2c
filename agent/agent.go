package agent

import (
	"context"
	"errors"
	"time"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
)

// Agent is a role played by a model: who it is (Role, Goal, Backstory), what
// it can use (LLM, Tools) and its limits. An Agent is a definition: running
// it never modifies it, so one Agent may execute many jobs at once. Its zero
// value is not runnable (it needs at least Role and LLM).
type Agent struct {
	// Role names the agent ("Senior Research Analyst"); it may hold
	// {placeholders} filled from the kickoff inputs.
	Role string
	// Goal is what the agent works towards; it may hold {placeholders}.
	Goal string
	// Backstory gives the agent its voice; it may hold {placeholders}.
	Backstory string
	// LLM is the model the agent thinks with. Required.
	LLM llm.LLM
	// Tools the agent may call.
	Tools []tool.Tool
	// MaxIter caps the model calls of one execution; when reached, the model
	// is asked once, without tools, for its best final answer. 0 means 25.
	MaxIter int
	// MaxRPM, if positive, caps this agent's model calls per minute (a token
	// bucket shared by all its executions).
	MaxRPM int
	// MaxExecutionTime, if positive, bounds one execution (a ctx deadline).
	MaxExecutionTime time.Duration
	// MaxRetryLimit is how many times a failed execution is run again. 0
	// means 2; a negative value means no retry.
	MaxRetryLimit int
	// AllowDelegation gives the agent the tools to delegate work to, and ask
	// questions of, its coworkers.
	AllowDelegation bool
	// Verbose prints the agent's steps to the terminal.
	Verbose bool
	// StepCallback, if set, is called after each step of an execution.
	StepCallback func(Step)
	// SystemTemplate, if set, replaces the system prompt. It may use
	// {role}, {goal} and {backstory}.
	SystemTemplate string
	// TaskTemplate, if set, replaces the layout of the user prompt. It may
	// use {description}, {expected_output} and {context}.
	TaskTemplate string
}

// Step is one step of an execution, as given to StepCallback.
type Step struct {
	// Iteration counts model calls in this execution, from 1.
	Iteration int
	// Thought is the model's text for this step (may be empty).
	Thought string
	// ToolCalls are the calls made in this step with their results.
	ToolCalls []ToolCallResult
	// FinalAnswer is set on the last step.
	FinalAnswer string
}

// ToolCallResult is one tool call of a step and what it returned.
type ToolCallResult struct {
	Call   llm.ToolCall
	Result tool.Result
}

// Job is one piece of work for an agent. The zero value is an empty job.
type Job struct {
	// Description says what to do; ExpectedOutput what the answer must be.
	Description    string
	ExpectedOutput string
	// Context is earlier work handed to this job (may be empty).
	Context string
	// Inputs fill {placeholders} in the agent's role, goal and backstory.
	Inputs map[string]any
	// Tools, if not nil, replace the agent's own tools for this job.
	Tools []tool.Tool
	// ResponseFormat, if set, asks the model for JSON following a schema.
	ResponseFormat *llm.ResponseFormat
	// Coworkers are the agents this one may delegate to, when it allows
	// delegation.
	Coworkers []*Agent
}

// Result is what an execution produced.
type Result struct {
	// Output is the final answer.
	Output string
	// Messages is the conversation of the execution, in order.
	Messages []llm.Message
	// Usage counts the tokens of every model call of the execution.
	Usage llm.Usage
	// Iterations counts model calls.
	Iterations int
}

// Execute works through job until the model gives a final answer.
func (a *Agent) Execute(ctx context.Context, job Job) (*Result, error) {
	return nil, errors.New("agent: executor not built yet")
}

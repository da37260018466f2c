package agent

import (
	"strings"

	"github.com/crewai-go/crewai/internal/interpolate"
	"github.com/crewai-go/crewai/internal/textproto"
)

// systemPrompt builds the system message: who the agent is and, for the text
// protocol, the tools and the reply format.
func (a *Agent) systemPrompt(role, goal, backstory string, specs []textproto.Spec) (string, error) {
	var b strings.Builder
	if a.SystemTemplate != "" {
		s, err := interpolate.Fill("agent SystemTemplate", a.SystemTemplate,
			map[string]any{"role": role, "goal": goal, "backstory": backstory})
		if err != nil {
			return "", invalid("%w (SystemTemplate accepts {role}, {goal} and {backstory})", err)
		}
		if len(specs) == 0 {
			return s, nil
		}
		b.WriteString(s)
	} else {
		b.Grow(len(role) + len(goal) + len(backstory) + 32)
		b.WriteString("You are ")
		b.WriteString(role)
		b.WriteString(".")
		if backstory != "" {
			b.WriteByte('\n')
			b.WriteString(backstory)
		}
		if goal != "" {
			b.WriteString("\n\nYour goal: ")
			b.WriteString(goal)
		}
	}
	if len(specs) > 0 {
		textproto.WriteInstructions(&b, specs)
	}
	return b.String(), nil
}

// userPrompt builds the user message that states the job.
func (a *Agent) userPrompt(job *Job) (string, error) {
	if a.TaskTemplate != "" {
		s, err := interpolate.Fill("agent TaskTemplate", a.TaskTemplate,
			map[string]any{"description": job.Description, "expected_output": job.ExpectedOutput, "context": job.Context})
		if err != nil {
			return "", invalid("%w (TaskTemplate accepts {description}, {expected_output} and {context})", err)
		}
		return s, nil
	}
	if job.ExpectedOutput == "" && job.Context == "" {
		return job.Description, nil
	}
	var b strings.Builder
	b.Grow(len(job.Description) + len(job.ExpectedOutput) + len(job.Context) + 64)
	b.WriteString(job.Description)
	if job.ExpectedOutput != "" {
		b.WriteString("\n\nWhat your final answer must be: ")
		b.WriteString(job.ExpectedOutput)
		b.WriteString("\nGive the complete content itself as your final answer, not a summary of it.")
	}
	if job.Context != "" {
		b.WriteString("\n\nContext from earlier work:\n")
		b.WriteString(job.Context)
	}
	return b.String(), nil
}

const (
	forcedAnswerPrompt = "You have used all the steps you are allowed. Do not call any tool. " +
		"Using what you already know, give your best complete final answer now."
	forcedAnswerPromptText = forcedAnswerPrompt + " Start it with \"Final Answer:\"."
	emptyReplyPrompt       = "Your reply was empty. Call a tool, or give your complete final answer."
	repeatedNote           = "\n\n(Note: you already made this exact call with the same arguments; this is its earlier result. " +
		"Do not repeat it: use the result, try different arguments, or give your final answer.)"
	summarySystemPrompt = "You condense an AI agent's working conversation. Write a faithful summary of the " +
		"messages you are given: what was asked, what was tried, the tool results and facts found (keep names, " +
		"numbers and quotes that matter), and what remains to do. Write only the summary."
	summaryIntro = "The earlier part of this conversation was too long and has been condensed. " +
		"Summary of the work so far:\n\n"
	summaryOutro = "\n\nContinue the task from here."
)

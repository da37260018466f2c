package agent

import (
	"context"
	"errors"
	"strings"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
)

// DefaultMaxReasoningAttempts is how many plans an agent with Reasoning
// writes at most when MaxReasoningAttempts is 0.
const DefaultMaxReasoningAttempts = 3

const (
	reasoningSystem = "Before doing a piece of work you plan it. You think about what is asked, what the answer " +
		"must contain, which of your tools help and in what order, and what could go wrong. You write a short " +
		"numbered plan of concrete steps. You do not do the work itself yet."
	readyRule = "\n\nEnd your reply with a last line that says only READY if the plan is complete and you are " +
		"ready to carry it out, or NOT READY if it still needs work."
	refinePrompt = "Look at your plan again: fill any gap, fix any step that would not work, and write the " +
		"whole improved plan." + readyRule
	planIntro = "\n\nYour plan for this work (follow it, adapting it when what you find requires):\n"
)

// reasoningAttempts returns the most plans the agent writes.
func (a *Agent) reasoningAttempts() int {
	if a.MaxReasoningAttempts > 0 {
		return a.MaxReasoningAttempts
	}
	return DefaultMaxReasoningAttempts
}

// reason runs the reasoning step (see Agent.Reasoning): the agent writes a
// plan and refines it until it says it is ready or reaches
// MaxReasoningAttempts; the plan goes into the user prompt of every
// attempt. It returns the usage of its model calls.
func (p *plan) reason(ctx context.Context) (usage llm.Usage, err error) {
	max := p.a.reasoningAttempts()
	var st event.Step
	if event.Enabled(ctx) {
		ctx, st = event.Begin(ctx, event.ReasoningStarted{Header: event.Header{Source: "agent:" + p.role},
			Role: p.role, AgentID: p.agentID(), MaxAttempts: max})
	}
	e := &execution{plan: p}
	var text string
	attempts, ready := 0, false
	defer func() {
		e.mu.Lock()
		usage = e.usage
		e.mu.Unlock()
		if !st.Active() {
			return
		}
		if err != nil {
			event.End(st, event.ReasoningFailed{Role: p.role, Failure: event.Failure{Err: err}})
			return
		}
		event.End(st, event.ReasoningCompleted{Role: p.role, Plan: text, Attempts: attempts, Ready: ready, Usage: usage})
	}()
	var b strings.Builder
	b.WriteString("The work to plan:\n\n")
	b.WriteString(p.user)
	if len(p.names) > 0 || p.deleg != nil {
		b.WriteString("\n\nYour tools: ")
		b.WriteString(strings.Join(p.names, ", "))
		if p.deleg != nil {
			if len(p.names) > 0 {
				b.WriteString(", ")
			}
			b.WriteString(delegateWorkName + ", " + askQuestionName)
		}
	}
	b.WriteString(readyRule)
	e.msgs = []llm.Message{
		{Role: llm.RoleSystem, Content: p.system + "\n\n" + reasoningSystem},
		{Role: llm.RoleUser, Content: b.String()},
	}
	for attempts < max {
		if err := ctx.Err(); err != nil {
			return llm.Usage{}, err
		}
		attempts++
		req := llm.Request{Messages: e.msgs}
		resp, cerr := e.call(ctx, &req)
		if cerr != nil {
			err = cerr
			return llm.Usage{}, err
		}
		text, ready = readiness(resp.Content)
		if ready {
			break
		}
		e.msgs = append(e.msgs, llm.Message{Role: llm.RoleAssistant, Content: resp.Content},
			llm.Message{Role: llm.RoleUser, Content: refinePrompt})
	}
	if strings.TrimSpace(text) == "" {
		err = errors.New("reasoning: the model wrote an empty plan")
		return llm.Usage{}, err
	}
	p.user += planIntro + text
	return llm.Usage{}, nil
}

// readiness splits a plan from its last line's READY or NOT READY marker.
// A reply without a marker is a plan that is not ready.
func readiness(reply string) (plan string, ready bool) {
	s := strings.TrimRight(reply, " \t\r\n")
	i := strings.LastIndexByte(s, '\n')
	last := s[i+1:]
	mark := strings.ToUpper(strings.Trim(last, " \t*_.:!#`"))
	switch mark {
	case "READY":
		ready = true
	case "NOT READY":
	default:
		return strings.TrimSpace(reply), false
	}
	if i < 0 {
		return "", ready
	}
	return strings.TrimSpace(s[:i]), ready
}

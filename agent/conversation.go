package agent

import (
	"slices"

	"github.com/crewai-go/crewai/llm"
)

// conversation returns the first messages of an attempt whose Job carries
// Messages: the system prompt, the task message unless the job has none
// (see Job.Messages), then the job's messages (copied: the execution
// appends to its own slice).
func (p *plan) conversation() []llm.Message {
	msgs := make([]llm.Message, 0, len(p.job.Messages)+8)
	msgs = append(msgs, llm.Message{Role: llm.RoleSystem, Content: p.system})
	if p.user != "" {
		msgs = append(msgs, llm.Message{Role: llm.RoleUser, Content: p.user, Parts: p.job.Files})
	}
	return append(msgs, slices.Clip(p.job.Messages)...)
}

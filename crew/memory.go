package crew

import (
	"context"
	"log/slog"

	"github.com/crewai-go/crewai/agent"
)

// usesRetrieval reports whether the crew or one of its agents has memory or
// knowledge: then a kickoff counts the usage of their embeddings and
// memory extractions (package internal/usagemeter) in CrewOutput.Usage.
// A crew without either pays nothing for it.
func (c *Crew) usesRetrieval() bool {
	if c.Memory != nil || c.Knowledge != nil {
		return true
	}
	uses := func(a *agent.Agent) bool { return a != nil && (a.Memory != nil || a.Knowledge != nil) }
	for _, a := range c.Agents {
		if uses(a) {
			return true
		}
	}
	for _, t := range c.Tasks {
		if t != nil && uses(t.Agent) {
			return true
		}
	}
	return uses(c.ManagerAgent)
}

// drainMemories waits, at most MemoryDrainTimeout, for the background saves
// of the crew's memory and of its agents' own memories, so that what a
// kickoff learnt is stored (and traced) before it returns. A save still
// running then goes on; a warning says so. Cancelling ctx does not cut the
// wait short: the saves were started by work that succeeded.
func (c *Crew) drainMemories(ctx context.Context) {
	var mems []agent.Memory
	add := func(m agent.Memory) {
		if m != nil {
			mems = append(mems, m)
		}
	}
	add(c.Memory)
	for _, a := range c.Agents {
		if a != nil {
			add(a.Memory)
		}
	}
	for _, t := range c.Tasks {
		if t != nil && t.Agent != nil {
			add(t.Agent.Memory)
		}
	}
	if c.ManagerAgent != nil {
		add(c.ManagerAgent.Memory)
	}
	if len(mems) == 0 {
		return
	}
	d := c.MemoryDrainTimeout
	if d <= 0 {
		d = DefaultMemoryDrainTimeout
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
	defer cancel()
	for _, m := range mems {
		if err := m.Drain(dctx); err != nil {
			slog.Warn("crew: memory saves still running when the kickoff ended; they go on in the background",
				"crew", c.name(), "waited", d, "error", err)
			return
		}
	}
}

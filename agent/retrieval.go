package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
)

// Knowledge is a body of documents an agent searches before a job: package
// knowledge's *Knowledge implements it. Passages returns the passages most
// relevant to query, best first, for the agent of the given role. owner
// says whose knowledge is searched, which is how CrewAI names the
// collection of a knowledge given no name: the agent's role for the
// agent's own Knowledge, "crew" for a crew's (Job.Knowledge).
// Implementations must be safe for concurrent use and honour ctx.
type Knowledge interface {
	Passages(ctx context.Context, owner, agent, query string) ([]string, error)
}

// CrewKnowledgeOwner is the owner Passages is given for a crew's knowledge.
const CrewKnowledgeOwner = "crew"

// Memory is what an agent remembers across jobs: package memory's *Memory
// implements it. Implementations must be safe for concurrent use.
type Memory interface {
	// Recall returns what is remembered that is relevant to query, in the
	// scope of crew (empty for an agent alone), best first: every agent's
	// memories of the crew when agent is empty, else only those of that
	// agent role.
	Recall(ctx context.Context, crew, agent, query string) ([]string, error)
	// Tools returns tools that let the agent search and save memories
	// (they are added to its tools): saves go under crew and agent;
	// searches cover the whole crew's memories, or only the agent's when
	// own is set (the agent's own Memory), as Recall does.
	Tools(crew, agent string, own bool) []tool.Tool
	// RememberTask saves, in the background, what is worth remembering from
	// a finished task, extracted by model unless the memory has its own. It
	// must not block beyond a bounded wait and never fails the task.
	RememberTask(ctx context.Context, crew, agent, task, result string, model llm.LLM)
	// Drain waits for the background saves started so far, or for ctx.
	Drain(ctx context.Context) error
}

// MemoryFor returns the memory a job of a uses: the agent's own, else the
// job's (a crew's).
func (a *Agent) MemoryFor(job *Job) Memory {
	if a.Memory != nil {
		return a.Memory
	}
	return job.Memory
}

// The prompt texts of retrieval (the project's own wording).
const (
	rewriteSystemPrompt = "You write search queries. Given a task, reply with one short query (a few key words " +
		"or one short question) that would find the documents needed to do it. Reply with the query only."
	memoryIntro    = "\n\nWhat you remember from earlier work (use it where it helps; it may be out of date):\n"
	knowledgeIntro = "\n\nRelevant information from the knowledge sources (use it in your answer where it applies):\n"
)

// augment adds to the user prompt what memory recalls and what knowledge
// finds for the job, as CrewAI places them: after the task, its expected
// output and its context, memory first, then the agent's knowledge, then
// the crew's. It returns the usage of the query rewrite.
func (p *plan) augment(ctx context.Context) (llm.Usage, error) {
	a, job := p.a, p.job
	var b strings.Builder
	if mem := a.MemoryFor(job); mem != nil {
		// As CrewAI scopes recall: a crew's memory recalls what the whole
		// crew remembers (its agents save under /crew/<name>/agent/<role>,
		// recall searches /crew/<name>); an agent's own Memory recalls what
		// this agent remembers.
		scope := ""
		if a.Memory != nil {
			scope = p.role
		}
		got, err := mem.Recall(ctx, job.Crew, scope, job.Description)
		if err != nil {
			return llm.Usage{}, fmt.Errorf("recalling memories: %w", err)
		}
		if len(got) > 0 {
			b.WriteString(memoryIntro)
			for _, m := range got {
				b.WriteString("- ")
				b.WriteString(m)
				b.WriteByte('\n')
			}
		}
	}
	var usage llm.Usage
	if a.Knowledge != nil || job.Knowledge != nil {
		query := job.Description
		if !a.NoQueryRewrite {
			e := &execution{plan: p}
			resp, err := e.call(ctx, &llm.Request{Messages: []llm.Message{
				{Role: llm.RoleSystem, Content: rewriteSystemPrompt},
				{Role: llm.RoleUser, Content: "Task: " + job.Description},
			}})
			usage = e.usage
			if err != nil {
				return usage, fmt.Errorf("writing the knowledge query: %w", err)
			}
			if q := strings.TrimSpace(resp.Content); q != "" {
				query = q
			}
		}
		var found []string
		for i, k := range []Knowledge{a.Knowledge, job.Knowledge} {
			if k == nil {
				continue
			}
			owner := p.role
			if i == 1 {
				owner = CrewKnowledgeOwner
			}
			got, err := k.Passages(ctx, owner, p.role, query)
			if err != nil {
				return usage, fmt.Errorf("searching knowledge: %w", err)
			}
			found = append(found, got...)
		}
		if len(found) > 0 {
			b.WriteString(knowledgeIntro)
			b.WriteString(strings.Join(found, "\n\n"))
		}
	}
	if b.Len() > 0 {
		p.user += b.String()
	}
	return usage, nil
}

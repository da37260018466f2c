package task

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"golang.org/x/time/rate"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/hook"
	"github.com/crewai-go/crewai/internal/interpolate"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
)

// Run says how one execution of a task is done. The zero value runs the task
// with its own agent, no inputs and no context. Execute only reads it: one Run
// may be used by several goroutines at once while no one modifies it.
type Run struct {
	// Inputs fill the {placeholders} of the task and of the agent.
	Inputs map[string]any
	// Context is the text of earlier work handed to the task (the crew
	// builds it from the outputs the task's Context selects).
	Context string
	// Agent, if set, executes the task instead of Task.Agent (the manager of
	// a hierarchical crew).
	Agent *agent.Agent
	// Coworkers are the agents the executing agent may delegate to.
	Coworkers []*agent.Agent
	// Manager runs the agent as a hierarchical crew's manager (see
	// agent.Job.Manager): it delegates to Coworkers even without
	// AllowDelegation.
	Manager bool
	// Limiter, if not nil, is a token bucket shared with other agents (a
	// crew's MaxRPM) that every model call of the task waits for.
	Limiter *rate.Limiter
	// StepCallback, if set, is called after each step of the agent's
	// execution (a crew's StepCallback).
	StepCallback func(agent.Step)
	// Crew names the crew the task runs in: the scope of its memories.
	Crew string
	// Knowledge, if set, is searched by the agent after its own knowledge
	// (a crew's).
	Knowledge agent.Knowledge
	// Memory is the memory of an agent that has none of its own (a
	// crew's): once the task has succeeded, its result is remembered there
	// (in the background; see agent.Memory).
	Memory agent.Memory
	// ToolFailurePolicy applies when the agent has none of its own (a
	// crew's).
	ToolFailurePolicy agent.ToolFailurePolicy
	// Hooks act on the model and tool calls of the task's agent (a
	// crew's; see package hook).
	Hooks []hook.Hooks
	// Plan, if set, is a step plan for the task (a crew's planning),
	// added to its description.
	Plan string
}

// planIntro introduces a crew's plan for the task, after its description.
const planIntro = "\n\nThe plan for this task (follow it, adapting it when what you find requires):\n"

// markdownRule is appended to the description of a Markdown task.
const markdownRule = "\n\nWrite your final answer in Markdown: use headings, bullet or numbered lists, " +
	"**bold** for key terms and fenced code blocks for code."

// Execute runs the task once: the agent works through the description with
// the given context until a final answer, which is then decoded (structured
// output, with one repair round trip), checked by the guardrail (with
// retries), written to the output file and given to the callback. It emits
// task_started and exactly one task_completed or task_failed around it all.
// The task is not modified; Execute is safe for concurrent use.
//
// When the task fails after the agent has run, Execute returns the error and
// a TaskOutput that holds only the task's identity and the usage its model
// calls cost, so that no spent token goes uncounted; before any model call it
// returns a nil TaskOutput.
func (t *Task) Execute(ctx context.Context, r Run) (*TaskOutput, error) {
	name := t.DisplayName()
	a := r.Agent
	if a == nil {
		a = t.Agent
	}
	if a == nil {
		return nil, fmt.Errorf("task: task %q has no Agent; set Task.Agent", name)
	}
	if a.LLM == nil {
		return nil, fmt.Errorf("task: agent %q of task %q has no LLM; set Agent.LLM", a.Role, name)
	}
	if t.Output != nil && t.Output.err != nil {
		return nil, fmt.Errorf("task: task %q Output: %w", name, t.Output.err)
	}
	if err := t.validateGuardrails(); err != nil {
		return nil, err
	}
	if t.OutputFile != "" {
		if err := checkOutputFile(name, t.OutputFile); err != nil {
			return nil, err
		}
	}
	f, err := t.Fill(r.Inputs)
	if err != nil {
		return nil, err
	}
	path := ""
	if f.OutputFile != "" {
		if path, err = resolveOutputFile(name, f.OutputFile, t.AllowOutsideDir); err != nil {
			return nil, err
		}
	}
	role := RoleOf(a, r.Inputs)
	outer := ctx
	ctx, step := event.Begin(ctx, event.TaskStarted{Header: event.Header{Source: "task:" + name},
		Task: name, Description: f.Description, ExpectedOutput: f.ExpectedOutput, Agent: role,
		Async: t.Async, Context: r.Context})
	ended := false
	defer func() {
		if ended {
			return
		}
		// Only a panic gets here: close the step, then let it go on.
		p := recover()
		event.End(step, event.TaskFailed{Task: name, Agent: role, Failure: event.Failure{
			Err: fmt.Errorf("task: task %q panicked: %v", name, p), Panic: true, Stack: string(debug.Stack())}})
		panic(p)
	}()
	out, err := t.run(ctx, name, role, a, f, path, r)
	ended = true
	if err != nil {
		event.End(step, event.TaskFailed{Task: name, Agent: role, Failure: event.Failure{Err: err}})
		return out, err
	}
	event.End(step, event.TaskCompleted{Task: name, Agent: role, Output: out.String(), Usage: out.Usage})
	if mem := a.MemoryFor(&agent.Job{Memory: r.Memory}); mem != nil {
		// In the background, as a step next to the task's (the crew drains
		// it before its kickoff ends).
		mem.RememberTask(outer, r.Crew, role, f.Description, out.String(), a.LLM)
	}
	return out, nil
}

// spent returns the usage a failed agent execution had already cost.
func spent(err error) llm.Usage {
	var ae *agent.Error
	if errors.As(err, &ae) {
		return ae.Usage
	}
	return llm.Usage{}
}

// RoleOf returns the agent's role with the inputs filled in (the role as
// written when a placeholder has no input).
func RoleOf(a *agent.Agent, inputs map[string]any) string {
	if a == nil {
		return ""
	}
	if s, err := interpolate.Fill("role", a.Role, inputs); err == nil {
		return s
	}
	return a.Role
}

func (t *Task) run(ctx context.Context, name, role string, a *agent.Agent, f Filled, path string, r Run) (result *TaskOutput, rerr error) {
	var usage llm.Usage
	defer func() {
		if rerr != nil && result == nil {
			// What the failed attempts cost still counts.
			result = &TaskOutput{Name: name, Description: f.Description, ExpectedOutput: f.ExpectedOutput,
				Agent: role, Usage: usage}
		}
	}()
	desc := f.Description
	if r.Plan != "" {
		desc += planIntro + r.Plan
	}
	if t.Markdown {
		desc += markdownRule
	}
	desc += trainedInstructions(ctx, a)
	expected := f.ExpectedOutput
	var format *llm.ResponseFormat
	if t.Output != nil {
		format = t.Output.responseFormat()
		expected += "\n\nAnswer with only a JSON value (no other text) that follows this JSON schema:\n" +
			string(t.Output.raw)
	}
	job := agent.Job{Description: desc, ExpectedOutput: expected, Context: r.Context, Inputs: r.Inputs,
		Tools: t.Tools, ResponseFormat: format, Coworkers: r.Coworkers, Manager: r.Manager, Limiter: r.Limiter,
		StepCallback: r.StepCallback, Crew: r.Crew, Knowledge: r.Knowledge, Memory: r.Memory,
		ToolFailurePolicy: r.ToolFailurePolicy, Hooks: r.Hooks, Files: t.Files}
	g := guard{t: t, name: name, model: a.LLM}
	for attempt := 1; ; attempt++ {
		res, err := t.execute(ctx, a, job, name)
		if res != nil {
			usage = usage.Add(res.Usage)
		}
		if err != nil {
			usage = usage.Add(spent(err))
			return nil, fmt.Errorf("task: task %q: %w", name, err)
		}
		out := TaskOutput{Name: name, Description: f.Description, ExpectedOutput: f.ExpectedOutput,
			Raw: res.Output, Agent: role, Format: FormatRaw, Messages: res.Messages}
		if t.Output != nil {
			v, js, derr := t.Output.decode(res.Output)
			if derr != nil {
				fix := agent.Job{
					Description: fmt.Sprintf("Your previous answer to the task below could not be used: %v.\n\n"+
						"Previous answer:\n%s\n\nReply again with only the corrected JSON.", derr, res.Output),
					ExpectedOutput: expected,
					Context:        "The task was:\n" + desc,
					Inputs:         r.Inputs,
					Tools:          []tool.Tool{},
					ResponseFormat: format,
					Limiter:        r.Limiter,
				}
				res2, err := a.Execute(ctx, fix)
				if res2 != nil {
					usage = usage.Add(res2.Usage)
				}
				if err != nil {
					usage = usage.Add(spent(err))
					return nil, fmt.Errorf("task: task %q: repairing the structured output: %w", name, err)
				}
				out.Raw, out.Messages = res2.Output, res2.Messages
				if v, js, derr = t.Output.decode(res2.Output); derr != nil {
					return nil, &OutputError{Task: name, Type: t.Output.typ.String(), Raw: res2.Output, Err: derr}
				}
			}
			out.Value, out.JSON, out.Format = v, js, FormatJSON
		}
		out.Usage = usage
		if len(t.Guardrails) == 0 {
			return t.finish(name, path, out)
		}
		checked, gerr, retry, used, err := g.run(ctx, attempt, out)
		usage = usage.Add(used)
		checked.Usage = usage
		if err != nil {
			return nil, err
		}
		if !retry {
			return t.finish(name, path, checked)
		}
		var b strings.Builder
		if r.Context != "" {
			b.WriteString(r.Context)
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "Your previous answer was rejected by a check: %v\n\nPrevious answer:\n%s\n\n"+
			"Give a new final answer that fixes this problem.", gerr, out.Raw)
		job.Context = b.String()
	}
}

// finish writes the output file and calls the callback.
func (t *Task) finish(name, path string, out TaskOutput) (res *TaskOutput, err error) {
	if path != "" {
		if err := writeOutput(name, path, out, t.AllowOutsideDir); err != nil {
			return nil, err
		}
	}
	if t.Callback != nil {
		defer func() {
			if p := recover(); p != nil {
				res, err = nil, fmt.Errorf("task: the callback of task %q panicked: %v", name, p)
			}
		}()
		t.Callback(out)
	}
	return &out, nil
}

func jsonIndent(raw json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

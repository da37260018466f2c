package agent

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/interpolate"
	"github.com/crewai-go/crewai/internal/textproto"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
)

// Names of the delegation tools an agent with AllowDelegation is given.
const (
	delegateWorkName = "delegate_work"
	askQuestionName  = "ask_question"
)

const (
	kindWork = 1 + iota
	kindQuestion
)

var (
	delegateWorkSchema = json.RawMessage(`{"type":"object","properties":{` +
		`"coworker":{"type":"string","description":"The role of the coworker who should do the work"},` +
		`"task":{"type":"string","description":"What the coworker must do, stated completely"},` +
		`"context":{"type":"string","description":"Everything the coworker needs to know to do it; they know nothing else about your work"}},` +
		`"required":["coworker","task","context"],"additionalProperties":false}`)
	askQuestionSchema = json.RawMessage(`{"type":"object","properties":{` +
		`"coworker":{"type":"string","description":"The role of the coworker to ask"},` +
		`"question":{"type":"string","description":"The question, stated completely"},` +
		`"context":{"type":"string","description":"Everything the coworker needs to know to answer; they know nothing else about your work"}},` +
		`"required":["coworker","question","context"],"additionalProperties":false}`)
)

// coworker is an agent that can be delegated to, with its filled role.
type coworker struct {
	a    *Agent
	role string
	key  string
}

// delegation is what an execution needs to offer and run the delegation
// tools. It is read-only once built.
type delegation struct {
	from    string
	allowed []coworker // who may be delegated to
	refused []coworker // coworkers excluded by Agent.Delegates
	job     *Job
}

func newDelegation(a *Agent, role string, job *Job) *delegation {
	d := &delegation{from: role, job: job}
	var allow map[string]bool
	if len(a.Delegates) > 0 {
		allow = make(map[string]bool, len(a.Delegates))
		for _, r := range a.Delegates {
			allow[roleKey(r)] = true
		}
	}
	for _, c := range job.Coworkers {
		if c == nil || c == a {
			continue
		}
		r, err := interpolate.Fill("agent Role", c.Role, job.Inputs)
		if err != nil {
			r = c.Role
		}
		cw := coworker{a: c, role: r, key: roleKey(r)}
		if allow != nil && !allow[cw.key] && !allow[roleKey(c.Role)] {
			d.refused = append(d.refused, cw)
			continue
		}
		d.allowed = append(d.allowed, cw)
	}
	if len(d.allowed) == 0 {
		return nil // nobody to delegate to: no delegation tools
	}
	return d
}

// roleKey normalises a role for matching: lower case, letters and digits
// only.
func roleKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func (d *delegation) names() string {
	roles := make([]string, len(d.allowed))
	for i, c := range d.allowed {
		roles[i] = strconv.Quote(c.role)
	}
	if len(roles) == 0 {
		return "(none)"
	}
	return strings.Join(roles, ", ")
}

func (d *delegation) descriptions() (work, question string) {
	names := d.names()
	work = "Hand a piece of work to a coworker and get their result back. Coworkers: " + names +
		". They know nothing of your task: put every fact, requirement and piece of data they need in the task and the context."
	question = "Ask a coworker a question and get their answer back. Coworkers: " + names +
		". They know nothing of your task: put everything they need to answer in the question and the context."
	return work, question
}

func (d *delegation) defs() []llm.ToolDef {
	w, q := d.descriptions()
	return []llm.ToolDef{
		{Name: delegateWorkName, Description: w, Parameters: delegateWorkSchema},
		{Name: askQuestionName, Description: q, Parameters: askQuestionSchema},
	}
}

func (d *delegation) specs() []textproto.Spec {
	w, q := d.descriptions()
	return []textproto.Spec{
		{Name: delegateWorkName, Description: w, Schema: delegateWorkSchema},
		{Name: askQuestionName, Description: q, Schema: askQuestionSchema},
	}
}

// kind tells whether name is one of the delegation tools (forgivingly).
func (d *delegation) kind(name string) int {
	switch name {
	case delegateWorkName:
		return kindWork
	case askQuestionName:
		return kindQuestion
	}
	switch roleKey(name) {
	case "delegatework", "delegateworktocoworker":
		return kindWork
	case "askquestion", "askquestiontocoworker":
		return kindQuestion
	}
	return 0
}

func (d *delegation) find(name string) (coworker, bool, bool) {
	k := roleKey(name)
	for _, c := range d.allowed {
		if c.key == k {
			return c, true, true
		}
	}
	for _, c := range d.refused {
		if c.key == k {
			return c, true, false
		}
	}
	return coworker{}, false, false
}

type delegationArgs struct {
	Coworker string `json:"coworker"`
	CoWorker string `json:"co_worker"`
	Task     string `json:"task"`
	Question string `json:"question"`
	Context  string `json:"context"`
}

// delegate runs one delegation: the coworker executes the task or answers the
// question, as a delegation step nested under the tool step of ctx.
func (e *execution) delegate(ctx context.Context, question bool, raw string) tool.Result {
	d := e.deleg
	name := delegateWorkName
	what := "task"
	if question {
		name, what = askQuestionName, "question"
	}
	var args delegationArgs
	if err := json.Unmarshal([]byte(strings.TrimSpace(raw)), &args); err != nil {
		return tool.Result{IsError: true, Output: "Error: the arguments for tool " + strconv.Quote(name) +
			" are not a valid JSON object (" + err.Error() + "). Send {\"coworker\": ..., \"" + what + "\": ..., \"context\": ...}."}
	}
	if args.Coworker == "" {
		args.Coworker = args.CoWorker
	}
	text := args.Task
	if question {
		text = args.Question
	}
	if strings.TrimSpace(args.Coworker) == "" || strings.TrimSpace(text) == "" {
		return tool.Result{IsError: true, Output: "Error: tool " + strconv.Quote(name) + " needs a non-empty \"coworker\" and \"" +
			what + "\". Coworkers: " + d.names() + "."}
	}
	cw, found, ok := d.find(strings.Trim(args.Coworker, " \t\"'`[]"))
	if !found {
		return tool.Result{IsError: true, Output: "Error: there is no coworker " + strconv.Quote(args.Coworker) +
			". Choose one of: " + d.names() + "."}
	}
	if !ok {
		return tool.Result{IsError: true, Output: "Error: you may not delegate to " + strconv.Quote(cw.role) +
			". You may delegate to: " + d.names() + "."}
	}
	dctx, st := event.Begin(ctx, event.DelegationStarted{From: d.from, To: cw.role, Question: question, Task: text,
		Context: args.Context})
	job := Job{Description: text, Context: args.Context, Inputs: d.job.Inputs, Limiter: d.job.Limiter,
		StepCallback: d.job.StepCallback, Hooks: d.job.Hooks, ToolFailurePolicy: d.job.ToolFailurePolicy}
	if question {
		job.ExpectedOutput = "A clear and complete answer to the question, for the coworker who asked it."
	} else {
		job.ExpectedOutput = "The complete result of this work, for the coworker who handed it to you."
	}
	res, err := cw.a.Execute(dctx, job)
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			e.addUsage(ae.Usage)
		}
		event.End(st, event.DelegationFailed{From: d.from, To: cw.role, Failure: event.Failure{Err: err}})
		return tool.Result{IsError: true, Err: err, Output: "Error: coworker " + strconv.Quote(cw.role) +
			" could not finish: " + err.Error()}
	}
	e.addUsage(res.Usage)
	event.End(st, event.DelegationCompleted{From: d.from, To: cw.role, Result: res.Output})
	return tool.Result{Output: res.Output}
}

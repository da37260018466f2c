package agent

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/hook"
	"github.com/crewai-go/crewai/internal/console"
	"github.com/crewai-go/crewai/internal/interpolate"
	"github.com/crewai-go/crewai/internal/pricing"
	"github.com/crewai-go/crewai/internal/textproto"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/stream"
	"github.com/crewai-go/crewai/tool"
)

const (
	defaultMaxIter   = 25
	defaultRetries   = 2
	maxParallelTools = 8
	// defaultSummaryChunk is the size in bytes of the pieces of conversation
	// summarised in one call when the model's context size is unknown.
	defaultSummaryChunk = 32 << 10
)

var textStop = []string{textproto.StopWord}

// plan is what one Execute prepares once and shares by all its attempts; it
// is read-only after prepare.
type plan struct {
	a         *Agent
	job       *Job
	role      string
	goal      string
	backstory string
	info      llm.Info
	text      bool // text protocol (model without tools, and tools to offer)
	runner    *tool.Runner
	names     []string // the runner's tool names (shared, read-only)
	defs      []llm.ToolDef
	deleg     *delegation
	system    string
	user      string
	maxIter   int
	agentLim  *rate.Limiter
	hooks     []*hook.Hooks // nil without hooks
}

// Execute works through job until the model gives a final answer, and
// returns it with the conversation and the token usage. It validates the
// agent and fills the {placeholders} of its role, goal and backstory from
// job.Inputs before any model call, without modifying the Agent. Every
// attempt is announced as an agent execution step on the event bus carried
// by ctx, and so are its model calls, tool calls and delegations.
//
// Errors are [*Error] values naming the agent; they wrap the cause, so
// errors.Is(err, llm.ErrRateLimit), errors.Is(err, context.Canceled),
// errors.Is(err, ErrInvalid) and the like work. Execute is safe for
// concurrent use.
func (a *Agent) Execute(ctx context.Context, job Job) (*Result, error) {
	if a == nil {
		return nil, &Error{Err: invalid("Execute called on a nil *Agent")}
	}
	if len(a.MCPs) > 0 {
		release, err := a.acquireSources(ctx, &job)
		if err != nil {
			return nil, &Error{Role: a.Role, Err: err}
		}
		defer release()
	}
	p, err := a.prepare(&job)
	if err != nil {
		role := p.role
		if role == "" {
			role = a.Role
		}
		return nil, &Error{Role: role, Attempts: 0, Err: err}
	}
	if a.Verbose {
		ctx = console.Attach(ctx, os.Stderr)
	}
	parent := ctx
	if len(p.runner.Tools()) > 0 && tool.RunStateFrom(ctx) == nil {
		// Usage limits and the result cache of a standalone execution last
		// for the execution (a crew or flow sets one for the whole run).
		ctx = tool.WithRunState(ctx)
	}
	if a.MaxExecutionTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.MaxExecutionTime)
		defer cancel()
	}
	retries := a.MaxRetryLimit
	if retries == 0 {
		retries = defaultRetries
	} else if retries < 0 {
		retries = 0
	}
	var usage llm.Usage
	if a.Knowledge != nil || job.Knowledge != nil || a.MemoryFor(&job) != nil {
		used, err := p.augment(ctx)
		usage = used
		if err != nil {
			return nil, &Error{Role: p.role, Usage: usage, Err: err}
		}
	}
	if a.Reasoning {
		used, err := p.reason(ctx)
		usage = usage.Add(used)
		if err != nil {
			return nil, &Error{Role: p.role, Usage: usage, Err: err}
		}
	}
	for attempt := 1; ; attempt++ {
		res, used, err := p.attempt(ctx, attempt)
		usage = usage.Add(used)
		if err == nil {
			res.Usage = usage
			return res, nil
		}
		if ctx.Err() == context.DeadlineExceeded && parent.Err() == nil {
			err = fmt.Errorf("%w (MaxExecutionTime %v): %w", ErrTimeout, a.MaxExecutionTime, err)
		}
		if attempt > retries || !retryable(ctx, err) {
			return nil, &Error{Role: p.role, Attempts: attempt, Usage: usage, Err: err}
		}
		if event.Enabled(ctx) {
			event.Emit(ctx, event.Retry{Operation: "agent " + p.role, Attempt: attempt + 1, Err: err})
		}
	}
}

// acquireSources acquires the agent's tool sources (see Agent.MCPs) and
// sets job.Tools to the tools the execution uses plus theirs. release gives
// back what this execution acquired.
func (a *Agent) acquireSources(ctx context.Context, job *Job) (release func(), err error) {
	base := a.Tools
	if job.Tools != nil {
		base = job.Tools
	}
	tools := slices.Clone(base)
	var releases []func()
	release = func() {
		for _, r := range releases {
			r()
		}
	}
	for i, src := range a.MCPs {
		if src == nil {
			release()
			return nil, invalid("MCPs[%d] is nil", i)
		}
		ts, rel, err := tool.Acquire(ctx, src)
		if err != nil {
			release()
			return nil, fmt.Errorf("agent: MCPs[%d]: %w", i, err)
		}
		releases = append(releases, rel)
		tools = append(tools, ts...)
	}
	if tools == nil {
		tools = []tool.Tool{}
	}
	job.Tools = tools
	return release, nil
}

// retryable reports whether a failed attempt is worth running again. A
// model call has one retry budget, its client's: a model error the client
// classified (an *llm.Error: rate limit, server and transport failures it
// already retried, or auth, bad-request and context-window errors no retry
// fixes) is not run again, except an empty reply or a streamed reply cut
// after text was delivered (Interrupted), which the client does not retry. Other failures (an unparsable answer, a model that is not this
// package's client, no final answer) are.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *event.PanicError
	var be *hook.BlockedError
	if errors.As(err, &pe) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrTimeout) || isToolFailure(err) || errors.As(err, &be) {
		return false
	}
	var le *llm.Error
	if errors.As(err, &le) {
		return le.Interrupted || errors.Is(err, llm.ErrEmptyResponse)
	}
	return true
}

// Validate checks the agent as Execute does before any model call, with
// inputs as the kickoff inputs: Role set, LLM set and usable ([llm.Check]:
// an API key, a well-formed base URL), MaxIter, MaxRPM and
// MaxExecutionTime not negative, SystemTemplate and TaskTemplate using only
// their placeholders, Tools usable, and every {placeholder} of Role, Goal
// and Backstory given by inputs. The error is an [*Error] naming the agent;
// it wraps [ErrInvalid] and names the field, its value and what is
// accepted. A crew calls it for every agent before its first model call.
//
// It builds nothing (no prompt, no tool runner) and allocates nothing when
// the agent is fine, so a crew can check every agent on every kickoff.
func (a *Agent) Validate(inputs map[string]any) error {
	if a == nil {
		return &Error{Err: invalid("Validate called on a nil *Agent")}
	}
	if err := a.check(inputs, a.Tools); err != nil {
		return &Error{Role: a.filledRole(inputs), Err: err}
	}
	return nil
}

// check makes every check of the definition that Execute makes before any
// model call, with inputs as the kickoff inputs and tools as the tools the
// job uses: the one place for them (Validate, Execute and a crew's
// validation all come here). It allocates nothing when all is well.
func (a *Agent) check(inputs map[string]any, tools []tool.Tool) error {
	if strings.TrimSpace(a.Role) == "" {
		return invalid("Role is empty; every agent needs a role")
	}
	if a.LLM == nil {
		return invalid("LLM is nil; set Agent.LLM to a model")
	}
	if err := llm.Check(a.LLM); err != nil {
		return fmt.Errorf("%w: LLM cannot be used: %w", ErrInvalid, err)
	}
	if err := a.checkSettings(); err != nil {
		return err
	}
	for _, f := range [...]struct{ name, text string }{{"Role", a.Role}, {"Goal", a.Goal}, {"Backstory", a.Backstory}} {
		if err := interpolate.Check(f.text, inputs); err != nil {
			var me *interpolate.MissingError
			if errors.As(err, &me) {
				me.Field = "agent Role"
				if f.name != "Role" {
					me.Field = "agent " + strconv.Quote(a.filledRole(inputs)) + " " + f.name
				}
			}
			return invalid("%w", err)
		}
	}
	if err := tool.Check(tools); err != nil {
		return invalid("%w", err)
	}
	return nil
}

// filledRole returns the role with inputs filled in, or as written when
// that fails.
func (a *Agent) filledRole(inputs map[string]any) string {
	if r, err := interpolate.Fill("agent Role", a.Role, inputs); err == nil {
		return r
	}
	return a.Role
}

// templatePlaceholders are the placeholders each prompt template accepts.
var templatePlaceholders = map[string][]string{
	"SystemTemplate": {"role", "goal", "backstory"},
	"TaskTemplate":   {"description", "expected_output", "context"},
}

// checkSettings checks the agent's limits and prompt templates, which do
// not depend on the inputs.
func (a *Agent) checkSettings() error {
	if len(a.Guardrails) > 0 {
		if err := a.validateGuardrails(); err != nil {
			return err
		}
	}
	if a.MaxIter < 0 {
		return invalid("MaxIter is %d; use a positive number, or 0 for the default of %d", a.MaxIter, defaultMaxIter)
	}
	if a.MaxRPM < 0 {
		return invalid("MaxRPM is %d; use a positive number of model calls per minute, or 0 for no limit", a.MaxRPM)
	}
	if a.MaxExecutionTime < 0 {
		return invalid("MaxExecutionTime is %v; use a positive duration, or 0 for no limit", a.MaxExecutionTime)
	}
	if err := a.ToolFailurePolicy.check("ToolFailurePolicy"); err != nil {
		return err
	}
	if a.MaxReasoningAttempts < 0 {
		return invalid("MaxReasoningAttempts is %d; use a positive number, or 0 for the default of %d",
			a.MaxReasoningAttempts, DefaultMaxReasoningAttempts)
	}
	for _, t := range [...]struct{ field, tmpl string }{{"SystemTemplate", a.SystemTemplate}, {"TaskTemplate", a.TaskTemplate}} {
		if strings.IndexByte(t.tmpl, '{') < 0 {
			continue
		}
		field := t.field
		for _, name := range interpolate.Placeholders(t.tmpl) {
			if !slices.Contains(templatePlaceholders[field], name) {
				return invalid("%s uses {%s}; it accepts {%s}", field, name, strings.Join(templatePlaceholders[field], "}, {"))
			}
		}
	}
	return nil
}

// prepare validates the agent and builds what every attempt shares. On error
// the returned plan holds the role as far as it could be filled.
func (a *Agent) prepare(job *Job) (*plan, error) {
	p := &plan{a: a, job: job}
	tools := a.Tools
	if job.Tools != nil {
		tools = job.Tools
	}
	if err := a.check(job.Inputs, tools); err != nil {
		p.role = a.filledRole(job.Inputs)
		return p, err
	}
	if err := job.ToolFailurePolicy.check("Job.ToolFailurePolicy"); err != nil {
		p.role = a.Role
		return p, err
	}
	var err error
	p.role, p.goal = a.Role, a.Goal
	backstory := a.Backstory
	if strings.IndexByte(a.Role, '{') >= 0 {
		if p.role, err = interpolate.Fill("agent Role", a.Role, job.Inputs); err != nil {
			p.role = a.Role
			return p, invalid("%w", err)
		}
	}
	if strings.IndexByte(a.Goal, '{') >= 0 {
		if p.goal, err = interpolate.Fill("agent "+strconv.Quote(p.role)+" Goal", a.Goal, job.Inputs); err != nil {
			return p, invalid("%w", err)
		}
	}
	if strings.IndexByte(a.Backstory, '{') >= 0 {
		if backstory, err = interpolate.Fill("agent "+strconv.Quote(p.role)+" Backstory", a.Backstory, job.Inputs); err != nil {
			return p, invalid("%w", err)
		}
	}
	p.info = a.LLM.Info()
	p.maxIter = a.MaxIter
	if p.maxIter == 0 {
		p.maxIter = defaultMaxIter
	}
	p.agentLim = a.limiter()
	p.hooks = a.hooksFor(job)

	var cr *cachedRunner
	if job.Tools != nil {
		cr = runnerFor(&a.runners.job, job.Tools)
	} else {
		cr = runnerFor(&a.runners.own, a.Tools)
	}
	if mem := a.MemoryFor(job); mem != nil {
		if mt := mem.Tools(job.Crew, p.role, a.Memory != nil); len(mt) > 0 {
			all := append(slices.Clip(tools), mt...)
			if err := tool.Check(all); err != nil {
				return p, invalid("%w", err)
			}
			var fresh atomic.Pointer[cachedRunner]
			cr = runnerFor(&fresh, all)
		}
	}
	p.runner, p.names = cr.r, cr.names
	if (a.AllowDelegation || job.Manager) && len(job.Coworkers) > 0 {
		p.deleg = newDelegation(a, p.role, job)
	}
	n := len(p.runner.Tools())
	if p.deleg != nil {
		n += 2
	}
	var specs []textproto.Spec
	if n > 0 {
		if p.info.NoTools {
			p.text = true
			specs = make([]textproto.Spec, 0, n)
			for _, t := range p.runner.Tools() {
				specs = append(specs, textproto.Spec{Name: t.Name(), Description: t.Description(), Schema: t.Schema()})
			}
			if p.deleg != nil {
				specs = append(specs, p.deleg.specs()...)
			}
		} else {
			p.defs = cr.defs // shared and read-only: a model must not modify its Request
			if p.deleg != nil {
				p.defs = append(cr.defs[:len(cr.defs):len(cr.defs)], p.deleg.defs()...)
			}
		}
	}
	p.backstory = backstory
	if p.system, err = a.systemPrompt(p.role, p.goal, backstory, specs); err != nil {
		return p, err
	}
	if p.user, err = a.userPrompt(job); err != nil {
		return p, err
	}
	return p, nil
}

// execution is the state of one attempt. Only usage is touched by several
// goroutines (delegations running in parallel).
type execution struct {
	*plan
	msgs  []llm.Message
	iter  int // iterations of the loop (model calls that are steps)
	calls int // every model call, summaries included
	seen  map[string]string
	uses  map[string]int

	mu    sync.Mutex
	usage llm.Usage
}

func (e *execution) addUsage(u llm.Usage) {
	e.mu.Lock()
	e.usage = e.usage.Add(u)
	e.mu.Unlock()
}

// attempt runs one execution as one agent step on the bus.
func (p *plan) attempt(ctx context.Context, attempt int) (res *Result, usage llm.Usage, err error) {
	e := &execution{plan: p}
	e.msgs = make([]llm.Message, 2, 8)
	e.msgs[0] = llm.Message{Role: llm.RoleSystem, Content: p.system}
	e.msgs[1] = llm.Message{Role: llm.RoleUser, Content: p.user, Parts: p.job.Files}
	if len(p.job.Messages) > 0 {
		e.msgs = p.conversation()
	}

	var st event.Step
	if event.Enabled(ctx) && !rootAttempt(ctx) {
		ctx, st = event.Begin(ctx, p.startedEvent(attempt))
	}
	defer func() {
		if r := recover(); r != nil {
			err = &event.PanicError{Value: r, Stack: string(debug.Stack())}
			res = nil
		}
		e.mu.Lock()
		usage = e.usage
		e.mu.Unlock()
		if !st.Active() {
			return
		}
		if err != nil {
			f := event.Failure{Err: err}
			var pe *event.PanicError
			if errors.As(err, &pe) {
				f.Panic, f.Stack = true, pe.Stack
			}
			event.End(st, event.AgentFailed{Role: p.role, AgentID: p.agentID(), Failure: f})
			return
		}
		event.End(st, event.AgentCompleted{Role: p.role, AgentID: p.agentID(), Output: res.Output,
			Iterations: res.Iterations, Usage: usage})
	}()

	out, err := e.loop(ctx)
	if err != nil {
		return nil, llm.Usage{}, err
	}
	return &Result{Output: out, Messages: e.msgs, Iterations: e.iter}, llm.Usage{}, nil
}

func (p *plan) startedEvent(attempt int) event.AgentStarted {
	names := p.names // shared and read-only, as events are
	if p.deleg != nil {
		names = append(names[:len(names):len(names)], delegateWorkName, askQuestionName)
	}
	return event.AgentStarted{Header: event.Header{Source: "agent:" + p.role}, Role: p.role, AgentID: p.agentID(),
		Goal: p.goal, Backstory: p.backstory, Tools: names, Model: p.info.Model, Provider: p.info.Provider,
		Prompt: p.user, Attempt: attempt}
}

// agentID is the agent's ID for events: Agent.ID, or a hash of its
// definition.
func (p *plan) agentID() string {
	if p.a.ID != "" {
		return p.a.ID
	}
	h := fnv.New64a()
	h.Write([]byte(p.a.Role))
	h.Write([]byte{0})
	h.Write([]byte(p.a.Goal))
	h.Write([]byte{0})
	h.Write([]byte(p.a.Backstory))
	return strconv.FormatUint(h.Sum64(), 16)
}

// loop runs steps until a final answer, an error, or MaxIter.
func (e *execution) loop(ctx context.Context) (string, error) {
	var stop []string
	if e.text && !e.info.NoStop {
		stop = textStop
	}
	format := e.job.ResponseFormat
	if e.text {
		format = nil // the reply must follow the text protocol
	}
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if e.iter >= e.maxIter {
			return e.forcedAnswer(ctx)
		}
		e.iter++
		resp, err := e.chat(ctx, e.defs, stop, format)
		if err != nil {
			return "", err
		}
		if e.text {
			out, done, err := e.textStep(ctx, resp)
			if done || err != nil {
				return out, err
			}
			continue
		}
		e.msgs = append(e.msgs, llm.Message{Role: llm.RoleAssistant, Content: resp.Content, ToolCalls: resp.ToolCalls,
			Reasoning: resp.Reasoning})
		if len(resp.ToolCalls) == 0 {
			if strings.TrimSpace(resp.Content) == "" {
				e.msgs = append(e.msgs, llm.Message{Role: llm.RoleUser, Content: emptyReplyPrompt})
				e.callback(Step{Iteration: e.iter})
				continue
			}
			e.callback(Step{Iteration: e.iter, FinalAnswer: resp.Content})
			return resp.Content, nil
		}
		results, err := e.runTools(ctx, resp.ToolCalls)
		if err == nil {
			err = e.toolFailures(ctx, results)
		}
		if err != nil {
			return "", err
		}
		answer, asAnswer := "", false
		for i := range results {
			r := &results[i]
			e.msgs = append(e.msgs, llm.Message{Role: llm.RoleTool, Content: r.Result.Output,
				ToolCallID: r.Call.ID, Name: r.Call.Name})
			if !asAnswer && r.Result.ResultAsAnswer && !r.Result.IsError {
				answer, asAnswer = r.Result.Output, true
			}
		}
		e.callback(Step{Iteration: e.iter, Thought: resp.Content, ToolCalls: results, FinalAnswer: answer})
		if asAnswer {
			return answer, nil
		}
	}
}

// textStep handles one reply of the text protocol.
func (e *execution) textStep(ctx context.Context, resp *llm.Response) (string, bool, error) {
	e.msgs = append(e.msgs, llm.Message{Role: llm.RoleAssistant, Content: resp.Content})
	r, err := textproto.Parse(resp.Content)
	if err != nil {
		var pe *textproto.ParseError
		errors.As(err, &pe)
		e.msgs = append(e.msgs, llm.Message{Role: llm.RoleUser, Content: pe.Feedback()})
		e.callback(Step{Iteration: e.iter, Thought: resp.Content})
		return "", false, nil
	}
	if r.IsFinal {
		e.callback(Step{Iteration: e.iter, Thought: r.Thought, FinalAnswer: r.Final})
		return r.Final, true, nil
	}
	call := llm.ToolCall{ID: "text_" + strconv.Itoa(e.iter), Name: r.Action, Arguments: string(r.Input)}
	results, err := e.runTools(ctx, []llm.ToolCall{call})
	if err == nil {
		err = e.toolFailures(ctx, results)
	}
	if err != nil {
		return "", false, err
	}
	res := results[0].Result
	e.msgs = append(e.msgs, llm.Message{Role: llm.RoleUser, Content: textproto.ObservationPrefix + res.Output})
	var answer string
	if res.ResultAsAnswer && !res.IsError {
		answer = res.Output
	}
	e.callback(Step{Iteration: e.iter, Thought: r.Thought, ToolCalls: results, FinalAnswer: answer})
	return answer, answer != "", nil
}

// forcedAnswer asks the model once, without tools, for its final answer.
func (e *execution) forcedAnswer(ctx context.Context) (string, error) {
	e.iter++
	prompt := forcedAnswerPrompt
	if e.text {
		prompt = forcedAnswerPromptText
	}
	e.msgs = append(e.msgs, llm.Message{Role: llm.RoleUser, Content: prompt})
	resp, err := e.chat(ctx, nil, nil, e.job.ResponseFormat)
	if err != nil {
		return "", err
	}
	e.msgs = append(e.msgs, llm.Message{Role: llm.RoleAssistant, Content: resp.Content})
	out := resp.Content
	if r, err := textproto.Parse(out); err == nil {
		if !r.IsFinal {
			return "", fmt.Errorf("%w: asked for its final answer after MaxIter (%d), the model asked for tool %q instead",
				ErrNoAnswer, e.maxIter, r.Action)
		}
		out = r.Final
	}
	out = strings.TrimSpace(out)
	if out == "" {
		return "", fmt.Errorf("%w: the reply after MaxIter (%d) was empty", ErrNoAnswer, e.maxIter)
	}
	e.callback(Step{Iteration: e.iter, FinalAnswer: out})
	return out, nil
}

func (e *execution) callback(s Step) {
	if e.a.StepCallback != nil {
		e.a.StepCallback(s)
	}
	if e.job.StepCallback != nil {
		e.job.StepCallback(s)
	}
}

// chat sends the conversation to the model. When the conversation no longer
// fits in the model's context, it summarises it and tries once more.
func (e *execution) chat(ctx context.Context, defs []llm.ToolDef, stop []string, format *llm.ResponseFormat) (*llm.Response, error) {
	req := llm.Request{Messages: e.msgs, Tools: defs, Stop: stop, ResponseFormat: format}
	resp, err := e.call(ctx, &req)
	if err == nil || !errors.Is(err, llm.ErrContextWindow) {
		return resp, err
	}
	if serr := e.summarise(ctx); serr != nil {
		return nil, fmt.Errorf("%w; summarising the conversation to make it fit failed: %w", err, serr)
	}
	req = llm.Request{Messages: e.msgs, Tools: defs, Stop: stop, ResponseFormat: format}
	resp, err = e.call(ctx, &req)
	if err != nil && errors.Is(err, llm.ErrContextWindow) {
		return nil, fmt.Errorf("the conversation still does not fit after summarising it: %w", err)
	}
	return resp, err
}

// call makes one model call as one LLM-call step on the bus, after waiting
// for the rate limits.
func (e *execution) call(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if err := e.wait(ctx); err != nil {
		return nil, err
	}
	e.calls++
	n := e.calls
	if e.hooks != nil {
		if err := e.beforeModel(ctx, req); err != nil {
			e.blockedModel(ctx, req, err.(*hook.BlockedError))
			return nil, err
		}
	}
	var st event.Step
	cctx := ctx
	if event.Enabled(ctx) {
		ev := event.LLMCallStarted{Model: e.info.Model, Provider: e.info.Provider, ServerAddress: e.info.ServerAddress,
			Messages: req.Messages, Tools: req.Tools, Temperature: req.Temperature,
			MaxTokens: req.MaxTokens, Stop: req.Stop, Stream: e.a.Stream, Agent: e.role}
		if req.ResponseFormat != nil {
			ev.ResponseFormat = req.ResponseFormat.Name
		}
		cctx, st = event.Begin(ctx, ev)
	}
	if e.a.Stream || (st.Active() && stream.Requested(ctx)) {
		model := e.info.Model
		req.OnChunk = func(s string) { event.Emit(cctx, event.LLMStreamChunk{Model: model, Chunk: s}) }
	}
	resp, err := generate(cctx, e.a.LLM, req)
	if err == nil && resp == nil {
		err = fmt.Errorf("%w: the model returned neither a response nor an error", llm.ErrEmptyResponse)
	}
	if err != nil {
		if st.Active() {
			f := event.Failure{Err: err}
			var pe *event.PanicError
			if errors.As(err, &pe) {
				f.Panic, f.Stack = true, pe.Stack
			}
			event.End(st, event.LLMCallFailed{Model: e.info.Model, Failure: f})
		}
		return nil, fmt.Errorf("model call %d: %w", n, err)
	}
	for i := range resp.ToolCalls {
		if resp.ToolCalls[i].ID == "" {
			// Some servers send no IDs; the tool messages need one. They are
			// set before the end event, which shares resp.ToolCalls.
			resp.ToolCalls[i].ID = "call_" + strconv.Itoa(e.iter) + "_" + strconv.Itoa(i+1)
		}
	}
	e.addUsage(resp.Usage)
	if e.hooks != nil {
		if err := e.afterModel(cctx, req, resp); err != nil {
			if st.Active() {
				event.End(st, event.LLMCallFailed{Model: e.info.Model, Blocked: err.(*hook.BlockedError).Reason,
					Failure: event.Failure{Err: err}})
			}
			return nil, err
		}
	}
	if st.Active() {
		priced := resp.Model
		if priced == "" {
			priced = e.info.Model
		}
		cost, _ := pricing.Default().Cost(priced, resp.Usage)
		event.End(st, event.LLMCallCompleted{Model: e.info.Model, ResponseModel: resp.Model, ResponseID: resp.ID,
			FinishReason: resp.FinishReason, Content: resp.Content, ToolCalls: resp.ToolCalls,
			Reasoning: resp.Reasoning, Usage: resp.Usage, Cost: cost})
	}
	return resp, nil
}

// generate calls the model, turning a panic into a *event.PanicError.
func generate(ctx context.Context, m llm.LLM, req *llm.Request) (resp *llm.Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, &event.PanicError{Value: r, Stack: string(debug.Stack())}
		}
	}()
	return m.Generate(ctx, req)
}

// wait waits for the agent's and the crew's token buckets.
func (e *execution) wait(ctx context.Context) error {
	if err := waitLimiter(ctx, e.agentLim, "agent"); err != nil {
		return err
	}
	return waitLimiter(ctx, e.job.Limiter, "crew")
}

func waitLimiter(ctx context.Context, lim *rate.Limiter, name string) error {
	if lim == nil {
		return nil
	}
	r := lim.Reserve()
	if !r.OK() {
		return fmt.Errorf("the %s rate limiter can never allow a call (its burst is %d)", name, lim.Burst())
	}
	d := r.Delay()
	if d <= 0 {
		return nil
	}
	event.Emit(ctx, event.RateLimitWait{Limiter: name, Wait: d})
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	}
}

// summarise replaces the conversation after the system and task messages by
// a summary written by the model, in pieces small enough for its context.
func (e *execution) summarise(ctx context.Context) error {
	if len(e.msgs) <= 2 {
		return errors.New("there is nothing to summarise: the system and task messages alone are too long")
	}
	var b strings.Builder
	for _, m := range e.msgs[2:] {
		b.WriteString("[")
		b.WriteString(string(m.Role))
		if m.Name != "" {
			b.WriteString(" ")
			b.WriteString(m.Name)
		}
		b.WriteString("] ")
		b.WriteString(m.Content)
		for _, c := range m.ToolCalls {
			b.WriteString("\n(calls tool ")
			b.WriteString(c.Name)
			b.WriteString(" with ")
			b.WriteString(c.Arguments)
			b.WriteString(")")
		}
		b.WriteString("\n\n")
	}
	text := b.String()
	chunk := defaultSummaryChunk
	if e.info.ContextWindow > 0 {
		chunk = e.info.ContextWindow * 2 // about half the window, at 4 bytes a token
	}
	var parts []string
	for len(text) > 0 {
		n := min(chunk, len(text))
		for n < len(text) && n > 0 && !utf8.RuneStart(text[n]) {
			n--
		}
		if n == 0 {
			n = min(chunk, len(text))
		}
		req := llm.Request{Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: summarySystemPrompt},
			{Role: llm.RoleUser, Content: text[:n]},
		}}
		resp, err := e.call(ctx, &req)
		if err != nil {
			return err
		}
		parts = append(parts, strings.TrimSpace(resp.Content))
		text = text[n:]
	}
	msgs := make([]llm.Message, 3, 8)
	copy(msgs, e.msgs[:2])
	msgs[2] = llm.Message{Role: llm.RoleUser, Content: summaryIntro + strings.Join(parts, "\n\n") + summaryOutro}
	e.msgs = msgs
	return nil
}

// runTools runs the calls of one reply, concurrently when there are
// several, and returns their results in the order of the calls.
//
// When ctx ends (the kickoff is cancelled or MaxExecutionTime passes) before
// the calls return, runTools returns at once with an error wrapping
// ctx.Err(), and leaves the calls running: see [AbandonedToolCalls].
func (e *execution) runTools(ctx context.Context, calls []llm.ToolCall) ([]ToolCallResult, error) {
	results := make([]ToolCallResult, len(calls))
	type job struct {
		attempt  int
		key      string
		repeated bool
		prev     string
	}
	jobs := make([]job, len(calls))
	if e.uses == nil {
		e.uses = make(map[string]int, 4)
	}
	for i, c := range calls {
		results[i].Call = c
		e.uses[c.Name]++
		jobs[i].attempt = e.uses[c.Name]
		jobs[i].key = c.Name + "\x00" + strings.TrimSpace(c.Arguments)
		if prev, ok := e.seen[jobs[i].key]; ok {
			jobs[i].repeated, jobs[i].prev = true, prev
		}
	}
	run := func(ctx context.Context, i int) {
		j := &jobs[i]
		results[i].Result, results[i].Repeated = e.runOne(ctx, calls[i], j.attempt, j.repeated, j.prev)
	}
	runAll := func() {
		if len(calls) == 1 {
			run(ctx, 0)
			return
		}
		var g errgroup.Group
		g.SetLimit(maxParallelTools)
		for i := range calls {
			g.Go(func() error { run(ctx, i); return nil })
		}
		_ = g.Wait()
	}
	if ctx.Done() == nil {
		runAll() // nothing can end this execution early
	} else if err := waitTools(ctx, calls, runAll); err != nil {
		return nil, err
	}
	if e.seen == nil {
		e.seen = make(map[string]string, 4)
	}
	for i := range results {
		if results[i].Result.Err == nil && !results[i].Repeated {
			e.seen[jobs[i].key] = results[i].Result.Output
		}
	}
	return results, nil
}

// runOne runs one tool call as one tool step on the bus.
func (e *execution) runOne(ctx context.Context, c llm.ToolCall, attempt int, repeated bool, prev string) (res tool.Result, _ bool) {
	var blocked string
	if e.hooks != nil {
		blocked = e.beforeTool(ctx, &c)
	}
	tctx, st := event.Begin(ctx, event.ToolStarted{Tool: c.Name, CallID: c.ID, Arguments: c.Arguments,
		Agent: e.role, Attempt: attempt})
	defer func() {
		// Runner.Run and Execute recover their own panics; this guards the
		// rest (a parallel call runs on its own goroutine).
		if r := recover(); r != nil {
			stack := string(debug.Stack())
			res = tool.Result{IsError: true, Panic: true, Stack: stack, Err: &event.PanicError{Value: r, Stack: stack},
				Output: fmt.Sprintf("Error: the call of tool %q failed unexpectedly: %v", c.Name, r)}
			event.End(st, event.ToolFailed{Tool: c.Name, CallID: c.ID,
				Failure: event.Failure{Err: res.Err, Panic: true, Stack: stack}})
		}
	}()
	switch {
	case blocked != "":
		res = blockedToolResult(c.Name, blocked)
	case repeated:
		res = tool.Result{Output: prev + repeatedNote}
	case e.deleg != nil && e.deleg.kind(c.Name) != 0:
		res = e.delegate(tctx, e.deleg.kind(c.Name) == kindQuestion, c.Arguments)
	default:
		if _, ok := e.runner.Lookup(c.Name); !ok {
			res = e.unknownTool(c.Name)
		} else {
			res = e.runner.Run(tctx, c.Name, c.Arguments)
		}
	}
	if e.hooks != nil && blocked == "" {
		if blocked = e.afterTool(tctx, &c, &res); blocked != "" {
			res = blockedToolResult(c.Name, blocked)
		}
	}
	if st.Active() {
		if res.Err != nil {
			event.End(st, event.ToolFailed{Tool: c.Name, CallID: c.ID,
				Failure: event.Failure{Err: res.Err, Panic: res.Panic, Stack: res.Stack}})
		} else {
			event.End(st, event.ToolFinished{Tool: c.Name, CallID: c.ID, Result: res.Output, CacheHit: res.CacheHit,
				Repeated: repeated, IsError: res.IsError, Blocked: blocked})
		}
	}
	return res, repeated
}

func (e *execution) unknownTool(name string) tool.Result {
	var b strings.Builder
	b.WriteString("Error: there is no tool named ")
	b.WriteString(strconv.Quote(name))
	b.WriteString(". Available tools: ")
	n := 0
	for _, t := range e.runner.Tools() {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.Name())
		n++
	}
	if e.deleg != nil {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(delegateWorkName + ", " + askQuestionName)
		n++
	}
	if n == 0 {
		b.WriteString("none; give your final answer")
	}
	b.WriteString(".")
	return tool.Result{IsError: true, Output: b.String()}
}

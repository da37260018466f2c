package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/console"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

// memoryDrainTimeout bounds the wait of a standalone Kickoff for the
// background save of what its agent remembers.
const memoryDrainTimeout = 30 * time.Second

// OutputSchema is structured output for [Agent.Kickoff]: a Go type's JSON
// schema and its decoder. *task.Schema implements it (task.As[T]()), so an
// agent alone and a task share one typed path: the same schema sent to the
// model, the same lenient decoding, the same one repair round trip.
type OutputSchema interface {
	// ResponseFormat is the format asked of the model.
	ResponseFormat() *llm.ResponseFormat
	// JSONSchema is the schema described in the prompt.
	JSONSchema() json.RawMessage
	// Decode validates a reply and decodes it: the value (of the schema's
	// Go type), its canonical JSON, or an error meant for the model.
	Decode(reply string) (value any, js json.RawMessage, err error)
	// Err is the error met building the schema, or nil.
	Err() error
}

// KickoffInput is what a standalone agent is asked: a prompt, or a
// conversation. The zero value is an empty request, which Kickoff refuses.
// It is read, never modified, by Kickoff.
type KickoffInput struct {
	// Prompt is the request, as the user message after the agent's system
	// prompt.
	Prompt string
	// Messages, if set, are the conversation after the agent's system
	// prompt (after Prompt, when both are set), such as a chat history
	// ending with the user's last message.
	Messages []llm.Message
	// Output, if set, asks for structured output (task.As[T]()).
	Output OutputSchema
	// Inputs fill the {placeholders} of the agent's role, goal and
	// backstory.
	Inputs map[string]any
}

// KickoffOutput is what a standalone agent produced. It is a plain value,
// safe to read from many goroutines once returned.
type KickoffOutput struct {
	// Raw is the agent's final answer as text.
	Raw string
	// Value is the decoded structured output (a value of the schema's Go
	// type), or nil without KickoffInput.Output.
	Value any
	// JSON is the structured output as compact JSON, or nil.
	JSON json.RawMessage
	// Role is the agent's role, inputs filled in.
	Role string
	// Usage counts the tokens of every model call of the kickoff (retries
	// and the structured-output repair included).
	Usage llm.Usage
	// Messages is the conversation of the last execution.
	Messages []llm.Message
}

// String returns the JSON of a structured output, else Raw.
func (o *KickoffOutput) String() string {
	if len(o.JSON) > 0 {
		return string(o.JSON)
	}
	return o.Raw
}

// OutputError is a structured output still invalid after the repair round
// trip of a Kickoff. It is not modified once returned.
type OutputError struct {
	// Role is the agent's role.
	Role string
	// Raw is the last reply.
	Raw string
	// Err says what is wrong with it.
	Err error
}

// Error names the agent and the decoding error.
func (e *OutputError) Error() string {
	return fmt.Sprintf("agent %q: the output is not valid structured output after one repair attempt: %v", e.Role, e.Err)
}

// Unwrap returns what is wrong with the reply.
func (e *OutputError) Unwrap() error { return e.Err }

// kickoffKey marks the context of a Kickoff whose root step stands for the
// first attempt of its execution (a one-shot flag, see attempt).
type kickoffKey struct{}

// rootAttempt reports, once, whether ctx is the context of a Kickoff whose
// root agent step the first attempt must use instead of opening its own.
func rootAttempt(ctx context.Context) bool {
	f, _ := ctx.Value(kickoffKey{}).(*atomic.Bool)
	return f != nil && f.CompareAndSwap(true, false)
}

// Kickoff runs the agent alone, without a crew: on a prompt or a
// conversation, with its tools, knowledge and memory (what it remembers of
// the request is saved before Kickoff returns, waiting at most 30 s), and
// returns its answer with the token usage, decoded into a Go value when
// in.Output is set (a reply that does not decode is sent back once with
// the error, as for a task; then an [*OutputError]).
//
// A kickoff is a run of its own: traced when Agent.Tracing is set or
// CREWAI_TRACING_ENABLED says so (its root span is "invoke_agent {role}",
// with the model calls and tool calls under it, flushed before Kickoff
// returns), printed when Verbose, with its events on Agent.Bus. Inside a
// run (a flow method) it joins that run and its trace. Errors are
// [*Error] values like Execute's. Kickoff is safe for concurrent use.
func (a *Agent) Kickoff(ctx context.Context, in KickoffInput) (out *KickoffOutput, err error) {
	if a == nil {
		return nil, &Error{Err: invalid("Kickoff called on a nil *Agent")}
	}
	role := a.filledRole(in.Inputs)
	if strings.TrimSpace(in.Prompt) == "" && len(in.Messages) == 0 {
		return nil, &Error{Role: role, Err: invalid("KickoffInput has neither a Prompt nor Messages; give the agent something to do")}
	}
	if in.Output != nil && in.Output.Err() != nil {
		return nil, &Error{Role: role, Err: invalid("KickoffInput.Output: %w", in.Output.Err())}
	}
	if err := a.Validate(in.Inputs); err != nil {
		return nil, err
	}
	top := !event.InRun(ctx)
	ctx = event.StartRun(ctx, a.Bus)
	ctx, finish := tracing.Attach(ctx, a.Tracer, tracing.Requested(a.Tracing))
	defer finish()
	if a.Verbose {
		ctx = console.Attach(ctx, os.Stderr)
	}
	if tool.RunStateFrom(ctx) == nil {
		ctx = tool.WithRunState(ctx)
	}
	job := Job{Description: in.Prompt, Inputs: in.Inputs, Messages: in.Messages}
	if in.Output != nil {
		job.ResponseFormat = in.Output.ResponseFormat()
		job.ExpectedOutput = "Answer with only a JSON value (no other text) that follows this JSON schema:\n" +
			string(in.Output.JSONSchema())
	}
	info := a.LLM.Info()
	var st event.Step
	if event.Enabled(ctx) {
		prompt := in.Prompt
		if prompt == "" {
			prompt = lastUser(in.Messages)
		}
		ctx, st = event.Begin(ctx, event.AgentStarted{Header: event.Header{Source: "agent:" + role}, Role: role,
			AgentID: a.idFor(), Goal: a.Goal, Backstory: a.Backstory, Model: info.Model, Provider: info.Provider,
			Prompt: prompt, Attempt: 1})
		flag := new(atomic.Bool)
		flag.Store(true)
		ctx = context.WithValue(ctx, kickoffKey{}, flag)
	}
	var usage llm.Usage
	iterations := 0
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Role: role, Usage: usage, Err: &event.PanicError{Value: p, Stack: string(debug.Stack())}}
			out = nil
		}
		if !st.Active() {
			return
		}
		if err != nil {
			f := event.Failure{Err: err}
			var pe *event.PanicError
			if errors.As(err, &pe) {
				f.Panic, f.Stack = true, pe.Stack
			}
			event.End(st, event.AgentFailed{Role: role, AgentID: a.idFor(), Failure: f})
			return
		}
		event.End(st, event.AgentCompleted{Role: role, AgentID: a.idFor(), Output: out.String(),
			Iterations: iterations, Usage: usage})
	}()

	out, err = a.answer(ctx, job, in, role, &usage, &iterations)
	if err != nil {
		return nil, err
	}
	if len(a.Guardrails) > 0 {
		g := &kickoffGuard{a: a, role: role}
		for attempt := 1; ; attempt++ {
			out.Usage = usage
			checked, feedback, retry, used, gerr := g.run(ctx, attempt, *out)
			usage = usage.Add(used)
			if gerr != nil {
				return nil, &Error{Role: role, Usage: usage, Err: gerr}
			}
			if !retry {
				*out = checked
				break
			}
			again := job
			again.Messages = append(append([]llm.Message(nil), conversationAfterTask(out.Messages, job)...),
				llm.Message{Role: llm.RoleUser, Content: fmt.Sprintf("Your previous answer was rejected by a check: %v\n\n"+
					"Give a new final answer that fixes this problem.", feedback)})
			if out, err = a.answer(ctx, again, in, role, &usage, &iterations); err != nil {
				return nil, err
			}
		}
	}
	out.Usage = usage
	if mem := a.Memory; mem != nil {
		request := in.Prompt
		if request == "" {
			request = lastUser(in.Messages)
		}
		mem.RememberTask(ctx, "", role, request, out.String(), a.LLM)
		if top {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), memoryDrainTimeout)
			_ = mem.Drain(dctx)
			cancel()
		}
	}
	return out, nil
}

// answer runs job and returns the agent's answer, decoded when in.Output
// asks for structured output (a reply that does not decode is sent back
// once with the error). It adds what it spent to usage and iterations.
func (a *Agent) answer(ctx context.Context, job Job, in KickoffInput, role string, usage *llm.Usage, iterations *int) (*KickoffOutput, error) {
	res, err := a.Execute(ctx, job)
	if err != nil {
		*usage = usage.Add(spentBy(err))
		return nil, err
	}
	*usage = usage.Add(res.Usage)
	*iterations += res.Iterations
	out := &KickoffOutput{Raw: res.Output, Role: role, Messages: res.Messages}
	if in.Output == nil {
		return out, nil
	}
	v, js, derr := in.Output.Decode(res.Output)
	if derr != nil {
		fix := job
		fix.Tools = []tool.Tool{}
		fix.Messages = append(append([]llm.Message(nil), conversationAfterTask(res.Messages, job)...),
			llm.Message{Role: llm.RoleUser, Content: fmt.Sprintf("Your answer could not be used: %v.\n\n"+
				"Reply again with only the corrected JSON.", derr)})
		res2, err := a.Execute(ctx, fix)
		if err != nil {
			*usage = usage.Add(spentBy(err))
			return nil, err
		}
		*usage = usage.Add(res2.Usage)
		*iterations += res2.Iterations
		out.Raw, out.Messages = res2.Output, res2.Messages
		if v, js, derr = in.Output.Decode(res2.Output); derr != nil {
			return nil, &OutputError{Role: role, Raw: res2.Output, Err: derr}
		}
	}
	out.Value, out.JSON = v, js
	return out, nil
}

// conversationAfterTask returns the messages of a finished execution after
// its system message and its task message (when the job had one), to be
// sent again as Job.Messages.
func conversationAfterTask(msgs []llm.Message, job Job) []llm.Message {
	skip := 1
	if job.Description != "" || job.ExpectedOutput != "" || job.Context != "" {
		skip = 2
	}
	if len(msgs) < skip {
		return nil
	}
	return msgs[skip:]
}

func lastUser(msgs []llm.Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == llm.RoleUser {
			return msgs[i].Content
		}
	}
	return ""
}

// spentBy returns the usage an *Error says was spent.
func spentBy(err error) llm.Usage {
	var e *Error
	if errors.As(err, &e) {
		return e.Usage
	}
	return llm.Usage{}
}

// idFor is the agent's ID in events (see plan.agentID).
func (a *Agent) idFor() string { return (&plan{a: a}).agentID() }

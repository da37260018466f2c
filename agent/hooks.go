package agent

import (
	"context"
	"fmt"
	"slices"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/hook"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/tool"
)

// hooksFor returns the hooks of an execution, in the order they run: the
// process's, the job's (a crew's), the agent's; nil when there are none.
func (a *Agent) hooksFor(job *Job) []*hook.Hooks {
	global := hook.Registered()
	if len(global) == 0 && len(job.Hooks) == 0 && len(a.Hooks) == 0 {
		return nil
	}
	hs := slices.Clone(global)
	for i := range job.Hooks {
		hs = append(hs, &job.Hooks[i])
	}
	for i := range a.Hooks {
		hs = append(hs, &a.Hooks[i])
	}
	return hs
}

// callHook runs one hook function, turning a panic into a block.
func callHook[C any](ctx context.Context, fn func(context.Context, *C) error, c *C) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the hook panicked: %v", p)
		}
	}()
	return fn(ctx, c)
}

// beforeModel runs the BeforeModel hooks on req. The messages they leave
// are put in req (a copy of the slice: the conversation keeps its own). A
// block is a *hook.BlockedError.
func (e *execution) beforeModel(ctx context.Context, req *llm.Request) error {
	var mc *hook.ModelCall
	for _, h := range e.hooks {
		if h.BeforeModel == nil {
			continue
		}
		if mc == nil {
			mc = &hook.ModelCall{Agent: e.role, Model: e.info.Model, Messages: slices.Clone(req.Messages)}
		}
		if err := callHook(ctx, h.BeforeModel, mc); err != nil {
			return &hook.BlockedError{Stage: "before model", Model: e.info.Model, Reason: err.Error(), Err: err}
		}
	}
	if mc != nil {
		req.Messages = mc.Messages
	}
	return nil
}

// afterModel runs the AfterModel hooks on resp, which they may rewrite.
func (e *execution) afterModel(ctx context.Context, req *llm.Request, resp *llm.Response) error {
	var mc *hook.ModelCall
	for _, h := range e.hooks {
		if h.AfterModel == nil {
			continue
		}
		if mc == nil {
			mc = &hook.ModelCall{Agent: e.role, Model: e.info.Model, Messages: req.Messages, Response: resp}
		}
		if err := callHook(ctx, h.AfterModel, mc); err != nil {
			return &hook.BlockedError{Stage: "after model", Model: e.info.Model, Reason: err.Error(), Err: err}
		}
	}
	return nil
}

// blockedModel records a model call blocked before it was sent as a model
// call step that failed with the reason.
func (e *execution) blockedModel(ctx context.Context, req *llm.Request, be *hook.BlockedError) {
	if !event.Enabled(ctx) {
		return
	}
	_, st := event.Begin(ctx, event.LLMCallStarted{Model: e.info.Model, Provider: e.info.Provider,
		ServerAddress: e.info.ServerAddress, Messages: req.Messages, Tools: req.Tools, Agent: e.role})
	event.End(st, event.LLMCallFailed{Model: e.info.Model, Blocked: be.Reason, Failure: event.Failure{Err: be}})
}

// beforeTool runs the BeforeTool hooks on call c, whose arguments they may
// rewrite. It returns the reason of a block, or "".
func (e *execution) beforeTool(ctx context.Context, c *llm.ToolCall) string {
	var tc *hook.ToolCall
	for _, h := range e.hooks {
		if h.BeforeTool == nil {
			continue
		}
		if tc == nil {
			tc = &hook.ToolCall{Agent: e.role, Tool: c.Name, CallID: c.ID, Arguments: c.Arguments}
		}
		if err := callHook(ctx, h.BeforeTool, tc); err != nil {
			return err.Error()
		}
	}
	if tc != nil {
		c.Arguments = tc.Arguments
	}
	return ""
}

// afterTool runs the AfterTool hooks on the result of call c, which they
// may rewrite. It returns the reason of a block, or "".
func (e *execution) afterTool(ctx context.Context, c *llm.ToolCall, res *tool.Result) string {
	var tc *hook.ToolCall
	for _, h := range e.hooks {
		if h.AfterTool == nil {
			continue
		}
		if tc == nil {
			tc = &hook.ToolCall{Agent: e.role, Tool: c.Name, CallID: c.ID, Arguments: c.Arguments,
				Result: res.Output, IsError: res.IsError}
		}
		if err := callHook(ctx, h.AfterTool, tc); err != nil {
			return err.Error()
		}
	}
	if tc != nil {
		res.Output = tc.Result
	}
	return ""
}

// blockedToolResult is what the model gets for a blocked tool call.
func blockedToolResult(name, reason string) tool.Result {
	return tool.Result{IsError: true, Output: fmt.Sprintf("Error: the call of tool %q was blocked by a policy hook: %s. "+
		"Do not repeat it; find another way or give your final answer.", name, reason)}
}

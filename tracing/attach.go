package tracing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/semconv"
)

type tracedKey struct{}

func noop() {}

// Attach decides whether the run in ctx is traced and, if so, attaches the
// span builder to ctx. explicit is the Crew's or Flow's Tracing field; t is
// its *Tracer field (nil means [Default], built only when the run is traced).
//
// If ctx is already traced by an enclosing kickoff (a crew inside a traced
// flow), Attach returns ctx unchanged and a no-op finish: the inner run is
// part of the outer trace.
//
// The OpenTelemetry span already in ctx, if any (a user's own span, or a
// context propagated from another process), becomes the parent of the run's
// root span. Steps whose parent step was not seen by this run (an untraced
// flow running a traced crew) become roots under that span.
//
// finish must be called once, after the kickoff's end event: it ends any step
// left open, flushes the spans (bounded by the Tracer's flush timeout),
// reports a failing backend once, and prints one line saying where the trace
// is and how to view it. It never fails and never blocks beyond the flush
// timeout. Calling it more than once is harmless.
func Attach(ctx context.Context, t *Tracer, explicit bool) (context.Context, func()) {
	if ctx.Value(tracedKey{}) != nil {
		return ctx, noop
	}
	if !Enabled(explicit, t.loggerOrNil()) {
		return ctx, noop
	}
	if t == nil {
		t = Default()
	}
	r := &runTracer{t: t, parent: trace.SpanContextFromContext(ctx), spans: make(map[uint64]*openSpan, 8),
		reuse: t.owned != nil}
	if !r.reuse {
		_, r.reuse = t.provider.(*sdktrace.TracerProvider)
	}
	ctx = context.WithValue(ctx, tracedKey{}, r)
	ctx = event.WithHandler(ctx, r)
	return ctx, r.finishRun
}

// Traced reports whether ctx belongs to a run that [Attach] decided to
// trace.
func Traced(ctx context.Context) bool { return ctx.Value(tracedKey{}) != nil }

// TraceID returns the trace ID of the traced run in ctx (the trace of its
// first root span), or an invalid ID when ctx is not traced or no span has
// started yet.
func TraceID(ctx context.Context) trace.TraceID {
	r, _ := ctx.Value(tracedKey{}).(*runTracer)
	if r == nil {
		return trace.TraceID{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.traceID
}

func (t *Tracer) loggerOrNil() *slog.Logger {
	if t == nil {
		return nil
	}
	return t.logger
}

// openSpan is a step's span waiting for its end event.
//
// A leaf step (a model call or a tool call under another step) is pending
// until it ends: span is nil and name, kind, parent and attrs keep what its
// start event said, so that the SDK span is started once, at the end event,
// with the step's start time and every attribute (the SDK then neither adds
// attributes to a live span nor grows its attribute slice twice). A pending
// step is started earlier when something needs its span: a child step, a
// point event, or the end of the run.
type openSpan struct {
	span     trace.Span      // nil while pending
	ctx      context.Context // holds span, the parent context of its children
	start    time.Time
	sawChunk bool

	// pending only
	name   string
	kind   trace.SpanStartOption
	parent context.Context
	attrs  []attribute.KeyValue // owned: the start attributes
}

// openSpans recycles openSpan values and their attribute buffers.
var openSpans = sync.Pool{New: func() any { return new(openSpan) }}

// attrBufs recycles the runTracers' attribute buffers.
var attrBufs = sync.Pool{New: func() any { b := make([]attribute.KeyValue, 0, 24); return &b }}

// The span kinds as start options, boxed once.
var (
	kindInternal = trace.WithSpanKind(trace.SpanKindInternal)
	kindClient   = trace.WithSpanKind(trace.SpanKindClient)
)

// runTracer is the per-run event handler: it owns the event-ID → span map
// and the errors already recorded, for one run only.
type runTracer struct {
	t      *Tracer
	parent trace.SpanContext // the OTel span in ctx at Attach time

	// reuse is true when the provider is the OpenTelemetry SDK, which copies
	// the attributes and options it is given: the attribute buffers and
	// option slices below are then reused from one span to the next.
	reuse bool

	mu       sync.Mutex
	spans    map[uint64]*openSpan
	recorded []error
	traceID  trace.TraceID
	started  int
	done     bool
	rootCtx  context.Context // holds parent, made on first use

	buf *[]attribute.KeyValue // attribute buffer (reuse only), from attrBufs

	// the last tool definitions rendered in this run (a copy) and their JSON
	defs     []chat.ToolDef
	defsJSON string
	sopts    [3]trace.SpanStartOption
	eopts    [1]trace.SpanEndOption
}

// scratch returns an empty attribute buffer for one event.
func (r *runTracer) scratch() []attribute.KeyValue {
	if !r.reuse {
		return nil
	}
	if r.buf == nil {
		r.buf = attrBufs.Get().(*[]attribute.KeyValue)
	}
	return (*r.buf)[:0]
}

// keep stores back the (maybe grown) buffer that scratch returned.
func (r *runTracer) keep(attrs []attribute.KeyValue) {
	if r.buf != nil && cap(attrs) > cap(*r.buf) {
		*r.buf = attrs[:0]
	}
}

// toolDefs is t.toolDefs(defs), remembered for the run: an agent offers the
// same tools at each of its model calls.
func (r *runTracer) toolDefs(defs []chat.ToolDef) string {
	if r.defs != nil && sameDefs(r.defs, defs) {
		return r.defsJSON
	}
	r.defsJSON = r.t.toolDefs(defs)
	r.defs = make([]chat.ToolDef, len(defs))
	for i, d := range defs {
		d.Parameters = bytes.Clone(d.Parameters)
		r.defs[i] = d
	}
	return r.defsJSON
}

func sameDefs(a, b []chat.ToolDef) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Description != b[i].Description || !bytes.Equal(a[i].Parameters, b[i].Parameters) {
			return false
		}
	}
	return true
}

// releaseBuf returns the attribute buffer to its pool once the run is done.
func (r *runTracer) releaseBuf() {
	if r.buf == nil {
		return
	}
	b := (*r.buf)[:cap(*r.buf)]
	clear(b)
	*r.buf = b[:0]
	attrBufs.Put(r.buf)
	r.buf = nil
}

// parentCtx is the context a step's span starts in: its parent step's span
// (started now if it was pending), else the span that was in the context
// given to Attach, else none. step reports whether the parent is a step of
// this run.
func (r *runTracer) parentCtx(h *event.Header) (ctx context.Context, step bool) {
	if h.ParentID != 0 {
		if p := r.spans[h.ParentID]; p != nil {
			return r.materialize(p), true
		}
	}
	if r.parent.IsValid() {
		if r.rootCtx == nil {
			r.rootCtx = trace.ContextWithSpanContext(context.Background(), r.parent)
		}
		return r.rootCtx, false
	}
	return context.Background(), false
}

// startSpan starts an SDK span and returns it with its context.
func (r *runTracer) startSpan(ctx context.Context, name string, kind trace.SpanStartOption, at time.Time,
	attrs []attribute.KeyValue) (context.Context, trace.Span) {
	if !r.reuse {
		return r.t.tracer.Start(ctx, name, kind, trace.WithTimestamp(at), trace.WithAttributes(attrs...))
	}
	// With the Tracer's own provider, whose sampler does not look at
	// attributes, they go in with SetAttributes right after Start, which
	// spares the SDK one copy of them (the Start option's).
	if r.t.owned != nil {
		r.sopts[0], r.sopts[1] = kind, trace.WithTimestamp(at)
		ctx, sp := r.t.tracer.Start(ctx, name, r.sopts[:2]...)
		r.sopts = [3]trace.SpanStartOption{}
		sp.SetAttributes(attrs...)
		return ctx, sp
	}
	r.sopts[0], r.sopts[1], r.sopts[2] = kind, trace.WithTimestamp(at), trace.WithAttributes(attrs...)
	ctx, sp := r.t.tracer.Start(ctx, name, r.sopts[:]...)
	r.sopts = [3]trace.SpanStartOption{}
	return ctx, sp
}

// endSpan ends sp at the given time.
func (r *runTracer) endSpan(sp trace.Span, at time.Time) {
	if !r.reuse {
		sp.End(trace.WithTimestamp(at))
		return
	}
	r.eopts[0] = trace.WithTimestamp(at)
	sp.End(r.eopts[:]...)
	r.eopts[0] = nil
}

// materialize starts the SDK span of a pending step and returns the context
// holding the step's span.
func (r *runTracer) materialize(op *openSpan) context.Context {
	if op.span == nil {
		op.ctx, op.span = r.startSpan(op.parent, op.name, op.kind, op.start, op.attrs)
		op.parent = nil
	}
	return op.ctx
}

// release recycles an ended step's openSpan.
func (r *runTracer) release(op *openSpan) {
	attrs := op.attrs
	clear(attrs)
	*op = openSpan{}
	if r.reuse {
		op.attrs = attrs[:0]
	}
	openSpans.Put(op)
}

// maxRecorded bounds the errors remembered per run to avoid recording twice.
const maxRecorded = 32

// Handle turns one event into span operations. Events of one run arrive one
// at a time, in sequence order.
func (r *runTracer) Handle(e event.Event) {
	h := e.EventHeader()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	switch h.Phase {
	case event.Start:
		r.start(e, h)
	case event.Finish:
		r.end(e, h)
	default:
		r.point(e, h)
	}
}

func spanName(verb, name string) string {
	if name == "" {
		return verb
	}
	return verb + " " + name
}

func (r *runTracer) start(e event.Event, h *event.Header) {
	t := r.t
	capture := t.capture
	var (
		name  string
		kind  = kindInternal
		attrs = r.scratch()
		leaf  bool
	)
	switch v := e.(type) {
	case *event.CrewStarted:
		name = spanName(semconv.OpInvokeWorkflow, v.Crew)
		attrs = append(attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpInvokeWorkflow),
			attribute.String(semconv.OISpanKind, semconv.OIKindChain),
			attribute.String(semconv.GenAIWorkflowName, v.Crew),
			attribute.String(semconv.CrewAIRunID, h.Run.String()),
		)
		if v.Process != "" {
			attrs = append(attrs, attribute.String(semconv.CrewAICrewProcess, v.Process))
		}
		if capture && len(v.Inputs) > 0 {
			attrs = t.appendValue(attrs, semconv.OIInputValue, semconv.OIInputMimeType, v.Inputs)
		}
	case *event.FlowStarted:
		name = spanName(semconv.OpInvokeWorkflow, v.Flow)
		attrs = append(attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpInvokeWorkflow),
			attribute.String(semconv.OISpanKind, semconv.OIKindChain),
			attribute.String(semconv.GenAIWorkflowName, v.Flow),
			attribute.String(semconv.CrewAIFlowName, v.Flow),
			attribute.String(semconv.CrewAIRunID, h.Run.String()),
		)
		if v.StateID != "" {
			attrs = append(attrs, attribute.String(semconv.CrewAIFlowStateID, v.StateID))
		}
		if v.Restored {
			attrs = append(attrs, attribute.Bool(semconv.CrewAIFlowRestored, true),
				attribute.Int(semconv.CrewAIFlowRunsCarried, v.RunsCarried))
		}
		if capture && len(v.Inputs) > 0 {
			attrs = t.appendValue(attrs, semconv.OIInputValue, semconv.OIInputMimeType, v.Inputs)
		}
	case *event.MethodStarted:
		name = spanName(semconv.OpInvokeNode, v.Method)
		attrs = append(attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpInvokeNode),
			attribute.String(semconv.OISpanKind, semconv.OIKindChain),
			attribute.String(semconv.CrewAIFlowName, v.Flow),
			attribute.String(semconv.CrewAIFlowMethod, v.Method),
		)
		if v.Trigger != "" {
			attrs = append(attrs, attribute.String(semconv.CrewAIFlowTrigger, v.Trigger))
		}
		if capture && v.State != nil {
			attrs = t.appendValue(attrs, semconv.OIInputValue, semconv.OIInputMimeType, v.State)
		}
	case *event.TaskStarted:
		name = spanName(semconv.OpExecuteTask, v.Task)
		attrs = append(attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpExecuteTask),
			attribute.String(semconv.OISpanKind, semconv.OIKindChain),
			attribute.String(semconv.CrewAITaskName, v.Task),
			attribute.String(semconv.CrewAITaskAgent, v.Agent),
		)
		if v.Async {
			attrs = append(attrs, attribute.Bool(semconv.CrewAITaskAsync, true))
		}
		if capture {
			attrs = append(attrs,
				attribute.String(semconv.CrewAITaskDescription, t.text(v.Description)),
				attribute.String(semconv.CrewAITaskExpected, t.text(v.ExpectedOutput)),
				attribute.String(semconv.OIInputValue, t.text(v.Description)),
				attribute.String(semconv.OIInputMimeType, semconv.MimeText),
			)
		}
	case *event.AgentStarted:
		name = spanName(semconv.OpInvokeAgent, v.Role)
		attrs = append(attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpInvokeAgent),
			attribute.String(semconv.OISpanKind, semconv.OIKindAgent),
			attribute.String(semconv.GenAIAgentName, v.Role),
			attribute.String(semconv.OIAgentName, v.Role),
		)
		if v.AgentID != "" {
			attrs = append(attrs, attribute.String(semconv.GenAIAgentID, v.AgentID))
		}
		if v.Provider != "" {
			attrs = append(attrs, attribute.String(semconv.GenAIProviderName, v.Provider))
		}
		if v.Model != "" {
			attrs = append(attrs, attribute.String(semconv.GenAIRequestModel, v.Model))
		}
		if len(v.Tools) > 0 {
			attrs = append(attrs, attribute.StringSlice(semconv.CrewAIAgentTools, v.Tools))
		}
		if v.Attempt > 1 {
			attrs = append(attrs, attribute.Int(semconv.CrewAIAgentAttempt, v.Attempt))
		}
		if capture {
			if v.Goal != "" {
				attrs = append(attrs, attribute.String(semconv.CrewAIAgentGoal, t.text(v.Goal)))
			}
			if v.Prompt != "" {
				attrs = append(attrs,
					attribute.String(semconv.OIInputValue, t.text(v.Prompt)),
					attribute.String(semconv.OIInputMimeType, semconv.MimeText))
			}
		}
	case *event.LLMCallStarted:
		name = spanName(semconv.OpChat, v.Model)
		kind = kindClient
		leaf = true
		attrs = append(attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpChat),
			attribute.String(semconv.OISpanKind, semconv.OIKindLLM),
			attribute.String(semconv.GenAIRequestModel, v.Model),
			attribute.String(semconv.OILLMModelName, v.Model),
		)
		if v.Provider != "" {
			attrs = append(attrs,
				attribute.String(semconv.GenAIProviderName, v.Provider),
				attribute.String(semconv.OILLMProvider, v.Provider))
		}
		if v.ServerAddress != "" {
			attrs = append(attrs, attribute.String(semconv.ServerAddress, v.ServerAddress))
		}
		if v.Temperature != nil {
			attrs = append(attrs, attribute.Float64(semconv.GenAIRequestTemperature, *v.Temperature))
		}
		if v.MaxTokens > 0 {
			attrs = append(attrs, attribute.Int(semconv.GenAIRequestMaxTokens, v.MaxTokens))
		}
		if len(v.Stop) > 0 {
			attrs = append(attrs, attribute.StringSlice(semconv.GenAIRequestStopSequences, v.Stop))
		}
		if v.Stream {
			attrs = append(attrs, attribute.Bool(semconv.GenAIRequestStream, true))
		}
		if v.ResponseFormat != "" {
			attrs = append(attrs, attribute.String(semconv.CrewAILLMResponseFmt, v.ResponseFormat))
		}
		if v.Agent != "" {
			attrs = append(attrs, attribute.String(semconv.CrewAILLMAgent, v.Agent))
		}
		if capture {
			msgs := t.inputMessages(v.Messages)
			attrs = append(attrs,
				attribute.String(semconv.GenAIInputMessages, msgs),
				attribute.String(semconv.OIInputValue, msgs),
				attribute.String(semconv.OIInputMimeType, semconv.MimeJSON))
			if len(v.Tools) > 0 {
				attrs = append(attrs, attribute.String(semconv.GenAIToolDefinitions, r.toolDefs(v.Tools)))
			}
		}
	case *event.ToolStarted:
		name = spanName(semconv.OpExecuteTool, v.Tool)
		leaf = true
		attrs = append(attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpExecuteTool),
			attribute.String(semconv.OISpanKind, semconv.OIKindTool),
			attribute.String(semconv.GenAIToolName, v.Tool),
			attribute.String(semconv.OIToolName, v.Tool),
			attribute.String(semconv.GenAIToolType, semconv.ToolTypeFunction),
		)
		if v.CallID != "" {
			attrs = append(attrs, attribute.String(semconv.GenAIToolCallID, v.CallID))
		}
		if v.Agent != "" {
			attrs = append(attrs, attribute.String(semconv.CrewAIToolAgent, v.Agent))
		}
		if v.Attempt > 0 {
			attrs = append(attrs, attribute.Int(semconv.CrewAIToolAttempt, v.Attempt))
		}
		if capture {
			args := t.text(v.Arguments)
			attrs = append(attrs,
				attribute.String(semconv.GenAIToolCallArguments, args),
				attribute.String(semconv.OIInputValue, args),
				attribute.String(semconv.OIInputMimeType, mimeOf(args)))
		}
	case *event.GuardrailStarted:
		name = spanName(semconv.OpGuardrail, v.Task)
		attrs = append(attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpGuardrail),
			attribute.String(semconv.OISpanKind, semconv.OIKindGuardrail),
			attribute.String(semconv.CrewAIGuardrailTask, v.Task),
			attribute.Int(semconv.CrewAIGuardrailAttempt, v.Attempt),
		)
	case *event.DelegationStarted:
		name = spanName(semconv.OpDelegate, v.To)
		attrs = append(attrs,
			attribute.String(semconv.GenAIOperationName, semconv.OpDelegate),
			attribute.String(semconv.OISpanKind, semconv.OIKindChain),
			attribute.String(semconv.CrewAIDelegationFrom, v.From),
			attribute.String(semconv.CrewAIDelegationTo, v.To),
			attribute.Bool(semconv.CrewAIDelegationAsk, v.Question),
		)
		if capture {
			in := v.Task
			if v.Context != "" {
				in += "\n\n" + v.Context
			}
			attrs = append(attrs,
				attribute.String(semconv.OIInputValue, t.text(in)),
				attribute.String(semconv.OIInputMimeType, semconv.MimeText))
		}
	default:
		name = string(e.Kind())
	}

	ctx, step := r.parentCtx(h)
	r.started++
	t.started.Add(1)
	op := openSpans.Get().(*openSpan)
	op.start = h.Time
	if leaf && step {
		// Started at its end event, or when something needs it; the trace ID
		// of the run is known already, from the parent step's span.
		op.name, op.kind, op.parent = name, kind, ctx
		op.attrs = append(op.attrs[:0], attrs...)
	} else {
		op.ctx, op.span = r.startSpan(ctx, name, kind, h.Time, attrs)
		if r.started == 1 {
			r.traceID = op.span.SpanContext().TraceID()
		}
	}
	r.keep(attrs)
	r.spans[h.ID] = op
}

func mimeOf(s string) string {
	if len(s) > 0 && (s[0] == '{' || s[0] == '[') {
		return semconv.MimeJSON
	}
	return semconv.MimeText
}

func (t *Tracer) appendValue(attrs []attribute.KeyValue, key, mimeKey string, v any) []attribute.KeyValue {
	s, mime := t.anyValue(v)
	if s == "" && mime == "" {
		return attrs
	}
	return append(attrs, attribute.String(key, s), attribute.String(mimeKey, mime))
}

// appendState adds a flow's state (as JSON, scrubbed, redacted and cut like
// every captured value) under crewai.flow.state.
func (t *Tracer) appendState(attrs []attribute.KeyValue, state any) []attribute.KeyValue {
	s, _ := t.anyValue(state)
	if s == "" {
		return attrs
	}
	return append(attrs, attribute.String(semconv.CrewAIFlowState, s))
}

// appendText adds a captured text and its MIME type, unless it is empty.
func (t *Tracer) appendText(attrs []attribute.KeyValue, key, mimeKey, s string) []attribute.KeyValue {
	if s == "" {
		return attrs
	}
	return append(attrs, attribute.String(key, t.text(s)), attribute.String(mimeKey, semconv.MimeText))
}

func appendUsage(attrs []attribute.KeyValue, u chat.Usage, oi bool) []attribute.KeyValue {
	attrs = append(attrs,
		attribute.Int(semconv.GenAIUsageInputTokens, u.PromptTokens),
		attribute.Int(semconv.GenAIUsageOutputTokens, u.CompletionTokens),
	)
	if u.CachedPromptTokens > 0 {
		attrs = append(attrs, attribute.Int(semconv.GenAIUsageCacheReadTokens, u.CachedPromptTokens))
	}
	if u.ReasoningTokens > 0 {
		attrs = append(attrs, attribute.Int(semconv.GenAIUsageReasoningTokens, u.ReasoningTokens))
	}
	if oi {
		total := u.TotalTokens
		if total == 0 {
			total = u.PromptTokens + u.CompletionTokens
		}
		attrs = append(attrs,
			attribute.Int(semconv.OILLMTokenPrompt, u.PromptTokens),
			attribute.Int(semconv.OILLMTokenCompletion, u.CompletionTokens),
			attribute.Int(semconv.OILLMTokenTotal, total),
		)
		if u.CachedPromptTokens > 0 {
			attrs = append(attrs, attribute.Int(semconv.OILLMTokenPromptCacheRead, u.CachedPromptTokens))
		}
		if u.ReasoningTokens > 0 {
			attrs = append(attrs, attribute.Int(semconv.OILLMTokenReasoning, u.ReasoningTokens))
		}
	} else {
		if u.TotalTokens > 0 {
			attrs = append(attrs, attribute.Int(semconv.CrewAIUsageTotalTokens, u.TotalTokens))
		}
		if u.Requests > 0 {
			attrs = append(attrs, attribute.Int(semconv.CrewAIUsageRequests, u.Requests))
		}
	}
	return attrs
}

func (r *runTracer) end(e event.Event, h *event.Header) {
	op := r.spans[h.StartID]
	if op == nil {
		return // its start was not seen by this run
	}
	delete(r.spans, h.StartID)
	t := r.t
	capture := t.capture
	// A pending step's end attributes follow its start attributes, and all
	// go to the SDK in one Start below.
	pending := op.span == nil
	var attrs []attribute.KeyValue
	if pending {
		attrs = op.attrs
	} else {
		attrs = r.scratch()
	}
	switch v := e.(type) {
	case *event.CrewCompleted:
		attrs = appendUsage(attrs, v.Usage, false)
		if capture {
			attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Output)
		}
	case *event.CrewFailed:
		attrs = appendUsage(attrs, v.Usage, false)
	case *event.FlowFinished:
		attrs = appendUsage(attrs, v.Usage, false)
		if capture && v.Result != nil {
			attrs = t.appendValue(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Result)
		}
		if capture && v.State != nil {
			attrs = t.appendState(attrs, v.State)
		}
	case *event.MethodFinished:
		if v.RouterLabel != "" {
			attrs = append(attrs, attribute.String(semconv.CrewAIFlowRouterLabel, v.RouterLabel))
		}
		if capture && v.Result != nil {
			attrs = t.appendValue(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Result)
		}
		if capture && v.State != nil {
			attrs = t.appendState(attrs, v.State)
		}
	case *event.TaskCompleted:
		attrs = appendUsage(attrs, v.Usage, false)
		if capture {
			attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Output)
		}
	case *event.AgentCompleted:
		attrs = appendUsage(attrs, v.Usage, false)
		attrs = append(attrs, attribute.Int(semconv.CrewAIAgentIterations, v.Iterations))
		if capture {
			attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Output)
		}
	case *event.LLMCallCompleted:
		if v.ResponseModel != "" {
			attrs = append(attrs, attribute.String(semconv.GenAIResponseModel, v.ResponseModel))
		}
		if v.ResponseID != "" {
			attrs = append(attrs, attribute.String(semconv.GenAIResponseID, v.ResponseID))
		}
		if v.FinishReason != "" {
			attrs = append(attrs, finishReasons(v.FinishReason))
		}
		attrs = appendUsage(attrs, v.Usage, true)
		if cost, ok := callCost(v); ok {
			attrs = append(attrs, attribute.Float64(semconv.OILLMCostTotal, cost))
		}
		if capture {
			out := t.outputMessages(v.Content, v.ToolCalls, v.FinishReason)
			attrs = append(attrs, attribute.String(semconv.GenAIOutputMessages, out))
			if v.Content != "" || len(v.ToolCalls) == 0 {
				attrs = append(attrs, attribute.String(semconv.OIOutputValue, t.text(v.Content)),
					attribute.String(semconv.OIOutputMimeType, semconv.MimeText))
			} else {
				attrs = append(attrs, attribute.String(semconv.OIOutputValue, out),
					attribute.String(semconv.OIOutputMimeType, semconv.MimeJSON))
			}
		}
	case *event.ToolFinished:
		attrs = append(attrs, attribute.Bool(semconv.CrewAIToolCacheHit, v.CacheHit))
		if v.Repeated {
			attrs = append(attrs, attribute.Bool(semconv.CrewAIToolRepeated, true))
		}
		if v.IsError {
			attrs = append(attrs, attribute.Bool(semconv.CrewAIToolIsError, true))
		}
		if capture {
			res := t.text(v.Result)
			attrs = append(attrs, attribute.String(semconv.GenAIToolCallResult, res),
				attribute.String(semconv.OIOutputValue, res),
				attribute.String(semconv.OIOutputMimeType, mimeOf(res)))
		}
	case *event.GuardrailCompleted:
		attrs = append(attrs, attribute.Bool(semconv.CrewAIGuardrailSuccess, v.Success))
		if capture && v.Feedback != "" {
			attrs = append(attrs, attribute.String(semconv.CrewAIGuardrailFeedback, t.text(v.Feedback)))
		}
	case *event.DelegationCompleted:
		if capture {
			attrs = t.appendText(attrs, semconv.OIOutputValue, semconv.OIOutputMimeType, v.Result)
		}
	}
	if pending {
		op.attrs = attrs
		r.materialize(op)
	} else {
		if len(attrs) > 0 {
			op.span.SetAttributes(attrs...)
		}
		r.keep(attrs)
	}
	sp := op.span
	if f := event.FailureOf(e); f != nil && f.Err != nil {
		r.fail(sp, f, h.Time)
	}
	r.endSpan(sp, h.Time)
	r.release(op)
}

// finishReasons is gen_ai.response.finish_reasons for one reason; the
// common reasons' attributes are made once.
func finishReasons(reason string) attribute.KeyValue {
	for i, r := range commonReasons {
		if r == reason {
			return commonReasonAttrs[i]
		}
	}
	return attribute.StringSlice(semconv.GenAIResponseFinishReasons, []string{reason})
}

var (
	commonReasons     = [...]string{"stop", "tool_calls", "length", "content_filter", "end_turn", "tool_use", "max_tokens"}
	commonReasonAttrs = func() (kvs [len(commonReasons)]attribute.KeyValue) {
		for i, r := range commonReasons {
			kvs[i] = attribute.StringSlice(semconv.GenAIResponseFinishReasons, []string{r})
		}
		return kvs
	}()
)

// fail marks sp as failed and records the error as an exception event,
// unless the error (or one it wraps) was already recorded on a child.
func (r *runTracer) fail(sp trace.Span, f *event.Failure, at time.Time) {
	t := r.t
	et := errorType(f.Err)
	msg := t.text(f.Err.Error())
	sp.SetAttributes(attribute.String(semconv.ErrorType, et))
	sp.SetStatus(codes.Error, msg)
	for _, rec := range r.recorded {
		if errors.Is(f.Err, rec) {
			return
		}
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs,
		attribute.String(semconv.ExceptionType, goTypeName(f.Err)),
		attribute.String(semconv.ExceptionMessage, msg))
	if f.Panic && f.Stack != "" {
		attrs = append(attrs, attribute.String(semconv.ExceptionStacktrace, truncate(f.Stack, t.maxLen)))
	}
	sp.AddEvent(semconv.ExceptionEvent, trace.WithTimestamp(at), trace.WithAttributes(attrs...))
	if len(r.recorded) == maxRecorded {
		copy(r.recorded, r.recorded[1:])
		r.recorded = r.recorded[:maxRecorded-1]
	}
	r.recorded = append(r.recorded, f.Err)
}

// errorType is error.type: the ErrorType() of the first error in the chain
// that has one, else the Go type name of the first error that is not a plain
// wrapper, else "_OTHER".
func errorType(err error) string {
	var typed interface{ ErrorType() string }
	if errors.As(err, &typed) {
		if s := typed.ErrorType(); s != "" {
			return s
		}
	}
	n := goTypeName(err)
	if n == "" {
		return semconv.ErrorTypeOther
	}
	return n
}

// goTypeName walks through fmt.Errorf and errors.Join wrappers and returns
// the type name of the first error that is something else, or "" for a
// plain errors.New / fmt.Errorf error.
func goTypeName(err error) string {
	for err != nil {
		ty := reflect.TypeOf(err)
		n := ty.String()
		switch n {
		case "*fmt.wrapError", "*fmt.wrapErrors", "*errors.joinError":
			u := errors.Unwrap(err)
			if u == nil {
				if m, ok := err.(interface{ Unwrap() []error }); ok && len(m.Unwrap()) > 0 {
					u = m.Unwrap()[0]
				}
			}
			err = u
			continue
		case "*errors.errorString":
			return ""
		}
		return strings.TrimPrefix(n, "*")
	}
	return ""
}

func (r *runTracer) point(e event.Event, h *event.Header) {
	op := r.spans[h.ParentID]
	if op == nil {
		return
	}
	r.materialize(op)
	sp := op.span
	switch v := e.(type) {
	case *event.Retry:
		attrs := []attribute.KeyValue{
			attribute.String(semconv.CrewAIRetryOperation, v.Operation),
			attribute.Int(semconv.CrewAIRetryAttempt, v.Attempt),
			attribute.Int64(semconv.CrewAIRetryWait, v.Wait.Milliseconds()),
		}
		if v.Err != nil {
			attrs = append(attrs, attribute.String(semconv.CrewAIRetryError, r.t.text(v.Err.Error())))
		}
		sp.AddEvent(semconv.EventRetry, trace.WithTimestamp(h.Time), trace.WithAttributes(attrs...))
	case *event.RateLimitWait:
		sp.AddEvent(semconv.EventRateLimitWait, trace.WithTimestamp(h.Time), trace.WithAttributes(
			attribute.String(semconv.CrewAIRateLimiter, v.Limiter),
			attribute.Int64(semconv.CrewAIRateLimitWait, v.Wait.Milliseconds())))
	case *event.LLMStreamChunk:
		if !op.sawChunk {
			op.sawChunk = true
			sp.SetAttributes(attribute.Float64(semconv.GenAIResponseTimeToFirst, h.Time.Sub(op.start).Seconds()))
		}
		var attrs []attribute.KeyValue
		if r.t.capture {
			attrs = append(attrs, attribute.String(semconv.CrewAIChunk, r.t.text(v.Chunk)))
			if v.ToolCall != nil && v.ToolCall.Name != "" {
				attrs = append(attrs, attribute.String(semconv.CrewAIChunkToolName, v.ToolCall.Name))
			}
		}
		sp.AddEvent(semconv.EventStreamChunk, trace.WithTimestamp(h.Time), trace.WithAttributes(attrs...))
	default:
		sp.AddEvent(string(e.Kind()), trace.WithTimestamp(h.Time))
	}
}

// finishRun ends what is left open, flushes, warns, and prints the notice.
func (r *runTracer) finishRun() {
	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		return
	}
	r.done = true
	now := time.Now()
	for id, op := range r.spans {
		r.materialize(op)
		op.span.SetStatus(codes.Error, "step not ended before the kickoff returned")
		r.endSpan(op.span, now)
		delete(r.spans, id)
		r.release(op)
	}
	r.releaseBuf()
	r.rootCtx, r.defs, r.defsJSON = nil, nil, ""
	started, tid := r.started, r.traceID
	r.mu.Unlock()
	if started == 0 {
		return
	}
	t := r.t
	var failedBefore uint64
	if t.exp != nil {
		failedBefore = t.exp.failed.Load()
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.flushTimeout)
	err := t.ForceFlush(ctx)
	cancel()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.warnOnce(causeTimeout, "tracing: the trace backend did not take the spans within the flush timeout; "+
				"the run goes on, spans still queued are sent later or dropped (reported once)",
				"backend", t.backend, "flush_timeout", t.flushTimeout.String())
		} else {
			t.warnOnce("flush:"+causeOf(err), "tracing: flushing spans failed; the run goes on (reported once)",
				"backend", t.backend, "error", t.scrub.scrub(err.Error()))
		}
		return
	}
	if t.exp != nil && t.exp.failed.Load() != failedBefore {
		return
	}
	t.printNotice(tid)
}

func (t *Tracer) printNotice(tid trace.TraceID) {
	if t.notice == nil || !tid.IsValid() {
		return
	}
	id := tid.String()
	switch t.backend {
	case BackendFile:
		path := filepath.Join(t.fileDir, id+".jsonl")
		if _, err := os.Stat(path); err != nil {
			return
		}
		fmt.Fprintf(t.notice, "crewai: trace %s saved to %s (view it with: crewai traces view %s)\n", id, path, id)
	case BackendOTLP:
		fmt.Fprintf(t.notice, "crewai: trace %s sent over OTLP to %s\n", id, t.endpoint)
	}
}

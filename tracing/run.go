package tracing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/batch"
	"github.com/crewai-go/crewai/internal/semconv"
	"github.com/crewai-go/crewai/internal/traceenv"
	"github.com/crewai-go/crewai/internal/urlmask"
)

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
	tool     bool // a tool call step (MCP calls inside it merge into it)
	merged   bool // an MCP call merged into its tool call step's span (see step_mcp.go)
	chunkOff int  // bytes of the streamed reply before the next chunk

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

	// crewai backend only: the run's execution UUID, and it as an attribute
	execID string
	exec   attribute.KeyValue

	mu       sync.Mutex
	spans    map[uint64]*openSpan
	recorded []error
	traceID  trace.TraceID
	started  int
	done     bool
	rootCtx  context.Context // holds parent, made on first use

	// sampling: off when the sampler dropped the run's first span without
	// recording it (nothing more is done for the run); whole when Attach
	// took the sampler's decision for the run (its roots start from
	// wholeBase); hold is set while the run is recorded for the keep rule
	// (see hold.go)
	off    bool
	whole  bool
	hold   *heldRun
	preset trace.TraceID // the trace ID Attach sampled with, for the first root

	buf *[]attribute.KeyValue // attribute buffer (reuse only), from attrBufs

	// the last tool definitions rendered in this run (a copy) and their JSON
	defs     []chat.ToolDef
	defsJSON string
	sopts    [3]trace.SpanStartOption
	eopts    [1]trace.SpanEndOption

	// methodEnds maps the ID of each flow method's end event to its span,
	// so that a method started because of it links to it (made on the
	// first method end: only flows pay for it).
	methodEnds map[uint64]trace.SpanContext
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
	base := context.Background()
	if r.whole {
		base = wholeBase // the run was sampled as a whole, before it started
	}
	if r.preset.IsValid() && r.started == 0 {
		// The first root takes the trace ID Attach sampled with.
		return context.WithValue(base, presetKey{}, r.preset), false
	}
	if r.parent.IsValid() {
		if r.rootCtx == nil {
			r.rootCtx = trace.ContextWithSpanContext(base, r.parent)
		}
		return r.rootCtx, false
	}
	return base, false
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
		if r.execID != "" {
			sp.SetAttributes(r.exec)
		}
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
	if r.done || r.off {
		return
	}
	if r.hold != nil {
		r.record(e, h)
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

// spanStart is what a start event says of its step's span.
type spanStart struct {
	name  string
	kind  trace.SpanStartOption
	attrs []attribute.KeyValue
	leaf  bool // a model or tool call: pending until it ends (see openSpan)
}

// start opens the span of a step; the step_*.go files map each kind of
// start event.
func (r *runTracer) start(e event.Event, h *event.Header) {
	t := r.t
	s := spanStart{kind: kindInternal, attrs: r.scratch()}
	switch v := e.(type) {
	case *event.CrewStarted:
		r.crewStarted(&s, v, h)
	case *event.FlowStarted:
		r.flowStarted(&s, v, h)
	case *event.MethodStarted:
		r.methodStarted(&s, v)
	case *event.TaskStarted:
		r.taskStarted(&s, v)
	case *event.AgentStarted:
		r.agentStarted(&s, v)
	case *event.LLMCallStarted:
		r.llmCallStarted(&s, v)
	case *event.ToolStarted:
		r.toolStarted(&s, v)
	case *event.MCPCallStarted:
		if r.mcpCallMerged(v, h) {
			return
		}
		r.mcpCallStarted(&s, v)
	case *event.MCPServeStarted:
		r.mcpServeStarted(&s, v)
	case *event.GuardrailStarted:
		r.guardrailStarted(&s, v)
	case *event.DelegationStarted:
		r.delegationStarted(&s, v)
	case *event.EmbeddingStarted:
		r.embeddingStarted(&s, v)
	case *event.RetrievalStarted:
		r.retrievalStarted(&s, v)
	case *event.MemorySaveStarted:
		r.memorySaveStarted(&s, v)
	case *event.PlanningStarted:
		r.planningStarted(&s, v)
	case *event.ReasoningStarted:
		r.reasoningStarted(&s, v)
	case *event.HumanInputStarted:
		r.humanInputStarted(&s, v)
	default:
		s.name = string(e.Kind())
	}
	// Names can carry input values (a role filled from kickoff inputs):
	// they are scrubbed as content is, whether content is captured or not.
	s.name = t.scrub.Scrub(s.name)
	scrubIdentity(t, s.attrs)
	name, kind, attrs, leaf := s.name, s.kind, s.attrs, s.leaf

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
		if !step && !r.sampledRoot(op) {
			// Dropped by the sampler without the keep rule: nothing of
			// the run is recorded, so nothing more is done for it.
			r.off, r.started = true, 0
			t.started.Add(^uint64(0))
			op.span.End()
			r.keep(attrs)
			r.release(op)
			return
		}
	}
	r.keep(attrs)
	r.spans[h.ID] = op
	switch v := e.(type) {
	case *event.ToolStarted:
		op.tool = true
	case *event.MCPCallStarted:
		if v.Propagation != nil {
			traceContext.Inject(op.ctx, v.Propagation)
		}
	case *event.MethodStarted:
		if v.TriggeredBy != 0 {
			r.linkCause(op, v.TriggeredBy)
		}
	}
}

// sampledRoot reports whether the run goes on after its first root step
// started: not when the provider's sampler dropped that span (a user's
// provider, or a parent-based sampler under an unsampled parent); then
// nothing of the run is recorded.
func (r *runTracer) sampledRoot(op *openSpan) bool {
	return op.span.SpanContext().IsSampled() || r.started != 1
}

// linkCause links a flow method's span to the span of the method whose
// completion (end event cause) made it run.
func (r *runTracer) linkCause(op *openSpan, cause uint64) {
	sc, ok := r.methodEnds[cause]
	if !ok || op.span == nil {
		return
	}
	op.span.AddLink(trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{
		attribute.String(semconv.CrewAIFlowLinkKind, "triggered_by")}})
}

func (r *runTracer) end(e event.Event, h *event.Header) {
	op := r.spans[h.StartID]
	if op == nil {
		return // its start was not seen by this run
	}
	delete(r.spans, h.StartID)
	if op.merged {
		// the tool call step it is part of records the outcome
		r.release(op)
		return
	}
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
		attrs = r.crewCompleted(attrs, v)
	case *event.CrewFailed:
		attrs = r.crewFailed(attrs, v)
	case *event.FlowFinished:
		attrs = r.flowFinished(attrs, v)
	case *event.MethodFinished:
		attrs = r.methodFinished(attrs, v)
	case *event.TaskCompleted:
		attrs = r.taskCompleted(attrs, v)
	case *event.AgentCompleted:
		attrs = r.agentCompleted(attrs, v)
	case *event.LLMCallCompleted:
		attrs = r.llmCallCompleted(attrs, v)
	case *event.ToolFinished:
		attrs = r.toolFinished(attrs, v)
	case *event.MCPCallFinished:
		attrs = r.mcpCallFinished(attrs, op.span, v)
	case *event.MCPServeFinished:
		attrs = r.mcpServeFinished(attrs, op.span, v)
	case *event.GuardrailCompleted:
		attrs = r.guardrailCompleted(attrs, v)
	case *event.DelegationCompleted:
		attrs = r.delegationCompleted(attrs, v)
	case *event.EmbeddingCompleted:
		attrs = r.embeddingCompleted(attrs, v)
	case *event.RetrievalCompleted:
		attrs = r.retrievalCompleted(attrs, v)
	case *event.MemorySaveCompleted:
		attrs = r.memorySaveCompleted(attrs, v)
	case *event.PlanningCompleted:
		attrs = r.planningCompleted(attrs, v)
	case *event.ReasoningCompleted:
		attrs = r.reasoningCompleted(attrs, v)
	case *event.LLMCallFailed:
		if v.Blocked != "" {
			attrs = r.blocked(attrs, v.Blocked)
		}
	case *event.HumanInputCompleted:
		attrs = r.humanInputCompleted(attrs, v)
	case *event.HumanInputFailed:
		attrs = r.humanInputFailed(attrs, v)
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
	if _, ok := e.(*event.MethodFinished); ok {
		if r.methodEnds == nil {
			r.methodEnds = map[uint64]trace.SpanContext{}
		}
		r.methodEnds[h.ID] = sp.SpanContext()
	}
	if f := event.FailureOf(e); f != nil && f.Err != nil {
		r.fail(sp, f, h.Time)
	}
	r.endSpan(sp, h.Time)
	r.release(op)
}

// point records a point event as a span event on its parent step's span;
// the step files map each kind (a retry, a rate-limit wait, a stream chunk),
// and any other kind is a span event named by the event's kind.
func (r *runTracer) point(e event.Event, h *event.Header) {
	op := r.spans[h.ParentID]
	if op == nil {
		return
	}
	r.materialize(op)
	switch v := e.(type) {
	case *event.TaskSkipped:
		r.taskSkipped(op, v, h.Time)
	case *event.Retry:
		r.retry(op.span, v, h)
	case *event.RateLimitWait:
		r.rateLimitWait(op.span, v, h)
	case *event.LLMStreamChunk:
		r.llmStreamChunk(op, v, h)
	default:
		op.span.AddEvent(string(e.Kind()), trace.WithTimestamp(h.Time))
	}
}

// finishRun ends what is left open, flushes, warns, and prints the notice.
func (r *runTracer) finishRun() {
	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		return
	}
	now := time.Now()
	if r.hold != nil && !r.settle(now) {
		r.done = true
		r.mu.Unlock()
		return // not kept: nothing of the run is exported, no flush, no notice
	}
	r.done = true
	for id, op := range r.spans {
		if op.merged {
			delete(r.spans, id)
			r.release(op)
			continue
		}
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
		// spans failed or dropped (a backend taken for down) meanwhile:
		// no notice claims the trace went
		failedBefore = t.exp.failed.Load() + t.batch.Dropped()
	}
	ctx, cancel := context.WithTimeout(context.Background(), t.flushTimeout)
	err := t.ForceFlush(ctx)
	cancel()
	if err != nil {
		if errors.Is(err, batch.ErrUnavailable) {
			// The backend is down or slow, which was reported when it was
			// seen: the kickoff does not wait for it again.
			return
		}
		if errors.Is(err, context.DeadlineExceeded) {
			msg := "tracing: the trace backend did not take the spans within the flush timeout; " +
				"the run goes on, spans still queued are sent later or dropped (reported once)"
			if t.exp != nil && t.exp.backsOff {
				msg = "tracing: the trace backend did not take the spans within the flush timeout; the run goes " +
					"on; later kickoffs do not wait for it until it answers within that time again (spans are " +
					"still sent, one request at a time, or dropped and counted if it is down; reported once)"
			}
			t.warnOnce(causeTimeout, msg, "backend", t.backend, "flush_timeout", t.flushTimeout.String())
		} else {
			t.warnOnce("flush:"+causeOf(err), "tracing: flushing spans failed; the run goes on (reported once)",
				"backend", t.backend, "error", t.scrub.Scrub(err.Error()))
		}
		return
	}
	if t.exp != nil && t.exp.failed.Load()+t.batch.Dropped() != failedBefore {
		return
	}
	t.printNotice(tid, r.execID)
}

// EnvNotice names the environment variable that turns the end-of-kickoff
// notice off (false, 0, no or off).
const EnvNotice = "CREWAI_TRACING_NOTICE"

// stderrNotice is set once the notice went to standard error: it is printed
// once per process, not after every kickoff.
var stderrNotice atomic.Bool

// printNotice prints where the first trace went: once per process on
// standard error (the default), once per Tracer on a writer given to
// WithNotice; never with CREWAI_TRACING_NOTICE=false.
func (t *Tracer) printNotice(tid trace.TraceID, execID string) {
	if t.notice == nil || !tid.IsValid() {
		return
	}
	if on, ok := traceenv.ParseBool(os.Getenv(EnvNotice)); ok && !on && os.Getenv(EnvNotice) != "" {
		return
	}
	once := &t.noticed
	if t.notice == os.Stderr {
		once = &stderrNotice
	}
	if once.Load() {
		return
	}
	id := tid.String()
	var msg string
	switch t.backend {
	case BackendFile:
		path := filepath.Join(t.fileDir, id+".jsonl")
		if _, err := os.Stat(path); err != nil {
			return
		}
		dir := t.fileDir
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		msg = fmt.Sprintf("crewai: trace %s saved to %s\n"+
			"crewai: view it with: crewai traces view %s --dir %s\n"+
			"crewai: (get the command with: go install github.com/crewai-go/crewai/cmd/crewai@latest; "+
			"this notice is shown once per process, %s=false turns it off)\n",
			id, path, id, shellQuote(dir), EnvNotice)
	case BackendOTLP:
		msg = fmt.Sprintf("crewai: trace %s sent over OTLP to %s (shown once per process; %s=false turns it off)\n",
			id, urlmask.URL(t.endpoint), EnvNotice)
	case BackendCrewAI:
		if u := t.aop.traceURL(execID); u != "" {
			msg = fmt.Sprintf("crewai: trace %s sent to CrewAI AOP as execution %s (view it at %s)\n", id, execID, u)
		} else {
			msg = fmt.Sprintf("crewai: trace %s sent to CrewAI AOP at %s as execution %s\n", id, urlmask.URL(t.endpoint), execID)
		}
	default:
		return
	}
	if once.CompareAndSwap(false, true) {
		fmt.Fprint(t.notice, msg)
	}
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// path characters.
func shellQuote(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+:@", c)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// Package stream turns a run's events into chunks of output as they are
// produced: the text a model streams, the tool calls it makes, each tagged
// with the task, agent, flow and flow method it belongs to, and at the end
// the run's final output. crew.Crew.KickoffStream and flow.Flow.KickoffStream
// are built on [Run].
//
// # Decisions
//
// Chunks are made from the events that already exist (event.LLMStreamChunk,
// event.LLMCallCompleted), by a handler attached to the run's context: the
// run works exactly as an ordinary kickoff, and tracing sees the same steps.
// A streaming run asks every agent to stream ([Requested]) without changing
// the agents' definitions. A model that does not stream gives its reply as
// one text chunk when its call completes. Tool calls are given whole, when
// the model call that asks for them completes (a streamed tool call's
// argument pieces are not chunks).
//
// The handler never blocks the run: chunks wait in a queue owned by the
// iterator until the consumer takes them, so a slow consumer delays no other
// subscriber and no span. Breaking out of the loop cancels the run's context
// and waits for the run to return, so no goroutine is left; the steps it
// cuts short end as failed with context.Canceled (error.type "cancelled" in
// traces).
package stream

import (
	"context"
	"iter"
	"sync"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
)

// Kind says what a chunk carries. It is a plain value, safe to share.
type Kind string

// The kinds of chunks.
const (
	// Text is a piece of a model's reply.
	Text Kind = "text"
	// ToolCall is a tool call a model asked for.
	ToolCall Kind = "tool_call"
	// Final is the last chunk: the run's output (and its error, if it
	// failed).
	Final Kind = "final"
)

// Chunk is one piece of a streaming run. O is the run's output type
// (*crew.CrewOutput, *flow.Result[S]). The zero value is an empty text
// chunk. It is a plain value, safe to keep and to read from any goroutine.
type Chunk[O any] struct {
	// Kind says what the chunk carries.
	Kind Kind
	// Text is the piece of text (Kind Text).
	Text string
	// ToolCall is the call (Kind ToolCall).
	ToolCall *chat.ToolCall
	// Task is the display name of the task the chunk belongs to, if any.
	Task string
	// Agent is the role of the agent whose model produced it, if any.
	Agent string
	// Flow and Method name the flow and the flow method it belongs to, if
	// any.
	Flow   string
	Method string
	// Output is the run's output (Kind Final).
	Output O
}

type streamKey struct{}

// WithStreaming returns a context in which agents ask their models for
// streamed replies (as if Agent.Stream were set), so that text arrives as
// event.LLMStreamChunk events.
func WithStreaming(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamKey{}, true)
}

// Requested reports whether ctx asks for streamed replies.
func Requested(ctx context.Context) bool {
	on, _ := ctx.Value(streamKey{}).(bool)
	return on
}

// Run runs fn in a streaming context on a run of bus (nil: event.Default;
// a run ctx already carries is joined) and yields its chunks as they come,
// then one Final chunk with fn's output and error. Chunks yielded before
// the Final one have a nil error. Breaking out of the loop cancels fn's
// context and returns once fn has returned. Each range over the sequence
// runs fn once more.
func Run[O any](ctx context.Context, bus *event.Bus, fn func(ctx context.Context) (O, error)) iter.Seq2[Chunk[O], error] {
	return func(yield func(Chunk[O], error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		c := &collector[O]{nodes: map[uint64]*node{}, notify: make(chan struct{}, 1)}
		ctx = event.StartRun(ctx, bus)
		ctx = event.WithHandler(WithStreaming(ctx), c)
		var out O
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer c.finish()
			out, err = fn(ctx)
		}()
		for {
			batch, closed := c.take()
			for _, ch := range batch {
				if !yield(ch, nil) {
					cancel()
					<-done
					return
				}
			}
			if closed {
				break
			}
			<-c.notify
		}
		<-done
		yield(Chunk[O]{Kind: Final, Output: out}, err)
	}
}

// node is what the collector knows of an open step: the tags of what
// happens inside it.
type node struct {
	task, agent, flow, method string
	streamed                  bool // an LLM call that sent chunks
}

// collector is the run's event handler: it turns events into chunks on a
// queue the iterator drains. Handle never blocks.
type collector[O any] struct {
	nodes map[uint64]*node // only touched by Handle (events come one at a time)

	mu     sync.Mutex
	queue  []Chunk[O]
	closed bool
	notify chan struct{}
}

func (c *collector[O]) Handle(e event.Event) {
	h := e.EventHeader()
	switch h.Phase {
	case event.Start:
		n := node{}
		if p := c.nodes[h.ParentID]; p != nil {
			n = *p
			n.streamed = false
		}
		switch v := e.(type) {
		case *event.FlowStarted:
			n.flow = v.Flow
		case *event.MethodStarted:
			n.flow, n.method = v.Flow, v.Method
		case *event.TaskStarted:
			n.task, n.agent = v.Task, v.Agent
		case *event.AgentStarted:
			n.agent = v.Role
		case *event.LLMCallStarted:
			if v.Agent != "" {
				n.agent = v.Agent
			}
		}
		c.nodes[h.ID] = &n
	case event.Finish:
		n := c.nodes[h.StartID]
		delete(c.nodes, h.StartID)
		v, ok := e.(*event.LLMCallCompleted)
		if !ok || n == nil {
			return
		}
		var add []Chunk[O]
		if !n.streamed && v.Content != "" {
			add = append(add, mk[O](n, Text, v.Content, nil))
		}
		for i := range v.ToolCalls {
			call := v.ToolCalls[i]
			add = append(add, mk[O](n, ToolCall, "", &call))
		}
		c.push(add...)
	default:
		v, ok := e.(*event.LLMStreamChunk)
		if !ok {
			return
		}
		n := c.nodes[h.ParentID]
		if n == nil {
			n = &node{}
		}
		n.streamed = true
		if v.ToolCall != nil || v.Chunk == "" {
			return
		}
		c.push(mk[O](n, Text, v.Chunk, nil))
	}
}

// mk makes a chunk tagged with what n knows.
func mk[O any](n *node, kind Kind, text string, call *chat.ToolCall) Chunk[O] {
	return Chunk[O]{Kind: kind, Text: text, ToolCall: call, Task: n.task, Agent: n.agent, Flow: n.flow, Method: n.method}
}

// push queues chunks and wakes the iterator.
func (c *collector[O]) push(chunks ...Chunk[O]) {
	if len(chunks) == 0 {
		return
	}
	c.mu.Lock()
	c.queue = append(c.queue, chunks...)
	c.mu.Unlock()
	c.wake()
}

func (c *collector[O]) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// finish marks the run as returned.
func (c *collector[O]) finish() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wake()
}

// take returns the queued chunks and whether the run has returned (then
// nothing more comes).
func (c *collector[O]) take() ([]Chunk[O], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil
	return q, c.closed
}

// Package event is the event bus of crewai-go: every step of a run (a crew
// kickoff, a task, an agent execution, an LLM call, a tool call, a guardrail,
// a delegation, a flow and each of its methods) is announced as a typed event,
// and subscribers (the tracing exporter, the verbose console, a user's own
// logging or metrics) receive them.
//
// # Steps, runs and parents
//
// A step is announced by [Begin], which emits its start event and returns a
// context in which the step is the parent of everything that happens inside
// it, and closed by [End], which emits its one end event (completed or failed)
// carrying the start event's ID. Point events (a stream chunk, a retry, a
// rate-limit wait) are announced by [Emit]. Parent/child links come only from
// the [context.Context] passed along, never from goroutine-local or global
// state, so concurrent kickoffs in one process produce separate trees, and a
// crew kicked off inside a flow method is a child of that method.
//
// A run is the tree below one top-level kickoff. [StartRun] opens one (or joins
// the run already in the context); every event of a run carries the run's ID
// and a sequence number, unique within the run and increasing in emission
// order. The sequence number is also the event's ID.
//
// # Subscribing
//
// A [Bus] delivers events to its subscribers. [Default] returns the process default
// bus, used by every crew and flow that does not name its own. [Bus.Subscribe]
// and the typed [On] add a subscriber and return a function that removes it.
// Within one run, a subscriber sees events one at a time, in sequence order;
// events of different runs may be delivered concurrently, so a subscriber must
// be safe for concurrent use. A subscriber is called on the emitting goroutine
// unless it asks for an asynchronous bounded queue with [Async]; a full queue
// drops the event and counts it ([Bus.Dropped]). A subscriber that panics is
// isolated: the run goes on and the panic is logged once per subscriber.
// Subscribers must not emit events themselves.
//
// [WithHandler] attaches a handler to one subtree of a run instead of to a bus:
// the tracing exporter and the verbose console use it so that they see exactly
// the runs they were asked to follow.
//
// # Values
//
// An event's zero value is an event not yet emitted. Once emitted, an event
// is read-only (but for [MCPCallStarted.Propagation]) and may be read by
// several subscribers at once. [Kind], [Phase] and [RunID] are plain values.
// The package's functions and a [Bus] are safe for concurrent use.
//
// # Cost
//
// With no subscriber, [Emit] and [Begin] do not allocate and cost a context
// lookup. Emitters that must do work to build an event's payload check
// [Enabled] first.
//
// # Messages and usage
//
// The events of a model call carry the types of package chat (messages, tool
// calls, tool definitions, usage), the same types package llm sends and
// receives: an emitter hands over the call's own slices, not copies, and
// subscribers must treat them as read-only. chat is the only package of
// crewai-go that event imports.
package event

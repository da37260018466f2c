// Package flow defines Flow, an event-driven graph of methods over a typed
// state, in the manner of CrewAI Flows: start methods, listeners on a method
// or a router label, Or / And conditions, routers whose label picks the next
// step, loops through routers, persistence and resume, and a plot of the
// graph.
//
//	type ExampleState struct {
//		Counter int
//		Message string
//	}
//
//	f := &flow.Flow[ExampleState]{Name: "ExampleFlow", Tracing: true}
//	f.Step(flow.Start("first_method"), func(ctx context.Context, s *flow.State[ExampleState]) (any, error) {
//		s.Update(func(st *ExampleState) { st.Message = "Hello" })
//		return "started", nil
//	})
//	f.Router(flow.Listen("second_method", flow.On("first_method")).Emits("done"), ...)
//	f.Step(flow.Listen("final_method", flow.On("done")), ...)
//	res, err := f.Kickoff(ctx, map[string]any{"Counter": 1})
//
// # Methods and triggers
//
// A method is registered with [Flow.Step] (a plain method returning an output)
// or [Flow.Router] (a method returning a label), under a [Spec]: [Start] (runs
// at kickoff; several starts run concurrently) or [Listen] (runs when a
// [Condition] holds: [On] a trigger, that is each time a method of that name
// completes or a router returns that label, or [Or] and [And] of conditions,
// which nest). Method names and router labels share one namespace of
// triggers.
//
// The completion of a method triggers the listeners of its name; a router's
// completion also triggers the listeners of the label it returned (an empty
// label triggers none). A plain step's return value triggers nothing by
// itself: it is its output, handed to the listeners it triggers through
// [TriggerOf]. Every listener triggered by one completion starts at once
// and they run concurrently (routers included: unlike CrewAI, which runs the
// routers first, one at a time, this package gives routers no priority).
//
// # Scheduling rules
//
// These are CrewAI's rules (its flow runtime, read case by case), restated
// for a scheduler that runs methods concurrently. [Scheduler] holds them as
// plain data; Kickoff and the Temporal runner both follow it.
//
// Conditional starts. Start("m").TriggeredBy(c) is CrewAI's @start(c): a
// start method with a trigger. At kickoff the flow runs its unconditional
// start methods; only a flow that has none runs its conditional starts
// instead. A conditional start also runs each time its condition holds, like
// a listener: when a method it names completes or a router returns a label
// it names (CrewAI's runtime fires it only on router labels; its
// documentation promises method completions too, and this package does
// both). So a router can loop back into a conditional start.
//
// Waves. Every run belongs to a dispatch wave. The kickoff's runs are wave
// 0. A run triggered by a method's completion joins that method's wave. A
// router's label opens a new wave, except when the router itself ran
// because of a label: a chain of routers (router a returns x, router b,
// listening to x, returns y) is one wave. A wave is CrewAI's "dispatch": the
// work one completion sets off before the next label of a loop.
//
// Or. A listener whose condition is an Or of two or more parts (CrewAI's
// or_ with several events) runs at most once per wave: when a and b both run
// in the same wave, a listener on Or(On("a"), On("b")) runs once; when the routers
// of a chain return x then y, a listener on Or(On("x"), On("y")) runs once, not once
// per label. A later wave re-arms it, so in a loop it runs once per pass;
// the late completion of a method of an earlier wave does not run it again.
// A single trigger, or an Or of one part, fires on every completion.
//
// Routers and conditional starts are exempt from the Or rule: a router on
// Or(On("a"), On("b")) runs each time a or b completes (twice when both do), and
// each of its labels opens a wave, so the listeners of its label run each
// time too.
//
// And. A listener on an And (or any condition with an And inside) collects
// the triggers it has seen, runs once its condition holds, then starts
// collecting again; a trigger seen twice before the others counts once.
//
// One listener runs at most once per completion, even when it listens to
// both the router's name and the label it returned.
//
// Limits. Loops go through routers (a router may listen to its own label,
// never to its own name). One method runs at most Flow.MaxMethodRuns times
// per kickoff (default [DefaultMaxMethodRuns]): every run counts, its
// kickoff run and the triggered runs of a conditional start included
// (CrewAI counts only the runs of listeners, which leaves a loop made of
// conditional starts alone unbounded); one more run fails the flow with an
// error matching [ErrMaxMethodRuns].
//
// Causes. Each method's MethodStarted event names, in TriggeredBy, the
// event that made it run: the MethodFinished of the method, or of the router
// for a label, whose completion triggered it (for an And, the one that
// completed it last), as CrewAI's triggered_by_event_id does; [TriggerOf]
// gives it to the method as Trigger.Event. A traced flow draws it as a span
// link from the method's span to the span of that completion.
//
// # Definition errors
//
// [Flow.Validate], and Kickoff before running anything, report every mistake
// as a [DefinitionError] naming the method: a nil function, an empty or
// duplicate name, a listener on a trigger that no method and no declared
// label produces, a condition that names the method itself (its completion
// would trigger it again for ever; this holds even when a router also
// returns that name as a label, as CrewAI rejects it), TriggeredBy on a
// spec that is not a Start spec, Emits on a plain step, no start method. Routers declare
// their labels with [Spec.Emits]; while some router declares none, a
// listener on an unknown trigger is accepted as one of its possible labels.
//
// # State
//
// Each kickoff has its own [State]: Flow.Initial deep-copied, the restored
// state when resuming, then the kickoff inputs merged in by field name (JSON
// name, Go name, or case-insensitively; values are converted as JSON would,
// so 3.0 fits an int and a map fits a struct field). An unknown field or a
// value of the wrong type is an [InputError] naming the field, the value and
// the type wanted. S may be a struct, a pointer to one, or a map with string
// keys (map[string]any). The state's ID (a random UUID, or the "id" input) is
// also written to a string field named ID (or tagged json:"id"), or to a map
// state's "id" key.
//
// Methods of one kickoff share the state concurrently, through
// [State.Update], [State.View] and [State.Get] (a deep copy), which lock it:
// the race-free way is the only way.
//
// # Failure, cancellation and events
//
// A method that returns an error or panics fails the flow with a
// [MethodError] naming it (a panic becomes an [event.PanicError]); the ctx of the
// other running methods is cancelled and nothing more starts. Cancelling the
// kickoff's ctx does the same. Every method that started ends with exactly
// one MethodFinished or MethodFailed event; the flow's FlowStarted is closed
// by FlowFinished or FlowFailed. A crew kicked off with a method's ctx is a
// child of that method in events and traces.
//
// # Usage
//
// Result.Usage sums the token usage of every LLM call made inside the
// kickoff (crews, agents, direct agent executions), counted once from their
// LLMCallCompleted events, plus what methods add with [State.AddUsage] for
// calls that emit no event. Do not add a crew's usage yourself.
//
// # Persistence and resume
//
// With Flow.Persist set to a [Store] ([MemoryStore] keeps states in memory;
// package flow/sqlitestore keeps them in a pure-Go SQLite database, in its own
// package so that programs that do not persist link no SQLite), the state is saved
// as JSON after every method that completes, together with the kickoff's
// progress (the method runs completed so far, their triggers, router labels
// and outputs), and once more, marked finished, when the kickoff succeeds;
// a failure to save fails that method (or the kickoff). Kickoff with inputs
// {"id": stateID} loads the latest saved record of that ID (when there
// is none, it starts a fresh run whose state has that ID, as CrewAI does;
// [Flow.Resume] insists and fails with [ErrStateNotFound]; a
// [CorruptStateError] if it does not decode), merges the other inputs on
// top of its state, and then:
//
//   - if the saved kickoff did not finish (a method failed, the ctx was
//     cancelled, the process died), it resumes it: the methods that
//     completed are not run again, and the runs that were started or
//     triggered but did not complete run now, with the Trigger they had
//     (its Output decoded from the saved JSON: a struct output comes back
//     as map[string]any, an output JSON cannot encode as nil), followed by
//     what they trigger, under the same Or/And/wave rules and
//     MaxMethodRuns count as if the kickoff had not stopped;
//   - if it finished (or the record holds no progress), it runs the graph
//     again from its start methods on the saved state: the way to continue
//     a conversation or a long job kickoff after kickoff.
//
// One kickoff at a time runs a given state ID: a kickoff given an ID takes
// its lease first (from a Store that is a [Leaser], such as [MemoryStore]
// within a process or flow/sqlitestore across the processes sharing its
// file, or else from the Flow value itself), and a second kickoff of the
// same ID meanwhile fails at once with an error matching [ErrStateBusy] instead of
// running what was left a second time.
//
// A resumed kickoff whose saved runs this flow would not have started (the
// definition changed since) fails before running anything. Only exported
// fields that JSON can encode survive a save.
//
// # Running the methods elsewhere
//
// Kickoff runs the whole graph in one process. A runner that places each
// method run itself (the Temporal module, github.com/crewai-go/crewai/temporal,
// runs the graph as a workflow and each method as an activity) uses the same
// two pieces Kickoff is built on: a [Scheduler] (from [Flow.Scheduler]),
// the deterministic scheduling rules as plain data, which says which
// methods to start and what each completion triggers; and [Flow.RunMethod],
// which runs one method on a given state with the events, tracing, trigger
// and error handling of a kickoff's method.
//
// # Plot
//
// [Flow.Graph] returns the graph as plain data; [Graph.Mermaid] renders it as
// Mermaid text and [Graph.HTML] writes a self-contained HTML page (inline SVG,
// no script, no network) showing the starts, listeners, routers with their
// labels and Or/And joins.
package flow

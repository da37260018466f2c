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
//	f.Router(flow.Listen("second_method", "first_method").Emits("done"), ...)
//	f.Step(flow.Listen("final_method", "done"), ...)
//	res, err := f.Kickoff(ctx, map[string]any{"Counter": 1})
//
// # Methods and triggers
//
// A method is registered with [Flow.Step] (a plain method returning an output)
// or [Flow.Router] (a method returning a label), under a [Spec]: [Start] (runs
// at kickoff; several starts run concurrently), [Listen] (runs each time a
// method of that name completes or a router returns that label) or [When]
// (runs when a [Condition] holds: [Or], [And], nested with [AnyOf] and
// [AllOf]). Method names and router labels share one namespace of triggers.
//
// The completion of a method triggers the listeners of its name; a router's
// completion also triggers the listeners of the label it returned (an empty
// label triggers none). A plain step's return value triggers nothing by
// itself: it is its output, handed to the listeners it triggers through
// [TriggerOf]. Every listener triggered by one completion starts at once
// and they run concurrently (routers included: unlike CrewAI, which runs the
// routers first, one at a time, this package gives routers no priority).
//
// Or fires at most once per round (a round begins at kickoff and at each
// label a router returns), so a listener on Or("a", "b") runs once when a and
// b both run in the same pass, and once per pass of a loop. And fires once
// all its parts have been seen since it last fired, then starts again.
//
// Loops go through routers (a router may listen to its own label). One
// method runs at most Flow.MaxMethodRuns times per kickoff (default
// [DefaultMaxMethodRuns]); one more run fails the flow with an error matching
// [ErrMaxMethodRuns].
//
// # Definition errors
//
// [Flow.Validate], and Kickoff before running anything, report every mistake
// as a [DefinitionError] naming the method: a nil function, an empty or
// duplicate name, a listener on a trigger that no method and no declared
// label produces, Emits on a plain step, no start method. Routers declare
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
// [MethodError] naming it (a panic becomes a [PanicError]); the ctx of the
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
// {"id": stateID} loads the latest saved record of that ID (an error
// matching [ErrStateNotFound] if there is none, a [CorruptStateError] if it
// does not decode), merges the other inputs on top of its state, and then:
//
//   - if the saved kickoff did not finish (a method failed, the ctx was
//     cancelled, the process died), it resumes it: the methods that
//     completed are not run again, and the runs that were started or
//     triggered but did not complete run now, with the Trigger they had
//     (its Output decoded from the saved JSON: a struct output comes back
//     as map[string]any, an output JSON cannot encode as nil), followed by
//     what they trigger, under the same Or/And/round rules and
//     MaxMethodRuns count as if the kickoff had not stopped;
//   - if it finished (or the record holds no progress), it runs the graph
//     again from its start methods on the saved state: the way to continue
//     a conversation or a long job kickoff after kickoff.
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
// [Flow.Mermaid] returns the graph as Mermaid text and [Flow.PlotHTML] writes
// a self-contained HTML page (inline SVG, no script, no network) showing the
// starts, listeners, routers with their labels and Or/And joins;
// [Flow.Graph] returns the same graph as plain data.
package flow

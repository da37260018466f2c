// Package crewtemporal runs crewai-go flows and crews durably on Temporal
// (https://temporal.io), for users who outgrow one process: thousands of
// kickoffs spread over a fleet of workers, and long flows that must survive a
// crash or a deploy. It lives in its own module
// (github.com/crewai-go/crewai/temporal), so users of the library who do not
// use Temporal pull none of its dependencies. The package is named
// crewtemporal so that it does not clash with the SDK's temporal package.
//
// # Flows
//
// Define the flow once, as a flow.Flow, and wrap it with [NewFlow] (before
// or after registering its methods, through the wrapper or on the flow.Flow
// itself); it still runs in one process with Kickoff.
//
//	f := crewtemporal.NewFlow(&flow.Flow[State]{Name: "Research", Tracing: true})
//	f.Step(flow.Start("plan"), plan)
//	f.Router(flow.Listen("review", flow.On("plan")).Emits("again", "done"), review)
//	f.Step(flow.Listen("publish", flow.On("done")), publish)
//
// On the workers, [Register] puts everything on a worker in one call; on the
// client, [RunFlow] (or [StartFlow] and [FlowRun.Get]) runs it in one call:
//
//	err := crewtemporal.Register(w, crewtemporal.Registry{Flows: []crewtemporal.FlowDefinition{f}, Crews: crews})
//	res, err := crewtemporal.RunFlow(ctx, c, f, map[string]any{"topic": "AI"},
//		client.StartWorkflowOptions{TaskQueue: "crewai"})
//
// The flow is the workflow type named after the flow. Its graph logic
// (start methods, listeners, routers and their labels, Or / And conditions,
// rounds, MaxMethodRuns) is the flow's own flow.Scheduler, the deterministic
// rules flow.Flow.Kickoff runs on, driven by workflow code that also applies
// MaxConcurrency. Each method run is an activity named "<flow>.<method>",
// which runs the method with flow.Flow.RunMethod, with a retry policy (see [Options]), so a worker that
// dies in the middle of a flow is replaced by another that retries the
// method it was running, after the last completed method; the completed
// methods are not run again. A first activity, "<flow>#init", builds the
// first state from the kickoff inputs exactly as Kickoff does (bad inputs
// fail it without retries).
//
// # State
//
// The state travels between the activities as JSON, so only what JSON
// encodes survives (exported fields, as flow's persistence already
// requires). Each method gets the state as it is when the method starts and
// returns a JSON merge patch (RFC 7386) of its changes, which the workflow
// applies when the method completes: concurrent methods that change
// different fields all keep their changes, as in one process; when two
// change the same field, the one that completes last wins; arrays are
// replaced whole. A method's output reaches its listeners decoded from JSON
// (a map[string]any, []any, string, float64, bool or nil); read it with
// flow.TriggerOf, as in one process.
// flow.Flow.Persist is not used: Temporal's history is the persistence.
//
// # Crews
//
// Crews given to Register are activities named "crew:<name>". Workflow code
// kicks them off with [KickoffCrew] and fans a list of inputs out over the
// fleet with [KickoffForEach] (a concurrency limit, outputs in input order,
// one failing input not losing the others); a client does the same with
// [RunCrewForEach], which has the shape of crew.Crew.KickoffForEach. A crew
// kicked off inside a flow method runs inside that method's activity.
//
// # Errors, retries and cancellation
//
// A method or a crew that fails fails its activity with a Temporal
// ApplicationError carrying the error's text and type ([ErrorType]); errors
// that retrying cannot fix ([IsNonRetryable]: bad inputs and definitions,
// panics, refused model requests, errors marked with [NonRetryable] or
// Options.NonRetryable) are marked non-retryable and fail at once. The
// client sees a failed method as a *[MethodError] naming the flow and the
// method, with the error's type and text. Running activities heartbeat; when
// the workflow is cancelled, the heartbeat brings the cancellation back and
// the ctx of the running methods and crews is cancelled.
//
// # Tracing across workers
//
// Put the SDK's OpenTelemetry interceptor
// (go.temporal.io/sdk/contrib/opentelemetry) on the client (workers made from
// that client inherit it): the span context then travels in Temporal's
// headers from the client to the workflow and to every activity, on
// whichever worker it runs. Each method's activity runs the method with
// flow.Flow.RunMethod, whose invoke_node span is a child of the activity's
// span (there is no flow span around a single method), so a flow started by
// a client, run by worker A and finished by worker B is one trace, and the
// spans of a crew kicked off in a method nest under that method's
// invoke_node span, as in one process. Each activity flushes its spans when
// it ends.
//
// # Determinism
//
// Every worker of a task queue must register the same flows (same methods,
// same triggers) with the same Options: workflow code reads them, and
// Temporal replays a run's history against them. Change a flow's graph under
// a new flow name, or with Temporal's versioning.
package crewtemporal

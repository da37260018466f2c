// Package tracing turns the events of traced runs into OpenTelemetry spans and
// sends them to a backend: a local file (the default), an OTLP receiver, the
// console, or CrewAI AOP.
//
// A Crew or Flow calls [Attach] at the start of a kickoff. If the run is
// traced, every step becomes a span, started and ended at the times of its
// start and end events, and the finish function Attach returns flushes the
// spans at the end of the top-level kickoff. A crew kicked off inside a traced
// flow is part of the flow's trace. The root span's parent is the span in the
// context given to Attach, if any.
//
// # Is a run traced?
//
//  1. OTEL_SDK_DISABLED=true turns all tracing off, even Tracing: true.
//  2. Tracing: true on the Crew or Flow traces its runs.
//  3. CREWAI_TRACING_ENABLED=true traces every Crew and Flow of the process.
//
// Both variables accept true/1/yes/on and false/0/no/off in any case. Any
// other value keeps tracing off, with one warning naming the variable, the
// value and what is accepted; the run goes on. Nothing prompts, nothing is
// saved, and nothing goes over the network unless a network backend is
// chosen.
//
// # Spans
//
//	step             name                      kind      openinference.span.kind
//	crew kickoff     invoke_workflow {crew}    INTERNAL  CHAIN
//	flow kickoff     invoke_workflow {flow}    INTERNAL  CHAIN
//	flow method      invoke_node {method}      INTERNAL  CHAIN
//	task             execute_task {task}       INTERNAL  CHAIN
//	agent execution  invoke_agent {role}       INTERNAL  AGENT
//	LLM call         chat {model}              CLIENT    LLM
//	tool call        execute_tool {tool}       INTERNAL  TOOL
//	delegation       delegate {coworker role}  INTERNAL  CHAIN
//	guardrail        guardrail {task}          INTERNAL  GUARDRAIL
//
// Spans carry gen_ai.operation.name and the OpenTelemetry GenAI attributes
// that apply, plus the OpenInference ones; LLM spans carry token usage and,
// when the call was priced, llm.cost.total in US dollars; crew and flow spans
// carry the run's total usage. Retries, rate-limit waits and stream chunks
// are span events of the step they happen in (crewai.retry,
// crewai.rate_limit_wait, crewai.llm.stream_chunk); a chunk event records
// where the chunk sits in the reply, never its text. A failed step has
// status Error, error.type and one "exception" event (with the stack of a
// recovered panic), on the span where the error happened only.
//
// # Content
//
// Prompts, responses, tool arguments and results, inputs, outputs and flow
// state are captured by default. CREWAI_TRACING_CAPTURE_CONTENT=false (or,
// when it is unset, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false,
// NO_CONTENT or EVENT_ONLY) keeps only structure, timings, counts and error
// messages; [WithContentCapture] overrides both; an invalid value turns
// capture off, with one warning.
//
// Every captured text, error message and span name has its secrets replaced
// by "[REDACTED]": the values of environment variables named like secrets
// (*_KEY, *_TOKEN, *_SECRET, *_PAT, *PASSWORD*, ...), URL passwords, OTLP
// header values, and text shaped like API keys, tokens or credentials. Then
// [WithRedaction] runs, and the text is cut to [DefaultMaxAttributeLength]
// bytes ([WithMaxAttributeLength]). Request headers and API keys are never
// put on spans.
//
// # Backends
//
// The backend is chosen in code ([WithBackend], [WithExporter],
// [WithTracerProvider], [WithFileDir], [WithConsole], [WithCrewAI]) or by
// OTEL_TRACES_EXPORTER:
//
//   - file (the default, or when no OTLP endpoint is set): one OTLP JSON file
//     per trace, <trace id>.jsonl, under CREWAI_TRACES_DIR (default
//     .crewai/traces), read by `crewai traces` and replayable into any OTLP
//     receiver. A trace file is opened without following a symbolic link or
//     blocking on a FIFO and written only when it is a regular file of the
//     process's user with no other hard link; a traces folder other users
//     may write is tightened to 0700 when the process owns it (one warning)
//     and refused when it does not.
//   - otlp (the default when OTEL_EXPORTER_OTLP_ENDPOINT or
//     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set): the OpenTelemetry Go
//     exporters, which read the OTEL_EXPORTER_OTLP_* variables; the protocol
//     is http/protobuf (default), http/json or grpc.
//   - console: one readable line per span on standard error.
//   - crewai: CrewAI AOP (see below).
//   - none.
//
// The resource is resource.Default() (OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES apply; the service is "crewai-go" when unnamed)
// plus crewai.version. This package never sets OpenTelemetry globals, and
// never shuts down a provider given with WithTracerProvider. [Default], the
// Tracer of every Crew and Flow whose Tracer is nil, is built from the
// environment on the first traced run, like http.DefaultClient; [Shutdown]
// ends it.
//
// # CrewAI AOP
//
// The crewai backend sends spans to CrewAI's trace dashboard the way CrewAI
// does. Its credential is CREWAI_USER_PAT, else
// CREWAI_PLATFORM_INTEGRATION_TOKEN (or [CrewAIConfig].Credential), and AOP's
// address CREWAI_PLUS_URL (default https://app.crewai.com). Without a
// credential it warns once and writes files instead.
//
// Each top-level kickoff is one CrewAI execution. The first export of its
// spans asks AOP for a grant (POST
// {CREWAI_PLUS_URL}/crewai_plus/api/v1/tracing/grants, bounded to 5 s); the
// answer is checked strictly, and an invalid one is an error, never a
// downgrade to anonymous export. The spans then go by OTLP/HTTP protobuf to
// the collector the grant names, with the grant as bearer token, in requests
// of at most 200 spans and 3,072,000 bytes (split in halves until they fit; a
// span too large alone is dropped and counted in [Stats].Dropped). Grants are
// renewed before they expire. The credential goes only to AOP and the grant
// only to the collector; neither appears in a warning, an error, a span or a
// file. `crewai traces push ID --crewai` sends a stored trace the same way.
//
// Spans of this backend also carry crewai.execution_uuid, crewai.event_name
// (crew_kickoff_completed, task_completed, llm_call_completed, ...),
// crewai.subject and the crewai.crew.*, .task.*, .agent.*, .flow.*,
// .method.*, .llm.call_type and .guardrail.* attributes CrewAI's own span
// handlers set, filled from the GenAI and OpenInference attributes. Not
// filled, for want of the value: CrewAI's IDs and keys of crews, tasks and
// agents, counts of tasks, agents and LLM calls, crewai.tool.*, and the
// memory, knowledge and MCP steps' crewai.* names (those steps are spans of
// their own with the GenAI, OpenInference and MCP attributes). Span names
// keep the GenAI names above. Tests use a fake AOP on 127.0.0.1; no run
// against CrewAI's real service was possible.
//
// # Sampling
//
// The Tracer's own provider samples as OTEL_TRACES_SAMPLER says, with the
// OpenTelemetry SDK's samplers: always_on, always_off, traceidratio,
// parentbased_always_on (the default), parentbased_always_off and
// parentbased_traceidratio; OTEL_TRACES_SAMPLER_ARG is the ratio of the
// traceidratio ones (from 0 to 1; unset: 1). Another sampler name (the
// remote jaeger and xray samplers included) falls back to the default and
// an invalid ratio to 1, each with one warning naming the variable, the
// value and the accepted values. The decision is taken once per kickoff,
// before it starts, so a kickoff is kept or dropped whole. A user's own provider
// ([WithTracerProvider]) samples as it was built to.
//
// With a ratio below 1, a keep rule no SDK sampler can offer, since it is
// decided at the kickoff's end: a kickoff that failed (its root step
// failed, or was left open) and one that took CREWAI_TRACING_KEEP_SLOWER_THAN
// or longer (a Go duration such as 30s; unset: no such rule) are exported
// whole even when the ratio drops them. How: [Attach] asks the sampler
// once, before the kickoff starts (with the trace ID its root span will
// take); a kickoff the ratio drops is not traced as it goes: its events are
// copied and held until it ends, and only then, if the rule keeps it,
// turned into the spans it would have had (the same tree, attributes and
// times, all sampled, so exported whole); else they are discarded and its
// steps counted in [Stats].Unsampled. So an unsampled kickoff costs about
// what an untraced one costs (BenchmarkCrewSampled in ./bench), and a
// sampled kickoff's spans are sampled whole, whatever the ratio says of
// the trace IDs of later roots. CREWAI_TRACING_KEEP_FAILED=false turns
// the failed-kickoff rule off; then, unless CREWAI_TRACING_KEEP_SLOWER_THAN
// is set, a dropped kickoff is not traced at all, at the cost of an
// untraced one; so is every kickoff under always_off, or under a
// parent-based sampler whose parent is unsampled.
// A held kickoff records at most four events per span of the queue size
// ([WithQueueSize]); a kept kickoff over that is dropped, counted in
// Stats.Dropped and reported once. The OpenTelemetry SDK also reads
// OTEL_TRACES_SAMPLER by itself and reports an invalid value through its
// global error handler; the sampler this package sets wins.
//
// # Flush and failure
//
// The end of a top-level kickoff flushes its spans within
// CREWAI_TRACING_FLUSH_TIMEOUT (default 5s; [WithFlushTimeout]) and prints,
// once per process, a line naming the trace and, for files, how to view it
// (`crewai traces view <id> --dir <folder>`; [WithNotice];
// CREWAI_TRACING_NOTICE=false turns it off). A backend that refuses, hangs
// or fails never fails a run nor delays it beyond the flush timeout; each
// cause is logged once per Tracer. Ended spans wait in a bounded queue
// ([DefaultQueueSize], [WithQueueSize]) and are dropped when it is full;
// [Tracer.Stats] counts spans started, exported, failed and dropped.
//
// A dead network backend (otlp over any protocol, crewai) costs at most one
// flush timeout, not one per kickoff. A refused or unreachable endpoint
// fails at once over gRPC as over HTTP: the gRPC exporter's retries (the
// stock client's codes and RetryInfo, 0.5 s doubling to 2 s, 5 s in all)
// skip a connection that could not be made. After an export fails with an
// outage (refused, unreachable, timed out, 5xx, gRPC Unavailable and the
// like; not a batch refused as malformed, HTTP 400, 413 or 422, nor a partial
// success), the backend is taken for down: for a back-off of 1 s, doubled at
// each failed probe up to 1 min, exports are skipped at once and their spans
// counted as dropped, and a kickoff's end does not wait; then one export is
// sent as a probe, and its success ends the outage. A flush that times out
// (a backend that accepts connections and never answers) marks the backend
// slow: later kickoffs do not wait for it until an export succeeds within
// that time again, and exports go on one at a time, so that a slow backend
// still gets the spans. The file, console and none backends and a
// [WithExporter] exporter never back off.
package tracing

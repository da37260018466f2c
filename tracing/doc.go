// Package tracing turns the events of traced runs into OpenTelemetry spans and
// ships them to a configurable backend.
//
// A Crew or Flow calls [Attach] at the start of a kickoff. Attach decides
// whether the run is traced and, if so, attaches a per-run handler to the
// run's context (see package event): every step (crew, task, agent, LLM call,
// tool call, guardrail, delegation, flow, flow method) becomes a span, started
// and ended at the times of its start and end events. The finish function it
// returns flushes the spans at the end of a top-level kickoff.
//
// # Is a run traced?
//
// In this order:
//
//  1. OTEL_SDK_DISABLED=true (or 1, yes, on) turns all tracing off, even a
//     Crew's Tracing: true. An invalid value (anything but true/1/yes/on,
//     false/0/no/off in any case, or empty) also keeps tracing off.
//  2. Tracing: true on the Crew or Flow traces its runs.
//  3. CREWAI_TRACING_ENABLED=true (or 1, yes, on; any case) traces every Crew
//     and Flow of the process; false/0/no/off or empty does not; any other
//     value does not either.
//
// An invalid value of either variable produces one warning (per process, per
// value) that names the variable, the value and the accepted values; the run
// goes on. There is no prompt, no saved consent, and no network traffic
// unless a network backend was chosen. A crew kicked off inside a traced
// flow is part of the flow's trace; Attach returns a no-op finish for it.
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
// Every span carries gen_ai.operation.name (the name's first word) and the
// attributes of the OpenTelemetry GenAI conventions that apply (the names are
// in internal/semconv). A delegation is named "delegate" rather than
// "invoke_agent" because the coworker's own execution, inside it, is the
// invoke_agent span. Retries, rate-limit waits and stream chunks are span
// events on the step they happen in (crewai.retry, crewai.rate_limit_wait,
// crewai.llm.stream_chunk; a chunk event records only where the chunk sits in
// the reply, crewai.llm.chunk.offset and .size in bytes, never its text, so
// that a secret split across chunks cannot be read from the pieces: the reply
// is recorded, and scrubbed, whole). LLM spans carry token usage (gen_ai.usage.* and
// llm.token_count.*) and, when the emitter priced the call, llm.cost.total in
// US dollars; crew and flow spans carry the run's total usage.
//
// A failed step has status Error, error.type (the ErrorType() string of the
// first error in the chain that has such a method, else the Go type name of
// the first error that is not a plain fmt.Errorf/errors.Join wrapper, else
// "_OTHER"), and an "exception" event with the (scrubbed) message and, for a
// recovered panic, the panicking goroutine's stack. The exception is recorded
// once, on the span where it happened: a parent that fails with an error
// wrapping one already recorded below it gets status Error and error.type but
// no second exception event.
//
// The root span's parent is the OpenTelemetry span in the context given to
// Attach, so a user's own span or a propagated context becomes the parent.
//
// # Content
//
// Prompts, responses, tool arguments and results, inputs, outputs and state
// are captured by default (input.value, output.value, gen_ai.input.messages,
// gen_ai.output.messages in the GenAI JSON message shape,
// gen_ai.tool.call.arguments and .result, task description and expected
// output, agent goal; a flow method's span has the state it started from as
// input.value and the state it left as crewai.flow.state, the flow's span
// its final state as crewai.flow.state). CREWAI_TRACING_CAPTURE_CONTENT=false, or, when that
// variable is unset, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false
// (or NO_CONTENT or EVENT_ONLY; true, SPAN_ONLY and SPAN_AND_EVENT mean on)
// keep only structure, timings, counts and error messages. [WithContentCapture]
// overrides both. An invalid value of either variable fails closed: content
// capture is off, with one warning.
//
// Every captured text, and every error message, goes through the same steps:
// secrets are replaced by "[REDACTED]" (by name: the values of environment
// variables whose names end in _KEY, _TOKEN, _SECRET, _APIKEY, _PAT, _PASSWD,
// _CREDENTIALS or contain PASSWORD, the password of any variable holding a
// scheme://user:password@ URL such as *_DSN or *_URL, and the header values
// of OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_TRACES_HEADERS, read
// when the Tracer is built, values of at least 8 bytes; by shape: OpenAI and
// Anthropic "sk-..." keys, GitHub tokens, AWS access key IDs, JSON Web
// Tokens, URL passwords, "Bearer ..." and "Basic ..." credentials; JSON \u
// escapes of letters and digits are decoded first); then the user's
// [WithRedaction] function runs;
// then the text is cut to [DefaultMaxAttributeLength] (32 KiB, see
// [WithMaxAttributeLength]) bytes followed by the marker
// "…[truncated N bytes]". The message lists (gen_ai.*.messages) are built
// from texts cut that way and are cut whole at 8 times that size. Request
// headers and API keys are never put on spans. Span names and the
// attributes that name a step (crew, flow, task, agent, tool, model,
// delegation) are scrubbed the same way, with content capture on or off,
// since they can come from kickoff inputs.
//
// # Backends
//
// Chosen by code ([WithTracerProvider], [WithExporter], [WithBackend],
// [WithFileDir], [WithConsole], [WithCrewAI]) or by the environment:
//
//   - OTEL_TRACES_EXPORTER=otlp, console, file, none or crewai. Unset: otlp when
//     OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is
//     set, else file. An unknown value: a warning and the unset behaviour.
//   - otlp: the OTel Go exporters' clients, which read the
//     OTEL_EXPORTER_OTLP_* variables themselves (endpoint, headers, timeout,
//     TLS, compression). OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or
//     OTEL_EXPORTER_OTLP_PROTOCOL picks the exporter: http/protobuf
//     (default), http/json, or grpc. The exporter's own retries are bounded
//     to 5 s in total. For http/protobuf and grpc the spans are written
//     straight to the protobuf wire format (the request a receiver decodes
//     is the one the stock exporter sends, built with a fraction of its
//     allocations) and handed to the stock client; http/json, and options
//     that ask the HTTP client for JSON, go through the stock exporter.
//   - console: one readable line per span on stderr (name, duration, status,
//     usage, IDs), for development.
//   - file (the default): OTLP JSON under CREWAI_TRACES_DIR (default
//     .crewai/traces, created 0700): one file per trace named
//     <32-hex-digit trace id>.jsonl, created 0600, each line one
//     ExportTraceServiceRequest (opentelemetry-proto, collector/trace/v1)
//     encoded with protojson as OTLP/HTTP JSON requires (hex IDs,
//     lowerCamelCase keys). A trace's spans may come in several lines. The
//     files can be replayed into any OTLP/HTTP JSON receiver and are read by
//     `crewai traces`. The backend writes only what it means to: a trace
//     file is opened without following a symbolic link (O_NOFOLLOW) or
//     blocking on a FIFO, and written only when it is a regular file of the
//     process's user with no other hard link; the all-zero trace ID is
//     refused; a traces folder that other users may write is tightened to
//     0700 when the process owns it (one warning) and refused when it does
//     not, since whoever can write it can plant links in it. Each refusal
//     is a failed export, warned about once per cause.
//   - crewai: CrewAI AOP, the CrewAI platform's trace dashboard (see below).
//
// The resource is resource.Default() (so OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES apply) with the service name "crewai-go" when the
// environment names none, plus crewai.version. The instrumentation scope is
// "github.com/crewai-go/crewai". This package never sets OpenTelemetry
// globals; a provider given with WithTracerProvider is used as is and never
// shut down by this package.
//
// [Default] is built from the environment once per process, on the first
// traced run, and shared by every Crew and Flow whose Tracer is nil, like
// http.DefaultClient; [Shutdown] ends it.
//
// # CrewAI AOP
//
// The crewai backend sends spans where CrewAI's own tracing sends them, the
// same way. The credential is CREWAI_USER_PAT, else
// CREWAI_PLATFORM_INTEGRATION_TOKEN (or [CrewAIConfig].Credential); AOP's
// address is CREWAI_PLUS_URL, else https://app.crewai.com. Chosen without a
// credential, the backend warns once, naming both variables, and the spans
// go to the file backend instead. Nothing is sent to CrewAI unless this
// backend is chosen, and nothing ever prompts.
//
// Each top-level kickoff is one CrewAI execution, whose UUID is derived from
// the run's ID; a crew kicked off inside a traced flow is part of the flow's
// execution. The first export of an execution's spans (never at the start
// of a kickoff; at the latest in the flush that ends it, within its bound)
// asks AOP for a grant: POST
// {CREWAI_PLUS_URL}/crewai_plus/api/v1/tracing/grants with the execution
// UUID and the credential, bounded to 5 s. The answer is checked strictly
// (token, collector URL, the same execution, an expiry in the future, tier
// "authenticated"); an invalid answer is an error, never a downgrade to
// anonymous export. The spans then go by OTLP/HTTP protobuf to the
// collector the grant names, with the grant as bearer token, each request
// bounded to 5 s, 200 spans and 3,072,000 encoded bytes: a larger request
// is split in halves until each part fits, and a span too large on its own
// is dropped and counted in [Stats].Dropped. A grant with 30 s or less left
// is renewed before the next request; a collector that refuses a grant
// gets one retry with a fresh one. A credential refused with 401 or 403 is
// not asked again for the same execution. The credential goes only to AOP
// and the grant only to the collector; neither appears in a warning, an
// error, a span (the credential is masked in captured text like the
// environment's secrets) or a file. `crewai traces push ID --crewai` sends
// a stored trace file the same way, as the execution of its run.
//
// Every span of this backend carries crewai.execution_uuid and, next to the
// GenAI and OpenInference attributes, the crewai.* attributes CrewAI's own
// span handlers set where crewai-go's names differ; other backends get none
// of them. CrewAI's attributes, and which crewai-go fills:
//
//	attribute                               filled from
//	crewai.execution_uuid                   the run (every span)
//	crewai.event_name                       the step: crew_kickoff_completed/failed,
//	                                        task_completed/failed,
//	                                        agent_execution_completed/error,
//	                                        llm_call_completed/failed,
//	                                        tool_usage_finished/error (tools and
//	                                        delegations), flow_finished/failed,
//	                                        method_execution_finished/failed,
//	                                        llm_guardrail_completed
//	crewai.subject                          crew, flow, method or task name, role,
//	                                        model, tool
//	crewai.crew.name, .inputs, .output      gen_ai.workflow.name, input.value,
//	                                        output.value
//	crewai.crew.process                     crewai-go's own attribute (same name)
//	crewai.crew.usage_metrics               the crew span's token counts, as JSON
//	crewai.crew.execution_duration_ms       the span's duration
//	crewai.task.name, .description,         crewai-go's own attributes (same names)
//	  .expected_output
//	crewai.task.output                      output.value
//	crewai.agent.role                       gen_ai.agent.name (tool spans:
//	                                        crewai.tool.agent)
//	crewai.agent.execution_duration_ms      the span's duration
//	crewai.flow.name                        crewai-go's own attribute (same name)
//	crewai.flow.id                          crewai.flow.state_id
//	crewai.flow.inputs, .result             input.value, output.value
//	crewai.flow.execution_duration_ms       the span's duration
//	crewai.method.name, .state, .result     crewai.flow.method, crewai.flow.state,
//	                                        output.value
//	crewai.method.duration_ms               the span's duration
//	crewai.llm.call_type                    tool_call when the model asked for
//	                                        tools, else llm_call
//	crewai.guardrail.success                crewai-go's own attribute (same name)
//	crewai.guardrail.retry_count            crewai.guardrail.attempt - 1
//
// Not filled, for want of the value in crewai-go: crewai.crew.id, .key,
// .num_tasks, .num_agents; crewai.task.id, .key; crewai.agent.key,
// .llm_calls_count; crewai.flow.method_names,
// .aggregated_crew_usage_metrics; crewai.method.params; crewai.llm.call_id,
// .callbacks, .available_functions; crewai.tool.* and crewai.tool.failure.*;
// the event_id and parent_event_id attributes; crewai.memory.*,
// .knowledge.* and .mcp.* (crewai-go's memory, knowledge and MCP steps are
// spans of their own, embeddings, retrieve, save_memory, initialize and
// tools/list, carrying the GenAI, OpenInference and MCP attributes, not yet
// CrewAI's names for them); and the families of steps crewai-go does not
// emit (.a2a.*, .reasoning.*, .skill.*, .human_feedback.*, .policy.*). CrewAI's span
// names ("execute crew", "call llm", ...) are not copied: spans keep the
// GenAI names above, and AOP identifies a row by crewai.event_name.
//
// Tests use a fake AOP (grants and collector on 127.0.0.1); no run against
// CrewAI's real service was possible while this backend was written.
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
// value and the accepted values. The decision is taken on a kickoff's root
// span, so a kickoff is kept or dropped whole. A user's own provider
// ([WithTracerProvider]) samples as it was built to.
//
// With a ratio below 1, a keep rule no SDK sampler can offer, since it is
// decided at the kickoff's end: a kickoff that failed (its root step
// failed, or was left open) and one that took CREWAI_TRACING_KEEP_SLOWER_THAN
// or longer (a Go duration such as 30s; unset: no such rule) are exported
// whole even when the ratio drops them. How: the sampler records what the
// ratio drops in a traced run (RecordOnly: the spans are built, with the
// sampled flag off) and the batch processor holds those spans, per trace,
// until the kickoff ends; then they join the export queue whole, or are
// discarded and counted in [Stats].Unsampled. So an unsampled kickoff still
// pays for building its spans (not for exporting them): see
// BenchmarkCrewSampled in ./bench. CREWAI_TRACING_KEEP_FAILED=false turns
// the failed-kickoff rule off; then, unless CREWAI_TRACING_KEEP_SLOWER_THAN
// is set, [Attach] asks the sampler before the kickoff starts (with the
// trace ID its root span will take) and a dropped kickoff is not traced at
// all, at the cost of an untraced one; so is every kickoff under
// always_off, or under a parent-based sampler whose parent is unsampled. Spans held at once are
// bounded by the queue size ([WithQueueSize]); beyond it they are dropped
// and counted. The OpenTelemetry SDK also reads OTEL_TRACES_SAMPLER by
// itself and reports an invalid value through its global error handler;
// the sampler this package sets wins.
//
// # Flush and failure
//
// The finish function of a top-level kickoff flushes the run's spans, bounded
// by CREWAI_TRACING_FLUSH_TIMEOUT (a Go duration such as 300ms, or a number of
// seconds; default 5s; see [WithFlushTimeout]), then prints one line naming
// the trace and, for the file backend, where it is and how to view it
// (`crewai traces view <id> --dir <folder>`; see [WithNotice]), once per
// process on standard error (once per Tracer on a WithNotice writer);
// CREWAI_TRACING_NOTICE=false turns it off. A backend that refuses
// connections, hangs or answers errors never fails a run and never delays it
// beyond the flush timeout; each cause (connection refused, timeout, an HTTP
// status, a gRPC code, a traces folder that is unwritable, full or missing) is
// logged once per Tracer as a warning. A flush that gives up waiting leaves
// the export running in the background, so a slow backend still gets the
// spans (an export gives up after 10 s). Ended spans wait in a bounded queue
// ([DefaultQueueSize], [WithQueueSize]); when it is full they are dropped.
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

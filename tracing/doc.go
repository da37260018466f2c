// Package tracing turns the events of traced runs into OpenTelemetry spans and
// ships them to a backend. A Crew or Flow calls [Attach] at the start of a
// kickoff; every step of a traced run then becomes a span, started and ended
// at the times of its events, and the finish function Attach returns flushes
// the spans at the end of a top-level kickoff. A [Tracer] and everything this
// package returns are safe for concurrent use.
//
// # Is a run traced?
//
//  1. OTEL_SDK_DISABLED=true turns all tracing off.
//  2. [Requested](true) (a Crew's or Flow's Tracing: true) traces the run.
//  3. CREWAI_TRACING_ENABLED=true traces every Crew and Flow of the process.
//
// Booleans are true/1/yes/on or false/0/no/off in any case. Any other value
// is reported once per process with the variable, the value and the
// accepted values, and the run goes on: untraced for OTEL_SDK_DISABLED, as
// if unset for CREWAI_TRACING_ENABLED. Nothing is prompted, saved
// or sent unless a network backend was chosen. A crew kicked off inside a
// traced flow is part of the flow's trace.
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
// Each step's mapping is in the file step_<step>.go. Every span carries
// gen_ai.operation.name and the OpenTelemetry GenAI attributes that apply
// (names in internal/semconv); a delegation is "delegate" because the
// coworker's own execution inside it is the invoke_agent span. Retries,
// rate-limit waits and stream chunks are span events (crewai.retry,
// crewai.rate_limit_wait, crewai.llm.stream_chunk). LLM spans carry token
// usage and, when known, llm.cost.total in US dollars; crew and flow spans
// carry the run's total usage.
//
// A failed step has status Error, error.type (the ErrorType() of the first
// error in the chain that has one, else the Go type of the first error that
// is not a plain fmt.Errorf/errors.Join wrapper, else "_OTHER") and one
// "exception" event (with the stack of a recovered panic), recorded on the
// span where the error happened, not again on its parents. The root span's
// parent is the OpenTelemetry span in the context given to Attach.
//
// # Content
//
// Prompts, responses, tool arguments and results, inputs, outputs and state
// are captured by default (input.value, output.value, gen_ai.input.messages
// and gen_ai.output.messages in the GenAI JSON shape, tool arguments and
// results, task description, agent goal, flow state).
// CREWAI_TRACING_CAPTURE_CONTENT=false, or, when it is unset,
// OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false (or NO_CONTENT or
// EVENT_ONLY) keeps only structure, timings, counts and error messages;
// [WithContentCapture] overrides both.
//
// Every captured text and error message is scrubbed: the values (8 bytes or
// more) of environment variables whose names end in _KEY, _TOKEN or _SECRET
// or contain PASSWORD, "sk-..." keys and "Bearer ..." tokens become
// "[REDACTED]"; then [WithRedaction]'s function runs; then the text is cut to
// [DefaultMaxAttributeLength] bytes ([WithMaxAttributeLength]) followed by
// "…[truncated N bytes]". Message lists are cut whole at 8 times that size.
// Request headers and API keys never reach a span.
//
// # Backends
//
// Chosen by code ([WithTracerProvider], [WithExporter], [WithBackend],
// [WithFileDir], [WithConsole]) or by OTEL_TRACES_EXPORTER: otlp, console,
// file or none; unset, otlp when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, else file.
//
//   - otlp: the OTel Go exporters' clients, configured by the
//     OTEL_EXPORTER_OTLP_* variables; OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL
//     picks http/protobuf (default), http/json or grpc. Retries stop after
//     5 s. For the protobuf protocols the spans are written straight to the
//     protobuf wire format and handed to the stock client (the same request,
//     for about a quarter fewer instructions per kickoff than the stock
//     exporter; see BENCHMARKS.md).
//   - file (the default): under CREWAI_TRACES_DIR (default .crewai/traces,
//     created 0700), one file per trace, <trace id>.jsonl (0600), each line
//     one OTLP/JSON ExportTraceServiceRequest (hex IDs, lowerCamelCase keys),
//     readable by `crewai traces` and replayable into any OTLP/HTTP JSON
//     receiver.
//   - console: one line per span on stderr, for development.
//
// The resource is resource.Default() (OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES apply) with the service name "crewai-go" unless the
// environment names one, plus crewai.version. This package never sets
// OpenTelemetry globals, and never shuts down a provider given with
// [WithTracerProvider]. [Default], the Tracer of every Crew and Flow whose
// Tracer is nil, is built from the environment on the first traced run;
// [Shutdown] ends it.
//
// # Flush and failure
//
// The finish function of a top-level kickoff flushes the run's spans within
// CREWAI_TRACING_FLUSH_TIMEOUT (a Go duration or a number of seconds; default
// 5s; [WithFlushTimeout]), then prints one line naming the trace and, for the
// file backend, how to view it ([WithNotice]). A backend that refuses,
// hangs or fails never fails a run nor delays it beyond the flush timeout;
// each cause is logged once per Tracer. A flush that gives up leaves the
// export running (bounded to 10 s). Ended spans wait in a bounded queue
// ([DefaultQueueSize], [WithQueueSize]) and are dropped when it is full;
// [Tracer.Stats] counts spans started, exported, failed and dropped.
package tracing

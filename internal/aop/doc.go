// Package aop sends OTLP spans to CrewAI AOP (the CrewAI platform's trace
// dashboard) the way CrewAI's own tracing does since its OTLP redesign: a
// short-lived grant per execution, then standard OTLP/HTTP to the collector
// the grant names.
//
// # The protocol
//
//  1. The credential (a CrewAI personal access token or platform integration
//     token) is sent to AOP only: POST {base}/crewai_plus/api/v1/tracing/grants
//     with the JSON body {"execution_uuid": ID, "include_trace_url": true}
//     and "Authorization: Bearer <credential>", bounded by [DefaultGrantTimeout].
//  2. AOP answers 200 with {token, collector_url, execution_uuid, expires_at,
//     tier} and, optionally, trace_url. The answer is checked strictly: token
//     a non-blank string; collector_url an absolute https URL (http only for
//     localhost, *.localhost, 127.0.0.1 and ::1) without user information;
//     execution_uuid the one asked for; expires_at an RFC 3339 time with a
//     zone, in the future; tier "authenticated". Anything else is a
//     [*GrantError]; nothing is then sent, and there is no anonymous
//     fallback. An unusable trace_url is ignored (it is only a link to show).
//  3. Spans go as OTLP/HTTP protobuf to collector_url with
//     "Authorization: Bearer <grant token>", at most [MaxSpansPerRequest]
//     spans and [MaxRequestBytes] encoded bytes per request: a request over
//     the byte cap is split in halves until each part fits; a single span
//     that does not fit alone is dropped and counted ([Result.Dropped]).
//  4. Before each request the grant is renewed (the same POST, the same
//     execution) when [DefaultRenewBefore] or less remains. A collector that
//     answers 401 or 403 gets one more try with a fresh grant (a grant that
//     expired early, or a clock that is off).
//
// The credential goes to the AOP base URL only, and the grant token to the
// collector only; neither is ever part of an error message, a log line or a
// String method's output.
//
// # Departures from CrewAI
//
// The base URL must be https unless it names the local machine (CrewAI sends
// the credential to any URL given). A grant refused with 401, 403 or as
// invalid is remembered for that execution, so a revoked token costs one
// request per kickoff instead of one per batch. The HTTP client honours the
// usual proxy variables (CrewAI's ignores them). The attribute mapping in
// [Annotate] is filled from crewai-go's own span attributes; see its doc for
// what is and is not filled.
//
// A [Client] and an [Exporter] are safe for concurrent use. Their zero values
// are not usable: build them with [NewClient] and [NewExporter].
package aop

// Package tracing turns the events of traced runs into OpenTelemetry spans and
// ships them to a configurable backend.
package tracing

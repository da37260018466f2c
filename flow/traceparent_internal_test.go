package flow

import "testing"

// FuzzParseTraceParent: a saved trace parent that is damaged is ignored,
// never a panic, and a valid one round-trips.
func FuzzParseTraceParent(f *testing.F) {
	f.Add("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	f.Add("00-00000000000000000000000000000000-0000000000000000-00")
	f.Add("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	f.Add("00-xyz-abc-zz")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		sc, ok := parseTraceParent(s)
		if !ok {
			return
		}
		if !sc.IsValid() {
			t.Fatalf("parseTraceParent(%q) reported ok for an invalid span context", s)
		}
		again, ok := parseTraceParent(traceParent(sc))
		if !ok || again.TraceID() != sc.TraceID() || again.SpanID() != sc.SpanID() || again.TraceFlags() != sc.TraceFlags() {
			t.Fatalf("round trip of %q: %v -> %v", s, sc, again)
		}
	})
}

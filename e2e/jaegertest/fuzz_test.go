package jaegertest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeAndTree feeds arbitrary query responses through the client's
// decoding and the trace helpers: nothing may panic or loop, and every span
// that is a root or an orphan appears in the outline.
func FuzzDecodeAndTree(f *testing.F) {
	f.Add([]byte(sampleTrace))
	f.Add([]byte(`{"data":[{"spans":[{"spanID":"x"},{"spanID":"x","references":[{"refType":"CHILD_OF","spanID":"x"}]}]}]}`))
	f.Add([]byte(`{"data":[{"spans":[{"spanID":"a","references":[{"refType":"CHILD_OF","spanID":"b"}]},{"spanID":"b","references":[{"refType":"CHILD_OF","spanID":"a"}]}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var env envelope[[]Trace]
		if dec.Decode(&env) != nil {
			return
		}
		for i := range env.Data {
			tr := &env.Data[i]
			tree := tr.Tree()
			lines := strings.Count(tree, "\n")
			if lines > len(tr.Spans) {
				t.Fatalf("outline has %d lines for %d spans:\n%s", lines, len(tr.Spans), tree)
			}
			if min := len(tr.Roots()) + len(tr.Orphans()); lines < min {
				t.Fatalf("outline has %d lines, fewer than %d roots and orphans", lines, min)
			}
			tr.Services()
			for j := range tr.Spans {
				s := &tr.Spans[j]
				s.Kind()
				s.IsError()
				s.LogsNamed("exception")
				tr.Parent(s)
			}
		}
	})
}

package tracefile_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

// BenchmarkRead reads one 10-span crew trace (two lines).
func BenchmarkRead(b *testing.B) {
	id := tracefiletest.TraceID("bench")
	data := tracefiletest.Lines(tracefiletest.Crew(id, base, tracefiletest.CrewOptions{})...)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tracefile.Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList summarises a folder of 200 traces, as "traces list" and
// the viewer's list page do.
func BenchmarkList(b *testing.B) {
	dir := b.TempDir()
	for i := range 200 {
		id := tracefiletest.TraceID(fmt.Sprint(i))
		if _, err := tracefiletest.WriteFile(dir, id, tracefiletest.Crew(id, base.Add(time.Duration(i)*time.Minute), tracefiletest.CrewOptions{})...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		sums, _, err := tracefile.List(dir, nil)
		if err != nil || len(sums) != 200 {
			b.Fatal(err)
		}
	}
}

// BenchmarkCacheList is BenchmarkList through a warm Cache, as the viewer's
// list page does on every refresh.
func BenchmarkCacheList(b *testing.B) {
	dir := b.TempDir()
	for i := range 200 {
		id := tracefiletest.TraceID(fmt.Sprint(i))
		if _, err := tracefiletest.WriteFile(dir, id, tracefiletest.Crew(id, base.Add(time.Duration(i)*time.Minute), tracefiletest.CrewOptions{})...); err != nil {
			b.Fatal(err)
		}
	}
	var c tracefile.Cache
	if _, _, err := c.List(dir, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sums, _, err := c.List(dir, nil)
		if err != nil || len(sums) != 200 {
			b.Fatal(err)
		}
	}
}

package tracefile_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

func ExampleRead() {
	id := tracefiletest.TraceID("example")
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	data := tracefiletest.Lines(tracefiletest.Crew(id, start, tracefiletest.CrewOptions{})...)

	tr, err := tracefile.Read(bytes.NewReader(data))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range tr.Spans {
		fmt.Printf("%s%s %v\n", strings.Repeat("  ", s.Depth), s.Name, s.Duration())
	}
	sum := tr.Summary(nil) // nil: the built-in prices
	fmt.Printf("%s: %d tokens, $%.6f, %s\n", sum.Name, sum.Usage.TotalTokens, sum.Cost, sum.Status)
	// Output:
	// invoke_workflow research_crew 2.53s
	//   execute_task research 1.515s
	//     invoke_agent Researcher 1.5s
	//       chat gpt-4o-mini 400ms
	//       execute_tool search 10ms
	//       execute_tool search 200ms
	//       chat gpt-4o-mini 840ms
	//   execute_task write 995ms
	//     invoke_agent Writer 980ms
	//       chat gpt-4o-mini 960ms
	// research_crew: 4880 tokens, $0.001006, ok
}

func ExampleResolve() {
	_, err := tracefile.Resolve("testdata-does-not-exist", "4bf9")
	fmt.Println(err)
	// Output:
	// tracefile: no trace "4bf9" in testdata-does-not-exist
}

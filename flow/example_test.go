package flow_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/crewai-go/crewai/flow"
)

// The seed's ExampleFlow: a start router, a router that loops on its own
// label until the counter reaches 3, and a final step.
func Example() {
	type ExampleState struct {
		Counter int
		Message string
	}
	f := &flow.Flow[ExampleState]{Name: "ExampleFlow"}
	f.Router(flow.Start("first_method").Emits("continue"), func(ctx context.Context, s *flow.State[ExampleState]) (string, error) {
		s.Update(func(st *ExampleState) { st.Message = "Hello from first_method" })
		return "continue", nil
	})
	f.Router(flow.Listen("second_method", "continue").Emits("continue", "finish"), func(ctx context.Context, s *flow.State[ExampleState]) (string, error) {
		var n int
		s.Update(func(st *ExampleState) { st.Counter++; n = st.Counter })
		if n < 3 {
			return "continue", nil
		}
		return "finish", nil
	})
	f.Step(flow.Listen("final_method", "finish"), func(ctx context.Context, s *flow.State[ExampleState]) (any, error) {
		s.Update(func(st *ExampleState) { st.Message += " - Flow completed" })
		return "done", nil
	})
	res, err := f.Kickoff(context.Background(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Output, res.State.Counter, res.State.Message)
	// Output: done 3 Hello from first_method - Flow completed
}

// Or and And joins: "summary" runs once although both of its triggers
// complete; "report" waits for both.
func ExampleAnd() {
	f := &flow.Flow[map[string]any]{Name: "Joins"}
	step := func(out string) flow.StepFunc[map[string]any] {
		return func(ctx context.Context, s *flow.State[map[string]any]) (any, error) {
			s.Update(func(m *map[string]any) {
				n, _ := (*m)[out].(int)
				(*m)[out] = n + 1
			})
			return out, nil
		}
	}
	f.Step(flow.Start("fetch_a"), step("fetch_a"))
	f.Step(flow.Start("fetch_b"), step("fetch_b"))
	f.Step(flow.When("summary", flow.Or("fetch_a", "fetch_b")), step("summary"))
	f.Step(flow.When("report", flow.And("fetch_a", "fetch_b")), step("report"))
	res, err := f.Kickoff(context.Background(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.State["summary"], res.State["report"])
	// Output: 1 1
}

func ExampleFlow_Mermaid() {
	f := &flow.Flow[struct{}]{Name: "Review"}
	f.Router(flow.Start("draft").Emits("ok", "redo"), func(context.Context, *flow.State[struct{}]) (string, error) { return "ok", nil })
	f.Step(flow.Listen("publish", "ok"), func(context.Context, *flow.State[struct{}]) (any, error) { return nil, nil })
	f.Step(flow.Listen("rewrite", "redo"), func(context.Context, *flow.State[struct{}]) (any, error) { return nil, nil })
	fmt.Print(f.Mermaid())
	// Output:
	// flowchart TD
	//   %% flow: Review
	//   m0{{"draft"}}:::startrouter
	//   m1["publish"]:::step
	//   m2["rewrite"]:::step
	//   m0 -.->|"ok"| m1
	//   m0 -.->|"redo"| m2
	//   classDef start fill:#e3f6e8,stroke:#2e8b57,stroke-width:2px
	//   classDef startrouter fill:#fff4d6,stroke:#2e8b57,stroke-width:2px
	//   classDef router fill:#fff4d6,stroke:#c98a00
	//   classDef step fill:#eef3fb,stroke:#4a6fa5
	//   classDef join fill:#f2f2f2,stroke:#777
}

// A kickoff that failed half-way is resumed by its state ID: the methods
// that completed are not run again.
func Example_resume() {
	ctx := context.Background()
	type Report struct{ Sections []string }
	var pressOffline atomic.Bool
	pressOffline.Store(true)

	f := &flow.Flow[Report]{Name: "Report", Persist: &flow.MemoryStore{}}
	f.Step(flow.Start("research"), func(ctx context.Context, s *flow.State[Report]) (any, error) {
		fmt.Println("research runs")
		s.Update(func(r *Report) { r.Sections = append(r.Sections, "findings") })
		return nil, nil
	})
	f.Step(flow.Listen("publish", "research"), func(ctx context.Context, s *flow.State[Report]) (any, error) {
		if pressOffline.Load() {
			return nil, errors.New("press offline")
		}
		fmt.Println("publish runs")
		return "published", nil
	})

	first, err := f.Kickoff(ctx, nil)
	fmt.Println("first kickoff:", err)
	pressOffline.Store(false)
	second, err := f.Kickoff(ctx, map[string]any{"id": first.StateID})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(second.Output, second.State.Sections)
	// Output:
	// research runs
	// first kickoff: flow "Report": method "publish": press offline
	// publish runs
	// published [findings]
}

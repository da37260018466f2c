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
	f.Router(flow.Listen("second_method", flow.On("continue")).Emits("continue", "finish"), func(ctx context.Context, s *flow.State[ExampleState]) (string, error) {
		var n int
		s.Update(func(st *ExampleState) { st.Counter++; n = st.Counter })
		if n < 3 {
			return "continue", nil
		}
		return "finish", nil
	})
	f.Step(flow.Listen("final_method", flow.On("finish")), func(ctx context.Context, s *flow.State[ExampleState]) (any, error) {
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
	f.Step(flow.Listen("summary", flow.Or(flow.On("fetch_a"), flow.On("fetch_b"))), step("summary"))
	f.Step(flow.Listen("report", flow.And(flow.On("fetch_a"), flow.On("fetch_b"))), step("report"))
	res, err := f.Kickoff(context.Background(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.State["summary"], res.State["report"])
	// Output: 1 1
}

func ExampleGraph_Mermaid() {
	f := &flow.Flow[struct{}]{Name: "Review"}
	f.Router(flow.Start("draft").Emits("ok", "redo"), func(context.Context, *flow.State[struct{}]) (string, error) { return "ok", nil })
	f.Step(flow.Listen("publish", flow.On("ok")), func(context.Context, *flow.State[struct{}]) (any, error) { return nil, nil })
	f.Step(flow.Listen("rewrite", flow.On("redo")), func(context.Context, *flow.State[struct{}]) (any, error) { return nil, nil })
	fmt.Print(f.Graph().Mermaid())
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
	f.Step(flow.Listen("publish", flow.On("research")), func(ctx context.Context, s *flow.State[Report]) (any, error) {
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

// A conditional start (CrewAI's @start("loop")): the flow has no
// unconditional start, so it runs at kickoff, and the router's "loop"
// label brings it back until the router says "exit".
func ExampleSpec_TriggeredBy() {
	f := &flow.Flow[map[string]any]{Name: "Cycle"}
	var log []string
	f.Step(flow.Start("step_1").TriggeredBy(flow.On("loop")), func(ctx context.Context, s *flow.State[map[string]any]) (any, error) {
		log = append(log, "step_1")
		return nil, nil
	})
	f.Router(flow.Listen("step_2", flow.On("step_1")).Emits("loop", "exit"), func(ctx context.Context, s *flow.State[map[string]any]) (string, error) {
		log = append(log, "step_2")
		if len(log) < 6 {
			return "loop", nil
		}
		return "exit", nil
	})
	if _, err := f.Kickoff(context.Background(), nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(log)
	// Output: [step_1 step_2 step_1 step_2 step_1 step_2]
}

// Routers in a chain form one dispatch wave: "classify" returns "urgent",
// "escalate" (listening to "urgent") returns "paged", and the listener on
// Or("urgent", "paged") runs once, not once per label.
func ExampleOr() {
	f := &flow.Flow[map[string]any]{Name: "Chain"}
	var notified atomic.Int32
	f.Step(flow.Start("receive"), func(ctx context.Context, s *flow.State[map[string]any]) (any, error) { return nil, nil })
	f.Router(flow.Listen("classify", flow.On("receive")).Emits("urgent"), func(ctx context.Context, s *flow.State[map[string]any]) (string, error) {
		return "urgent", nil
	})
	f.Router(flow.Listen("escalate", flow.On("urgent")).Emits("paged"), func(ctx context.Context, s *flow.State[map[string]any]) (string, error) {
		return "paged", nil
	})
	f.Step(flow.Listen("notify", flow.Or(flow.On("urgent"), flow.On("paged"))), func(ctx context.Context, s *flow.State[map[string]any]) (any, error) {
		notified.Add(1)
		return nil, nil
	})
	if _, err := f.Kickoff(context.Background(), nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("notify ran", notified.Load(), "time")
	// Output: notify ran 1 time
}

// A router is exempt from the Or once-rule: on Or("a", "b") it runs once
// for each trigger that completes, and so do the listeners of its label,
// while a plain listener on the same Or runs once.
func ExampleFlow_Router() {
	f := &flow.Flow[map[string]any]{Name: "Routers"}
	var routed, labelled, plain atomic.Int32
	nop := func(ctx context.Context, s *flow.State[map[string]any]) (any, error) { return nil, nil }
	f.Step(flow.Start("a"), nop)
	f.Step(flow.Start("b"), nop)
	f.Router(flow.Listen("route", flow.Or(flow.On("a"), flow.On("b"))).Emits("go"), func(ctx context.Context, s *flow.State[map[string]any]) (string, error) {
		routed.Add(1)
		return "go", nil
	})
	f.Step(flow.Listen("on_go", flow.On("go")), func(ctx context.Context, s *flow.State[map[string]any]) (any, error) {
		labelled.Add(1)
		return nil, nil
	})
	f.Step(flow.Listen("join", flow.Or(flow.On("a"), flow.On("b"))), func(ctx context.Context, s *flow.State[map[string]any]) (any, error) {
		plain.Add(1)
		return nil, nil
	})
	if _, err := f.Kickoff(context.Background(), nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(routed.Load(), labelled.Load(), plain.Load())
	// Output: 2 2 1
}

// A method that listens to its own name is refused before anything runs.
func ExampleFlow_Validate() {
	f := &flow.Flow[map[string]any]{Name: "Selfish"}
	nop := func(ctx context.Context, s *flow.State[map[string]any]) (any, error) { return nil, nil }
	f.Step(flow.Start("begin"), nop)
	f.Step(flow.Listen("retry", flow.Or(flow.On("begin"), flow.On("retry"))), nop)
	fmt.Println(f.Validate())
	// Output: flow "Selfish": method "retry" listens to its own name "retry": its completion would trigger it again, for ever; listen to another method or label, or rename the method
}

// With a store, an "id" input resumes the state saved under it, or, when
// there is none, starts a fresh run whose state has that ID; Resume insists
// on a saved state.
func ExampleFlow_Resume() {
	type Order struct {
		ID    string
		Steps int
	}
	f := &flow.Flow[Order]{Name: "Orders", Persist: &flow.MemoryStore{}}
	f.Step(flow.Start("process"), func(ctx context.Context, s *flow.State[Order]) (any, error) {
		s.Update(func(o *Order) { o.Steps++ })
		return nil, nil
	})
	res, err := f.Kickoff(context.Background(), map[string]any{"id": "order-7"}) // nothing saved yet: fresh
	fmt.Println(res.State.ID, res.State.Steps, err)
	res, err = f.Resume(context.Background(), "order-7", nil) // saved: resumed
	fmt.Println(res.State.ID, res.State.Steps, err)
	_, err = f.Resume(context.Background(), "order-8", nil)
	fmt.Println(errors.Is(err, flow.ErrStateNotFound))
	// Output:
	// order-7 1 <nil>
	// order-7 2 <nil>
	// true
}

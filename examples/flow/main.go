// Command flow runs the seed's ExampleFlow: a start router sets a greeting
// and routes to a router that counts to 3 through a loop on its own label,
// then a final step completes the message. Tracing is on (see package
// tracing for where the trace goes), and it runs offline: there is no model.
//
//	go run ./examples/flow            # run it and print the final state
//	go run ./examples/flow -plot flow.html   # write the graph as HTML instead of running
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/crewai-go/crewai/flow"
)

// ExampleState is the flow's state.
// The zero value is the state a kickoff starts from; methods share it
// through flow.State, which locks, so they may run concurrently.
type ExampleState struct {
	ID      string `json:"id"`
	Counter int    `json:"counter"`
	Message string `json:"message"`
}

// newFlow defines ExampleFlow.
func newFlow() *flow.Flow[ExampleState] {
	f := &flow.Flow[ExampleState]{Name: "ExampleFlow", Tracing: true}

	f.Router(flow.Start("first_method").Emits("continue"),
		func(ctx context.Context, s *flow.State[ExampleState]) (string, error) {
			s.Update(func(st *ExampleState) { st.Message = "Hello from first_method" })
			fmt.Println("first_method: message set")
			return "continue", nil
		})

	f.Router(flow.Listen("second_method", flow.On("continue")).Emits("continue", "finish"),
		func(ctx context.Context, s *flow.State[ExampleState]) (string, error) {
			var n int
			s.Update(func(st *ExampleState) { st.Counter++; n = st.Counter })
			fmt.Println("second_method: counter =", n)
			if n < 3 {
				return "continue", nil
			}
			return "finish", nil
		})

	f.Step(flow.Listen("final_method", flow.On("finish")),
		func(ctx context.Context, s *flow.State[ExampleState]) (any, error) {
			s.Update(func(st *ExampleState) { st.Message += " - Flow completed" })
			fmt.Println("final_method: Flow completed")
			return "Flow completed", nil
		})
	return f
}

func main() {
	plot := flag.String("plot", "", "write the flow's graph as a self-contained HTML page to this file")
	flag.Parse()
	if err := run(context.Background(), *plot); err != nil {
		fmt.Fprintln(os.Stderr, "flow:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, plot string) error {
	f := newFlow()
	if plot != "" {
		file, err := os.Create(plot)
		if err != nil {
			return err
		}
		if err := f.Graph().HTML(file); err != nil {
			file.Close()
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
		fmt.Println("plot written to", plot)
		return nil
	}
	res, err := f.Kickoff(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Printf("\nOutput: %v\n", res.Output)
	fmt.Printf("Final state: counter=%d message=%q id=%s\n", res.State.Counter, res.State.Message, res.StateID)
	return nil
}

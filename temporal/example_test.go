package crewtemporal_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/crewai-go/crewai/flow"
	crewtemporal "github.com/crewai-go/crewai/temporal"
)

type greeting struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// A flow defined through NewFlow runs in one process with Kickoff, and on
// Temporal once registered on a worker. Here Temporal is the SDK's
// in-process test environment; on a real deployment, Register takes a
// worker.Worker and RunFlow a client.Client.
func ExampleRegister() {
	f := crewtemporal.NewFlow(&flow.Flow[greeting]{Name: "Greeter"})
	f.Step(flow.Start("hello"), func(ctx context.Context, s *flow.State[greeting]) (any, error) {
		s.Update(func(g *greeting) { g.Message = "Hello, " + g.Name })
		return "said hello", nil
	})
	f.Router(flow.Listen("check", flow.On("hello")).Emits("ok"), func(ctx context.Context, s *flow.State[greeting]) (string, error) {
		return "ok", nil
	})
	f.Step(flow.Listen("sign", flow.On("ok")), func(ctx context.Context, s *flow.State[greeting]) (any, error) {
		t := flow.TriggerOf(ctx)
		s.Update(func(g *greeting) { g.Message += "!" })
		return fmt.Sprintf("signed after %s returned %q", t.Method, t.Name), nil
	})

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	if err := crewtemporal.Register(env, crewtemporal.Registry{Flows: []crewtemporal.FlowDefinition{f}}); err != nil {
		fmt.Println(err)
		return
	}
	env.ExecuteWorkflow(f.Name(), crewtemporal.FlowInput{Inputs: map[string]any{"name": "Ada"}})
	var out crewtemporal.FlowOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Method, string(out.Output))

	local, _ := f.Flow().Kickoff(context.Background(), map[string]any{"name": "Ada"})
	fmt.Println(local.State.Message)
	// Output:
	// sign "signed after check returned \"ok\""
	// Hello, Ada!
}

// IsNonRetryable decides which errors fail an activity at once.
func ExampleIsNonRetryable() {
	fmt.Println(crewtemporal.IsNonRetryable(&flow.InputError{Field: "topic"}))
	fmt.Println(crewtemporal.IsNonRetryable(fmt.Errorf("backend busy")))
	fmt.Println(crewtemporal.IsNonRetryable(crewtemporal.NonRetryable(fmt.Errorf("bad plan"))))
	// Output:
	// true
	// false
	// true
}

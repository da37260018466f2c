package event_test

import (
	"context"
	"fmt"

	"github.com/crewai-go/crewai/event"
)

// A subscriber that prints every tool call of every run on its bus.
func ExampleOn() {
	bus := &event.Bus{}
	stop := event.On(bus, func(e *event.ToolStarted) {
		fmt.Printf("tool %s called with %s (parent step %d)\n", e.Tool, e.Arguments, e.ParentID)
	})
	defer stop()

	// What an agent does when it calls a tool:
	ctx := event.StartRun(context.Background(), bus)
	ctx, agent := event.Begin(ctx, event.AgentStarted{Role: "Researcher"})
	_, call := event.Begin(ctx, event.ToolStarted{Tool: "search", Arguments: `{"query":"AI"}`})
	event.End(call, event.ToolFinished{Tool: "search", Result: "3 results"})
	event.End(agent, event.AgentCompleted{Role: "Researcher", Output: "done"})
	// Output:
	// tool search called with {"query":"AI"} (parent step 1)
}

// Begin and End bracket a step; everything emitted with the context Begin
// returns is a child of the step.
func ExampleBegin() {
	bus := &event.Bus{}
	defer bus.Subscribe(event.HandlerFunc(func(e event.Event) {
		h := e.EventHeader()
		fmt.Printf("%d %-5s %-15s parent=%d start=%d\n", h.Seq, h.Phase, e.Kind(), h.ParentID, h.StartID)
	}))()
	ctx := event.StartRun(context.Background(), bus)
	ctx, task := event.Begin(ctx, event.TaskStarted{Task: "research"})
	event.Emit(ctx, event.Retry{Operation: "chat gpt-4o-mini", Attempt: 1})
	event.End(task, event.TaskCompleted{Task: "research"})
	// Output:
	// 1 start task_started    parent=0 start=0
	// 2 point retry           parent=1 start=0
	// 3 end   task_completed  parent=0 start=1
}

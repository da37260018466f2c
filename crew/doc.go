// Package crew defines Crew, a team of agents working through tasks, and its
// kickoff.
//
// A Crew is a definition: Kickoff never modifies it (nor its agents and
// tasks), so one Crew value may be kicked off from many goroutines at once,
// each kickoff with its own inputs and its own output. Everything is checked
// before the first model call ([Crew.Validate]): a crew without tasks, a task
// without an agent (sequential process), an agent without an LLM, a context
// that names a later task or a task not in the crew, a hierarchical crew
// without a manager, a {placeholder} without an input.
//
// # Processes
//
// [Sequential] runs the tasks in order, each by its own agent. [Hierarchical]
// gives every task to a manager agent (the crew's ManagerAgent, or one built
// on ManagerLLM) that delegates the work to the crew's agents with the
// delegation tools (only to the task's agent when the task names one) and
// answers with the result; the task outputs then carry the manager's role and
// the usage includes the manager's calls.
//
// # Context and async tasks
//
// A task whose Context is nil sees the outputs of every earlier task of the
// run; a list selects those tasks; task.NoContext() selects none. A task
// with Async set starts and runs alongside the tasks that follow it; the next
// synchronous task waits for every running async task first, and the kickoff
// waits for them all before it returns. An async task whose Context is nil
// sees only the output of the last synchronous task before it, and its
// Context may not name an async task that is still running when it starts.
// Outputs are always reported in task order. Unlike CrewAI, a crew may end
// with several async tasks: the kickoff simply waits for all of them. A
// failing task cancels the async tasks still running and ends the kickoff.
//
// # Usage
//
// CrewOutput.Usage is the sum of the tasks' usages, and a task's usage is the
// sum of the agent executions made for it (retries, repairs, delegated work),
// so every model call is counted exactly once even when agents share an LLM.
//
// # Events, tracing and the console
//
// A kickoff opens a run on the crew's Bus (or joins the run already in ctx,
// as in a flow method), announces crew_kickoff_started and exactly one
// crew_kickoff_completed or crew_kickoff_failed, with every task, agent
// execution, model call and tool call nested under it. Verbose prints a live
// account of the run to standard error.
//
// # Conditional tasks, planning, hooks
//
// A task with a Condition is skipped when the previous output fails it (see
// package task): its output is kept in CrewOutput.Tasks with Skipped set,
// the crew's result is the last non-empty output, and a conditional first
// task or async conditional task is a *ValidationError. With Planning, a
// planner (a task with structured output, run by a "Task Execution Planner"
// agent on PlanningLLM) writes a plan for every task before the first one
// runs; each plan is appended to its task's description, as CrewAI does. A
// planning failure ends the kickoff before any task runs. Hooks and
// ToolFailurePolicy reach every agent of the crew, the manager and
// delegated coworkers included.
//
// # Many kickoffs, replays
//
// [Crew.KickoffForEach] runs one kickoff per input, a bounded number at a
// time, and returns the outputs in input order with the total usage.
// [Crew.ReplayFrom] runs a crew again from one task, reusing the stored
// outputs of the earlier tasks of a previous kickoff.
//
// # Concurrency
//
// Kickoffs never modify a [Crew] (see above); callbacks must be safe for
// concurrent use. A [CrewOutput], a [BatchOutput] and the errors a kickoff
// returns belong to the caller and are not modified once returned.
package crew

// Package task defines Task, one piece of work given to an agent, and
// TaskOutput, what it produced.
//
// A Task is a definition: its Description, ExpectedOutput and OutputFile may
// hold {placeholders} that are filled from the kickoff inputs each time the
// task runs, and running it never modifies it, so one Task may be executed
// by many kickoffs at once. A crew normally runs tasks (see package crew);
// [Task.Execute] runs one on its own.
//
// # Context
//
// The Context field says which earlier outputs of the same run the task sees:
//
//	Context: nil                          // unset: every earlier output of the run
//	Context: []*task.Task{research, data} // those tasks' outputs, in that order
//	Context: task.NoContext()             // an empty, non-nil list: none
//
// # Structured output
//
// Output: task.As[Report]() asks the model for JSON following the JSON schema
// of the Go type Report (generated with github.com/invopop/jsonschema: fields
// without omitempty are required, unknown fields are refused). The schema is
// sent as the request's ResponseFormat and described in the expected output.
// The reply (a bare JSON value, or one inside a Markdown code fence) is
// validated against the schema and decoded into a Report, available as
// TaskOutput.Value (and typed with [ValueAs]). When the reply is not valid,
// the agent is asked once, without tools, to fix it, with the validation
// error; if the second reply is not valid either, the task fails with an
// [*OutputError].
//
// # Guardrails
//
// A task's Guardrails check each output before it is accepted, in order,
// as CrewAI's guardrails list. A [Guardrail] is a Go function (Func, or
// [Check] for a plain pass/fail) or a plain-language Rule checked by a model
// (Guardrail.LLM, else the task's agent's), which answers with a structured
// [Verdict] (valid, feedback) through the request's response format; the
// check is a small agent execution, so its model call is traced and its
// tokens count in the task's usage. A guardrail may pass the output on
// unchanged, pass a transformed output on to the next guardrail and to the
// task's result (CrewAI's (True, new_value)), or reject it with feedback.
//
// A rejection is shown to the agent, with its previous answer, and the agent
// tries again; the fresh output goes through the guardrail that rejected it
// and those after it, not the ones before (they accepted the earlier
// answer). Each guardrail has its own budget of retries (its MaxRetries,
// else the task's GuardrailMaxRetries, else 3); a guardrail over budget ends
// the task with a [*GuardrailError] naming it. A Func that panics rejects
// the output; a rule whose model fails or answers with no readable verdict
// fails the task (a broken check is not the agent's fault to fix). Each
// check is a guardrail_started / guardrail_completed event pair (the span
// "guardrail {task}") carrying the guardrail's name, its verdict, its
// feedback and whether it transformed the output.
//
// On a retry the agent gets the task's context as before, followed by the
// guardrail's feedback and its previous answer. CrewAI instead replaces the
// context with the feedback and the answer; this package keeps the context,
// deliberately: the earlier outputs the task was built on are what the model
// needs to fix its answer (a guardrail that says "cite the research" is
// useless once the research is gone), and the feedback comes last, where
// the model weighs it most.
//
// # Human input
//
// With HumanInput set, each final answer of the agent is shown to a person
// (through HumanProvider, else the provider in the kickoff's context, else
// the console: see package human), who answers with feedback or with
// nothing. Feedback continues the agent's conversation as a new user
// message (its earlier turns are sent again, as CrewAI does) and the agent
// revises; an empty answer accepts, and the accepted answer then goes on
// to structured-output decoding and the guardrail, so every revision is
// checked. Each question is a human-input step (a human_input span next
// to the agent's spans, never inside a model call). A question that gets
// no answer (timeout, end of input, a provider error) ends the task with a
// [*HumanInputError] holding the last answer; the usage of every round is
// counted.
//
// # Training
//
// A kickoff whose context holds a [Training] ([WithTraining]) is part of a
// training, as CrewAI's Crew.train runs it (package project's train
// command builds on it). Training.Instructions adds lines to the prompt of
// every task of an agent, after its description: the suggestions a
// training distilled, or during a training the feedback given so far.
// Training.Record makes the kickoff a training run: after the agent's
// first final answer to each task, a person is asked once for feedback
// (the human-input step of HumanInput, with the training's provider); with
// feedback the agent revises once, as with HumanInput, and the revision is
// the task's answer; then Record gets the round (a [TrainingRound]: the
// first answer, the feedback, the revision). During a training these
// rounds replace HumanInput's. A task tried again after a guardrail's
// rejection has a round for each try: the person sees every answer the
// task may end with. Without a Training in the context, a task
// pays one context lookup.
//
// # Conditional tasks
//
// A task with a Condition is conditional, as CrewAI's ConditionalTask: a
// crew calls the condition with the output of the last task that ran before
// it (async tasks are waited for first) and skips the task when it returns
// false. A skipped task still has its TaskOutput in the crew's output, with
// Skipped set and an empty Raw, and is announced as a task_skipped event; it
// is not part of any later task's context. Unlike CrewAI, whose condition
// may be handed the empty output of a task skipped just before, the
// condition always sees an output that was produced. A crew refuses a
// conditional first task and an async conditional task (which also refuses
// a crew of only conditional tasks).
//
// # Output files
//
// OutputFile names a file that receives the output (indented JSON for
// structured output, the raw text otherwise). Missing directories are
// created. As written in the definition it is checked as CrewAI checks it:
// a ".." segment, a leading "~", an environment reference ($HOME, ${X}),
// a shell character (| ; & > < or a backquote) or a {placeholder} that is
// not a valid name (a letter or '_', then letters, digits or '_') is an
// error naming the field and the value, from [Task.Validate] (so from a
// crew's validation, before any model call) and from Execute. Once its
// placeholders are filled, a relative path is resolved against the working
// directory and must stay inside it (also through symbolic links); an
// absolute path is refused unless AllowOutsideDir is set.
//
// With no inputs at all (nil or empty), the placeholders of Description,
// ExpectedOutput and OutputFile, and those of the agent, stay as written,
// as CrewAI does; a non-empty inputs map that lacks one is an error naming
// it.
//
// # Concurrency
//
// A [Task] is a definition that running it never modifies: [Task.Execute] is
// safe for concurrent use, and so must be its guardrails and callbacks. A
// [TaskOutput] and the errors Execute returns are plain values, not modified
// once returned.
package task

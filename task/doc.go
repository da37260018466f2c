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
// A Guardrail checks an output before it is accepted. A rejection (a non-nil
// error) is shown to the agent, with its previous answer, and the agent tries
// again, up to GuardrailMaxRetries times (default 3); then the task fails
// with a [*GuardrailError]. Each check is a guardrail_started /
// guardrail_completed event pair.
//
// On a retry the agent gets the task's context as before, followed by the
// guardrail's feedback and its previous answer. CrewAI instead replaces the
// context with the feedback and the answer; this package keeps the context,
// deliberately: the earlier outputs the task was built on are what the model
// needs to fix its answer (a guardrail that says "cite the research" is
// useless once the research is gone), and the feedback comes last, where
// the model weighs it most.
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

// Package project gives a Go program CrewAI's project workflow: agents and
// tasks defined in agents.yaml and tasks.yaml, and the commands a CrewAI
// project runs with (run, replay, log-tasks-outputs, test, train, plot,
// memory reset), handed to the program by one call in its main.
//
// # YAML definitions
//
// [Load] reads a config folder's agents.yaml and tasks.yaml as CrewAI
// writes them: each top-level key names an agent (role, goal, backstory,
// llm, tools, allow_delegation, max_iter, ...) or a task (description,
// expected_output, agent, context, output_file, async_execution,
// human_input, output_json, ...). {placeholders} are kept as they are and
// filled at each kickoff from its inputs. Tasks keep the file's order and
// are named by their key (the name replay -t takes).
//
// What YAML cannot carry is named in it and resolved through a [Registry]
// the program fills: tools, structured output types, guardrails, callbacks
// and models. An llm value that is not a registered model is a model
// string for package llm/models ("openai/gpt-4o-mini",
// "anthropic/claude-sonnet-4-5", a bare OpenAI name).
//
// YAML is untrusted input. Every problem is an [*Error] naming the file,
// the line and the key, and listing what is accepted (the known keys, the
// registered tool names); an unknown key is an error, never ignored, as is a
// duplicate key or entry and a second YAML document. Files over
// [MaxFileSize] are refused before parsing; aliases are never expanded
// beyond the values the schema reads (a list of names holds names, so an
// alias bomb is a type error, not a memory blow-up), and "<<" merge keys,
// which CrewAI users use to share settings, nest at most 8 deep.
//
// Where this departs from CrewAI: a task's "name" must equal its key (one
// name per task); "create_directory: false" is refused (folders are always
// created); CrewAI's max_retry_limit: 0 and guardrail_max_retries: 0 mean no
// retry, and so they do here (they become -1 in Go, whose 0 means the
// default). CrewAI keys with no Go counterpart (cache, max_tokens,
// respect_context_window, ...) are unknown keys, so that nobody believes a
// setting is in force when it is not.
//
// human_input: true asks [Registry.Human] (by default [ConsoleHuman] on the
// process's standard input) after the task's guardrail: an empty answer
// accepts the output, anything else is sent back to the agent as feedback,
// up to the task's guardrail retries.
package project

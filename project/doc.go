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
// # Commands
//
// A project's main builds its crew (usually from the YAML) and ends with
// [Main] (or [MainFlow] for a flow), which runs the command of the command
// line: run, log-tasks-outputs, replay -t TASK, test -n N, train -n N,
// memory reset; for a flow, run and plot. The crewai command's run, replay,
// ... build the project in the current folder and run it with the same
// arguments, as CrewAI's command runs a project with uv.
//
// Every kickoff of run and replay is recorded in a [TaskLog]: .crewai/task_outputs.db (pure-Go SQLite, WAL;
// $CREWAI_STORAGE_DIR moves it). A kickoff's outputs are written with its
// end in one transaction, so concurrent kickoffs (goroutines or processes)
// each keep their own outputs, and a process killed mid-kickoff leaves a
// kickoff marked running that readers skip: log-tasks-outputs shows the
// last kickoff that finished (a failed one included: a replay may start
// from the task that failed). replay restores the outputs of the tasks
// before TASK from the log, in a new process, and runs the rest
// ([crew.Crew.ReplayFrom]). The log keeps a structured output as JSON; on
// restore it is decoded (and checked against the schema) into the Go type
// of the task's Output, so that TaskOutput.Value is what the first run
// produced. An output that no longer decodes (the type changed, or the
// output was logged as text) stops the replay before it starts with a
// [*RestoreError] naming the kickoff, the task and the type.
//
// When the crew is traced, each command is a root span in a new trace
// ("run research", "replay research", ...) with the kickoffs as children;
// the log keeps the span's IDs, and a replay's span links to the span of
// the kickoff it replays. (The tracing package makes a kickoff's root span
// a child of the span in its context; the command span is how a replay
// gets a trace of its own with a link, without changes there.)
//
// test runs the crew N times and has a judge model (Options.Judge, --model,
// default gpt-4o-mini) score every task output from 1 to 10 against its
// description and expected output, as a structured output that a guardrail
// keeps in range; it prints a table of scores per task and run, the
// averages and the estimated cost (package pricing; models without a price
// are counted apart).
//
// # Training
//
// train -n N trains the crew as CrewAI's train does. Each of the N runs is
// a kickoff in training mode (task.WithTraining): right after the agent's
// first answer to each task, a person (Options.Human, a human.Provider; by
// default a human.Console on the program's standard streams) is asked for
// feedback once, through the same human-input step as a task's HumanInput;
// with feedback the agent revises its answer once, continuing its
// conversation, and the revised answer is the task's output, the one the
// next tasks build on; an empty answer accepts the first. While training,
// a task's prompt also carries the feedback its agent got earlier in the
// training. Each round (run, agent, task, initial_output, human_feedback,
// improved_output) is saved as it ends in .crewai/training_data.json
// ([TrainingData]), so a training that stops half-way loses no feedback.
// After the runs, each agent's model distils its rounds with feedback into
// [Suggestions] (suggestions, quality from 0 to 10, final_summary), saved
// by agent role (as written, trimmed) in the training file,
// .crewai/trained_agents.json ($CREWAI_TRAINED_AGENTS_FILE, or train -f),
// replacing that agent's earlier suggestions and keeping the others'. The
// rounds of accepted answers teach nothing and are not distilled.
//
// The training file is JSON, {"version": 2, "agents": {ROLE: {"suggestions":
// [...], "quality": 7.5, "final_summary": "..."}}} ([Trained]); this
// format is kept stable, and a change will come with a new version number.
// The first format of this package (the agents object without the version
// wrapper) is still read and is rewritten as version 2 by the next train;
// any other content (CrewAI's pickle, an unknown version or key) stops
// run, replay, test and train with an error naming the file and saying
// what to do, before any model call or question.
//
// Where this departs from CrewAI: a round is kept for every task (CrewAI
// keeps one per agent and run, the last task overwriting the others); an
// accepted answer is not revised (CrewAI runs the agent again with empty
// feedback); delegation stays as defined (CrewAI turns it off while
// training; here the crew's definitions are never modified, and work done
// by a coworker through delegation is not a task and gets no round).
//
// run, replay and test load the training file ([WithTrained]): each
// agent's suggestions are appended to the prompt of every task it does, as
// CrewAI appends them to the task prompt, verbatim (never read as
// placeholders). The crew's definitions are not modified.
//
// When the crew is traced, the train command's span holds the kickoffs;
// in each task, the question is a human_input span and the round a
// training_round span (crewai.training.iteration,
// crewai.training.feedback_given, crewai.training.improved); each agent's
// distillation is a training_distill span (crewai.training.records,
// crewai.training.suggestions, crewai.training.quality) above the
// distilling kickoff.
//
// human_input: true sets the task's HumanInput (package human: the agent
// revises its answer with a person's feedback until they accept it), asking
// [Registry.Human] when set, else the provider in the kickoff's context,
// else the console.
package project

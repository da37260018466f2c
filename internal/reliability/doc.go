// Package reliability holds no library code: its tests check, across
// packages, the promises of the project's reliability and security issue
// (see RELIABILITY.md at the repository root).
//
//   - Model faults in the middle of a crew, driven through the fake
//     OpenAI-compatible server of llm/llmtest and the real client: each one
//     is either recovered (the crew finishes with the right output) or a
//     typed error naming the crew, the task, the agent and the model, and
//     the events and spans of the run are complete either way.
//   - Trace-folder faults (unwritable, removed mid-run, full disk): the
//     run's result is never affected.
//   - Long runs: a thousand traced kickoffs with goroutines back to baseline
//     and a heap that does not grow.
//   - Secrets: API keys, Authorization headers and *_KEY/*_TOKEN values from
//     the environment never appear in trace files, spans, logs, console
//     output, events or error messages; trace files are 0600 in a 0700
//     folder; the viewer refuses non-loopback addresses and Host headers; a
//     task's output file cannot leave the working directory.
//
// The package is test-only; importing it gives nothing.
package reliability

// Package agent defines Agent, a role played by a model, and its executor: the
// loop that sends the job to the model, runs the tools the model asks for and
// feeds their results back, until the model gives a final answer.
package agent

// Package task defines Task, one piece of work given to an agent, and
// TaskOutput, what it produced.
package task

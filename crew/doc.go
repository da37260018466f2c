// Package crew defines Crew, a team of agents working through tasks, and its
// kickoff.
package crew

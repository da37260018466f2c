package project

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a problem in a project's YAML definitions: the file, the line and
// the key it is at, what is wrong, and what would be accepted instead. Match
// it with errors.As. It is a plain value, not modified once returned.
type Error struct {
	// File is the file as given to the loader, such as
	// "config/agents.yaml".
	File string
	// Line is the 1-based line of the offending key or value; 0 when the
	// problem is the file as a whole.
	Line int
	// Key is the path of the key, such as "researcher.tools[1]"; empty for
	// the file as a whole.
	Key string
	// Reason says what is wrong.
	Reason string
	// Accepted lists what the key accepts (the known keys, the registered
	// tool names...), when that list is short enough to be useful.
	Accepted []string
	// Err is the underlying error, if any (a YAML syntax error).
	Err error
}

// Error formats the problem as "project: FILE:LINE: KEY: REASON (accepted:
// ...)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("project: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	if len(e.Accepted) > 0 {
		b.WriteString(" (accepted: ")
		b.WriteString(strings.Join(e.Accepted, ", "))
		b.WriteString(")")
	} else if e.Accepted != nil {
		b.WriteString(" (none registered)")
	}
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// ErrNoKickoff is matched (errors.Is) by the error of a command that needs
// an earlier kickoff (log-tasks-outputs, replay) when the task-output log
// holds none that finished.
var ErrNoKickoff = errors.New("project: no finished kickoff in the task-output log; run the crew first")

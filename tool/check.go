package tool

import "fmt"

// Check reports the first tool of tools that cannot be offered to a model: a
// nil tool, or one that reports a construction error through an
// Err() error method (as a [Func] made by [New] with bad arguments does).
// The error names the tool's index and name. Agents and crews call it before
// the first model call, so a broken tool is a clear error up front rather
// than a failure in the middle of a run.
func Check(tools []Tool) error {
	for i, t := range tools {
		if t == nil {
			return fmt.Errorf("tool: Tools[%d] is nil", i)
		}
		if b, ok := t.(interface{ Err() error }); ok {
			if err := b.Err(); err != nil {
				return fmt.Errorf("tool: Tools[%d] (%q) cannot be used: %w", i, t.Name(), err)
			}
		}
	}
	return nil
}

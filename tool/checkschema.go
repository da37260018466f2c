package tool

import (
	"encoding/json"
	"fmt"
)

// CheckSchema reports whether schema can be a tool's argument schema, as a
// [Runner] compiles it: valid JSON that compiles as a JSON schema with no
// reference outside itself. Tools whose schema comes from elsewhere (an MCP
// server) are checked with it before they are offered to a model.
func CheckSchema(schema json.RawMessage) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("tool: the schema cannot be compiled: %v", p)
		}
	}()
	if as := compileSchema(schema); as.err != nil {
		return fmt.Errorf("tool: %w", as.err)
	}
	return nil
}

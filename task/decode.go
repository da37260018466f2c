package task

import (
	"errors"
	"fmt"
)

// DecodeJSON validates data, one JSON value (as a structured TaskOutput's
// JSON holds it), against the schema and decodes it into a value of the
// schema's Go type (a T for As[T], not a pointer), as a task does with its
// agent's reply. Use it to give back its Go value to an output kept as JSON
// (a task-output log, a cache). It fails for a Schema whose type has no JSON
// schema, and for data that is not valid JSON or does not follow the schema.
func (s *Schema) DecodeJSON(data []byte) (any, error) {
	if s == nil || s.typ == nil {
		return nil, errors.New("task: DecodeJSON on a nil Schema; make one with task.As")
	}
	if s.err != nil {
		return nil, s.err
	}
	v, _, err := s.decodeJSON(string(data))
	if err != nil {
		return nil, fmt.Errorf("task: decoding into %s: %w", s.typ, err)
	}
	return v, nil
}

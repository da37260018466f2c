package task

import (
	"encoding/json"

	"github.com/crewai-go/crewai/llm"
)

// ResponseFormat returns the format a model is asked to follow for this
// schema (agent.OutputSchema; a task sets it itself).
func (s *Schema) ResponseFormat() *llm.ResponseFormat { return s.responseFormat() }

// Decode validates a model's reply against the schema and decodes it, as a
// task does (the reply may hold its JSON in a code fence or in prose): the
// value (of the schema's Go type), its compact JSON, or an error meant to
// be shown to the model. With it a Schema is an agent.OutputSchema, the
// structured output of agent.Agent.Kickoff.
func (s *Schema) Decode(reply string) (value any, js json.RawMessage, err error) {
	if s.err != nil {
		return nil, nil, s.err
	}
	return s.decode(reply)
}

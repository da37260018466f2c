package task

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/crewai-go/crewai/internal/lenientjson"
	"reflect"
	"regexp"
	"strings"

	"github.com/invopop/jsonschema"
	sjson "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/crewai-go/crewai/llm"
)

// Schema is the structured output of a task: a Go type, its JSON schema and
// a validator. Make one with [As]. A Schema is immutable and safe for
// concurrent use; the zero value and nil mean "plain text output".
type Schema struct {
	typ      reflect.Type
	name     string
	raw      json.RawMessage
	compiled *sjson.Schema
	err      error
}

// As returns the Schema of the Go type T: a task with Output: task.As[T]()
// asks the model for JSON following T's schema and decodes the reply into a
// T (TaskOutput.Value holds a T, not a pointer). T is usually a struct; its
// fields without omitempty are required and unknown fields are refused. A
// type that has no JSON schema (a channel, a function) gives a Schema whose
// error is reported when the task is validated.
func As[T any]() *Schema {
	return schemaOf(reflect.TypeFor[T]())
}

var nameClean = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func schemaOf(t reflect.Type) *Schema {
	s := &Schema{typ: t}
	name := t.Name()
	if name == "" {
		name = t.Kind().String()
	}
	s.name = nameClean.ReplaceAllString(name, "_")
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128, reflect.Interface:
		s.err = fmt.Errorf("task: type %s has no JSON schema; use a struct, slice, map or basic type", t)
		return s
	}
	r := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	js := r.ReflectFromType(t)
	js.Version = "" // the draft is implied; providers reject some $schema values
	raw, err := json.Marshal(js)
	if err != nil {
		s.err = fmt.Errorf("task: JSON schema of %s: %w", t, err)
		return s
	}
	s.raw = raw
	doc, err := sjson.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		s.err = fmt.Errorf("task: JSON schema of %s: %w", t, err)
		return s
	}
	c := sjson.NewCompiler()
	c.DefaultDraft(sjson.Draft2020)
	if err := c.AddResource("mem://output.json", doc); err != nil {
		s.err = fmt.Errorf("task: JSON schema of %s: %w", t, err)
		return s
	}
	if s.compiled, err = c.Compile("mem://output.json"); err != nil {
		s.err = fmt.Errorf("task: JSON schema of %s: %w", t, err)
	}
	return s
}

// Type returns the Go type the output is decoded into.
func (s *Schema) Type() reflect.Type { return s.typ }

// JSONSchema returns the JSON schema sent to the model (nil if the type has
// none).
func (s *Schema) JSONSchema() json.RawMessage { return s.raw }

// Err returns the error met while building the schema, or nil.
func (s *Schema) Err() error { return s.err }

func (s *Schema) responseFormat() *llm.ResponseFormat {
	return &llm.ResponseFormat{Name: s.name, Schema: s.raw}
}

// decode validates reply against the schema and decodes it. It returns the
// decoded value (a value of s.typ), the canonical JSON, or an error meant to
// be shown to the model. The reply may hold its JSON as CrewAI's converter
// accepts it (see lenientjson.Candidates): the first candidate that follows the
// schema wins; the error is that of the first candidate.
func (s *Schema) decode(reply string) (any, json.RawMessage, error) {
	cands := lenientjson.Candidates(reply)
	if len(cands) == 0 {
		if strings.ContainsAny(reply, "{[") {
			return nil, nil, fmt.Errorf("the reply is not valid JSON")
		}
		return nil, nil, fmt.Errorf("the reply contains no JSON value")
	}
	var first error
	for _, text := range cands {
		v, js, err := s.decodeJSON(text)
		if err == nil {
			return v, js, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, nil, first
}

// decodeJSON validates one valid JSON text against the schema and decodes
// it.
func (s *Schema) decodeJSON(text string) (any, json.RawMessage, error) {
	inst, err := sjson.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, nil, fmt.Errorf("the reply is not valid JSON: %v", err)
	}
	if err := s.compiled.Validate(inst); err != nil {
		return nil, nil, fmt.Errorf("the JSON does not follow the schema: %v", err)
	}
	ptr := reflect.New(s.typ)
	if err := json.Unmarshal([]byte(text), ptr.Interface()); err != nil {
		return nil, nil, fmt.Errorf("the JSON does not fit the expected shape: %v", err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		return nil, nil, fmt.Errorf("the reply is not valid JSON: %v", err)
	}
	return ptr.Elem().Interface(), json.RawMessage(buf.Bytes()), nil
}

// ValueAs returns out.Value as a T, and whether it holds one.
func ValueAs[T any](out TaskOutput) (T, bool) {
	v, ok := out.Value.(T)
	return v, ok
}

package tool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// schemaFor generates the JSON schema of the arguments type t: an object
// schema, every reference inlined unless t is recursive, without $schema
// and $id. Field tags: `json` names the field and "omitempty" (or
// "omitzero") makes it optional; `jsonschema:"description=...,enum=a,enum=b,
// required,minimum=1,..."` (see github.com/invopop/jsonschema) and
// `desc:"..."` describe it.
func schemaFor(t reflect.Type) (raw json.RawMessage, err error) {
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	switch {
	case base.Kind() == reflect.Struct:
	case base.Kind() == reflect.Map && base.Key().Kind() == reflect.String:
	default:
		return nil, fmt.Errorf("the arguments type %v is not supported (accepted: a struct, a pointer to a struct, or a map with string keys)", t)
	}
	defer func() {
		if p := recover(); p != nil {
			raw, err = nil, fmt.Errorf("cannot make a JSON schema for the arguments type %v: %v", t, p)
		}
	}()
	isRecursive := recursive(base, map[reflect.Type]bool{})
	r := &jsonschema.Reflector{
		Anonymous:      true,
		DoNotReference: !isRecursive,
		ExpandedStruct: true,
		LookupComment:  descTag,
		Mapper:         unsignedMinimum,
	}
	s := r.ReflectFromType(base)
	s.Version = ""
	s.ID = ""
	if isRecursive && base.Name() != "" {
		// the root is expanded in place, but the references to it from
		// inside need its definition too
		root := *s
		root.Definitions = nil
		s.Definitions[base.Name()] = &root
	}
	if len(s.Definitions) == 0 {
		s.Definitions = nil
	}
	if s.Type == "object" && s.Properties == nil {
		s.Properties = jsonschema.NewProperties()
	}
	raw, err = json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("cannot encode the JSON schema of %v: %w", t, err)
	}
	return raw, nil
}

// descTag reads the `desc:"..."` tag of a field, for fields described that
// way rather than with jsonschema's own tags.
func descTag(t reflect.Type, field string) string {
	if field == "" || t.Kind() != reflect.Struct {
		return ""
	}
	if f, ok := t.FieldByName(field); ok {
		return f.Tag.Get("desc")
	}
	return ""
}

// unsignedMinimum gives unsigned integer types a minimum of 0, so that a
// negative number is caught by validation with a clear message.
func unsignedMinimum(t reflect.Type) *jsonschema.Schema {
	if t.PkgPath() != "" {
		return nil
	}
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return &jsonschema.Schema{Type: "integer", Minimum: json.Number("0")}
	}
	return nil
}

// recursive reports whether a struct type reachable from t contains itself.
func recursive(t reflect.Type, onPath map[reflect.Type]bool) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return recursive(t.Elem(), onPath)
	case reflect.Map:
		return recursive(t.Elem(), onPath)
	case reflect.Struct:
		if onPath[t] {
			return true
		}
		onPath[t] = true
		defer delete(onPath, t)
		for i := range t.NumField() {
			if recursive(t.Field(i).Type, onPath) {
				return true
			}
		}
	}
	return false
}

// argsSchema is a tool's compiled argument schema plus what is needed to
// explain a violation to the model.
type argsSchema struct {
	compiled *sjs.Schema // nil when the schema could not be compiled
	err      error       // why it could not be compiled
	doc      map[string]any
	brief    string
	fields   []string // top-level property names, in schema order
}

const resourceURL = "urn:crewai-go:tool-args"

// noLoader refuses every external reference: a tool schema is self-contained,
// and must never make the validator read files or the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("the schema references %q; only references inside the schema are allowed", url)
}

// compileSchema compiles raw. A schema that does not compile gives an
// argsSchema that only checks that the arguments are a JSON object.
func compileSchema(raw json.RawMessage) *argsSchema {
	as := &argsSchema{}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage(`{"type":"object"}`)
	}
	doc, err := sjs.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		as.err = fmt.Errorf("the schema is not valid JSON: %w", err)
		return as
	}
	if m, ok := doc.(map[string]any); ok {
		as.doc = m
	}
	as.fields = orderedProperties(raw)
	as.brief = briefSchema(as.doc, as.fields)
	c := sjs.NewCompiler()
	c.UseLoader(noLoader{})
	if err := c.AddResource(resourceURL, doc); err != nil {
		as.err = fmt.Errorf("cannot use the schema: %w", err)
		return as
	}
	sch, err := c.Compile(resourceURL)
	if err != nil {
		as.err = fmt.Errorf("the schema does not compile: %w", err)
		return as
	}
	as.compiled = sch
	return as
}

func compileToolSchema(t Tool) (as *argsSchema) {
	defer func() {
		if p := recover(); p != nil {
			as = &argsSchema{err: fmt.Errorf("%s: Schema panicked: %v", t.Name(), p)}
		}
	}()
	return compileSchema(t.Schema())
}

// orderedProperties lists the top-level property names of an object schema
// in the order they are written (a Go map would lose it).
func orderedProperties(raw json.RawMessage) []string {
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return nil
	}
	props, ok := top["properties"]
	if !ok {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(props))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return names
		}
		name, _ := tok.(string)
		names = append(names, name)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return names
		}
	}
	return names
}

// trimArgs trims the model's arguments; empty arguments mean {}.
func trimArgs(args string) string {
	s := strings.TrimSpace(args)
	if s == "" {
		s = "{}"
	}
	return s
}

// parseArgs decodes the model's arguments. Empty arguments mean {}; a JSON
// string that holds a JSON object (arguments encoded twice, as some models
// send them) is unwrapped. It returns the raw object and its decoded form
// (numbers as json.Number).
func parseArgs(args string) (raw json.RawMessage, doc any, err error) {
	s := trimArgs(args)
	doc, err = sjs.UnmarshalJSON(strings.NewReader(s))
	if err != nil {
		return nil, nil, err
	}
	if inner, ok := doc.(string); ok {
		t := strings.TrimSpace(inner)
		if strings.HasPrefix(t, "{") {
			if d, err := sjs.UnmarshalJSON(strings.NewReader(t)); err == nil {
				s, doc = t, d
			}
		}
	}
	return json.RawMessage(s), doc, nil
}

// canonicalArgs is the canonical form (compact, keys sorted) of decoded
// arguments, the default cache key.
func canonicalArgs(doc any) (json.RawMessage, error) { return json.Marshal(doc) }

var printer = message.NewPrinter(language.English)

// check validates doc and returns one line per problem, each naming the
// field, what was given and what is expected. Nil means valid.
func (as *argsSchema) check(doc any) []string {
	if as.compiled == nil {
		if _, ok := doc.(map[string]any); !ok {
			return []string{fmt.Sprintf("the arguments: got %s (%s), expected a JSON object", show(doc), jsonType(doc))}
		}
		return nil
	}
	err := as.compiled.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *sjs.ValidationError
	if !errors.As(err, &ve) {
		return []string{err.Error()}
	}
	var lines []string
	seen := map[string]bool{}
	var walk func(e *sjs.ValidationError)
	walk = func(e *sjs.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		for _, l := range as.explain(e, doc) {
			if !seen[l] {
				seen[l] = true
				lines = append(lines, l)
			}
		}
	}
	walk(ve)
	const maxLines = 12
	if len(lines) > maxLines {
		lines = append(lines[:maxLines], fmt.Sprintf("... and %d more problems", len(lines)-maxLines))
	}
	if len(lines) == 0 {
		lines = []string{ve.Error()}
	}
	return lines
}

// explain turns one leaf validation error into lines for the model.
func (as *argsSchema) explain(e *sjs.ValidationError, doc any) []string {
	loc := e.InstanceLocation
	field := fieldPath(loc)
	given := valueAt(doc, loc)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		out := make([]string, len(k.Missing))
		for i, m := range k.Missing {
			out[i] = fmt.Sprintf("missing required field %q", fieldPath(append(append([]string(nil), loc...), m)))
		}
		return out
	case *kind.AdditionalProperties:
		out := make([]string, len(k.Properties))
		for i, p := range k.Properties {
			l := fmt.Sprintf("unknown field %q (given %s)", fieldPath(append(append([]string(nil), loc...), p)), show(valueAt(doc, append(append([]string(nil), loc...), p))))
			if len(loc) == 0 && len(as.fields) > 0 {
				l += "; accepted fields: " + strings.Join(as.fields, ", ")
			}
			out[i] = l
		}
		return out
	case *kind.Type:
		if len(loc) == 0 {
			return []string{fmt.Sprintf("the arguments: got %s (%s), expected a JSON %s", show(given), k.Got, strings.Join(k.Want, " or "))}
		}
		return []string{fmt.Sprintf("field %q: got %s (%s), expected %s", field, show(given), k.Got, strings.Join(k.Want, " or "))}
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = show(w)
		}
		return []string{fmt.Sprintf("field %q: got %s, expected one of %s", field, show(given), strings.Join(want, ", "))}
	case *kind.Const:
		return []string{fmt.Sprintf("field %q: got %s, expected %s", field, show(given), show(k.Want))}
	case *kind.FalseSchema:
		return []string{fmt.Sprintf("field %q is not allowed (given %s)", field, show(given))}
	}
	name := "the arguments"
	if len(loc) > 0 {
		name = fmt.Sprintf("field %q", field)
	}
	return []string{fmt.Sprintf("%s: got %s, %s", name, show(given), e.ErrorKind.LocalizedString(printer))}
}

// fieldPath writes an instance location the way a model reads it:
// "address.city", "items[2].name".
func fieldPath(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func valueAt(doc any, loc []string) any {
	v := doc
	for _, tok := range loc {
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// show renders a JSON value briefly, for an error line.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return clip(string(b), 80)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// briefSchema summarises the top-level properties of an object schema in
// one line: `city (string, required): the city; unit (one of "c", "f")`.
func briefSchema(doc map[string]any, order []string) string {
	if doc == nil {
		return "a JSON object"
	}
	props, _ := doc["properties"].(map[string]any)
	if len(props) == 0 {
		if ap, ok := doc["additionalProperties"].(bool); ok && !ap {
			return "no arguments (send {})"
		}
		return "a JSON object"
	}
	required := map[string]bool{}
	if req, ok := doc["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
	}
	names := order
	if len(names) != len(props) {
		names = names[:0:0]
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	parts := make([]string, 0, len(names))
	for _, n := range names {
		p, _ := props[n].(map[string]any)
		kind := typeSummary(p, doc)
		if required[n] {
			kind += ", required"
		}
		part := fmt.Sprintf("%s (%s)", n, kind)
		if d, _ := p["description"].(string); d != "" {
			part += ": " + clip(d, 100)
		}
		parts = append(parts, part)
	}
	return clip("a JSON object with "+strings.Join(parts, "; "), 1500)
}

func typeSummary(p map[string]any, root map[string]any) string {
	if ref, _ := p["$ref"].(string); strings.HasPrefix(ref, "#/$defs/") {
		if defs, ok := root["$defs"].(map[string]any); ok {
			if d, ok := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any); ok {
				p = d
			}
		}
	}
	if enum, ok := p["enum"].([]any); ok {
		vals := make([]string, len(enum))
		for i, e := range enum {
			vals[i] = show(e)
		}
		return "one of " + strings.Join(vals, ", ")
	}
	switch t := p["type"].(type) {
	case string:
		switch t {
		case "array":
			if items, ok := p["items"].(map[string]any); ok {
				return "array of " + typeSummary(items, root)
			}
		case "object":
			if props, ok := p["properties"].(map[string]any); ok && len(props) > 0 {
				names := make([]string, 0, len(props))
				for n := range props {
					names = append(names, n)
				}
				sort.Strings(names)
				return "object with " + strings.Join(names, ", ")
			}
		}
		return t
	case []any:
		s := make([]string, len(t))
		for i, x := range t {
			s[i] = fmt.Sprint(x)
		}
		return strings.Join(s, " or ")
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts, ok := p[k].([]any); ok {
			s := make([]string, 0, len(alts))
			for _, a := range alts {
				if m, ok := a.(map[string]any); ok {
					s = append(s, typeSummary(m, root))
				}
			}
			return strings.Join(s, " or ")
		}
	}
	return "any JSON value"
}

package tool

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Func is a tool made from a Go function by [New]: its schema is
// generated from In, its arguments are validated against that schema and
// decoded into an In, and the function's Out is rendered as text (a string
// as is, a [fmt.Stringer] through String, []byte as text, anything else as
// compact JSON). A Func is immutable after construction and safe for
// concurrent use if fn is. The zero value is not usable; make one with New.
type Func[In, Out any] struct {
	name, desc string
	fn         func(ctx context.Context, in In) (Out, error)
	schema     json.RawMessage
	args       *argsSchema
	opts       Options
	err        error
}

// New makes a tool from fn, named name (made acceptable to providers by
// [SanitizeName]) and described by description, which tells the model what
// the tool does and when to use it.
//
// In must be a struct, a pointer to a struct, or a map with string keys. Its
// JSON schema is generated from its fields:
//
//   - `json:"city"` names a field; a field without "omitempty" (or
//     "omitzero") is required; `jsonschema:"required"` also makes it so;
//   - `jsonschema:"description=The city"` or `desc:"The city"` describes
//     it;
//   - `jsonschema:"enum=celsius,enum=fahrenheit"` limits its values; the
//     other keywords of github.com/invopop/jsonschema (minimum, maxLength,
//     pattern, ...) work too;
//   - unknown fields are rejected (additionalProperties is false);
//   - unsigned integers get a minimum of 0.
//
// New panics only if fn is nil (a programmer error). Any other problem (a
// name with no usable character, an unsupported In) gives a tool whose
// [Func.Err] reports it and whose every call answers with it, so that a
// program still runs (a name that cannot be sanitised is replaced by
// "tool_" and 8 hex digits, so that offering the tool to a provider does not
// fail the model call). Agents check [Func.Err] (through [Check]) before a
// run, so such a tool fails validation, naming the problem.
func New[In, Out any](name, description string, fn func(ctx context.Context, in In) (Out, error), opts ...Option) *Func[In, Out] {
	if fn == nil {
		panic("tool: New called with a nil function for tool " + fmt.Sprintf("%q", name))
	}
	f := &Func[In, Out]{name: name, desc: description, fn: fn, opts: applyOptions(Options{}, opts)}
	f.err = f.build()
	if f.err != nil {
		f.schema = json.RawMessage(`{"type":"object","properties":{}}`)
		f.args = compileSchema(f.schema)
	}
	return f
}

func (f *Func[In, Out]) build() error {
	if f.fn == nil {
		return fmt.Errorf("tool: %q: the function is nil", f.name)
	}
	clean, err := SanitizeName(f.name)
	if err != nil {
		// keep a name providers accept, so that offering the tool does
		// not fail a whole model call; each call reports err
		sum := sha256.Sum256([]byte(f.name))
		f.name = "tool_" + hex.EncodeToString(sum[:4])
		return err
	}
	f.name = clean
	raw, err := schemaFor(reflect.TypeFor[In]())
	if err != nil {
		return fmt.Errorf("tool: %s: %w", f.name, err)
	}
	f.schema = raw
	f.args = compileSchema(raw)
	if f.args.err != nil {
		return fmt.Errorf("tool: %s: the generated schema: %w", f.name, f.args.err)
	}
	return nil
}

// Name returns the sanitised name.
func (f *Func[In, Out]) Name() string { return f.name }

// Description returns the description given to New.
func (f *Func[In, Out]) Description() string { return f.desc }

// Schema returns the JSON schema of the arguments, generated from In. The
// returned slice is a copy the caller may keep.
func (f *Func[In, Out]) Schema() json.RawMessage { return bytes.Clone(f.schema) }

// ToolOptions returns the options given to New.
func (f *Func[In, Out]) ToolOptions() Options { return f.opts }

// Err returns the construction error (see [New]), or nil for a usable tool.
func (f *Func[In, Out]) Err() error { return f.err }

func (f *Func[In, Out]) argsSchema() *argsSchema { return f.args }

// Run validates args against the schema, decodes them into an In, calls
// the function and renders its result. Invalid arguments give an
// [*ArgsError]; the function's own error is returned as is. Run does not
// recover panics and keeps no usage count or cache: a [Runner] does that.
func (f *Func[In, Out]) Run(ctx context.Context, args json.RawMessage) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	if f.fn == nil || f.args == nil {
		return "", errZeroFunc
	}
	raw, doc, err := parseArgs(string(args))
	if err != nil {
		return "", &ArgsError{Tool: f.name, Syntax: true, Problems: []string{err.Error()}, Expected: f.args.brief}
	}
	if problems := f.args.check(doc); problems != nil {
		return "", &ArgsError{Tool: f.name, Problems: problems, Expected: f.args.brief}
	}
	return f.runChecked(ctx, raw)
}

// errZeroFunc is the error of a Func that was not made by New.
var errZeroFunc = errors.New("tool: a Func must be made with New")

func (f *Func[In, Out]) runChecked(ctx context.Context, args json.RawMessage) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	if f.fn == nil || f.args == nil {
		return "", errZeroFunc
	}
	var in In
	if err := json.Unmarshal(args, &in); err != nil {
		return "", &ArgsError{Tool: f.name, Problems: []string{decodeProblem(err)}, Expected: f.args.brief}
	}
	out, err := f.fn(ctx, in)
	if err != nil {
		return "", err
	}
	return render(out)
}

// decodeProblem explains a decoding error that validation let through (a
// number too large for its Go type, 2.5 for an int).
func decodeProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "the arguments"
		} else {
			field = fmt.Sprintf("field %q", field)
		}
		return fmt.Sprintf("%s: got %s, expected a value that fits Go type %v", field, te.Value, te.Type)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// render turns a function's result into the text the model sees.
func render(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case fmt.Stringer:
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return "null", nil
		}
		return x.String(), nil
	case []byte:
		return string(x), nil
	case json.RawMessage:
		return string(x), nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String {
		return rv.String(), nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("tool: cannot render the result (%T) as JSON: %w", v, err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// ArgsError reports arguments that do not fit a tool's schema. A [Runner]
// turns it into a text for the model; [Func.Run] returns it. A tool may
// return one itself to report arguments it cannot use. The zero value is an
// error with no details.
type ArgsError struct {
	// Tool is the tool's name.
	Tool string
	// Syntax is true when the arguments were not valid JSON at all.
	Syntax bool
	// Problems has one line per problem, naming the field, what was given
	// and what is expected.
	Problems []string
	// Expected summarises the arguments the tool accepts.
	Expected string
}

// Error returns "tool: invalid arguments for NAME: problem; problem".
func (e *ArgsError) Error() string {
	what := "invalid arguments"
	if e.Syntax {
		what = "arguments are not valid JSON"
	}
	return fmt.Sprintf("tool: %s for %s: %s", what, e.Tool, strings.Join(e.Problems, "; "))
}

// ModelText is the text a Runner gives the model for this error.
func (e *ArgsError) ModelText() string {
	var b strings.Builder
	if e.Syntax {
		fmt.Fprintf(&b, "Error: the arguments for tool %q are not valid JSON", e.Tool)
	} else {
		fmt.Fprintf(&b, "Error: invalid arguments for tool %q", e.Tool)
	}
	switch len(e.Problems) {
	case 0:
		b.WriteString(".")
	case 1:
		b.WriteString(": " + e.Problems[0] + ".")
	default:
		b.WriteString(":")
		for _, p := range e.Problems {
			b.WriteString("\n- " + p)
		}
	}
	if e.Expected != "" {
		b.WriteString("\nExpected arguments: " + e.Expected + ".")
	}
	b.WriteString("\nCall the tool again with corrected arguments.")
	return b.String()
}

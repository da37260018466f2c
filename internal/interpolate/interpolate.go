// Package interpolate fills {placeholder} templates from kickoff inputs: the
// descriptions and expected outputs of tasks, and the role, goal and backstory
// of agents.
//
// A placeholder is '{' followed by a letter or '_', then letters, digits, '_'
// or '-', then '}'. Any other brace is text: JSON examples such as
// {"a": 1} are left alone, and so is a doubled placeholder {{name}}. Input
// values may be strings, numbers, booleans, nil, or maps and slices of those
// (written as JSON); anything else is an error.
package interpolate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// MissingError reports a placeholder that has no input. The zero value is not
// meaningful. It is not modified once returned: safe to read from many
// goroutines.
type MissingError struct {
	// Field names where the template is, such as `task "research" description`.
	Field string
	// Name is the placeholder's name.
	Name string
	// Available lists the input names that were given, sorted.
	Available []string
}

// Error names the field, the placeholder and the inputs given.
func (e *MissingError) Error() string {
	avail := "none"
	if len(e.Available) > 0 {
		avail = strings.Join(e.Available, ", ")
	}
	return fmt.Sprintf("interpolate: %s uses {%s} but the inputs have no %q (inputs given: %s)",
		e.Field, e.Name, e.Name, avail)
}

// ValueError reports an input whose type cannot be written into a template.
// The zero value is not meaningful. It is not modified once returned: safe to
// read from many goroutines.
type ValueError struct {
	// Name is the input's name.
	Name string
	// Type is the input value's Go type, such as "chan int".
	Type string
}

// Error names the input, its type and the accepted types.
func (e *ValueError) Error() string {
	return fmt.Sprintf("interpolate: input %q has type %s; accepted: string, number, bool, nil, or maps and slices of those",
		e.Name, e.Type)
}

// Placeholders returns the names of the placeholders in tmpl, in order of
// first appearance, without duplicates.
func Placeholders(tmpl string) []string {
	var names []string
	seen := map[string]bool{}
	scan(tmpl, func(name string, _, _ int) {
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	})
	return names
}

// Fill replaces every placeholder of tmpl by its input. field names the
// template in errors. A template without placeholders is returned as is,
// whatever the inputs; so is any template when inputs is nil or empty, as
// CrewAI interpolates only when it is given inputs: a text written with
// {braces} runs as written when there is nothing to fill them with.
func Fill(field, tmpl string, inputs map[string]any) (string, error) {
	if len(inputs) == 0 || strings.IndexByte(tmpl, '{') < 0 {
		return tmpl, nil
	}
	var b strings.Builder
	last := 0
	var err error
	scan(tmpl, func(name string, start, end int) {
		if err != nil {
			return
		}
		v, ok := inputs[name]
		if !ok {
			err = &MissingError{Field: field, Name: name, Available: keys(inputs)}
			return
		}
		s, verr := Format(name, v)
		if verr != nil {
			err = verr
			return
		}
		b.WriteString(tmpl[last:start])
		b.WriteString(s)
		last = end
	})
	if err != nil {
		return "", err
	}
	if last == 0 {
		return tmpl, nil
	}
	b.WriteString(tmpl[last:])
	return b.String(), nil
}

// Check reports the error Fill would return for tmpl and inputs (a
// *MissingError, whose Field is left empty for the caller to set, or a
// *ValueError) without building the filled text. It allocates nothing when
// tmpl is fine, except to check a map or slice input, which is encoded.
func Check(tmpl string, inputs map[string]any) error {
	if len(inputs) == 0 || strings.IndexByte(tmpl, '{') < 0 {
		return nil
	}
	var err error
	scan(tmpl, func(name string, _, _ int) {
		if err != nil {
			return
		}
		v, ok := inputs[name]
		if !ok {
			err = &MissingError{Name: name, Available: keys(inputs)}
			return
		}
		err = checkValue(name, v)
	})
	return err
}

// checkValue reports whether Format accepts v, formatting only maps and
// slices.
func checkValue(name string, v any) error {
	switch v.(type) {
	case nil, string, bool, int, int64, float64, fmt.Stringer:
		return nil
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return nil
	}
	_, err := Format(name, v)
	return err
}

// Format writes one input value as template text.
func Format(name string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'g', -1, 64), nil
	case reflect.Map, reflect.Slice, reflect.Array:
		data, err := json.Marshal(v)
		if err != nil {
			return "", &ValueError{Name: name, Type: rv.Type().String()}
		}
		return string(data), nil
	}
	return "", &ValueError{Name: name, Type: fmt.Sprintf("%T", v)}
}

// scan calls fn for every placeholder of s with its name and byte range.
func scan(s string, fn func(name string, start, end int)) {
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			// A doubled brace: skip the whole {{...}} run as text.
			j := i
			for j < len(s) && s[j] == '{' {
				j++
			}
			i = j - 1
			if end := strings.Index(s[j:], "}}"); end >= 0 && isName(s[j:j+end]) {
				i = j + end + 1
			}
			continue
		}
		j := i + 1
		for j < len(s) && isNameByte(s[j], j == i+1) {
			j++
		}
		if j < len(s) && s[j] == '}' && j > i+1 {
			fn(s[i+1:j], i, j+1)
			i = j
		}
	}
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for k := 0; k < len(s); k++ {
		if !isNameByte(s[k], k == 0) {
			return false
		}
	}
	return true
}

func isNameByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		return true
	case c >= '0' && c <= '9', c == '-':
		return !first
	}
	return false
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

package tool_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/tool"
)

var providerName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("abcdefghij", 10)
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "search", want: "search"},
		{in: "getWeather", want: "getWeather"},
		{in: "Get Weather", want: "Get_Weather"},
		{in: "search-tool_v2", want: "search-tool_v2"},
		{in: "  spaced  out  ", want: "spaced_out"},
		{in: "a.b/c", want: "a_b_c"},
		{in: "Météo du jour", want: "Meteo_du_jour"},
		{in: "Ask question to coworker", want: "Ask_question_to_coworker"},
		{in: "_private", want: "_private"},
		{in: "天气 lookup", want: "lookup"},
		{in: "", err: true},
		{in: "!!!", err: true},
		{in: "天气", err: true},
	}
	for _, tc := range tests {
		got, err := tool.SanitizeName(tc.in)
		if tc.err {
			assert.ErrorIs(t, err, tool.ErrInvalidName, tc.in)
			assert.Contains(t, err.Error(), "accepted: ASCII letters, digits")
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
		assert.Regexp(t, providerName, got)
	}
	a, err := tool.SanitizeName(long + "1")
	require.NoError(t, err)
	b, err := tool.SanitizeName(long + "2")
	require.NoError(t, err)
	assert.Len(t, a, tool.MaxNameLen)
	assert.Regexp(t, providerName, a)
	assert.NotEqual(t, a, b, "long names that differ only at the end stay distinct")
	assert.True(t, strings.HasPrefix(a, long[:55]+"_"))
}

func noop[In any](ctx context.Context, in In) (string, error) { return "ok", nil }

func schemaMap(t *testing.T, tl tool.Tool) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(tl.Schema(), &m))
	return m
}

type tagged struct {
	City     string  `json:"city" jsonschema:"description=The city"`
	Country  string  `json:"country,omitempty" desc:"ISO country code"`
	Unit     string  `json:"unit,omitempty" jsonschema:"enum=c,enum=f"`
	Days     uint    `json:"days,omitempty"`
	Forced   string  `json:"forced,omitempty" jsonschema:"required"`
	Ignored  string  `json:"-"`
	Nested   nested  `json:"nested"`
	Optional *nested `json:"optional,omitempty"`
	//lint:ignore U1000 an unexported field, which TestSchemaGeneration checks is not an argument
	internal string
}

type nested struct {
	Lat float64 `json:"lat"`
}

type node struct {
	Name     string `json:"name"`
	Children []node `json:"children,omitempty"`
}

func TestSchemaGeneration(t *testing.T) {
	f := tool.New("t", "", noop[tagged])
	require.NoError(t, f.Err())
	s := schemaMap(t, f)
	assert.Equal(t, "object", s["type"])
	assert.Equal(t, false, s["additionalProperties"])
	assert.ElementsMatch(t, []any{"city", "forced", "nested"}, s["required"])
	assert.NotContains(t, s, "$schema")
	assert.NotContains(t, s, "$id")
	assert.NotContains(t, s, "$defs", "non-recursive types are inlined")
	props := s["properties"].(map[string]any)
	assert.Len(t, props, 7)
	assert.Equal(t, "The city", props["city"].(map[string]any)["description"])
	assert.Equal(t, "ISO country code", props["country"].(map[string]any)["description"])
	assert.Equal(t, []any{"c", "f"}, props["unit"].(map[string]any)["enum"])
	assert.Equal(t, float64(0), props["days"].(map[string]any)["minimum"])
	assert.Equal(t, "object", props["nested"].(map[string]any)["type"])
	// the properties are written in field order
	assert.Regexp(t, `"city".*"country".*"unit".*"days".*"forced".*"nested".*"optional"`, string(f.Schema()))

	// the schema is a copy
	raw := f.Schema()
	raw[0] = 'X'
	assert.Equal(t, byte('{'), f.Schema()[0])

	r := tool.NewRunner([]tool.Tool{f})
	res := r.Run(context.Background(), "t", `{"city":"x","forced":"y","nested":{"lat":1},"days":-1}`)
	assert.Contains(t, res.Output, `field "days": got -1`)
}

func TestSchemaRecursiveType(t *testing.T) {
	f := tool.New("tree", "", noop[node])
	err := f.Err()
	require.NoError(t, err)
	s := schemaMap(t, f)
	assert.Contains(t, s, "$defs", "a recursive type keeps its definitions")
	r := tool.NewRunner([]tool.Tool{f})
	res := r.Run(context.Background(), "tree", `{"name":"root","children":[{"name":"a","children":[{"name":"b"}]}]}`)
	assert.False(t, res.IsError, res.Output)
	res = r.Run(context.Background(), "tree", `{"name":"root","children":[{"name":"a","children":[{"nome":"b"}]}]}`)
	assert.True(t, res.IsError)
	assert.Contains(t, res.Output, `missing required field "children[0].children[0].name"`)
	assert.Contains(t, res.Output, `unknown field "children[0].children[0].nome"`)
}

func TestArgumentTypes(t *testing.T) {
	ptr := tool.New("ptr", "", func(ctx context.Context, in *nested) (float64, error) { return in.Lat, nil })
	err := ptr.Err()
	require.NoError(t, err)
	m := tool.New("map", "", func(ctx context.Context, in map[string]any) (int, error) { return len(in), nil })
	err = m.Err()
	require.NoError(t, err)
	assert.Equal(t, "object", schemaMap(t, m)["type"])
	r := tool.NewRunner([]tool.Tool{ptr, m})
	assert.Equal(t, "2.5", r.Run(context.Background(), "ptr", `{"lat":2.5}`).Output)
	assert.Equal(t, "3", r.Run(context.Background(), "map", `{"a":1,"b":[],"c":{}}`).Output)
	assert.True(t, r.Run(context.Background(), "map", `"text"`).IsError)

	bad := []struct {
		name string
		mk   func() error
	}{
		{"string", func() error { err := tool.New("x", "", noop[string]).Err(); return err }},
		{"int", func() error { err := tool.New("x", "", noop[int]).Err(); return err }},
		{"slice", func() error { err := tool.New("x", "", noop[[]string]).Err(); return err }},
		{"int keys", func() error { err := tool.New("x", "", noop[map[int]string]).Err(); return err }},
		{"channel field", func() error {
			err := tool.New("x", "", noop[struct {
				C chan int `json:"c"`
			}]).Err()
			return err
		}},
	}
	for _, tc := range bad {
		err := tc.mk()
		require.Error(t, err, tc.name)
		assert.True(t, strings.HasPrefix(err.Error(), "tool: "), err.Error())
	}
	broken := tool.New("x", "", noop[int])
	require.Error(t, broken.Err())
	assert.Contains(t, broken.Err().Error(), "not supported (accepted: a struct, a pointer to a struct, or a map with string keys)")
	res := tool.NewRunner([]tool.Tool{broken}).Run(context.Background(), "x", `{}`)
	assert.Equal(t, tool.ProblemToolError, res.Problem)
	_, err = broken.Run(context.Background(), json.RawMessage(`{}`))
	assert.Equal(t, broken.Err(), err)
}

func TestNilFunction(t *testing.T) {
	var fn func(context.Context, struct{}) (string, error)
	assert.PanicsWithValue(t, `tool: New called with a nil function for tool "x"`, func() { tool.New("x", "", fn) })
}

type celsius float64

func (c celsius) String() string {
	return "temperature: " + strings.TrimRight(strings.TrimRight(jsonNum(float64(c)), "0"), ".") + "°C"
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

type label string

type ptrStringer struct{ v string }

func (p *ptrStringer) String() string { return "ptr:" + p.v }

func TestOutputRendering(t *testing.T) {
	ctx := context.Background()
	run := func(tl tool.Tool) tool.Result { return tool.NewRunner([]tool.Tool{tl}).Run(ctx, tl.Name(), `{}`) }
	type out struct {
		A string `json:"a"`
		B []int  `json:"b"`
	}
	tests := []struct {
		name string
		tl   tool.Tool
		want string
	}{
		{"string", tool.New("s", "", func(context.Context, struct{}) (string, error) { return "plain <text>", nil }), "plain <text>"},
		{"named string", tool.New("s", "", func(context.Context, struct{}) (label, error) { return "lbl", nil }), "lbl"},
		{"stringer", tool.New("s", "", func(context.Context, struct{}) (celsius, error) { return 21.5, nil }), "temperature: 21.5°C"},
		{"pointer stringer", tool.New("s", "", func(context.Context, struct{}) (*ptrStringer, error) { return &ptrStringer{"x"}, nil }), "ptr:x"},
		{"nil pointer stringer", tool.New("s", "", func(context.Context, struct{}) (*ptrStringer, error) { return nil, nil }), "null"},
		{"bytes", tool.New("s", "", func(context.Context, struct{}) ([]byte, error) { return []byte("raw"), nil }), "raw"},
		{"raw JSON", tool.New("s", "", func(context.Context, struct{}) (json.RawMessage, error) { return json.RawMessage(`{"k":1}`), nil }), `{"k":1}`},
		{"struct", tool.New("s", "", func(context.Context, struct{}) (out, error) { return out{A: "<b>", B: []int{1, 2}}, nil }), `{"a":"<b>","b":[1,2]}`},
		{"map", tool.New("s", "", func(context.Context, struct{}) (map[string]int, error) { return map[string]int{"z": 1, "a": 2}, nil }), `{"a":2,"z":1}`},
		{"int", tool.New("s", "", func(context.Context, struct{}) (int, error) { return 42, nil }), "42"},
		{"any nil", tool.New("s", "", func(context.Context, struct{}) (any, error) { return nil, nil }), ""},
	}
	for _, tc := range tests {
		res := run(tc.tl)
		assert.False(t, res.IsError, tc.name)
		assert.Equal(t, tc.want, res.Output, tc.name)
	}
	res := run(tool.New("s", "", func(context.Context, struct{}) (chan int, error) { return make(chan int), nil }))
	assert.Equal(t, tool.ProblemToolError, res.Problem)
	assert.Contains(t, res.Output, "cannot render the result (chan int) as JSON")
}

func TestArgsErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  tool.ArgsError
		want string
	}{
		{"zero", tool.ArgsError{}, "Error: invalid arguments for tool \"\".\nCall the tool again with corrected arguments."},
		{"syntax", tool.ArgsError{Tool: "t", Syntax: true, Problems: []string{"bad"}, Expected: "x"},
			"Error: the arguments for tool \"t\" are not valid JSON: bad.\nExpected arguments: x.\nCall the tool again with corrected arguments."},
		{"two", tool.ArgsError{Tool: "t", Problems: []string{"a", "b"}},
			"Error: invalid arguments for tool \"t\":\n- a\n- b\nCall the tool again with corrected arguments."},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.err.ModelText(), tc.name)
	}
	var e error = &tool.ArgsError{Tool: "t", Problems: []string{"a", "b"}}
	var ae *tool.ArgsError
	assert.True(t, errors.As(e, &ae))
	assert.Equal(t, "tool: invalid arguments for t: a; b", e.Error())
}

func TestManyProblemsAreCapped(t *testing.T) {
	type many struct {
		A, B, C, D, E, F, G, H, I, J, K, L, M, N, O string
	}
	f := tool.New("many", "", noop[many])
	res := tool.NewRunner([]tool.Tool{f}).Run(context.Background(), "many", `{}`)
	assert.Contains(t, res.Output, "... and 3 more problems")
	assert.Equal(t, 13, strings.Count(res.Output, "\n- "))
}

func TestZeroFunc(t *testing.T) {
	var f tool.Func[searchArgs, string]
	_, err := f.Run(context.Background(), json.RawMessage(`{}`))
	assert.ErrorContains(t, err, "must be made with New")
	res := tool.NewRunner([]tool.Tool{&f}).Run(context.Background(), "", `{}`)
	assert.True(t, res.IsError)
	assert.False(t, res.Panic)
}

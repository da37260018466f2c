package tool_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/tool"
)

type address struct {
	City string `json:"city"`
	Zip  string `json:"zip,omitempty"`
}

type searchArgs struct {
	Query   string   `json:"query" desc:"What to search for"`
	Limit   int      `json:"limit,omitempty" jsonschema:"minimum=1,maximum=10"`
	Mode    string   `json:"mode,omitempty" jsonschema:"enum=web,enum=news"`
	Tags    []string `json:"tags,omitempty"`
	Address *address `json:"address,omitempty"`
}

// newSearch returns a search tool that counts its runs and echoes what it
// decoded.
func newSearch(t *testing.T, calls *atomic.Int64, opts ...tool.Option) *tool.Func[searchArgs, string] {
	t.Helper()
	f := tool.New("search_tool", "Searches.", func(ctx context.Context, in searchArgs) (string, error) {
		calls.Add(1)
		city := ""
		if in.Address != nil {
			city = in.Address.City
		}
		return fmt.Sprintf("q=%s limit=%d mode=%s tags=%v city=%s", in.Query, in.Limit, in.Mode, in.Tags, city), nil
	}, opts...)
	err := f.Err()
	require.NoError(t, err)
	return f
}

var errBoom = errors.New("backend down")

type errPanic struct{ msg string }

func (e errPanic) Error() string { return e.msg }

var errPanicValue = errPanic{"kaboom"}

// handTool is a hand-written Tool (not made by New) with its own schema.
type handTool struct {
	schema string
	calls  *atomic.Int64
}

func (h handTool) Name() string            { return "hand" }
func (h handTool) Description() string     { return "A hand-written tool." }
func (h handTool) Schema() json.RawMessage { return json.RawMessage(h.schema) }
func (h handTool) Run(ctx context.Context, args json.RawMessage) (string, error) {
	h.calls.Add(1)
	return "hand:" + string(args), nil
}

func TestRunnerRun(t *testing.T) {
	var calls atomic.Int64
	search := newSearch(t, &calls)
	failing := tool.New("failing", "Fails.", func(ctx context.Context, in struct{}) (string, error) {
		return "", fmt.Errorf("lookup: %w", errBoom)
	})
	panicking := tool.New("panicking", "Panics.", func(ctx context.Context, in struct {
		Err bool `json:"err,omitempty"`
	}) (string, error) {
		if in.Err {
			panic(errPanicValue)
		}
		panic("index out of range")
	})
	broken := tool.New("!!!", "No usable name.", func(ctx context.Context, in struct{}) (string, error) { return "", nil })
	var handCalls atomic.Int64
	hand := handTool{calls: &handCalls, schema: `{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}`}
	r := tool.NewRunner([]tool.Tool{search, failing, panicking, broken, hand})

	tests := []struct {
		name, tool, args string
		wantErr          bool
		problem          tool.Problem
		wantTool         string
		contains         []string
		errIs            error
		panic            bool
		ran              int64 // runs of the search tool
	}{
		{name: "good call", tool: "search_tool", args: `{"query":"go","limit":3,"mode":"news","tags":["a","b"],"address":{"city":"Oslo"}}`,
			wantTool: "search_tool", contains: []string{"q=go limit=3 mode=news tags=[a b] city=Oslo"}, ran: 1},
		{name: "forgiving name", tool: "Search-Tool", args: `{"query":"go"}`, wantTool: "search_tool", contains: []string{"q=go limit=0"}, ran: 1},
		{name: "forgiving name with spaces", tool: "search tool", args: `{"query":"x"}`, wantTool: "search_tool", contains: []string{"q=x"}, ran: 1},
		{name: "arguments encoded twice", tool: "search_tool", args: `"{\"query\":\"twice\"}"`, wantTool: "search_tool", contains: []string{"q=twice"}, ran: 1},
		{name: "invalid JSON", tool: "search_tool", args: `{"query": "go",`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`arguments for tool "search_tool" are not valid JSON`, `given: {"query": "go",`, "Expected arguments: a JSON object with query (string, required): What to search for"}},
		{name: "trailing garbage", tool: "search_tool", args: `{"query":"a"} {"query":"b"}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{"not valid JSON"}},
		{name: "plain text", tool: "search_tool", args: `search for go`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{"not valid JSON", "given: search for go"}},
		{name: "empty arguments with a required field", tool: "search_tool", args: ``, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`missing required field "query"`}},
		{name: "missing required", tool: "search_tool", args: `{"limit":2}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`missing required field "query"`, "Call the tool again"}},
		{name: "wrong type", tool: "search_tool", args: `{"query":"go","limit":"five"}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`field "limit": got "five" (string), expected integer`}},
		{name: "not an integer", tool: "search_tool", args: `{"query":"go","limit":2.5}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`field "limit": got 2.5 (number), expected integer`}},
		{name: "enum", tool: "search_tool", args: `{"query":"go","mode":"images"}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`field "mode": got "images", expected one of "web", "news"`, `mode (one of "web", "news")`}},
		{name: "minimum", tool: "search_tool", args: `{"query":"go","limit":0}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`field "limit": got 0`, "minimum"}},
		{name: "unknown field", tool: "search_tool", args: `{"query":"go","colour":"red"}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`unknown field "colour" (given "red"); accepted fields: query, limit, mode, tags, address`}},
		{name: "nested field", tool: "search_tool", args: `{"query":"go","address":{"city":7}}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`field "address.city": got 7 (number), expected string`}},
		{name: "nested required", tool: "search_tool", args: `{"query":"go","address":{}}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`missing required field "address.city"`}},
		{name: "array item", tool: "search_tool", args: `{"query":"go","tags":["a",2]}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`field "tags[1]": got 2 (number), expected string`}},
		{name: "array instead of object", tool: "search_tool", args: `[1,2]`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`the arguments: got [1,2] (array), expected a JSON object`}},
		{name: "null", tool: "search_tool", args: `null`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`the arguments: got null (null), expected a JSON object`}},
		{name: "several problems at once", tool: "search_tool", args: `{"limit":"x","mode":"y"}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`missing required field "query"`, `field "limit"`, `field "mode"`, "\n- "}},
		{name: "valid for the schema but not for Go", tool: "search_tool", args: `{"query":"go","limit":3.0}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`field "limit": got number 3.0, expected a value that fits Go type int`}},
		{name: "unknown tool", tool: "browse", args: `{}`, wantErr: true, problem: tool.ProblemUnknownTool,
			contains: []string{`no tool named "browse"`, "Available tools: search_tool, failing, panicking, tool_"}},
		{name: "empty tool name", tool: "", args: `{}`, wantErr: true, problem: tool.ProblemUnknownTool, contains: []string{`no tool named ""`}},
		{name: "tool error", tool: "failing", args: `{}`, wantErr: true, problem: tool.ProblemToolError, wantTool: "failing", errIs: errBoom,
			contains: []string{`tool "failing" failed: lookup: backend down`}},
		{name: "panic", tool: "panicking", args: `{}`, wantErr: true, problem: tool.ProblemPanic, wantTool: "panicking", panic: true,
			contains: []string{`tool "panicking" failed unexpectedly: index out of range`}},
		{name: "panic with an error", tool: "panicking", args: `{"err":true}`, wantErr: true, problem: tool.ProblemPanic, panic: true, errIs: errPanicValue,
			contains: []string{"kaboom"}},
		{name: "tool that could not be built", tool: broken.Name(), args: `{}`, wantErr: true, problem: tool.ProblemToolError, errIs: tool.ErrInvalidName,
			contains: []string{"cannot be used", "Do not call it again"}},
		{name: "hand-written tool validated by the runner", tool: "hand", args: `{}`, wantErr: true, problem: tool.ProblemInvalidArgs,
			contains: []string{`missing required field "n"`, "n (integer, required)"}},
		{name: "hand-written tool", tool: "hand", args: ` {"n": 2} `, wantTool: "hand", contains: []string{`hand:{"n": 2}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := calls.Load()
			res := r.Run(context.Background(), tc.tool, tc.args)
			assert.Equal(t, tc.wantErr, res.IsError, res.Output)
			assert.Equal(t, tc.problem, res.Problem)
			assert.NotEmpty(t, res.Output)
			if tc.wantTool != "" {
				assert.Equal(t, tc.wantTool, res.Tool)
			}
			for _, c := range tc.contains {
				assert.Contains(t, res.Output, c)
			}
			if tc.errIs != nil {
				assert.ErrorIs(t, res.Err, tc.errIs)
			}
			assert.Equal(t, tc.panic, res.Panic)
			if tc.panic {
				var pe *tool.PanicError
				require.ErrorAs(t, res.Err, &pe)
				assert.Equal(t, "panicking", pe.Tool)
				assert.Contains(t, res.Stack, "goroutine")
			}
			assert.Equal(t, tc.ran, calls.Load()-before, "runs of the search tool")
		})
	}
}

func TestRunnerCanceledContextDoesNotRun(t *testing.T) {
	var calls atomic.Int64
	r := tool.NewRunner([]tool.Tool{newSearch(t, &calls)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := r.Run(ctx, "search_tool", `{"query":"go"}`)
	assert.True(t, res.IsError)
	assert.Equal(t, tool.ProblemCanceled, res.Problem)
	assert.ErrorIs(t, res.Err, context.Canceled)
	assert.Zero(t, calls.Load())
}

func TestRunnerPassesContextToTool(t *testing.T) {
	type key struct{}
	f := tool.New("ctx", "Reads ctx.", func(ctx context.Context, _ struct{}) (string, error) {
		v, _ := ctx.Value(key{}).(string)
		return v, nil
	})
	res := tool.NewRunner([]tool.Tool{f}).Run(context.WithValue(context.Background(), key{}, "carried"), "ctx", "")
	assert.Equal(t, "carried", res.Output)
}

func TestRunnerNilAndEmpty(t *testing.T) {
	var nilRunner *tool.Runner
	res := nilRunner.Run(context.Background(), "x", "{}")
	assert.Equal(t, tool.ProblemUnknownTool, res.Problem)
	assert.Contains(t, res.Output, "no tools are available")

	var zero tool.Runner
	res = zero.Run(context.Background(), "x", "{}")
	assert.Equal(t, tool.ProblemUnknownTool, res.Problem)

	r := tool.NewRunner([]tool.Tool{nil, nil})
	assert.Empty(t, r.Tools())
}

// panickyName is a Tool whose Name panics: even then Run must not panic.
type panickyName struct{ handTool }

func (panickyName) Name() string { panic("no name") }

func TestRunnerSurvivesToolWhoseNamePanics(t *testing.T) {
	r := tool.NewRunner([]tool.Tool{panickyName{}})
	var res tool.Result
	require.NotPanics(t, func() { res = r.Run(context.Background(), "x", "{}") })
	assert.True(t, res.IsError)
	assert.True(t, res.Panic)
}

func TestLookup(t *testing.T) {
	mk := func(name string) tool.Tool {
		return tool.New(name, "", func(ctx context.Context, _ struct{}) (string, error) { return name, nil })
	}
	a, b := mk("a_b"), mk("A-B")
	r := tool.NewRunner([]tool.Tool{a, nil, b})
	assert.Equal(t, []tool.Tool{a, b}, r.Tools())
	tests := []struct {
		name string
		want tool.Tool
	}{
		{"a_b", a}, {"A-B", b}, {"a b", a}, {"AB", a}, {"ab", a},
	}
	for _, tc := range tests {
		got, ok := r.Lookup(tc.name)
		require.True(t, ok, tc.name)
		assert.Same(t, tc.want, got, tc.name)
	}
	for _, miss := range []string{"", "abc", "_", " - "} {
		_, ok := r.Lookup(miss)
		assert.False(t, ok, miss)
	}
}

func TestHandWrittenToolBadSchemas(t *testing.T) {
	tests := []struct {
		name, schema string
	}{
		{"not JSON", `{"type":`},
		{"external reference", `{"$ref":"file:///etc/passwd"}`},
		{"remote reference", `{"$ref":"https://example.com/schema.json"}`},
		{"bad keyword value", `{"type":"object","minProperties":"x"}`},
		{"empty", ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			r := tool.NewRunner([]tool.Tool{handTool{schema: tc.schema, calls: &calls}})
			// A schema that cannot be used still lets objects through...
			res := r.Run(context.Background(), "hand", `{"any":1}`)
			assert.False(t, res.IsError, res.Output)
			assert.Equal(t, `hand:{"any":1}`, res.Output)
			// ...and still refuses what is not an object.
			res = r.Run(context.Background(), "hand", `[1]`)
			assert.True(t, res.IsError)
			assert.Contains(t, res.Output, "expected a JSON object")
			assert.Equal(t, int64(1), calls.Load())
		})
	}
}

func TestFuncRunDirectly(t *testing.T) {
	var calls atomic.Int64
	f := newSearch(t, &calls)
	out, err := f.Run(context.Background(), json.RawMessage(`{"query":"direct"}`))
	require.NoError(t, err)
	assert.Contains(t, out, "q=direct")

	_, err = f.Run(context.Background(), json.RawMessage(`{"query":1}`))
	var ae *tool.ArgsError
	require.ErrorAs(t, err, &ae)
	assert.False(t, ae.Syntax)
	assert.Equal(t, "search_tool", ae.Tool)
	assert.Equal(t, []string{`field "query": got 1 (number), expected string`}, ae.Problems)
	assert.Equal(t, `tool: invalid arguments for search_tool: field "query": got 1 (number), expected string`, err.Error())

	_, err = f.Run(context.Background(), json.RawMessage(`{`))
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.Syntax)
	assert.True(t, strings.HasPrefix(err.Error(), "tool: arguments are not valid JSON for search_tool: "), err.Error())
	assert.Equal(t, int64(1), calls.Load())
}

// argsErrTool reports its own argument problem with an ArgsError.
func TestToolReturningArgsError(t *testing.T) {
	f := tool.New("dates", "", func(ctx context.Context, in struct {
		Date string `json:"date"`
	}) (string, error) {
		return "", &tool.ArgsError{Tool: "dates", Problems: []string{fmt.Sprintf("field \"date\": got %q, expected YYYY-MM-DD", in.Date)}}
	})
	res := tool.NewRunner([]tool.Tool{f}).Run(context.Background(), "dates", `{"date":"tomorrow"}`)
	assert.Equal(t, tool.ProblemInvalidArgs, res.Problem)
	assert.Equal(t, "Error: invalid arguments for tool \"dates\": field \"date\": got \"tomorrow\", expected YYYY-MM-DD.\nCall the tool again with corrected arguments.", res.Output)
}

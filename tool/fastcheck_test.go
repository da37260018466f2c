package tool

import (
	"encoding/json"
	"testing"
)

// fastSchemas are schemas the fast path compiles, covering its keywords.
var fastSchemas = []string{
	`{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`,
	`{"type":"object","properties":{"query":{"type":"string","description":"d"},"limit":{"type":"integer","minimum":1,"maximum":10},` +
		`"mode":{"type":"string","enum":["web","news"]},"score":{"type":"number"},"ok":{"type":"boolean"},` +
		`"tags":{"type":"array","items":{"type":"string"}},"meta":{"type":"object","additionalProperties":{"type":"string"}},` +
		`"address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":["string","null"]}},"required":["city"],"additionalProperties":false},` +
		`"any":true},"required":["query"],"additionalProperties":false}`,
	`{"type":"object","properties":{"n":{"type":"integer","minimum":0}},"additionalProperties":false}`,
	`{"type":"object"}`,
	`{"type":"object","properties":{},"additionalProperties":false}`,
}

// slowValid is the full path's verdict.
func slowValid(as *argsSchema, args string) bool {
	_, doc, err := parseArgs(args)
	return err == nil && as.check(doc) == nil
}

func TestFastPathAgreesWithValidator(t *testing.T) {
	for _, sch := range fastSchemas {
		as := compileSchema(json.RawMessage(sch))
		if as.fast == nil {
			t.Fatalf("schema %s: no fast form", sch)
		}
	}
	tests := []struct {
		schema int
		args   string
		fast   bool // whether the fast path must accept it (when valid)
		valid  bool
	}{
		{0, `{"q":"go"}`, true, true},
		{0, ` {"q" : "go" } `, true, true},
		{0, `{"q":"go","extra":[1,{"a":null}]}`, true, true},
		{0, `{}`, false, false},
		{0, `{"q":1}`, false, false},
		{0, `{"q":"go"}}`, false, false},
		{0, `{"q":"go",}`, false, false},
		{0, `{"q":"a\u00e9\n"}`, true, true},
		{0, `{"q":"a\x"}`, false, false},
		{0, `{"q":"go","q":"again"}`, false, true}, // duplicate: full path decides
		{0, `"{\"q\":\"x\"}"`, false, true},        // encoded twice: full path unwraps
		{0, `[1]`, false, false},
		{1, `{"query":"go","limit":3,"mode":"news","tags":["a","b"],"address":{"city":"Oslo","zip":null}}`, true, true},
		{1, `{"query":"go","limit":1}`, false, true},  // on a bound: full path decides
		{1, `{"query":"go","limit":10}`, false, true}, // on a bound: full path decides
		{1, `{"query":"go","limit":11}`, false, false},
		{1, `{"query":"go","limit":0}`, false, false},
		{1, `{"query":"go","limit":3.0}`, false, true}, // 3.0 is an integer for JSON Schema
		{1, `{"query":"go","limit":3.5}`, false, false},
		{1, `{"query":"go","mode":"images"}`, false, false},
		{1, `{"query":"go","mode":"n\u0065ws"}`, false, true}, // escaped enum value: full path decides
		{1, `{"query":"go","score":-1.5e3,"ok":false}`, true, true},
		{1, `{"query":"go","tags":["a",1]}`, false, false},
		{1, `{"query":"go","meta":{"k":"v"}}`, true, true},
		{1, `{"query":"go","meta":{"k":1}}`, false, false},
		{1, `{"query":"go","address":{"zip":"1"}}`, false, false},
		{1, `{"query":"go","address":{"city":"x","x":1}}`, false, false},
		{1, `{"query":"go","colour":1}`, false, false},
		{1, `{"query":"go","any":{"deep":[[[]]]}}`, true, true},
		{1, `{"query":"go","score":01}`, false, false},
		{1, `{"query":"go","score":-}`, false, false},
		{2, `{"n":5}`, true, true},
		{2, `{"n":-1}`, false, false},
		{3, `{"anything":[true,false,null,"x",1.5]}`, true, true},
		{4, `{}`, true, true},
		{4, `{"a":1}`, false, false},
	}
	for _, tt := range tests {
		as := compileSchema(json.RawMessage(fastSchemas[tt.schema]))
		fast := as.certainlyValid(trimArgs(tt.args))
		slow := slowValid(as, tt.args)
		if slow != tt.valid {
			t.Errorf("schema %d, %s: full path says valid=%v, test expects %v", tt.schema, tt.args, slow, tt.valid)
		}
		if fast && !slow {
			t.Errorf("schema %d, %s: fast path accepts what the validator rejects", tt.schema, tt.args)
		}
		if fast != tt.fast {
			t.Errorf("schema %d, %s: fast path = %v, want %v", tt.schema, tt.args, fast, tt.fast)
		}
	}
}

func TestFastPathNotUsedForComplexSchemas(t *testing.T) {
	for _, sch := range []string{
		`{"type":"object","properties":{"a":{"type":"string","pattern":"^x"}}}`,
		`{"type":"object","properties":{"a":{"$ref":"#/$defs/A"}},"$defs":{"A":{"type":"string"}}}`,
		`{"type":"object","properties":{"a":{"enum":[1,2]}}}`,
		`{"type":"object","properties":{"a":{"type":"string","minLength":2}}}`,
		`{"type":"object","oneOf":[{"required":["a"]},{"required":["b"]}]}`,
		`{"type":"string"}`,
		`{"properties":{"a":{"type":"string"}}}`,
		`{"type":"object","properties":{"a":false}}`,
	} {
		if as := compileSchema(json.RawMessage(sch)); as.fast != nil {
			t.Errorf("schema %s has a fast form; the full validator must handle it", sch)
		}
	}
}

// FuzzFastPath checks that the fast path never accepts arguments the full
// validator rejects.
func FuzzFastPath(f *testing.F) {
	for _, s := range []string{`{"q":"go"}`, `{"query":"go","limit":3,"tags":["a"],"address":{"city":"x"}}`,
		`{"query":"go","mode":"web","meta":{"a":"b"},"any":[1,2]}`, `{"n":0}`, `{}`, `{"q":"\ud800"}`} {
		for i := range fastSchemas {
			f.Add(i, s)
		}
	}
	schemas := make([]*argsSchema, len(fastSchemas))
	for i, s := range fastSchemas {
		schemas[i] = compileSchema(json.RawMessage(s))
	}
	f.Fuzz(func(t *testing.T, i int, args string) {
		if i < 0 {
			i = -i
		}
		as := schemas[i%len(schemas)]
		if as.certainlyValid(trimArgs(args)) && !slowValid(as, args) {
			t.Fatalf("schema %d: fast path accepts %q, the validator rejects it", i%len(schemas), args)
		}
	})
}

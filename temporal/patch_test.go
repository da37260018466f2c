package crewtemporal

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMergeDiffAndPatch(t *testing.T) {
	cases := []struct {
		name, before, after, patch string
	}{
		{"equal", `{"a":1}`, `{"a":1}`, ``},
		{"changed field", `{"a":1,"b":"x"}`, `{"a":2,"b":"x"}`, `{"a":2}`},
		{"added and removed", `{"a":1}`, `{"b":true}`, `{"a":null,"b":true}`},
		{"nested", `{"m":{"x":1,"y":2}}`, `{"m":{"x":1,"y":3,"z":4}}`, `{"m":{"y":3,"z":4}}`},
		{"array replaced whole", `{"l":[1,2]}`, `{"l":[1,2,3]}`, `{"l":[1,2,3]}`},
		{"set to null", `{"p":{"x":1}}`, `{"p":null}`, `{"p":null}`},
		{"big integer", `{"n":9007199254740993}`, `{"n":9007199254740995}`, `{"n":9007199254740995}`},
		{"not an object", `[1]`, `[2]`, `[2]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := mergeDiff([]byte(tc.before), []byte(tc.after))
			require.NoError(t, err)
			if tc.patch == "" {
				assert.Nil(t, p)
				return
			}
			assert.JSONEq(t, tc.patch, string(p))
			got, err := mergePatch([]byte(tc.before), p)
			require.NoError(t, err)
			want := tc.after
			if tc.name == "set to null" {
				want = `{}` // null deletes; a missing key decodes as the zero value, like null
			}
			assert.JSONEq(t, want, string(got))
		})
	}
	_, err := mergeDiff([]byte(`{`), []byte(`{}`))
	assert.ErrorContains(t, err, "state before the method")
	_, err = mergePatch([]byte(`{}`), []byte(`{"a":1} x`))
	assert.ErrorContains(t, err, "state patch")
}

// FuzzMergePatch checks that applying the diff of two JSON objects to the
// first gives the second, nulls aside (a merge patch cannot set null).
func FuzzMergePatch(f *testing.F) {
	f.Add(`{"a":1,"b":{"c":[1,2]}}`, `{"a":2,"b":{"d":"x"}}`)
	f.Add(`{}`, `{"k":{"k":{"k":1}}}`)
	f.Add(`{"x":"y"}`, `{"x":{"y":1}}`)
	f.Fuzz(func(t *testing.T, before, after string) {
		var b, a map[string]any
		if json.Unmarshal([]byte(before), &b) != nil || json.Unmarshal([]byte(after), &a) != nil || b == nil || a == nil {
			return
		}
		if hasNull(a) {
			return
		}
		p, err := mergeDiff([]byte(before), []byte(after))
		if err != nil {
			t.Fatalf("diff: %v", err)
		}
		got, err := mergePatch([]byte(before), p)
		if err != nil {
			t.Fatalf("patch: %v", err)
		}
		var g any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(a)
		gotN, _ := json.Marshal(g)
		if string(want) != string(gotN) {
			t.Fatalf("before %s after %s: patch %s gave %s", before, after, p, got)
		}
	})
}

func hasNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range x {
			if hasNull(e) {
				return true
			}
		}
	}
	return false // arrays, nulls inside them included, are replaced whole
}

package interpolate

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFill(t *testing.T) {
	in := map[string]any{"topic": "AI", "n": 3, "f": 1.5, "ok": true, "list": []string{"a", "b"}, "nil": nil}
	tests := []struct {
		name, tmpl, want string
		missing          string
	}{
		{"plain", "no braces", "no braces", ""},
		{"one", "About {topic}.", "About AI.", ""},
		{"twice", "{topic} and {topic}", "AI and AI", ""},
		{"number", "{n} items, {f} ratio, {ok}", "3 items, 1.5 ratio, true", ""},
		{"json value", "list={list}", `list=["a","b"]`, ""},
		{"nil", "[{nil}]", "[]", ""},
		{"json left alone", `Answer as {"topic": 1, "x": [1]}`, `Answer as {"topic": 1, "x": [1]}`, ""},
		{"doubled left alone", "keep {{topic}} but fill {topic}", "keep {{topic}} but fill AI", ""},
		{"not a name", "{ topic } {1abc} {} {a b}", "{ topic } {1abc} {} {a b}", ""},
		{"dash name", "{my-var}", "", "my-var"},
		{"missing", "About {subject}", "", "subject"},
		{"unclosed", "About {topic", "About {topic", ""},
		{"adjacent", "{topic}{n}", "AI3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Fill("task \"x\" description", tt.tmpl, in)
			if tt.missing != "" {
				var me *MissingError
				if !errors.As(err, &me) || me.Name != tt.missing {
					t.Fatalf("Fill(%q) error = %v, want MissingError for %q", tt.tmpl, err, tt.missing)
				}
				if !strings.Contains(err.Error(), `task "x" description`) || !strings.Contains(err.Error(), "topic") {
					t.Fatalf("error %q should name the field and the available inputs", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Fill(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
			}
		})
	}
}

func TestFillBadValue(t *testing.T) {
	_, err := Fill("f", "{x}", map[string]any{"x": make(chan int)})
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Name != "x" {
		t.Fatalf("err = %v, want ValueError naming x", err)
	}
}

func TestPlaceholders(t *testing.T) {
	got := Placeholders(`{a} {b} {a} {"json": 1} {{c}}`)
	if strings.Join(got, ",") != "a,b" {
		t.Fatalf("Placeholders = %v", got)
	}
}

func FuzzFill(f *testing.F) {
	for _, s := range []string{"", "{a}", "{{a}}", `{"a":1}`, "{a", "a}", "{{{a}}}", "{_x-1}", "{a}{b}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tmpl string) {
		in := map[string]any{"a": "A", "b": 2}
		got, err := Fill("f", tmpl, in)
		if err != nil {
			var me *MissingError
			if !errors.As(err, &me) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		// Every placeholder found must have been replaced: filling the result
		// with the same inputs finds no missing names of the original.
		for _, name := range Placeholders(tmpl) {
			if _, ok := in[name]; !ok {
				t.Fatalf("placeholder %q had no input but Fill succeeded", name)
			}
		}
		if !strings.Contains(tmpl, "{") && got != tmpl {
			t.Fatalf("template without braces changed: %q -> %q", tmpl, got)
		}
	})
}

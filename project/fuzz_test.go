package project

import (
	"errors"
	"strings"
	"testing"
)

// aliasBomb is the "billion laughs" document: each level refers to the one
// before it ten times.
const aliasBomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
researcher:
  role: r
  tools: *g
  <<: [*g]
`

// FuzzParse feeds arbitrary agents.yaml and tasks.yaml to the loader: it
// must return definitions or an *Error, never panic, and stay bounded on
// alias bombs and deep nesting.
func FuzzParse(f *testing.F) {
	f.Add([]byte(agentsYAML), []byte(tasksYAML))
	f.Add([]byte(aliasBomb), []byte(tasksYAML))
	f.Add([]byte(agentsYAML), []byte(strings.Repeat("[", 5000)+strings.Repeat("]", 5000)))
	f.Add([]byte("a: &x\n  <<: *x\n  role: r\n"), []byte("t:\n  description: d\n"))
	f.Add([]byte("a:\n  role: r\n  <<: [{max_iter: 2}, {<<: {goal: g}}]\n"), []byte("t: {description: d, context: [t]}\n"))
	f.Add([]byte(strings.Repeat("a:\n  ", 2000)+"role: r\n"), []byte("t:\n  description: d\n"))
	f.Fuzz(func(t *testing.T, agents, tasks []byte) {
		d, err := Parse("agents.yaml", agents, "tasks.yaml", tasks, testRegistry())
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *project.Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), "project: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		if len(d.AgentNames) == 0 || len(d.TaskNames) == 0 {
			t.Fatalf("no error but no definitions: %+v", d)
		}
		for _, n := range d.TaskNames {
			if d.Tasks[n] == nil || strings.TrimSpace(d.Tasks[n].Description) == "" {
				t.Fatalf("task %q accepted without a description", n)
			}
		}
	})
}

package project

import (
	"encoding/json"
	"errors"
	"fmt"
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

// FuzzParseTrained feeds arbitrary bytes to the training file's reader: it
// returns suggestions or an error naming the file, never panics, and what
// it reads is written back (version 2) and read again unchanged.
func FuzzParseTrained(f *testing.F) {
	f.Add([]byte(`{"version": 2, "agents": {"Researcher": {"suggestions": ["Cite {sources}."], "quality": 7, "final_summary": "s"}}}`))
	f.Add([]byte(`{"Researcher\n": {"suggestions": ["Old."], "quality": 5, "final_summary": "old"}}`))
	f.Add([]byte(`{"version": "2", "agents": {}}`))
	f.Add([]byte(`{"version": 3}`))
	f.Add([]byte("\x80\x04\x95"))
	f.Add([]byte(`{"version": 2, "agents": null}`))
	f.Add([]byte(`{"a": {"suggestions": null, "quality": 1e400}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		const path = "trained_agents.json"
		got, err := parseTrained(path, b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "project: training file "+path+": ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if got == nil {
			t.Fatal("nil map without an error")
		}
		out, err := json.Marshal(Trained{Version: TrainedVersion, Agents: got})
		if err != nil {
			return // a value JSON cannot write (NaN cannot come from JSON; kept for safety)
		}
		again, err := parseTrained(path, out)
		if err != nil {
			t.Fatalf("what was read does not read back: %v\n%s", err, out)
		}
		if fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("round trip changed the suggestions:\n%v\n%v", got, again)
		}
	})
}

package project

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// MaxFileSize is the largest YAML file the loader reads (1 MiB): the
// definitions of a crew are a few kilobytes, and a larger file is refused
// before it is parsed.
const MaxFileSize = 1 << 20

// maxMergeDepth bounds how deep "<<" merge keys may nest.
const maxMergeDepth = 8

// Definitions are the agents and tasks of a project, built from its
// agents.yaml and tasks.yaml, in file order. The program may adjust them
// (add a tool, set a model) before it builds its crew. The zero value holds
// nothing.
type Definitions struct {
	// AgentNames are the keys of agents.yaml, in file order.
	AgentNames []string
	// Agents by their key in agents.yaml.
	Agents map[string]*agent.Agent
	// TaskNames are the keys of tasks.yaml, in file order.
	TaskNames []string
	// Tasks by their key in tasks.yaml; each task's Name is its key.
	Tasks map[string]*task.Task
}

// Load reads dir/agents.yaml and dir/tasks.yaml (a CrewAI project's
// config folder) and builds their agents and tasks, resolving names
// through reg (nil means an empty Registry). Any problem is an [*Error]
// naming the file, the line and the key.
func Load(dir string, reg *Registry) (*Definitions, error) {
	agentsFile := filepath.Join(dir, "agents.yaml")
	tasksFile := filepath.Join(dir, "tasks.yaml")
	a, err := readLimited(agentsFile)
	if err != nil {
		return nil, err
	}
	t, err := readLimited(tasksFile)
	if err != nil {
		return nil, err
	}
	return Parse(agentsFile, a, tasksFile, t, reg)
}

// LoadFS is Load reading dir/agents.yaml and dir/tasks.yaml from fsys (an
// embed.FS, so that the definitions ship inside the program).
func LoadFS(fsys fs.FS, dir string, reg *Registry) (*Definitions, error) {
	read := func(name string) ([]byte, error) {
		p := path.Join(dir, name)
		if info, err := fs.Stat(fsys, p); err == nil && info.Size() > MaxFileSize {
			return nil, &Error{File: p, Reason: fmt.Sprintf("is larger than %d bytes; a crew's definitions fit in far less", MaxFileSize)}
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, &Error{File: p, Reason: "cannot be read", Err: err}
		}
		return b, nil
	}
	a, err := read("agents.yaml")
	if err != nil {
		return nil, err
	}
	t, err := read("tasks.yaml")
	if err != nil {
		return nil, err
	}
	return Parse(path.Join(dir, "agents.yaml"), a, path.Join(dir, "tasks.yaml"), t, reg)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Reason: "cannot be read", Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: path, Reason: "cannot be read", Err: err}
	}
	if len(b) > MaxFileSize {
		return nil, &Error{File: path, Reason: fmt.Sprintf("is larger than %d bytes; a crew's definitions fit in far less", MaxFileSize)}
	}
	return b, nil
}

// Parse builds the definitions from the contents of an agents.yaml and a
// tasks.yaml; the file names are only used in errors. See [Load].
func Parse(agentsFile string, agentsYAML []byte, tasksFile string, tasksYAML []byte, reg *Registry) (*Definitions, error) {
	if reg == nil {
		reg = &Registry{}
	}
	d := &Definitions{Agents: map[string]*agent.Agent{}, Tasks: map[string]*task.Task{}}
	l := &loader{reg: reg, file: agentsFile}
	entries, err := l.entries(agentsYAML, "agents")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		a, err := l.agent(e)
		if err != nil {
			return nil, err
		}
		d.AgentNames = append(d.AgentNames, e.name)
		d.Agents[e.name] = a
	}
	l = &loader{reg: reg, file: tasksFile, defs: d}
	if entries, err = l.entries(tasksYAML, "tasks"); err != nil {
		return nil, err
	}
	// Context may name any task of the file: tasks are made first, then
	// filled.
	for _, e := range entries {
		d.TaskNames = append(d.TaskNames, e.name)
		d.Tasks[e.name] = &task.Task{Name: e.name}
	}
	for _, e := range entries {
		if err := l.task(e, d.Tasks[e.name]); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Agent returns the agent of agents.yaml named name, or nil.
func (d *Definitions) Agent(name string) *agent.Agent { return d.Agents[name] }

// Task returns the task of tasks.yaml named name, or nil.
func (d *Definitions) Task(name string) *task.Task { return d.Tasks[name] }

// Crew returns a sequential crew named name with every agent and every
// task, in file order. The caller may change its fields (Process,
// ManagerLLM, Memory, Tracing...) before the first kickoff.
func (d *Definitions) Crew(name string) *crew.Crew {
	c := &crew.Crew{Name: name, Process: crew.Sequential}
	for _, n := range d.AgentNames {
		c.Agents = append(c.Agents, d.Agents[n])
	}
	for _, n := range d.TaskNames {
		c.Tasks = append(c.Tasks, d.Tasks[n])
	}
	return c
}

type loader struct {
	reg  *Registry
	file string
	defs *Definitions
}

// entry is one top-level key of a file and its mapping, merge keys
// resolved.
type entry struct {
	name   string
	line   int
	fields []field
}

type field struct {
	key   string
	line  int
	value *yaml.Node
}

func (l *loader) errf(line int, key string, accepted []string, format string, args ...any) error {
	return &Error{File: l.file, Line: line, Key: key, Reason: fmt.Sprintf(format, args...), Accepted: accepted}
}

// entries parses a file into its top-level entries.
func (l *loader) entries(data []byte, what string) ([]entry, error) {
	if len(data) > MaxFileSize {
		return nil, l.errf(0, "", nil, "is larger than %d bytes; a crew's definitions fit in far less", MaxFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, l.errf(0, "", nil, "is empty; define the %s as a mapping of names to their settings", what)
		}
		return nil, &Error{File: l.file, Line: yamlLine(err), Reason: "is not valid YAML: " + yamlReason(err), Err: err}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, l.errf(extra.Line, "", nil, "holds more than one YAML document; put all the %s in one", what)
	} else if !errors.Is(err, io.EOF) {
		return nil, &Error{File: l.file, Line: yamlLine(err), Reason: "is not valid YAML: " + yamlReason(err), Err: err}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, l.errf(0, "", nil, "is empty; define the %s as a mapping of names to their settings", what)
		}
		root = root.Content[0]
	}
	root = deref(root)
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, l.errf(root.Line, "", nil, "is empty; define the %s as a mapping of names to their settings", what)
	}
	if root.Kind != yaml.MappingNode {
		return nil, l.errf(root.Line, "", nil, "must be a mapping of %s names to their settings; got %s", what, kindName(root))
	}
	var out []entry
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			return nil, l.errf(k.Line, "", nil, "a top-level key must be a plain name; got %s", kindName(k))
		}
		name := k.Value
		if strings.TrimSpace(name) == "" {
			return nil, l.errf(k.Line, "", nil, "an entry has an empty name")
		}
		if prev, dup := seen[name]; dup {
			return nil, l.errf(k.Line, name, nil, "is defined twice (first at line %d)", prev)
		}
		seen[name] = k.Line
		fields, err := l.fields(name, deref(v), 0)
		if err != nil {
			return nil, err
		}
		if fields == nil && v.Kind != yaml.MappingNode {
			return nil, l.errf(v.Line, name, nil, "must be a mapping of settings; got %s", kindName(v))
		}
		out = append(out, entry{name: name, line: k.Line, fields: fields})
	}
	if len(out) == 0 {
		return nil, l.errf(root.Line, "", nil, "defines no %s", what)
	}
	return out, nil
}

// fields flattens a mapping, "<<" merge keys resolved (explicit keys win).
func (l *loader) fields(name string, m *yaml.Node, depth int) ([]field, error) {
	if m.Kind != yaml.MappingNode {
		return nil, nil
	}
	if depth > maxMergeDepth {
		return nil, l.errf(m.Line, name, nil, "merge keys (<<) nest more than %d deep", maxMergeDepth)
	}
	var own, merged []field
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, l.errf(k.Line, name, nil, "a setting's key must be a plain name; got %s", kindName(k))
		}
		if k.Tag == "!!merge" {
			src := deref(v)
			var srcs []*yaml.Node
			switch src.Kind {
			case yaml.MappingNode:
				srcs = []*yaml.Node{src}
			case yaml.SequenceNode:
				for _, s := range src.Content {
					srcs = append(srcs, deref(s))
				}
			}
			for _, s := range srcs {
				if s.Kind != yaml.MappingNode {
					return nil, l.errf(v.Line, name+".<<", nil, "a merge key takes a mapping or a list of mappings; got %s", kindName(s))
				}
				fs, err := l.fields(name, s, depth+1)
				if err != nil {
					return nil, err
				}
				merged = append(merged, fs...)
			}
			continue
		}
		for _, f := range own {
			if f.key == k.Value {
				return nil, l.errf(k.Line, name+"."+k.Value, nil, "is set twice (first at line %d)", f.line)
			}
		}
		own = append(own, field{key: k.Value, line: k.Line, value: v})
	}
	out := own
	for _, f := range merged {
		dup := false
		for _, o := range out {
			if o.key == f.key {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, f)
		}
	}
	if out == nil {
		out = []field{}
	}
	return out, nil
}

// deref follows an alias (only one level: yaml refuses alias cycles).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing (null)"
		}
		return fmt.Sprintf("%q", truncate(n.Value, 60))
	}
	return "an alias"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func yamlLine(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return 0
	}
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(rest[:j]); err == nil {
			return n
		}
	}
	return 0
}

func yamlReason(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// Value readers. Each reports a wrong kind of value with the key and line.

func (l *loader) str(name string, f field) (string, error) {
	v := deref(f.value)
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		hint := ""
		if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle != 0 {
			hint = "; a value that starts with '{' must be quoted (\"{topic} analyst\") or written as a block (>)"
		}
		return "", l.errf(f.line, name+"."+f.key, nil, "must be text; got %s%s", kindName(v), hint)
	}
	return v.Value, nil
}

func (l *loader) boolean(name string, f field) (bool, error) {
	v := deref(f.value)
	if v.Kind == yaml.ScalarNode {
		switch strings.ToLower(v.Value) {
		case "true", "yes", "on":
			return true, nil
		case "false", "no", "off":
			return false, nil
		}
	}
	return false, l.errf(f.line, name+"."+f.key, []string{"true", "false"}, "must be true or false; got %s", kindName(v))
}

func (l *loader) integer(name string, f field, min int) (int, error) {
	v := deref(f.value)
	if v.Kind == yaml.ScalarNode {
		if n, err := strconv.Atoi(v.Value); err == nil {
			if n < min {
				return 0, l.errf(f.line, name+"."+f.key, nil, "must be at least %d; got %d", min, n)
			}
			return n, nil
		}
	}
	return 0, l.errf(f.line, name+"."+f.key, nil, "must be a whole number; got %s", kindName(v))
}

// names reads a list of names (a single name is a list of one).
func (l *loader) names(name string, f field) ([]string, []int, error) {
	v := deref(f.value)
	if v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
		return []string{v.Value}, []int{v.Line}, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, nil, l.errf(f.line, name+"."+f.key, nil, "must be a list of names; got %s", kindName(v))
	}
	out := make([]string, 0, len(v.Content))
	lines := make([]int, 0, len(v.Content))
	for i, it := range v.Content {
		it = deref(it)
		if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
			return nil, nil, l.errf(it.Line, fmt.Sprintf("%s.%s[%d]", name, f.key, i), nil, "must be a name; got %s", kindName(it))
		}
		out = append(out, it.Value)
		lines = append(lines, it.Line)
	}
	return out, lines, nil
}

func (l *loader) tools(name string, f field) ([]tool.Tool, error) {
	ns, lines, err := l.names(name, f)
	if err != nil {
		return nil, err
	}
	out := make([]tool.Tool, 0, len(ns))
	for i, n := range ns {
		t, ok := l.reg.Tools[n]
		if !ok || t == nil {
			return nil, l.errf(lines[i], fmt.Sprintf("%s.%s[%d]", name, f.key, i), keys(l.reg.Tools), "unknown tool %q; register it in Registry.Tools", n)
		}
		out = append(out, t)
	}
	return out, nil
}

// The keys each file accepts (CrewAI's names).
var (
	agentKeys = []string{"role", "goal", "backstory", "llm", "tools", "allow_delegation", "allowed_agents", "max_iter",
		"max_rpm", "max_execution_time", "max_retry_limit", "verbose", "step_callback", "system_template", "stream", "id"}
	taskKeys = []string{"description", "expected_output", "agent", "context", "output_file", "async_execution",
		"human_input", "output_json", "output_pydantic", "guardrail", "guardrail_max_retries", "max_retries",
		"callback", "markdown", "tools", "name", "create_directory"}
)

func (l *loader) agent(e entry) (*agent.Agent, error) {
	a := &agent.Agent{}
	var model string
	haveModel := false
	for _, f := range e.fields {
		var err error
		switch f.key {
		case "role":
			a.Role, err = l.str(e.name, f)
		case "goal":
			a.Goal, err = l.str(e.name, f)
		case "backstory":
			a.Backstory, err = l.str(e.name, f)
		case "system_template":
			a.SystemTemplate, err = l.str(e.name, f)
		case "id":
			a.ID, err = l.str(e.name, f)
		case "llm":
			model, err = l.str(e.name, f)
			if err == nil {
				haveModel = true
				a.LLM, err = l.reg.model(model)
				if err != nil {
					err = &Error{File: l.file, Line: f.line, Key: e.name + ".llm", Reason: err.Error(), Accepted: keys(l.reg.Models), Err: err}
				}
			}
		case "tools":
			a.Tools, err = l.tools(e.name, f)
		case "allow_delegation":
			a.AllowDelegation, err = l.boolean(e.name, f)
		case "verbose":
			a.Verbose, err = l.boolean(e.name, f)
		case "stream":
			a.Stream, err = l.boolean(e.name, f)
		case "allowed_agents":
			a.Delegates, _, err = l.names(e.name, f)
		case "max_iter":
			a.MaxIter, err = l.integer(e.name, f, 1)
		case "max_rpm":
			a.MaxRPM, err = l.integer(e.name, f, 0)
		case "max_retry_limit":
			a.MaxRetryLimit, err = l.integer(e.name, f, 0)
			if err == nil && a.MaxRetryLimit == 0 {
				a.MaxRetryLimit = -1 // CrewAI's 0 means no retry
			}
		case "max_execution_time":
			var secs int
			secs, err = l.integer(e.name, f, 1)
			a.MaxExecutionTime = time.Duration(secs) * time.Second
		case "step_callback":
			var n string
			if n, err = l.str(e.name, f); err == nil {
				cb, ok := l.reg.StepCallbacks[n]
				if !ok || cb == nil {
					err = l.errf(f.line, e.name+".step_callback", keys(l.reg.StepCallbacks), "unknown step callback %q; register it in Registry.StepCallbacks", n)
				}
				a.StepCallback = cb
			}
		default:
			err = l.errf(f.line, e.name+"."+f.key, sortedCopy(agentKeys), "unknown key %q for an agent", f.key)
		}
		if err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(a.Role) == "" {
		return nil, l.errf(e.line, e.name, nil, "has no role; every agent needs one (role: ...)")
	}
	if !haveModel {
		name := l.reg.DefaultModel
		if name == "" {
			name = defaultModel()
		}
		var err error
		if a.LLM, err = l.reg.model(name); err != nil {
			return nil, &Error{File: l.file, Line: e.line, Key: e.name + ".llm", Reason: "the default model: " + err.Error(), Err: err}
		}
	}
	return a, nil
}

// defaultModel is CrewAI's choice for an agent without llm.
func defaultModel() string {
	for _, v := range []string{"MODEL", "MODEL_NAME", "OPENAI_MODEL_NAME"} {
		if m := strings.TrimSpace(os.Getenv(v)); m != "" {
			return m
		}
	}
	return "gpt-4.1-mini"
}

func (l *loader) task(e entry, t *task.Task) error {
	var outputKey string
	humanInput := false
	var guard task.Guardrail
	for _, f := range e.fields {
		var err error
		switch f.key {
		case "description":
			t.Description, err = l.str(e.name, f)
		case "expected_output":
			t.ExpectedOutput, err = l.str(e.name, f)
		case "name":
			var n string
			if n, err = l.str(e.name, f); err == nil && n != e.name {
				err = l.errf(f.line, e.name+".name", []string{e.name}, "is %q, but a task is named by its key (replay -t uses it); remove name or use the key", n)
			}
		case "output_file":
			t.OutputFile, err = l.str(e.name, f)
		case "agent":
			var n string
			if n, err = l.str(e.name, f); err == nil {
				a := l.defs.Agents[n]
				if a == nil {
					err = l.errf(f.line, e.name+".agent", l.defs.AgentNames, "unknown agent %q; use a key of agents.yaml", n)
				}
				t.Agent = a
			}
		case "context":
			var ns []string
			var lines []int
			if ns, lines, err = l.names(e.name, f); err == nil {
				t.Context = task.NoContext()
				for i, n := range ns {
					ct := l.defs.Tasks[n]
					switch {
					case ct == nil:
						err = l.errf(lines[i], fmt.Sprintf("%s.context[%d]", e.name, i), l.defs.TaskNames, "unknown task %q; use a key of tasks.yaml", n)
					case ct == t:
						err = l.errf(lines[i], fmt.Sprintf("%s.context[%d]", e.name, i), nil, "a task cannot be its own context")
					}
					if err != nil {
						break
					}
					t.Context = append(t.Context, ct)
				}
			}
		case "async_execution":
			t.Async, err = l.boolean(e.name, f)
		case "markdown":
			t.Markdown, err = l.boolean(e.name, f)
		case "create_directory":
			var on bool
			if on, err = l.boolean(e.name, f); err == nil && !on {
				err = l.errf(f.line, e.name+".create_directory", []string{"true"}, "false is not supported: output files always get their folders created")
			}
		case "human_input":
			humanInput, err = l.boolean(e.name, f)
		case "output_json", "output_pydantic":
			var n string
			if n, err = l.str(e.name, f); err == nil {
				if outputKey != "" {
					err = l.errf(f.line, e.name+"."+f.key, nil, "%s is set too; a task has one output type", outputKey)
					break
				}
				outputKey = f.key
				s, ok := l.reg.Outputs[n]
				if !ok || s == nil {
					err = l.errf(f.line, e.name+"."+f.key, keys(l.reg.Outputs), "unknown output type %q; register it in Registry.Outputs (task.As[T]())", n)
				}
				t.Output = s
			}
		case "guardrail":
			var n string
			if n, err = l.str(e.name, f); err == nil {
				g, ok := l.reg.Guardrails[n]
				if !ok && strings.ContainsAny(strings.TrimSpace(n), " \t\n") {
					// A sentence, as CrewAI reads it: a rule a model checks
					// (task.Guardrail.Rule), with the agent's model.
					g, ok = task.Guardrail{Name: "rule", Rule: strings.TrimSpace(n)}, true
				}
				if g.Name == "" {
					g.Name = n
				}
				if !ok || (g.Func == nil && g.Rule == "") {
					err = l.errf(f.line, e.name+".guardrail", keys(l.reg.Guardrails),
						"unknown guardrail %q; register it in Registry.Guardrails, or write a rule in words for a model to check", n)
				}
				guard = g
			}
		case "guardrail_max_retries", "max_retries":
			var n int
			if n, err = l.integer(e.name, f, 0); err == nil {
				t.GuardrailMaxRetries = n
				if n == 0 {
					t.GuardrailMaxRetries = -1
				}
			}
		case "callback":
			var n string
			if n, err = l.str(e.name, f); err == nil {
				cb, ok := l.reg.Callbacks[n]
				if !ok || cb == nil {
					err = l.errf(f.line, e.name+".callback", keys(l.reg.Callbacks), "unknown callback %q; register it in Registry.Callbacks", n)
				}
				t.Callback = cb
			}
		case "tools":
			t.Tools, err = l.tools(e.name, f)
		default:
			err = l.errf(f.line, e.name+"."+f.key, sortedCopy(taskKeys), "unknown key %q for a task", f.key)
		}
		if err != nil {
			return err
		}
	}
	if strings.TrimSpace(t.Description) == "" {
		return l.errf(e.line, e.name, nil, "has no description; every task needs one (description: ...)")
	}
	if guard.Func != nil || guard.Rule != "" {
		t.Guardrails = []task.Guardrail{guard}
	}
	if humanInput {
		t.HumanInput, t.HumanProvider = true, l.reg.Human
	}
	return nil
}

package project

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.yaml.in/yaml/v3"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/internal/traceenv"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

// DefaultTrainedFile is where train saves its per-agent suggestions, in
// the project's .crewai folder (or $CREWAI_STORAGE_DIR), and where later
// kickoffs read them from.
const DefaultTrainedFile = "trained_agents.json"

// Options configure the commands a project's program runs. The zero value
// works: the project folder is the current folder, the streams are the
// process's, no default inputs.
type Options struct {
	// Dir is the project folder; the task-output log and the training file
	// live under its .crewai folder. Empty means the current folder.
	Dir string
	// Inputs are the default inputs of a kickoff (CrewAI's main.py
	// inputs); --inputs-file and then --input override them key by key.
	Inputs map[string]any
	// Judge is the model that scores outputs in "test". Nil means the
	// --model flag, else models' client for "gpt-4o-mini" (CrewAI's
	// default).
	Judge llm.LLM
	// NewModel, if set, turns test's --model value into a client (a
	// scaffold's offline mode returns its scripted model); nil means
	// package llm/models.
	NewModel func(name string) llm.LLM
	// Human is asked by train for feedback right after each task (see
	// package human). Nil means a human.Console on Stdin and Stderr.
	Human human.Provider
	// Stdin, Stdout and Stderr default to the process's.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

func (o *Options) fill() {
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Human == nil {
		o.Human = &human.Console{In: o.Stdin, Out: o.Stderr}
	}
}

// UsageError is a command line the program cannot run: an unknown command
// or flag, a missing argument. Main exits with status 2 for it.
type UsageError struct{ Msg string }

// Error returns the message, prefixed with "project: ".
func (e *UsageError) Error() string { return "project: " + e.Msg }

func usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// Main runs the command of os.Args on the crew and exits: status 0 on
// success, 1 when the command failed, 2 for bad usage, 130 when stopped by
// Ctrl-C or SIGTERM. A generated project's main.go ends with it.
func Main(c *crew.Crew, o Options) {
	exit(func(ctx context.Context) error { return Run(ctx, c, os.Args[1:], o) }, o)
}

// MainFlow is Main for a program whose project is a flow.
func MainFlow[S any](f *flow.Flow[S], o Options) {
	exit(func(ctx context.Context) error { return RunFlow(ctx, f, os.Args[1:], o) }, o)
}

func exit(run func(ctx context.Context) error, o Options) {
	o.fill()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	code := exitCode(ctx, err, o.Stderr) // before stop, which cancels ctx
	stop()
	os.Exit(code)
}

func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "interrupted:", err)
		return 130
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, err)
		fmt.Fprintln(stderr, `Run with "help" for the commands.`)
		return 2
	}
	fmt.Fprintln(stderr, err)
	return 1
}

const crewUsage = `Commands:
  run                [--input key=value]... [--inputs-file FILE]   kick the crew off
  log-tasks-outputs  [--kickoff ID] [--json]                       list the last kickoff's task outputs
  replay -t TASK     [--kickoff ID] [--input key=value]...         run again from TASK (name or number),
                                                                   with the earlier outputs restored
  test  -n N         [--model MODEL] [--input ...]                 run N times; a judge model scores each task 1-10
  train -n N         [-f FILE] [--input ...]                       run N times; after each task you give feedback and
                                                                   the agent revises; saves per-agent suggestions
                                                                   that later kickoffs add to their task prompts
  memory reset                                                     forget the crew's memories (when it has memory)
The task-output log is .crewai/task_outputs.db in the project folder ($CREWAI_STORAGE_DIR moves it); the
training file is .crewai/trained_agents.json ($CREWAI_TRAINED_AGENTS_FILE moves it).
`

const flowUsage = `Commands:
  run   [--input key=value]... [--inputs-file FILE]   kick the flow off
  plot  [-o FILE] [--mermaid]                        write the flow's graph (HTML, or Mermaid text)
`

// Run runs one command (args without the program name) on the crew; see
// Main. It is Main without the exit, for tests and for programs with
// commands of their own.
func Run(ctx context.Context, c *crew.Crew, args []string, o Options) error {
	o.fill()
	if len(args) == 0 {
		fmt.Fprint(o.Stderr, crewUsage)
		return usagef("missing command")
	}
	p := &crewProject{c: c, o: o}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(o.Stdout, crewUsage)
		return nil
	case "run":
		return p.run(ctx, args[1:])
	case "log-tasks-outputs":
		return p.logTasksOutputs(ctx, args[1:])
	case "replay":
		return p.replay(ctx, args[1:])
	case "test":
		return p.test(ctx, args[1:])
	case "train":
		return p.train(ctx, args[1:])
	case "memory":
		if len(args) < 2 || args[1] != "reset" {
			return usagef("memory: want \"memory reset\"")
		}
		return p.memoryReset(ctx, args[2:])
	case "plot":
		return usagef("plot draws flows; this program runs a crew (see \"help\")")
	}
	return usagef("unknown command %q (want run, log-tasks-outputs, replay, test, train or memory reset)", args[0])
}

// RunFlow runs one command on a flow: run or plot. See Run.
func RunFlow[S any](ctx context.Context, f *flow.Flow[S], args []string, o Options) error {
	o.fill()
	if len(args) == 0 {
		fmt.Fprint(o.Stderr, flowUsage)
		return usagef("missing command")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(o.Stdout, flowUsage)
		return nil
	case "run", "kickoff":
		fs := newFlags("run", o)
		in := inputFlags(fs)
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		inputs, err := in.inputs(o.Inputs)
		if err != nil {
			return err
		}
		res, err := f.Kickoff(ctx, inputs)
		if err != nil {
			return err
		}
		printValue(o.Stdout, res.Output)
		return nil
	case "plot":
		fs := newFlags("plot", o)
		out := fs.String("o", "", "output file (default: standard output)")
		mermaid := fs.Bool("mermaid", false, "write Mermaid text instead of HTML")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		w := o.Stdout
		if *out != "" {
			file, err := os.Create(*out)
			if err != nil {
				return fmt.Errorf("project: plot: %w", err)
			}
			defer file.Close()
			w = file
		}
		g := f.Graph()
		if *mermaid {
			_, err := io.WriteString(w, g.Mermaid())
			return err
		}
		if err := g.HTML(w); err != nil {
			return fmt.Errorf("project: plot: %w", err)
		}
		if *out != "" {
			fmt.Fprintf(o.Stderr, "Wrote the plot of flow %q to %s\n", g.Name, *out)
		}
		return nil
	}
	return usagef("unknown command %q (want run or plot)", args[0])
}

func printValue(w io.Writer, v any) {
	switch x := v.(type) {
	case nil:
	case string:
		fmt.Fprintln(w, x)
	case fmt.Stringer:
		fmt.Fprintln(w, x.String())
	default:
		b, err := json.MarshalIndent(x, "", "  ")
		if err != nil {
			fmt.Fprintln(w, x)
			return
		}
		fmt.Fprintln(w, string(b))
	}
}

type crewProject struct {
	c *crew.Crew
	o Options
}

func newFlags(name string, o Options) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(o.Stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// inputFlag holds --input and --inputs-file.
type inputFlag struct {
	pairs []string
	file  *string
}

func inputFlags(fs *flag.FlagSet) *inputFlag {
	in := &inputFlag{}
	fs.Func("input", "an input as key=value (repeatable)", func(s string) error {
		if k, _, ok := strings.Cut(s, "="); !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("%q: want key=value", s)
		}
		in.pairs = append(in.pairs, s)
		return nil
	})
	in.file = fs.String("inputs-file", "", "a JSON or YAML file holding a mapping of inputs")
	return in
}

// inputs merges the defaults, the file and the pairs, in that order.
func (in *inputFlag) inputs(defaults map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range defaults {
		out[k] = v
	}
	if *in.file != "" {
		b, err := readLimited(*in.file)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, usagef("--inputs-file %s: want a JSON or YAML mapping of input names to values: %v", *in.file, err)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	for _, p := range in.pairs {
		k, v, _ := strings.Cut(p, "=")
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

// EnvStorageDir names the environment variable that moves a project's
// task-output log and training file out of its .crewai folder (CrewAI's
// CREWAI_STORAGE_DIR).
const EnvStorageDir = "CREWAI_STORAGE_DIR"

// storageDir is where the task-output log and the training file live.
func (p *crewProject) storageDir() string {
	if d := os.Getenv(EnvStorageDir); d != "" {
		return d
	}
	return filepath.Join(p.o.Dir, ".crewai")
}

func (p *crewProject) logPath() string { return filepath.Join(p.storageDir(), TaskLogFile) }

func (p *crewProject) openLog(ctx context.Context) (*TaskLog, error) {
	return OpenTaskLog(ctx, p.logPath())
}

func (p *crewProject) crewName() string {
	if p.c.Name == "" {
		return "crew"
	}
	return p.c.Name
}

// traced opens a root span for a command when the crew's kickoffs are
// traced, in a new trace, linked to link when it is valid; the kickoffs of
// the command become its children. end ends and flushes it.
func (p *crewProject) traced(ctx context.Context, command string, link trace.SpanContext, attrs ...attribute.KeyValue) (context.Context, trace.SpanContext, func()) {
	if !traceenv.Enabled(p.c.Tracing, nil) {
		return ctx, trace.SpanContext{}, func() {}
	}
	tr := p.c.Tracer
	if tr == nil {
		tr = tracing.Default()
	}
	opts := []trace.SpanStartOption{trace.WithNewRoot(), trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(append(attrs, attribute.String("crewai.project.command", command),
			attribute.String("gen_ai.workflow.name", p.crewName()))...)}
	if link.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: link,
			Attributes: []attribute.KeyValue{attribute.String("crewai.project.link", "replay_of")}}))
	}
	ctx, span := tr.TracerProvider().Tracer("github.com/crewai-go/crewai/project").Start(ctx, command+" "+p.crewName(), opts...)
	return ctx, span.SpanContext(), func() {
		span.End()
		fctx, cancel := context.WithTimeout(context.Background(), traceenv.FlushTimeout(nil))
		defer cancel()
		_ = tr.ForceFlush(fctx) // a failing backend is reported by the tracer; the command goes on
	}
}

// kickoff runs one logged kickoff (from a replay when from is not nil).
func (p *crewProject) kickoff(ctx context.Context, command string, inputs map[string]any, from *Kickoff, fromTask string) (*crew.CrewOutput, int64, error) {
	var seeded []task.TaskOutput
	if from != nil {
		// Before anything is logged: a replay that cannot start is no kickoff.
		var err error
		if seeded, err = restoreValues(p.c.Tasks, from, p.taskIndex(fromTask)); err != nil {
			return nil, 0, err
		}
	}
	log, err := p.openLog(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer log.Close()
	var link trace.SpanContext
	var attrs []attribute.KeyValue
	if from != nil {
		link = spanContextOf(from)
		attrs = append(attrs, attribute.Int64("crewai.project.replay_of", from.ID), attribute.String("crewai.project.replay_from", fromTask))
	}
	ctx, sc, end := p.traced(ctx, command, link, attrs...)
	defer end()
	k := Kickoff{Crew: p.crewName(), Command: command, Inputs: inputs}
	if from != nil {
		k.ReplayOf = from.ID
	}
	if sc.IsValid() {
		k.TraceID, k.SpanID = sc.TraceID().String(), sc.SpanID().String()
	}
	id, err := log.Begin(ctx, k)
	if err != nil {
		return nil, 0, err
	}
	var out *crew.CrewOutput
	if from != nil {
		out, err = p.c.ReplayFrom(ctx, &crew.CrewOutput{Tasks: seeded, Inputs: from.Inputs}, fromTask, inputs)
	} else {
		out, err = p.c.Kickoff(ctx, inputs)
	}
	// Recorded even when ctx was cancelled: the log must say how it ended.
	if ferr := log.Finish(context.WithoutCancel(ctx), id, out, err); ferr != nil && err == nil {
		err = ferr
	}
	return out, id, err
}

func spanContextOf(k *Kickoff) trace.SpanContext {
	tid, err1 := trace.TraceIDFromHex(k.TraceID)
	sid, err2 := trace.SpanIDFromHex(k.SpanID)
	if err1 != nil || err2 != nil {
		return trace.SpanContext{}
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
}

func (p *crewProject) run(ctx context.Context, args []string) error {
	fs := newFlags("run", p.o)
	in := inputFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	inputs, err := in.inputs(p.o.Inputs)
	if err != nil {
		return err
	}
	if ctx, err = WithTrained(ctx, p.trainedPath("")); err != nil {
		return err
	}
	out, id, err := p.kickoff(ctx, "run", inputs, nil, "")
	if err != nil {
		return err
	}
	fmt.Fprintln(p.o.Stdout, out.Raw)
	fmt.Fprintf(p.o.Stderr, "\nKickoff %d logged: %d tasks, %d tokens. \"log-tasks-outputs\" lists them; \"replay -t TASK\" runs again from one.\n",
		id, len(out.Tasks), out.Usage.TotalTokens)
	return nil
}

func (p *crewProject) logTasksOutputs(ctx context.Context, args []string) error {
	fs := newFlags("log-tasks-outputs", p.o)
	kid := fs.Int64("kickoff", 0, "the kickoff to list (default: the last one that finished)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	k, err := p.loadKickoff(ctx, *kid)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(p.o.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(k)
	}
	fmt.Fprintf(p.o.Stdout, "Kickoff %d of crew %q (%s, %s, %s)\n", k.ID, k.Crew, k.Command, k.Status, k.Started.Local().Format(time.DateTime))
	if k.Error != "" {
		fmt.Fprintf(p.o.Stdout, "Error: %s\n", k.Error)
	}
	tw := tabwriter.NewWriter(p.o.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTASK\tAGENT\tOUTPUT")
	for i, o := range k.Tasks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i+1, o.Name, strings.TrimSpace(o.Agent), oneLine(o.String(), 70))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := len(p.c.Tasks); len(k.Tasks) < n {
		fmt.Fprintf(p.o.Stdout, "(%d of the crew's %d tasks completed)\n", len(k.Tasks), n)
	}
	return nil
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (p *crewProject) loadKickoff(ctx context.Context, id int64) (*Kickoff, error) {
	if _, err := os.Stat(p.logPath()); errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoKickoff
	}
	log, err := p.openLog(ctx)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	if id > 0 {
		return log.Kickoff(ctx, id)
	}
	return log.Last(ctx, p.crewName())
}

func (p *crewProject) replay(ctx context.Context, args []string) error {
	fs := newFlags("replay", p.o)
	taskArg := fs.String("t", "", "the task to run again from: its name, or its number in log-tasks-outputs")
	fs.StringVar(taskArg, "task_id", "", "the same as -t (CrewAI's spelling)")
	kid := fs.Int64("kickoff", 0, "the kickoff whose outputs to restore (default: the last one that finished)")
	in := inputFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *taskArg == "" {
		return usagef("replay: -t TASK is required (a task name, or its number in log-tasks-outputs)")
	}
	from, err := p.loadKickoff(ctx, *kid)
	if err != nil {
		return err
	}
	name, err := p.taskName(*taskArg)
	if err != nil {
		return err
	}
	inputs, err := in.inputs(from.Inputs)
	if err != nil {
		return err
	}
	if ctx, err = WithTrained(ctx, p.trainedPath("")); err != nil {
		return err
	}
	out, id, err := p.kickoff(ctx, "replay", inputs, from, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(p.o.Stdout, out.Raw)
	fmt.Fprintf(p.o.Stderr, "\nReplayed kickoff %d from task %q as kickoff %d.\n", from.ID, name, id)
	return nil
}

// taskIndex returns the index of the task named name, or len(Tasks).
func (p *crewProject) taskIndex(name string) int {
	for i, t := range p.c.Tasks {
		if t != nil && t.DisplayName() == name {
			return i
		}
	}
	return len(p.c.Tasks)
}

// taskName resolves a task name or 1-based number.
func (p *crewProject) taskName(arg string) (string, error) {
	var names []string
	for _, t := range p.c.Tasks {
		if t != nil {
			names = append(names, t.DisplayName())
		}
	}
	if n, err := strconv.Atoi(arg); err == nil {
		if n < 1 || n > len(names) {
			return "", usagef("replay: task number %d: the crew has tasks 1 to %d (%s)", n, len(names), strings.Join(names, ", "))
		}
		return names[n-1], nil
	}
	for _, n := range names {
		if n == arg {
			return n, nil
		}
	}
	return "", usagef("replay: no task %q; the crew's tasks are %s", arg, strings.Join(names, ", "))
}

// resetter is a memory that can forget (a *memory.Memory).
type resetter interface {
	Reset(ctx context.Context, crew, agent string) error
}

func (p *crewProject) memoryReset(ctx context.Context, args []string) error {
	fs := newFlags("memory reset", p.o)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var done []string
	seen := map[resetter]bool{}
	reset := func(m any, scope string) error {
		r, ok := m.(resetter)
		if !ok || r == nil || seen[r] {
			return nil
		}
		seen[r] = true
		if err := r.Reset(ctx, p.crewName(), ""); err != nil {
			return fmt.Errorf("project: memory reset: %w", err)
		}
		done = append(done, scope)
		return nil
	}
	if p.c.Memory != nil {
		if err := reset(p.c.Memory, "the crew's memory"); err != nil {
			return err
		}
	}
	for _, a := range p.c.Agents {
		if a != nil && a.Memory != nil {
			if err := reset(a.Memory, fmt.Sprintf("%s's memory", a.Role)); err != nil {
				return err
			}
		}
	}
	if len(done) == 0 {
		return fmt.Errorf("project: memory reset: crew %q has no memory to reset (set Crew.Memory)", p.crewName())
	}
	sort.Strings(done)
	fmt.Fprintf(p.o.Stdout, "Forgot what crew %q remembered (%s).\n", p.crewName(), strings.Join(done, ", "))
	return nil
}

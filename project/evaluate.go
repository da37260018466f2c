package project

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"text/tabwriter"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/internal/pricing"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/models"
	"github.com/crewai-go/crewai/task"
)

// DefaultJudgeModel is the model that scores outputs in "test" when neither
// Options.Judge nor --model is given (CrewAI's default evaluator model).
const DefaultJudgeModel = "gpt-4o-mini"

// Score is a judge's verdict on one task output.
type Score struct {
	// Quality is the score, from 1 (useless) to 10 (excellent).
	Quality float64 `json:"quality"`
	// Reason says briefly why.
	Reason string `json:"reason"`
}

const (
	judgeRole      = "Task Output Judge"
	judgeGoal      = "Score how well a task's output meets its description and expected output, from 1 to 10."
	judgeBackstory = "You review the work of AI agents strictly and fairly: 1 is useless, 5 is usable with fixes, 10 is " +
		"complete, correct and exactly what was asked."
	trainerRole      = "Training Analyst"
	trainerGoal      = "Turn a person's feedback on an agent's work into instructions that make its next work better."
	trainerBackstory = "You read what an agent produced, what a reviewer said about it and how the agent then " +
		"improved it, and write short, concrete instructions the agent can follow next time."
)

func (p *crewProject) judge(flagModel string) (llm.LLM, string) {
	if p.o.Judge != nil {
		return p.o.Judge, p.o.Judge.Info().Model
	}
	name := flagModel
	if name == "" {
		name = DefaultJudgeModel
	}
	m := models.LLM(name)
	if p.o.NewModel != nil {
		m = p.o.NewModel(name)
	}
	return m, m.Info().Model
}

// evalCrew runs one structured-output task with its own agent, as a crew of
// its own (so that it is traced and counted like any kickoff).
func (p *crewProject) evalCrew(ctx context.Context, name string, a *agent.Agent, description, expected string, out *task.Schema,
	guard *task.Guardrail) (*crew.CrewOutput, error) {
	t := &task.Task{Name: name, Description: description, ExpectedOutput: expected, Agent: a, Output: out,
		Context: task.NoContext()}
	if guard != nil {
		t.Guardrails = []task.Guardrail{*guard}
	}
	c := &crew.Crew{Name: p.crewName() + " " + name, Agents: []*agent.Agent{a}, Tasks: []*task.Task{t},
		Tracing: p.c.Tracing, Tracer: p.c.Tracer, Bus: p.c.Bus}
	return c.Kickoff(ctx, nil)
}

// escapeBraces keeps {name} in text given to a prompt from being read as
// a placeholder: {{name}} is left alone by interpolation.
var placeholderRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_-]*)\}`)

func escapeBraces(s string) string { return placeholderRE.ReplaceAllString(s, "{{$1}}") }

func (p *crewProject) test(ctx context.Context, args []string) error {
	fs := newFlags("test", p.o)
	n := fs.Int("n", 3, "how many times to run the crew")
	fs.IntVar(n, "n_iterations", 3, "the same as -n (CrewAI's spelling)")
	model := fs.String("model", "", "the judge model (default "+DefaultJudgeModel+")")
	in := inputFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return usagef("test: -n %d: want at least 1 run", *n)
	}
	inputs, err := in.inputs(p.o.Inputs)
	if err != nil {
		return err
	}
	judgeLLM, judgeName := p.judge(*model)
	ctx, _, end := p.traced(ctx, "test", trace.SpanContext{}, attribute.Int("crewai.project.iterations", *n))
	defer end()
	judge := &agent.Agent{Role: judgeRole, Goal: judgeGoal, Backstory: judgeBackstory, LLM: judgeLLM}
	scoreInRange := task.Check("score in range", func(out task.TaskOutput) error {
		s, ok := task.ValueAs[Score](out)
		if !ok || s.Quality < 1 || s.Quality > 10 || math.IsNaN(s.Quality) {
			return fmt.Errorf("quality must be a number from 1 to 10; got %v", s.Quality)
		}
		return nil
	})
	var names []string
	scores := map[string][]float64{} // task -> per run (NaN: no output)
	var times []time.Duration
	var crewCost, judgeCost costSum
	kctx, err := WithTrained(ctx, p.trainedPath("")) // the crew's kickoffs follow its training; the judge's do not
	if err != nil {
		return err
	}
	for run := 0; run < *n; run++ {
		start := time.Now()
		out, err := p.c.Kickoff(kctx, inputs)
		times = append(times, time.Since(start))
		if out != nil {
			crewCost.addCrew(p.c, out)
		}
		if err != nil {
			return fmt.Errorf("project: test run %d: %w", run+1, err)
		}
		for _, o := range out.Tasks {
			if _, ok := scores[o.Name]; !ok {
				names = append(names, o.Name)
				scores[o.Name] = make([]float64, *n)
				for i := range scores[o.Name] {
					scores[o.Name][i] = math.NaN()
				}
			}
			desc := fmt.Sprintf("Score this task output.\n\nTask: %s\n\nExpected output: %s\n\nOutput:\n%s",
				escapeBraces(o.Description), escapeBraces(o.ExpectedOutput), escapeBraces(o.String()))
			res, err := p.evalCrew(ctx, "judge", judge, desc,
				"The quality from 1 to 10 and one sentence saying why", task.As[Score](), &scoreInRange)
			if res != nil {
				judgeCost.add(judgeName, res.Usage)
			}
			if err != nil {
				return fmt.Errorf("project: test run %d: judging task %q: %w", run+1, o.Name, err)
			}
			s, _ := task.ValueAs[Score](res.Tasks[0])
			scores[o.Name][run] = s.Quality
		}
	}
	p.printScores(names, scores, times, *n)
	fmt.Fprintf(p.o.Stdout, "\nCost: crew %s, judge (%s) %s, total %s\n", crewCost, judgeName, judgeCost, crewCost.plus(judgeCost))
	return nil
}

func (p *crewProject) printScores(names []string, scores map[string][]float64, times []time.Duration, n int) {
	tw := tabwriter.NewWriter(p.o.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := "Task scores (1-10)\t"
	for i := 1; i <= n; i++ {
		head += fmt.Sprintf("Run %d\t", i)
	}
	fmt.Fprintln(tw, head+"Avg.\t")
	perRun := make([][]float64, n)
	var all []float64
	for _, name := range names {
		row := name + "\t"
		var mine []float64
		for i, s := range scores[name] {
			row += fmtScore(s) + "\t"
			if !math.IsNaN(s) {
				mine = append(mine, s)
				perRun[i] = append(perRun[i], s)
				all = append(all, s)
			}
		}
		fmt.Fprintln(tw, row+fmtScore(mean(mine))+"\t")
	}
	row := "Crew\t"
	for i := 0; i < n; i++ {
		row += fmtScore(mean(perRun[i])) + "\t"
	}
	fmt.Fprintln(tw, row+fmtScore(mean(all))+"\t")
	row = "Time (s)\t"
	var total time.Duration
	for _, d := range times {
		row += fmt.Sprintf("%.1f\t", d.Seconds())
		total += d
	}
	fmt.Fprintln(tw, row+fmt.Sprintf("%.1f\t", total.Seconds()/float64(max(len(times), 1))))
	tw.Flush()
	fmt.Fprintf(p.o.Stdout, "\nAverage score: %s over %d runs\n", fmtScore(mean(all)), n)
}

func fmtScore(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return fmt.Sprintf("%.1f", f)
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// costSum adds up estimated costs; unknown tokens are those of models
// without a known price.
type costSum struct {
	usd     float64
	tokens  int
	unknown int
}

var priceTable = func() *pricing.Table {
	if t, err := pricing.FromEnv(); err == nil && t != nil {
		return t
	}
	return pricing.Default()
}

func (c *costSum) add(model string, u llm.Usage) {
	c.tokens += u.TotalTokens
	if usd, ok := priceTable().Cost(model, u); ok {
		c.usd += usd
	} else {
		c.unknown += u.TotalTokens
	}
}

// addCrew prices each task's usage at the model of its agent.
func (c *costSum) addCrew(cr *crew.Crew, out *crew.CrewOutput) {
	for i, o := range out.Tasks {
		model := ""
		if i < len(cr.Tasks) && cr.Tasks[i] != nil && cr.Tasks[i].Agent != nil && cr.Tasks[i].Agent.LLM != nil {
			model = cr.Tasks[i].Agent.LLM.Info().Model
		}
		c.add(model, o.Usage)
	}
}

func (c costSum) plus(d costSum) costSum {
	return costSum{usd: c.usd + d.usd, tokens: c.tokens + d.tokens, unknown: c.unknown + d.unknown}
}

func (c costSum) String() string {
	s := fmt.Sprintf("$%.4f (%d tokens", c.usd, c.tokens)
	if c.unknown > 0 {
		s += fmt.Sprintf(", %d of them on models without a known price", c.unknown)
	}
	return s + ")"
}

// writeJSONAtomic writes v to path through a temporary file and a rename,
// so that a reader never sees half a file.
func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("project: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("project: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".trained-*")
	if err != nil {
		return fmt.Errorf("project: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("project: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("project: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("project: write %s: %w", path, err)
	}
	return nil
}

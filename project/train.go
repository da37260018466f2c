package project

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/internal/traceenv"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tracing"
)

// EnvTrainedFile names the environment variable that points run, replay,
// test and train at another training file than .crewai/trained_agents.json
// (CrewAI's CREWAI_TRAINED_AGENTS_FILE). train's -f flag overrides it.
const EnvTrainedFile = "CREWAI_TRAINED_AGENTS_FILE"

// TrainingDataFile is the file, in the project's .crewai folder, where
// train keeps the rounds of the current training as they happen (CrewAI's
// training_data.pkl), so that no feedback a person gave is lost when a
// training stops half-way.
const TrainingDataFile = "training_data.json"

// TrainedVersion is the version of the training file format this package
// writes and reads: {"version": 2, "agents": {ROLE: Suggestions}}.
const TrainedVersion = 2

// TrainingDataVersion is the version of the training data format
// (TrainingDataFile).
const TrainingDataVersion = 1

// Suggestions are what training distilled for one agent: instructions
// that later kickoffs add to the prompts of the agent's tasks (CrewAI's
// TrainingTaskEvaluation).
type Suggestions struct {
	// Suggestions are short, actionable instructions.
	Suggestions []string `json:"suggestions"`
	// Quality rates, from 0 to 10, how well the improved outputs met the
	// feedback.
	Quality float64 `json:"quality"`
	// Summary is the steps the agent should take next time.
	Summary string `json:"final_summary"`
}

// Trained is the content of a training file (trained_agents.json).
type Trained struct {
	// Version is TrainedVersion.
	Version int `json:"version"`
	// Agents are the suggestions by agent role, as written in the
	// agent's definition (placeholders kept, surrounding spaces trimmed).
	Agents map[string]Suggestions `json:"agents"`
}

// Record is one round of a training: a task's first output, a person's
// feedback on it and the output the agent revised with that feedback.
type Record struct {
	// Iteration is the training run, from 1.
	Iteration int `json:"iteration"`
	// Agent is the agent's role as written (trimmed).
	Agent string `json:"agent"`
	// Task is the task's name.
	Task string `json:"task"`
	// InitialOutput is the agent's first answer.
	InitialOutput string `json:"initial_output"`
	// HumanFeedback is the person's feedback; empty when they accepted the
	// first answer.
	HumanFeedback string `json:"human_feedback"`
	// ImprovedOutput is the answer revised with the feedback (the first
	// answer when there was none); it is what the next tasks saw.
	ImprovedOutput string `json:"improved_output"`
}

// TrainingData is the content of TrainingDataFile: the rounds of the last
// training, in the order they ended.
type TrainingData struct {
	// Version is TrainingDataVersion.
	Version int `json:"version"`
	// Crew is the crew's name.
	Crew string `json:"crew"`
	// Iterations is the number of runs the training was asked for.
	Iterations int `json:"iterations"`
	// Records are the rounds, one per task and run.
	Records []Record `json:"records"`
}

// trainedPath is the training file: file, else $CREWAI_TRAINED_AGENTS_FILE,
// else the default under the storage folder; relative to Dir.
func (p *crewProject) trainedPath(file string) string {
	if file == "" {
		file = os.Getenv(EnvTrainedFile)
	}
	if file == "" {
		return filepath.Join(p.storageDir(), DefaultTrainedFile)
	}
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(p.o.Dir, file)
}

// trainedFileError says what is wrong with a training file and what to do.
func trainedFileError(path, what string, err error) error {
	msg := fmt.Sprintf("project: training file %s: %s; move it away (or delete it) and run \"train\" again, "+
		"or point $%s at another file", path, what, EnvTrainedFile)
	if err != nil {
		return fmt.Errorf("%s: %w", msg, err)
	}
	return errors.New(msg)
}

// LoadTrained reads a training file and returns the suggestions by agent
// role. A missing file is an empty map. The file is a Trained of version
// TrainedVersion; the first format of this package, a bare object of roles
// to suggestions, is read as well (the next train rewrites it as version
// 2). Anything else (a Python pickle from CrewAI, another version, unknown
// keys) is an error naming the file and saying what to do.
func LoadTrained(path string) (map[string]Suggestions, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Suggestions{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("project: training file: %w", err)
	}
	return parseTrained(path, b)
}

// parseTrained reads the content b of the training file at path.
func parseTrained(path string, b []byte) (map[string]Suggestions, error) {
	if len(b) > 0 && b[0] == 0x80 {
		return nil, trainedFileError(path, "is a Python pickle (CrewAI's trained_agents_data.pkl); this program reads "+
			"the JSON its own train command writes", nil)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, trainedFileError(path, fmt.Sprintf("is not a JSON object {\"version\": %d, \"agents\": {...}}", TrainedVersion), err)
	}
	if raw, ok := top["version"]; ok {
		var version int
		if json.Unmarshal(raw, &version) == nil {
			if version != TrainedVersion {
				return nil, trainedFileError(path, fmt.Sprintf("has format version %d; this program reads version %d",
					version, TrainedVersion), nil)
			}
			var t Trained
			if err := strictJSON(b, &t); err != nil {
				return nil, trainedFileError(path, "is not a valid version 2 training file", err)
			}
			return trimRoles(path, t.Agents)
		}
	}
	// The first format: {ROLE: {"suggestions": [...], ...}}.
	agents := make(map[string]Suggestions, len(top))
	for role, raw := range top {
		var s Suggestions
		if err := strictJSON(raw, &s); err != nil {
			return nil, trainedFileError(path, fmt.Sprintf("has no \"version\", and key %q is not the suggestions of an "+
				"agent (the first format)", role), err)
		}
		agents[role] = s
	}
	return trimRoles(path, agents)
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// trimRoles keys the suggestions by trimmed role; two roles that differ
// only in surrounding spaces are an error (which one wins is not clear).
func trimRoles(path string, m map[string]Suggestions) (map[string]Suggestions, error) {
	out := make(map[string]Suggestions, len(m))
	for role, s := range m {
		r := strings.TrimSpace(role)
		if _, dup := out[r]; dup {
			return nil, trainedFileError(path, fmt.Sprintf("has two agents whose roles differ only in surrounding spaces (%q)", r), nil)
		}
		out[r] = s
	}
	return out, nil
}

// WithTrained returns a context whose kickoffs follow the training file at
// path: each agent's suggestions are added to the prompt of every task it
// does (see task.Training). A missing file, or one without suggestions,
// changes nothing. run, replay and test do this with the project's
// training file; call it for kickoffs of your own.
func WithTrained(ctx context.Context, path string) (context.Context, error) {
	agents, err := LoadTrained(path)
	if err != nil {
		return ctx, err
	}
	if len(agents) == 0 {
		return ctx, nil
	}
	return task.WithTraining(ctx, &task.Training{Instructions: func(role string) []string {
		return agents[role].Suggestions
	}}), nil
}

// LoadTrainingData reads a TrainingDataFile.
func LoadTrainingData(path string) (*TrainingData, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("project: training data: %w", err)
	}
	var d TrainingData
	if err := strictJSON(b, &d); err != nil {
		return nil, fmt.Errorf("project: training data %s: %w", path, err)
	}
	if d.Version != TrainingDataVersion {
		return nil, fmt.Errorf("project: training data %s: format version %d; this program reads version %d",
			path, d.Version, TrainingDataVersion)
	}
	return &d, nil
}

// session is one train command: the rounds so far, saved as they come.
type session struct {
	path   string
	tracer trace.Tracer // nil when not traced

	mu       sync.Mutex
	data     TrainingData
	feedback map[string][]string // by role: the feedback given so far
}

// instructions gives a training run's tasks the feedback given so far to
// their agent, as CrewAI does while training.
func (s *session) instructions(role string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.feedback[role])
}

func (s *session) save() error {
	return writeJSONAtomic(s.path, s.data)
}

// record keeps one round, saves the data file, and shows the round in the
// trace as a span under the task's.
func (s *session) record(ctx context.Context, iteration int, r task.TrainingRound) error {
	s.mu.Lock()
	s.data.Records = append(s.data.Records, Record{Iteration: iteration, Agent: r.Agent, Task: r.Task,
		InitialOutput: r.InitialOutput, HumanFeedback: r.Feedback, ImprovedOutput: r.ImprovedOutput})
	if r.Feedback != "" {
		s.feedback[r.Agent] = append(s.feedback[r.Agent], r.Feedback)
	}
	err := s.save()
	s.mu.Unlock()
	if s.tracer != nil {
		if sc := tracing.SpanContextOf(ctx); sc.IsValid() {
			_, span := s.tracer.Start(trace.ContextWithSpanContext(ctx, sc), "training_round "+r.Task,
				trace.WithTimestamp(r.Started), trace.WithAttributes(
					attribute.String("openinference.span.kind", "CHAIN"),
					attribute.Int("crewai.training.iteration", iteration),
					attribute.String("crewai.task.name", r.Task),
					attribute.String("gen_ai.agent.name", r.Role),
					attribute.Bool("crewai.training.feedback_given", r.Feedback != ""),
					attribute.Bool("crewai.training.improved", r.ImprovedOutput != r.InitialOutput),
				))
			if err != nil {
				span.SetStatus(codes.Error, err.Error())
			}
			span.End()
		}
	}
	if err != nil {
		return fmt.Errorf("project: train: saving the round of task %q: %w", r.Task, err)
	}
	return nil
}

func (p *crewProject) train(ctx context.Context, args []string) error {
	fs := newFlags("train", p.o)
	n := fs.Int("n", 1, "how many times to run the crew")
	fs.IntVar(n, "n_iterations", 1, "the same as -n (CrewAI's spelling)")
	file := fs.String("f", "", "the training file (default $"+EnvTrainedFile+", else .crewai/"+DefaultTrainedFile+")")
	fs.StringVar(file, "filename", "", "the same as -f (CrewAI's spelling)")
	in := inputFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return usagef("train: -n %d: want at least 1 run", *n)
	}
	inputs, err := in.inputs(p.o.Inputs)
	if err != nil {
		return err
	}
	path := p.trainedPath(*file)
	// Before anyone spends time giving feedback: the file must be one we
	// can add to.
	trained, err := LoadTrained(path)
	if err != nil {
		return err
	}
	ctx, _, end := p.traced(ctx, "train", trace.SpanContext{}, attribute.Int("crewai.project.iterations", *n),
		attribute.String("crewai.project.training_file", path))
	defer end()
	s := &session{path: filepath.Join(p.storageDir(), TrainingDataFile), feedback: map[string][]string{},
		data: TrainingData{Version: TrainingDataVersion, Crew: p.crewName(), Iterations: *n, Records: []Record{}}}
	if traceenv.Enabled(p.c.Tracing, nil) {
		s.tracer = p.tracer()
	}
	if err := s.save(); err != nil { // a new training starts with no rounds, as CrewAI's does
		return err
	}
	for run := 1; run <= *n; run++ {
		tctx := task.WithTraining(ctx, &task.Training{Iteration: run, Human: p.o.Human, Instructions: s.instructions,
			Record: func(ctx context.Context, r task.TrainingRound) error { return s.record(ctx, run, r) }})
		if _, err := p.c.Kickoff(tctx, inputs); err != nil {
			return fmt.Errorf("project: train run %d of %d: %w (the rounds so far are in %s)", run, *n, err, s.path)
		}
	}
	// Distil, agent by agent, in the order they first gave a round.
	var roles []string
	byRole := map[string][]Record{}
	for _, r := range s.data.Records {
		if r.HumanFeedback == "" {
			continue
		}
		if _, ok := byRole[r.Agent]; !ok {
			roles = append(roles, r.Agent)
		}
		byRole[r.Agent] = append(byRole[r.Agent], r)
	}
	if len(roles) == 0 {
		fmt.Fprintf(p.o.Stdout, "Every answer was accepted as it was: nothing to learn; %s is unchanged.\n", path)
		return nil
	}
	for _, role := range roles {
		sug, err := p.distill(ctx, role, byRole[role])
		if err != nil {
			return err
		}
		trained[role] = sug
		fmt.Fprintf(p.o.Stdout, "%s: %d suggestions (quality %.1f/10)\n", role, len(sug.Suggestions), sug.Quality)
	}
	if err := writeJSONAtomic(path, Trained{Version: TrainedVersion, Agents: trained}); err != nil {
		return err
	}
	fmt.Fprintf(p.o.Stdout, "Saved the suggestions for %d agents to %s (the rounds are in %s); later kickoffs add them "+
		"to the prompts of those agents' tasks.\n", len(roles), path, s.path)
	return nil
}

// tracer is the crew's tracer, else the process default.
func (p *crewProject) tracer() trace.Tracer {
	tr := p.c.Tracer
	if tr == nil {
		tr = tracing.Default()
	}
	return tr.TracerProvider().Tracer("github.com/crewai-go/crewai/project")
}

// modelOf returns the model of the agent with the role (as written):
// one of the crew's, its manager, else the default manager's model.
func (p *crewProject) modelOf(role string) llm.LLM {
	agents := p.agents()
	if p.c.ManagerAgent != nil {
		agents = append(agents, p.c.ManagerAgent)
	}
	for _, a := range agents {
		if strings.TrimSpace(a.Role) == role && a.LLM != nil {
			return a.LLM
		}
	}
	return p.c.ManagerLLM
}

// agents lists the crew's agents and its tasks' agents, once each.
func (p *crewProject) agents() []*agent.Agent {
	var out []*agent.Agent
	seen := map[*agent.Agent]bool{}
	add := func(a *agent.Agent) {
		if a != nil && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for _, a := range p.c.Agents {
		add(a)
	}
	for _, t := range p.c.Tasks {
		if t != nil {
			add(t.Agent)
		}
	}
	return out
}

// distillExpected is what the distilling task asks for.
const distillExpected = "suggestions: clear, actionable instructions for the agent's future tasks that carry every " +
	"specific point of the feedback, drawn from how the improved outputs differ from the initial ones; quality: from " +
	"0 to 10, how well the improved outputs meet the feedback; final_summary: the steps the agent should take next time"

// distill has the agent's own model (as CrewAI's TaskEvaluator does) turn
// its rounds into suggestions, as a traced step "training_distill {role}".
func (p *crewProject) distill(ctx context.Context, role string, recs []Record) (Suggestions, error) {
	m := p.modelOf(role)
	if m == nil {
		return Suggestions{}, fmt.Errorf("project: train: no model to distil the feedback of agent %q (give it an LLM)", role)
	}
	var span trace.Span = trace.SpanFromContext(context.Background()) // a no-op span
	if traceenv.Enabled(p.c.Tracing, nil) {
		ctx, span = p.tracer().Start(ctx, "training_distill "+role, trace.WithAttributes(
			attribute.String("openinference.span.kind", "CHAIN"),
			attribute.String("gen_ai.agent.name", role),
			attribute.Int("crewai.training.records", len(recs))))
	}
	defer span.End()
	var b strings.Builder
	fmt.Fprintf(&b, "Below are training rounds of the agent %q. In each, the agent answered a task (initial output), "+
		"a person gave feedback on the answer, and the agent answered again with that feedback (improved output). "+
		"Distil what the agent must do differently from now on.\n", role)
	for _, r := range recs {
		fmt.Fprintf(&b, "\n---\nRun %d, task %q\n\nInitial output:\n%s\n\nFeedback:\n%s\n\nImproved output:\n%s\n",
			r.Iteration, r.Task, r.InitialOutput, r.HumanFeedback, r.ImprovedOutput)
	}
	check := task.Check("suggestions and quality", func(out task.TaskOutput) error {
		s, ok := task.ValueAs[Suggestions](out)
		switch {
		case !ok:
			return errors.New("want an object with suggestions, quality and final_summary")
		case len(s.Suggestions) == 0:
			return errors.New("give at least one suggestion")
		case s.Quality < 0 || s.Quality > 10 || math.IsNaN(s.Quality):
			return fmt.Errorf("quality must be a number from 0 to 10; got %v", s.Quality)
		}
		return nil
	})
	trainer := &agent.Agent{Role: trainerRole, Goal: trainerGoal, Backstory: trainerBackstory, LLM: m}
	res, err := p.evalCrew(ctx, "training", trainer, b.String(), distillExpected, task.As[Suggestions](), &check)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		return Suggestions{}, fmt.Errorf("project: train: distilling the feedback of agent %q: %w", role, err)
	}
	s, _ := task.ValueAs[Suggestions](res.Tasks[0])
	span.SetAttributes(attribute.Int("crewai.training.suggestions", len(s.Suggestions)),
		attribute.Float64("crewai.training.quality", s.Quality))
	return s, nil
}

package crew_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/interpolate"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// researchCrew is the seed's two-task crew on scripted models.
func researchCrew() (*crew.Crew, *llmtest.Scripted, *llmtest.Scripted) {
	rm, wm := searcher(), echo("article")
	researcher := newAgent("Researcher of {topic}", rm, searchTool())
	writer := newAgent("Writer", wm)
	research := &task.Task{Name: "research", Description: "Research {topic} in depth.", ExpectedOutput: "Findings", Agent: researcher}
	write := &task.Task{Name: "write", Description: "Write about {topic}.", ExpectedOutput: "An article", Agent: writer}
	c := &crew.Crew{Name: "research crew", Agents: []*agent.Agent{researcher, writer}, Tasks: []*task.Task{research, write},
		Bus: &event.Bus{}}
	return c, rm, wm
}

func TestSequentialContextPassing(t *testing.T) {
	c, rm, wm := researchCrew()
	out, err := c.Kickoff(context.Background(), map[string]any{"topic": "AI"})
	require.NoError(t, err)
	require.Len(t, out.Tasks, 2)
	assert.Equal(t, "findings: results for Research AI in depth.", out.Tasks[0].Raw)
	assert.Equal(t, "Researcher of AI", out.Tasks[0].Agent)
	assert.Equal(t, "article: Write about AI.", out.Raw)
	assert.Equal(t, "write", out.Tasks[1].Name)
	assert.Len(t, rm.Requests(), 2)
	wreq := wm.Requests()
	require.Len(t, wreq, 1)
	assert.Contains(t, userText(&wreq[0]), "findings: results for Research AI in depth.",
		"the writer's prompt holds the research output")
	assert.Equal(t, 3*fixedUsage.TotalTokens, out.Usage.TotalTokens)
	assert.Equal(t, 3, out.Usage.Requests)
	assert.Equal(t, map[string]any{"topic": "AI"}, out.Inputs)
}

func TestContextRules(t *testing.T) {
	tests := []struct {
		name    string
		context func(a, b *task.Task) []*task.Task
		want    []string // outputs expected in the third task's prompt
		notWant []string
	}{
		{name: "nil means all earlier", context: func(a, b *task.Task) []*task.Task { return nil },
			want: []string{"one: Do A.", "two: Do B."}},
		{name: "list selects", context: func(a, b *task.Task) []*task.Task { return []*task.Task{a} },
			want: []string{"one: Do A."}, notWant: []string{"two: Do B."}},
		{name: "empty means none", context: func(a, b *task.Task) []*task.Task { return task.NoContext() },
			notWant: []string{"one: Do A.", "two: Do B."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m3 := echo("three")
			a := &task.Task{Name: "a", Description: "Do A.", Agent: newAgent("A", echo("one"))}
			b := &task.Task{Name: "b", Description: "Do B.", Agent: newAgent("B", echo("two"))}
			c3 := &task.Task{Name: "c", Description: "Do C.", Agent: newAgent("C", m3), Context: tc.context(a, b)}
			cr := &crew.Crew{Tasks: []*task.Task{a, b, c3}, Bus: &event.Bus{}}
			_, err := cr.Kickoff(context.Background(), nil)
			require.NoError(t, err)
			p := userText(&m3.Requests()[0])
			for _, w := range tc.want {
				assert.Contains(t, p, w)
			}
			for _, w := range tc.notWant {
				assert.NotContains(t, p, w)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	m := echo("x")
	good := newAgent("Good", m)
	noLLM := &agent.Agent{Role: "Empty"}
	t1 := &task.Task{Name: "t1", Description: "One", Agent: good}
	later := &task.Task{Name: "later", Description: "Later", Agent: good}
	stranger := &task.Task{Name: "stranger", Description: "Not in crew", Agent: good}
	asyncA := &task.Task{Name: "aa", Description: "A", Agent: good, Async: true}
	tests := []struct {
		name  string
		crew  *crew.Crew
		in    map[string]any
		field string
		want  string
	}{
		{name: "no tasks", crew: &crew.Crew{}, field: "Tasks", want: "no tasks"},
		{name: "task without agent", crew: &crew.Crew{Tasks: []*task.Task{{Name: "n", Description: "d"}}},
			field: "Tasks[0].Agent", want: `task "n" has no agent`},
		{name: "agent without llm", crew: &crew.Crew{Tasks: []*task.Task{{Description: "d", Agent: noLLM}}},
			field: "Tasks[0].Agent", want: `agent "Empty": invalid agent: LLM is nil`},
		{name: "listed agent without llm", crew: &crew.Crew{Agents: []*agent.Agent{noLLM}, Tasks: []*task.Task{t1}},
			field: "Agents[0]", want: "LLM is nil"},
		{name: "context names later task",
			crew:  &crew.Crew{Tasks: []*task.Task{{Name: "first", Description: "d", Agent: good, Context: []*task.Task{later}}, later}},
			field: "Tasks[0].Context[0]", want: `task "later" (Tasks[1]) does not run before task "first"`},
		{name: "context names stranger",
			crew:  &crew.Crew{Tasks: []*task.Task{t1, {Name: "x", Description: "d", Agent: good, Context: []*task.Task{stranger}}}},
			field: "Tasks[1].Context[0]", want: `task "stranger" is not one of the crew's tasks`},
		{name: "hierarchical without manager", crew: &crew.Crew{Process: crew.Hierarchical, Agents: []*agent.Agent{good}, Tasks: []*task.Task{t1}},
			field: "ManagerLLM", want: "needs ManagerLLM or ManagerAgent"},
		{name: "manager with tools",
			crew: &crew.Crew{Process: crew.Hierarchical, Agents: []*agent.Agent{good}, Tasks: []*task.Task{t1},
				ManagerAgent: newAgent("Boss", m, searchTool())},
			field: "ManagerAgent.Tools", want: "give it none"},
		{name: "bad process", crew: &crew.Crew{Process: "consensual", Tasks: []*task.Task{t1}}, field: "Process", want: `"consensual" is not a process`},
		{name: "missing task placeholder", crew: &crew.Crew{Tasks: []*task.Task{{Name: "p", Description: "About {topic}", Agent: good}}},
			in: map[string]any{"other": 1}, field: "Tasks[0]", want: `task "p" Description uses {topic}`},
		{name: "missing agent placeholder", crew: &crew.Crew{Tasks: []*task.Task{{Description: "d", Agent: newAgent("Expert in {field}", m)}}},
			in: map[string]any{"other": 1}, field: "Tasks[0].Agent", want: "uses {field}"},
		{name: "duplicate name", crew: &crew.Crew{Tasks: []*task.Task{t1, {Name: "t1", Description: "again", Agent: good}}},
			field: "Tasks[1].Name", want: "unique"},
		{name: "async context on running async", crew: &crew.Crew{Tasks: []*task.Task{asyncA,
			{Name: "ab", Description: "B", Agent: good, Async: true, Context: []*task.Task{asyncA}}}},
			field: "Tasks[1].Context[0]", want: "still running"},
		{name: "later task's agent with a bad limit",
			crew:  &crew.Crew{Tasks: []*task.Task{t1, {Name: "t2", Description: "d", Agent: &agent.Agent{Role: "Slow", LLM: m, MaxRPM: -5}}}},
			field: "Tasks[1].Agent", want: `agent "Slow": invalid agent: MaxRPM is -5`},
		{name: "agent with a bad template",
			crew:  &crew.Crew{Tasks: []*task.Task{{Description: "d", Agent: &agent.Agent{Role: "T", LLM: m, SystemTemplate: "{persona}"}}}},
			field: "Tasks[0].Agent", want: "SystemTemplate uses {persona}; it accepts {role}, {goal}, {backstory}"},
		{name: "output file escapes", crew: &crew.Crew{Tasks: []*task.Task{{Description: "d", Agent: good, OutputFile: "../x.md"}}},
			field: "Tasks[0]", want: `has a ".." segment`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.crew.Kickoff(context.Background(), tc.in)
			var ve *crew.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "crew \""), err.Error())
			assert.Nil(t, out)
		})
	}
	assert.Empty(t, m.Requests(), "no model call for an invalid crew")
	var me *interpolate.MissingError
	err := (&crew.Crew{Tasks: []*task.Task{{Description: "About {topic}", Agent: good}}}).Validate(map[string]any{"other": 1})
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "topic", me.Name)
}

func TestPlaceholdersAndReKickoff(t *testing.T) {
	c, _, wm := researchCrew()
	research := *c.Tasks[0]
	role := c.Agents[0].Role
	_, err := c.Kickoff(context.Background(), map[string]any{"subject": "AI"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "{topic}")
	assert.Empty(t, wm.Requests())
	for _, topic := range []string{"AI", "Go"} {
		out, err := c.Kickoff(context.Background(), map[string]any{"topic": topic})
		require.NoError(t, err)
		assert.Equal(t, "article: Write about "+topic+".", out.Raw)
		assert.Equal(t, "Researcher of "+topic, out.Tasks[0].Agent)
	}
	assert.Equal(t, research.Description, c.Tasks[0].Description, "definitions are not mutated")
	assert.Equal(t, role, c.Agents[0].Role)
}

func TestCallbacks(t *testing.T) {
	c, _, _ := researchCrew()
	var mu sync.Mutex
	var seen []string
	c.TaskCallback = func(o task.TaskOutput) { mu.Lock(); seen = append(seen, o.Name); mu.Unlock() }
	c.BeforeKickoff = func(ctx context.Context, in map[string]any) (map[string]any, error) {
		in["topic"] = "Rust"
		return in, nil
	}
	c.AfterKickoff = func(ctx context.Context, out *crew.CrewOutput) (*crew.CrewOutput, error) {
		out.Raw = strings.ToUpper(out.Raw)
		return out, nil
	}
	in := map[string]any{"topic": "AI"}
	out, err := c.Kickoff(context.Background(), in)
	require.NoError(t, err)
	assert.Equal(t, []string{"research", "write"}, seen)
	assert.Equal(t, "ARTICLE: WRITE ABOUT RUST.", out.Raw)
	assert.Equal(t, "AI", in["topic"], "the caller's inputs are not modified")

	c.BeforeKickoff = func(ctx context.Context, in map[string]any) (map[string]any, error) { return nil, errors.New("nope") }
	_, err = c.Kickoff(context.Background(), in)
	require.ErrorContains(t, err, "BeforeKickoff: nope")

	// A panicking hook fails the kickoff instead of crashing the program;
	// the crew's step still ends, as a failure carrying the panic.
	c.BeforeKickoff = func(ctx context.Context, in map[string]any) (map[string]any, error) { panic("before bug") }
	_, err = c.Kickoff(context.Background(), in)
	require.ErrorContains(t, err, `crew "research crew": BeforeKickoff: panicked: before bug`)
	c.BeforeKickoff = nil
	c.AfterKickoff = func(ctx context.Context, out *crew.CrewOutput) (*crew.CrewOutput, error) { panic("after bug") }
	rec := &recorder{}
	defer c.Bus.Subscribe(rec)()
	out, err = c.Kickoff(context.Background(), in)
	require.ErrorContains(t, err, `crew "research crew": AfterKickoff: panicked: after bug`)
	require.NotNil(t, out)
	assert.Len(t, out.Tasks, 2, "the tasks' outputs are kept")
	evs := rec.events()
	for _, run := range byRun(evs) {
		checkTree(t, run)
	}
	last := evs[len(evs)-1]
	require.Equal(t, event.KindCrewFailed, last.Kind())
	f := event.FailureOf(last)
	assert.True(t, f.Panic)
	assert.Contains(t, f.Stack, "crew_test.go")
}

func TestUsageCountedOnceWithSharedLLM(t *testing.T) {
	shared := echo("s")
	a1, a2 := newAgent("One", shared), newAgent("Two", shared)
	c := &crew.Crew{Agents: []*agent.Agent{a1, a2}, Tasks: []*task.Task{
		{Name: "1", Description: "first", Agent: a1}, {Name: "2", Description: "second", Agent: a2},
		{Name: "3", Description: "third", Agent: a1}}, Bus: &event.Bus{}}
	for range 2 {
		out, err := c.Kickoff(context.Background(), nil)
		require.NoError(t, err)
		assert.Equal(t, 3, out.Usage.Requests)
		assert.Equal(t, 3*fixedUsage.TotalTokens, out.Usage.TotalTokens)
		assert.Equal(t, 3*fixedUsage.PromptTokens, out.Usage.PromptTokens)
		var sum llm.Usage
		for _, o := range out.Tasks {
			sum = sum.Add(o.Usage)
		}
		assert.Equal(t, sum, out.Usage)
	}
	assert.Len(t, shared.Requests(), 6)
}

func TestTaskErrorNamesCrewTaskAgentModel(t *testing.T) {
	failing := &llmtest.Scripted{Model: "gpt-x", Replies: []llmtest.Reply{{Err: &llm.Error{Kind: llm.ErrServer, Model: "gpt-x", Status: 500}}}}
	ok := echo("ok")
	c := &crew.Crew{Name: "team", Tasks: []*task.Task{
		{Name: "first", Description: "fine", Agent: newAgent("Good", ok)},
		{Name: "second", Description: "boom", Agent: newAgent("Bad", failing)},
		{Name: "third", Description: "never", Agent: newAgent("Good", ok)}}, Bus: &event.Bus{}}
	out, err := c.Kickoff(context.Background(), nil)
	var te *crew.TaskError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, crew.TaskError{Crew: "team", Task: "second", Agent: "Bad", Model: "gpt-x", Err: te.Err}, *te)
	var le *llm.Error
	require.ErrorAs(t, err, &le)
	assert.ErrorIs(t, err, llm.ErrServer)
	require.NotNil(t, out)
	require.Len(t, out.Tasks, 1, "the output holds the tasks done before the failure")
	assert.Len(t, ok.Requests(), 1)
}

func TestEventTreeWithToolCall(t *testing.T) {
	c, _, _ := researchCrew()
	rec := &recorder{}
	defer c.Bus.Subscribe(rec)()
	_, err := c.Kickoff(context.Background(), map[string]any{"topic": "AI"})
	require.NoError(t, err)
	runs := byRun(rec.events())
	require.Len(t, runs, 1)
	for _, evs := range runs {
		tree := checkTree(t, evs)
		want := `crew_kickoff
  task
    agent_execution
      llm_call
      tool_usage
      llm_call
  task
    agent_execution
      llm_call
`
		assert.Equal(t, want, tree)
	}
}

func TestCancelledMidRunEndsEveryStep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		return llmtest.Reply{Content: "late", Delay: 1 << 40}
	}}
	first := echo("first")
	var once sync.Once
	c := &crew.Crew{Tasks: []*task.Task{
		{Name: "a", Description: "quick", Agent: newAgent("A", first), Callback: func(task.TaskOutput) {}},
		{Name: "b", Description: "slow", Agent: newAgent("B", slow)},
		{Name: "c", Description: "never", Agent: newAgent("C", first)}}, Bus: &event.Bus{}}
	rec := &recorder{}
	defer c.Bus.Subscribe(rec)()
	// Cancel once the slow model call has started.
	defer c.Bus.Subscribe(event.HandlerFunc(func(e event.Event) {
		if s, ok := e.(*event.LLMCallStarted); ok && strings.Contains(s.Messages[len(s.Messages)-1].Content, "slow") {
			once.Do(cancel)
		}
	}))()
	out, err := c.Kickoff(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, out.Tasks, 1)
	for _, evs := range byRun(rec.events()) {
		tree := checkTree(t, evs)
		assert.Equal(t, "crew_kickoff\n  task\n    agent_execution\n      llm_call\n  task\n    agent_execution\n      llm_call\n", tree)
		last := evs[len(evs)-1]
		assert.Equal(t, event.KindCrewFailed, last.Kind())
	}
	assert.Len(t, first.Requests(), 1)
}

func TestConcurrentKickoffsOfOneCrew(t *testing.T) {
	c, _, _ := researchCrew()
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	outs := make([]*crew.CrewOutput, n)
	for i := range n {
		wg.Go(func() {
			outs[i], errs[i] = c.Kickoff(context.Background(), map[string]any{"topic": fmt.Sprintf("topic-%d", i)})
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		topic := fmt.Sprintf("topic-%d", i)
		assert.Equal(t, "article: Write about "+topic+".", outs[i].Raw)
		assert.Equal(t, "findings: results for Research "+topic+" in depth.", outs[i].Tasks[0].Raw)
		require.GreaterOrEqual(t, len(outs[i].Tasks[1].Messages), 2)
		assert.Contains(t, outs[i].Tasks[1].Messages[1].Content, "findings: results for Research "+topic+" in depth.",
			"each kickoff's writer saw its own research")
		assert.Equal(t, 3, outs[i].Usage.Requests)
	}
}

func TestConcurrentRunsHaveSeparateTrees(t *testing.T) {
	c, _, _ := researchCrew()
	var mu sync.Mutex
	topicOf := map[event.RunID]string{}
	var foreign atomic.Int32
	rec := &recorder{}
	defer c.Bus.Subscribe(rec)()
	defer c.Bus.Subscribe(event.HandlerFunc(func(e event.Event) {
		h := e.EventHeader()
		mu.Lock()
		defer mu.Unlock()
		switch v := e.(type) {
		case *event.CrewStarted:
			topicOf[h.Run] = v.Inputs["topic"].(string)
		case *event.TaskStarted:
			if !strings.Contains(v.Description, topicOf[h.Run]+" ") && !strings.Contains(v.Description, topicOf[h.Run]+".") {
				foreign.Add(1)
			}
		case *event.LLMCallStarted:
			if !strings.Contains(v.Messages[1].Content, topicOf[h.Run]) {
				foreign.Add(1)
			}
		}
	}))()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_, err := c.Kickoff(context.Background(), map[string]any{"topic": fmt.Sprintf("t%02d", i)})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	runs := byRun(rec.events())
	require.Len(t, runs, 20)
	for _, evs := range runs {
		assert.Equal(t, 9, strings.Count(checkTree(t, evs), "\n"))
	}
	assert.Zero(t, foreign.Load(), "no event landed in another run's tree")
}

func TestStepCallbackSeesEveryAgentStep(t *testing.T) {
	c, _, _ := researchCrew()
	var mu sync.Mutex
	var finals []string
	steps := 0
	c.StepCallback = func(s agent.Step) {
		mu.Lock()
		defer mu.Unlock()
		steps++
		if s.FinalAnswer != "" {
			finals = append(finals, s.FinalAnswer)
		}
	}
	out, err := c.Kickoff(context.Background(), map[string]any{"topic": "AI"})
	require.NoError(t, err)
	assert.Equal(t, 3, steps, "the researcher's tool step, its answer, and the writer's answer")
	assert.Equal(t, []string{out.Tasks[0].Raw, out.Raw}, finals)
}

func TestFailedTaskUsageIsCounted(t *testing.T) {
	bus := &event.Bus{}
	var failed *event.CrewFailed
	defer event.On(bus, func(e *event.CrewFailed) { failed = e })()
	// The second task's model answers once with a tool call and then fails
	// for good: the tokens of that first call must still be counted.
	bad := &llmtest.Scripted{Replies: []llmtest.Reply{
		{ToolCalls: []llm.ToolCall{{Name: "search", Arguments: `{"query":"x"}`}}, Usage: fixedUsage},
		{Err: &llm.Error{Kind: llm.ErrAuth, Model: "m", Status: 401, Message: "no"}},
	}}
	a := &task.Task{Name: "a", Description: "Do A.", Agent: newAgent("A", echo("one"))}
	b := &task.Task{Name: "b", Description: "Do B.", Agent: newAgent("B", bad, searchTool())}
	cr := &crew.Crew{Name: "c", Tasks: []*task.Task{a, b}, Bus: bus}
	_, err := cr.Kickoff(context.Background(), nil)
	var te *crew.TaskError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, fixedUsage.TotalTokens, te.Usage.TotalTokens, "the failed task's spent usage")
	require.NotNil(t, failed)
	assert.Equal(t, 2*fixedUsage.TotalTokens, failed.Usage.TotalTokens, "task a's call plus task b's first call")
	assert.Equal(t, 2, failed.Usage.Requests)
}

func TestValidationRefusesBrokenTools(t *testing.T) {
	broken := tool.New("bad", "Takes a channel, which has no JSON schema.", func(context.Context, chan int) (string, error) {
		return "", nil
	})
	for _, where := range []string{"agent", "task"} {
		t.Run(where, func(t *testing.T) {
			m := echo("x")
			a := newAgent("A", m)
			tk := &task.Task{Name: "t", Description: "Do it.", Agent: a}
			field := "Agents[0]" // the agent's own check names its Tools
			if where == "agent" {
				a.Tools = []tool.Tool{broken}
			} else {
				tk.Tools = []tool.Tool{nil}
				field = "Tasks[0].Tools"
			}
			c := &crew.Crew{Agents: []*agent.Agent{a}, Tasks: []*task.Task{tk}, Bus: &event.Bus{}}
			_, err := c.Kickoff(context.Background(), nil)
			var ve *crew.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, field, ve.Field)
			assert.Empty(t, m.Requests(), "no model call before validation passes")
		})
	}
}

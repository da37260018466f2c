package crew_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// delegatingManager delegates to each coworker in turn (one call per model
// turn), then answers with what came back.
func delegatingManager(coworkers ...string) *llmtest.Scripted {
	return &llmtest.Scripted{Model: "manager-model", Respond: func(req *llm.Request) llmtest.Reply {
		res := toolResults(req)
		if len(res) < len(coworkers) {
			args, _ := json.Marshal(map[string]string{"coworker": coworkers[len(res)],
				"task": "Part " + fmt.Sprint(len(res)+1) + " of: " + firstLine(userText(req)), "context": "none"})
			return llmtest.Reply{ToolCalls: []llm.ToolCall{{ID: fmt.Sprintf("d%d", len(res)), Name: "delegate_work", Arguments: string(args)}},
				Usage: fixedUsage}
		}
		return llmtest.Reply{Content: "manager answer: " + strings.Join(res, " + "), Usage: fixedUsage}
	}}
}

func TestHierarchicalDelegatesToTwoCoworkers(t *testing.T) {
	rm, wm := echo("research"), echo("writing")
	researcher, writer := newAgent("Researcher", rm), newAgent("Writer", wm)
	mgr := delegatingManager("researcher", "WRITER")
	c := &crew.Crew{Name: "h", Process: crew.Hierarchical, ManagerLLM: mgr, Agents: []*agent.Agent{researcher, writer},
		Tasks: []*task.Task{{Name: "report", Description: "Produce the report."}}, Bus: &event.Bus{}}
	rec := &recorder{}
	defer c.Bus.Subscribe(rec)()
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "manager answer: research: Part 1 of: Produce the report. + writing: Part 2 of: Produce the report.", out.Raw)
	assert.Equal(t, "Crew Manager", out.Tasks[0].Agent)
	assert.Len(t, rm.Requests(), 1)
	assert.Len(t, wm.Requests(), 1)
	assert.Len(t, mgr.Requests(), 3)
	assert.Equal(t, 5, out.Usage.Requests, "usage includes the manager's and the coworkers' calls")
	runs := byRun(rec.events())
	require.Len(t, runs, 1)
	for _, evs := range runs {
		want := `crew_kickoff
  task
    agent_execution
      llm_call
      tool_usage
        delegation
          agent_execution
            llm_call
      llm_call
      tool_usage
        delegation
          agent_execution
            llm_call
      llm_call
`
		assert.Equal(t, want, checkTree(t, evs))
	}
}

func TestHierarchicalUnknownAndRestrictedCoworker(t *testing.T) {
	tests := []struct {
		name      string
		taskAgent bool   // the task names the researcher: delegation restricted to it
		target    string // whom the manager asks
		wantObs   []string
		notObs    string
	}{
		{name: "unknown coworker", target: "Astronaut", wantObs: []string{`there is no coworker "Astronaut"`, `"Researcher"`, `"Writer"`}},
		{name: "restricted to task agent", taskAgent: true, target: "Writer",
			wantObs: []string{`there is no coworker "Writer"`, `"Researcher"`}, notObs: `"Researcher", "Writer"`},
		{name: "restricted allows task agent", taskAgent: true, target: "researcher", wantObs: []string{"research: do it"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rm, wm := echo("research"), echo("writing")
			researcher, writer := newAgent("Researcher", rm), newAgent("Writer", wm)
			mgr := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
				if res := toolResults(req); len(res) > 0 {
					return llmtest.Reply{Content: "saw: " + res[0]}
				}
				return llmtest.Reply{ToolCalls: []llm.ToolCall{{Name: "delegate_work",
					Arguments: fmt.Sprintf(`{"coworker":%q,"task":"do it","context":"c"}`, tc.target)}}}
			}}
			tk := &task.Task{Name: "t", Description: "Work."}
			if tc.taskAgent {
				tk.Agent = researcher
			}
			c := &crew.Crew{Process: crew.Hierarchical, ManagerLLM: mgr, Agents: []*agent.Agent{researcher, writer},
				Tasks: []*task.Task{tk}, Bus: &event.Bus{}}
			out, err := c.Kickoff(context.Background(), nil)
			require.NoError(t, err)
			for _, w := range tc.wantObs {
				assert.Contains(t, out.Raw, w)
			}
			if tc.notObs != "" {
				assert.NotContains(t, out.Raw, tc.notObs, "the writer is not offered")
			}
			assert.Empty(t, wm.Requests(), "the writer never ran")
		})
	}
}

func TestHierarchicalWithManagerAgent(t *testing.T) {
	rm := echo("research")
	researcher := newAgent("Researcher", rm)
	boss := newAgent("Boss", delegatingManager("Researcher"))
	boss.AllowDelegation = true
	c := &crew.Crew{Process: crew.Hierarchical, ManagerAgent: boss, Agents: []*agent.Agent{researcher},
		Tasks: []*task.Task{{Name: "t", Description: "Find out."}}, Bus: &event.Bus{}}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "Boss", out.Tasks[0].Agent)
	assert.Equal(t, "manager answer: research: Part 1 of: Find out.", out.Raw)
}

func TestAsyncTasksOrderAndContext(t *testing.T) {
	// a (sync), b and c (async, run together), d (sync, needs b and c).
	var mu sync.Mutex
	running, maxRunning := 0, 0
	bothStarted := make(chan struct{})
	var startedAsync int
	slowEcho := func(prefix string) *llmtest.Scripted {
		return &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
			mu.Lock()
			running++
			maxRunning = max(maxRunning, running)
			startedAsync++
			if startedAsync == 2 {
				close(bothStarted)
			}
			mu.Unlock()
			// Each async task waits until the other has started: this only
			// finishes if they run concurrently.
			<-bothStarted
			mu.Lock()
			running--
			mu.Unlock()
			return llmtest.Reply{Content: prefix + ": " + firstLine(userText(req)), Usage: fixedUsage}
		}}
	}
	dm := echo("d")
	bm, cm := slowEcho("b"), slowEcho("c")
	a := &task.Task{Name: "a", Description: "Do A.", Agent: newAgent("A", echo("a"))}
	b := &task.Task{Name: "b", Description: "Do B.", Agent: newAgent("B", bm), Async: true}
	cT := &task.Task{Name: "c", Description: "Do C.", Agent: newAgent("C", cm), Async: true}
	d := &task.Task{Name: "d", Description: "Do D.", Agent: newAgent("D", dm)}
	cr := &crew.Crew{Tasks: []*task.Task{a, b, cT, d}, Bus: &event.Bus{}}
	out, err := cr.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	var names []string
	for _, o := range out.Tasks {
		names = append(names, o.Name)
	}
	assert.Equal(t, []string{"a", "b", "c", "d"}, names, "outputs in task order")
	assert.Equal(t, 2, maxRunning, "b and c ran at the same time")
	// An async task with no Context sees only the last synchronous output.
	bp := userText(&bm.Requests()[0])
	assert.Contains(t, bp, "a: Do A.")
	// d sees every earlier output, async ones included.
	dp := userText(&dm.Requests()[0])
	for _, w := range []string{"a: Do A.", "b: Do B.", "c: Do C."} {
		assert.Contains(t, dp, w)
	}
	assert.Equal(t, 4, out.Usage.Requests)
}

func TestAsyncTaskFailureStopsTheRest(t *testing.T) {
	bad := &llmtest.Scripted{Replies: []llmtest.Reply{{Err: errors.New("async broke")}}}
	never := echo("never")
	cr := &crew.Crew{Tasks: []*task.Task{
		{Name: "a", Description: "A", Agent: newAgent("A", bad), Async: true},
		{Name: "b", Description: "B", Agent: newAgent("B", never)}}, Bus: &event.Bus{}}
	rec := &recorder{}
	defer cr.Bus.Subscribe(rec)()
	_, err := cr.Kickoff(context.Background(), nil)
	var te *crew.TaskError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "a", te.Task)
	assert.Empty(t, never.Requests())
	for _, evs := range byRun(rec.events()) {
		checkTree(t, evs)
	}
}

func TestReplayFrom(t *testing.T) {
	am, bm, cm := echo("a"), echo("b"), echo("c")
	a := &task.Task{Name: "a", Description: "Do A about {topic}.", Agent: newAgent("A", am)}
	b := &task.Task{Name: "b", Description: "Do B.", Agent: newAgent("B", bm)}
	c3 := &task.Task{Name: "c", Description: "Do C.", Agent: newAgent("C", cm)}
	cr := &crew.Crew{Tasks: []*task.Task{a, b, c3}, Bus: &event.Bus{}}
	first, err := cr.Kickoff(context.Background(), map[string]any{"topic": "AI"})
	require.NoError(t, err)

	again, err := cr.ReplayFrom(context.Background(), first, "b", nil)
	require.NoError(t, err)
	assert.Len(t, am.Requests(), 1, "task a is not run again")
	assert.Len(t, bm.Requests(), 2)
	assert.Len(t, cm.Requests(), 2)
	assert.Equal(t, first.Tasks[0], again.Tasks[0])
	assert.Contains(t, userText(&bm.Requests()[1]), "a: Do A about AI.", "the stored output is the context")
	assert.Equal(t, first.Inputs, again.Inputs)
	assert.Equal(t, "c: Do C.", again.Raw)

	// The outputs of the last run, stored as JSON (in a file, a database)
	// and read back in another process, replay the same way.
	stored, err := json.Marshal(first)
	require.NoError(t, err)
	var loaded crew.CrewOutput
	require.NoError(t, json.Unmarshal(stored, &loaded))
	fromStore, err := cr.ReplayFrom(context.Background(), &loaded, "c", map[string]any{"topic": "Go"})
	require.NoError(t, err)
	assert.Len(t, am.Requests(), 1, "task a is not run again")
	assert.Len(t, bm.Requests(), 2, "task b is not run again")
	assert.Len(t, cm.Requests(), 3)
	assert.Equal(t, first.Tasks[1].Raw, fromStore.Tasks[1].Raw)
	assert.Contains(t, userText(&cm.Requests()[2]), first.Tasks[1].Raw, "the stored output is the context")
	assert.Equal(t, map[string]any{"topic": "Go"}, fromStore.Inputs)

	_, err = cr.ReplayFrom(context.Background(), first, "zzz", nil)
	require.ErrorContains(t, err, `no task is named "zzz"`)
	_, err = cr.ReplayFrom(context.Background(), &crew.CrewOutput{}, "c", nil)
	require.ErrorContains(t, err, "needs the outputs of the 2 tasks before it")
	_, err = cr.ReplayFrom(context.Background(), nil, "a", nil)
	require.Error(t, err)
}

func TestKickoffForEach(t *testing.T) {
	c, _, _ := researchCrew()
	const n = 200
	inputs := make([]map[string]any, n)
	for i := range inputs {
		inputs[i] = map[string]any{"topic": fmt.Sprintf("topic-%03d", i)}
	}
	batch, err := c.KickoffForEach(context.Background(), inputs, crew.WithConcurrency(20), nil) // a nil option is ignored
	require.NoError(t, err)
	require.Len(t, batch.Outputs, n)
	var sum llm.Usage
	for i, out := range batch.Outputs {
		require.NotNil(t, out)
		assert.Equal(t, fmt.Sprintf("article: Write about topic-%03d.", i), out.Raw, "outputs are in input order")
		sum = sum.Add(out.Usage)
	}
	assert.Equal(t, sum, batch.Usage)
	assert.Equal(t, 3*n, batch.Usage.Requests)
}

func TestKickoffForEachFailingInput(t *testing.T) {
	m := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		p := userText(req)
		if strings.Contains(p, "bad") {
			return llmtest.Reply{Err: errors.New("cannot handle bad")}
		}
		return llmtest.Reply{Content: "ok " + firstLine(p), Usage: fixedUsage}
	}}
	c := &crew.Crew{Tasks: []*task.Task{{Name: "t", Description: "Handle {x}.", Agent: newAgent("A", m)}}, Bus: &event.Bus{}}
	inputs := []map[string]any{{"x": "a"}, {"x": "bad"}, {"x": "c"}, {"x": "bad"}, {"x": "e"}}
	batch, err := c.KickoffForEach(context.Background(), inputs)
	require.Error(t, err)
	var ie *crew.ForEachError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, 1, ie.Index)
	assert.Contains(t, err.Error(), "crew: input 3:")
	assert.Contains(t, err.Error(), "cannot handle bad")
	for _, i := range []int{0, 2, 4} {
		assert.Equal(t, fmt.Sprintf("ok Handle %s.", inputs[i]["x"]), batch.Outputs[i].Raw)
	}
	assert.Empty(t, batch.Outputs[1].Tasks)
	assert.Equal(t, 3, batch.Usage.Requests)
}

func TestKickoffForEachCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls sync.WaitGroup
	calls.Add(2)
	var once sync.Once
	m := &llmtest.Scripted{Respond: func(req *llm.Request) llmtest.Reply {
		calls.Done()
		return llmtest.Reply{Content: "x", Delay: time.Hour}
	}}
	go func() { calls.Wait(); once.Do(cancel) }()
	c := &crew.Crew{Tasks: []*task.Task{{Description: "Do {x}.", Agent: newAgent("A", m)}}, Concurrency: 2, Bus: &event.Bus{}}
	inputs := make([]map[string]any, 50)
	for i := range inputs {
		inputs[i] = map[string]any{"x": i}
	}
	batch, err := c.KickoffForEach(ctx, inputs)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "of 50 inputs")
	assert.Len(t, m.Requests(), 2, "no kickoff started after the cancellation")
	nils := 0
	for _, o := range batch.Outputs {
		if o == nil {
			nils++
		}
	}
	assert.Equal(t, 48, nils, "only the two running inputs have outputs")
	assert.Contains(t, err.Error(), "after starting 2 of 50 inputs")
}

func TestKickoffForEachInvalidCrew(t *testing.T) {
	c := &crew.Crew{}
	_, err := c.KickoffForEach(context.Background(), []map[string]any{{}, {}})
	var ve *crew.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, 1, strings.Count(err.Error(), "no tasks"), "reported once")
	_, err = c.KickoffForEach(context.Background(), nil, crew.WithConcurrency(-1))
	require.ErrorContains(t, err, "negative")
}

func TestMaxRPMIsSharedByTheCrew(t *testing.T) {
	// Two agents with no limit of their own share the crew's bucket of one
	// call per minute: the second call must wait, and the wait is an event.
	c := &crew.Crew{MaxRPM: 1, Tasks: []*task.Task{
		{Name: "1", Description: "one", Agent: newAgent("A", echo("a"))},
		{Name: "2", Description: "two", Agent: newAgent("B", echo("b"))}}, Bus: &event.Bus{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waits []*event.RateLimitWait
	defer c.Bus.Subscribe(event.HandlerFunc(func(e event.Event) {
		if w, ok := e.(*event.RateLimitWait); ok {
			waits = append(waits, w)
			cancel()
		}
	}))()
	out, err := c.Kickoff(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, waits, 1)
	assert.Equal(t, "crew", waits[0].Limiter)
	assert.Greater(t, waits[0].Wait, 30*time.Second)
	assert.Len(t, out.Tasks, 1)
}

// A custom ManagerAgent delegates whatever its AllowDelegation says, as
// CrewAI forces delegation on for a manager.
func TestCustomManagerAlwaysDelegates(t *testing.T) {
	rm := echo("research")
	researcher := newAgent("Researcher", rm)
	mgr := delegatingManager("Researcher")
	boss := newAgent("Boss", mgr)
	require.False(t, boss.AllowDelegation)
	c := &crew.Crew{Process: crew.Hierarchical, ManagerAgent: boss, Agents: []*agent.Agent{researcher},
		Tasks: []*task.Task{{Name: "t", Description: "Find out."}}, Bus: &event.Bus{}}
	out, err := c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "manager answer: research: Part 1 of: Find out.", out.Raw)
	require.NotEmpty(t, mgr.Requests())
	var offered []string
	for _, d := range mgr.Requests()[0].Tools {
		offered = append(offered, d.Name)
	}
	assert.Contains(t, offered, "delegate_work")
	assert.False(t, boss.AllowDelegation, "the definition is not modified")
	assert.Len(t, rm.Requests(), 1)
}

// A kickoff whose every task output is empty fails with ErrEmptyOutput,
// as CrewAI does, instead of returning an empty Raw. (The agent itself
// refuses a blank model reply; a tool whose result is the answer can still
// give a blank one.)
func TestEmptyResultIsError(t *testing.T) {
	blank := tool.New("blank", "Returns the final answer.", func(ctx context.Context, in searchIn) (string, error) {
		return " ", nil
	}, tool.ResultAsAnswer())
	calls := &llmtest.Scripted{Respond: func(*llm.Request) llmtest.Reply {
		return llmtest.Reply{ToolCalls: []llm.ToolCall{{ID: "c", Name: "blank", Arguments: `{"query":"x"}`}}}
	}}
	a := newAgent("Quiet", calls, blank)
	c := &crew.Crew{Name: "quiet", Tasks: []*task.Task{{Name: "t1", Description: "d", Agent: a}, {Name: "t2", Description: "e", Agent: a}}}
	out, err := c.Kickoff(context.Background(), nil)
	require.ErrorIs(t, err, crew.ErrEmptyOutput)
	assert.Contains(t, err.Error(), `crew "quiet" ran 2 tasks and none gave any output`)
	require.NotNil(t, out)
	assert.Len(t, out.Tasks, 2, "the outputs are still returned")

	// One task with an answer is enough.
	c.Tasks[1].Agent = newAgent("Talker", echo("talk"))
	out, err = c.Kickoff(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, "talk: e", out.Raw)
}

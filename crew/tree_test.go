package crew_test

import (
	"context"
	"errors"
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

// outcomeTree checks that evs form a complete tree (see checkTree) and
// renders it like checkTree, with " !" after every step closed by a failed
// event and point events (retries, rate-limit waits) shown with '.'.
func outcomeTree(t *testing.T, evs []event.Event) string {
	t.Helper()
	checkTree(t, evs) // sorts evs and fails on a broken tree
	depth := map[uint64]int{}
	line := map[uint64]int{}
	var lines []string
	for _, e := range evs {
		h := e.EventHeader()
		d := 0
		if h.ParentID != 0 {
			d = depth[h.ParentID] + 1
		}
		indent := strings.Repeat("  ", d)
		switch h.Phase {
		case event.Start:
			depth[h.ID], line[h.ID] = d, len(lines)
			lines = append(lines, indent+strings.TrimSuffix(string(e.Kind()), "_started"))
		case event.Finish:
			if event.FailureOf(e) != nil {
				lines[line[h.StartID]] += " !"
			}
		default:
			lines = append(lines, indent+"."+string(e.Kind()))
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// manualDeadline is a context whose deadline passes when expire is called,
// so that a test can make it pass at a chosen step, whatever the machine's
// speed. Its Err is then context.DeadlineExceeded, as for a real deadline.
type manualDeadline struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newManualDeadline() *manualDeadline {
	return &manualDeadline{Context: context.Background(), done: make(chan struct{})}
}

func (d *manualDeadline) expire() { d.once.Do(func() { close(d.done) }) }

func (d *manualDeadline) Deadline() (time.Time, bool) { return time.Now().Add(time.Hour), true }

func (d *manualDeadline) Done() <-chan struct{} { return d.done }

func (d *manualDeadline) Err() error {
	select {
	case <-d.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// failingServerLLM is the real OpenAI-compatible client against a fake
// server that answers 500 to every request, with millisecond backoff and at
// most attempts requests per call.
func failingServerLLM(t *testing.T, attempts int) (llm.LLM, *llmtest.Server) {
	t.Helper()
	srv := llmtest.NewServer(llmtest.ServerConfig{Respond: func(*llmtest.ServerRequest) llmtest.Reply {
		return llmtest.Reply{Fault: llmtest.FaultServerError}
	}})
	t.Cleanup(srv.Close)
	c, err := llm.New(llm.Config{Model: "gpt-4o-mini", BaseURL: srv.URL(), APIKey: "test-key", BackoffBase: time.Millisecond,
		BackoffMax: 2 * time.Millisecond, MaxAttempts: attempts})
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c, srv
}

// TestEventTrees kicks off scripted crews and compares the event tree of
// each run (IDs and times normalised away: only shape, kinds and failures
// are compared), checking that every started step ends exactly once under
// the same parent, also when a tool fails, when a model call fails after
// the client's retries and the agent's re-run, and when the kickoff's ctx
// deadline passes mid-run.
func TestEventTrees(t *testing.T) {
	failingSearch := tool.New("search", "Search the web.", func(ctx context.Context, in searchIn) (string, error) {
		return "", errors.New("search backend down")
	})
	hang := &llmtest.Scripted{Model: "slow-model", Respond: func(*llm.Request) llmtest.Reply {
		return llmtest.Reply{Content: "too late", Delay: time.Hour}
	}}
	tests := []struct {
		name string
		crew func(t *testing.T) *crew.Crew
		// deadline makes the kickoff's ctx reach its deadline when the call
		// of the model named "slow-model" starts.
		deadline bool
		wantErr  error
		check    func(t *testing.T, out *crew.CrewOutput)
		want     string
	}{
		{
			name: "two tasks with a tool call",
			crew: func(*testing.T) *crew.Crew { c, _, _ := researchCrew(); return c },
			want: `crew_kickoff
  task
    agent_execution
      llm_call
      tool_usage
      llm_call
  task
    agent_execution
      llm_call
`,
		},
		{
			name: "a failing tool is an observation, the run goes on",
			crew: func(*testing.T) *crew.Crew {
				researcher := newAgent("Researcher", searcher(), failingSearch)
				return &crew.Crew{Tasks: []*task.Task{
					{Name: "research", Description: "Research AI.", Agent: researcher},
					{Name: "write", Description: "Write.", Agent: newAgent("Writer", echo("article"))}}, Bus: &event.Bus{}}
			},
			check: func(t *testing.T, out *crew.CrewOutput) {
				assert.Contains(t, out.Tasks[0].Raw, "search backend down", "the tool's error reached the model")
			},
			want: `crew_kickoff
  task
    agent_execution
      llm_call
      tool_usage !
      llm_call
  task
    agent_execution
      llm_call
`,
		},
		{
			name: "a model call failing after the client's retries, not re-run by the agent",
			crew: func(t *testing.T) *crew.Crew {
				failing, _ := failingServerLLM(t, 3)
				writer := newAgent("Writer", failing)
				writer.MaxRetryLimit = 1
				c, _, _ := researchCrew()
				c.Tasks[1].Agent = writer
				c.Agents = []*agent.Agent{c.Tasks[0].Agent, writer}
				return c
			},
			wantErr: llm.ErrServer,
			check: func(t *testing.T, out *crew.CrewOutput) {
				require.Len(t, out.Tasks, 1, "the first task's output is kept")
				assert.Equal(t, 2, out.Usage.Requests, "only successful requests are counted")
			},
			want: `crew_kickoff !
  task
    agent_execution
      llm_call
      tool_usage
      llm_call
  task !
    agent_execution !
      llm_call !
        .retry
        .retry
`,
		},
		{
			name: "the kickoff's ctx deadline passes mid-run",
			crew: func(*testing.T) *crew.Crew {
				c, _, _ := researchCrew()
				slow := newAgent("Writer", hang)
				c.Tasks[1].Agent = slow
				c.Agents = []*agent.Agent{c.Tasks[0].Agent, slow}
				return c
			},
			deadline: true,
			wantErr:  context.DeadlineExceeded,
			check: func(t *testing.T, out *crew.CrewOutput) {
				require.Len(t, out.Tasks, 1)
			},
			want: `crew_kickoff !
  task
    agent_execution
      llm_call
      tool_usage
      llm_call
  task !
    agent_execution !
      llm_call !
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.crew(t)
			rec := &recorder{}
			defer c.Bus.Subscribe(rec)()
			ctx := context.Background()
			if tc.deadline {
				dl := newManualDeadline()
				ctx = dl
				defer c.Bus.Subscribe(event.HandlerFunc(func(e event.Event) {
					if s, ok := e.(*event.LLMCallStarted); ok && s.Model == "slow-model" {
						dl.expire()
					}
				}))()
			}
			out, err := c.Kickoff(ctx, map[string]any{"topic": "AI"})
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.NotNil(t, out)
			if tc.check != nil {
				tc.check(t, out)
			}
			runs := byRun(rec.events())
			require.Len(t, runs, 1)
			for _, evs := range runs {
				assert.Equal(t, tc.want, outcomeTree(t, evs))
			}
		})
	}
}

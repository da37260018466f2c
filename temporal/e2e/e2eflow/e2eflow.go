// Package e2eflow is the flow and the crews the end-to-end test runs on a
// real Temporal dev server: a planning step, a research crew, a step that
// blocks the first time it runs (so that the test can kill the worker
// running it), and a writing crew. Every method records which worker ran it.
// All models are scripted, so nothing leaves the machine.
package e2eflow

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	crewtemporal "github.com/crewai-go/crewai/temporal"
	"github.com/crewai-go/crewai/tracing"
)

// TaskQueue is the task queue of the test's workers.
const TaskQueue = "crewai-e2e"

// State is the flow's state. The zero value is the state before the first
// method. Methods reach it through flow.State, whose Update, View and Get
// lock it, so it needs no locking of its own.
type State struct {
	ID       string            `json:"id"`
	Topic    string            `json:"topic"`
	Plan     string            `json:"plan"`
	Research string            `json:"research"`
	Article  string            `json:"article"`
	RanBy    map[string]string `json:"ran_by"`
}

// Config says who runs the flow. The zero value is the client's (or a
// replayer's) view, where no method runs. It is a plain value, safe for
// concurrent reads.
type Config struct {
	// Worker names the worker process, recorded in State.RanBy.
	Worker string
	// Marker is the file the blocking method creates (exclusively) before
	// it blocks; the method blocks only if it created the file.
	Marker string
	// Tracer receives the crewai spans.
	Tracer *tracing.Tracer
}

// Options are the activity options every worker of the test uses.
var Options = crewtemporal.Options{HeartbeatTimeout: 2 * time.Second}

// New returns the flow and its crews.
func New(cfg Config) (*crewtemporal.Flow[State], []*crew.Crew) {
	research, write := crews(cfg.Tracer)
	f := crewtemporal.NewFlow(&flow.Flow[State]{Name: "ResearchPipeline", Tracing: cfg.Tracer != nil, Tracer: cfg.Tracer})
	ran := func(s *flow.State[State], method string) {
		s.Update(func(st *State) {
			if st.RanBy == nil {
				st.RanBy = map[string]string{}
			}
			st.RanBy[method] = cfg.Worker
		})
	}
	f.Step(flow.Start("plan"), func(ctx context.Context, s *flow.State[State]) (any, error) {
		topic := s.Get().Topic
		if strings.TrimSpace(topic) == "" {
			return nil, crewtemporal.NonRetryable(errors.New("no topic given"))
		}
		s.Update(func(st *State) { st.Plan = "find three facts about " + topic })
		ran(s, "plan")
		return topic, nil
	})
	f.Step(flow.Listen("research", flow.On("plan")), func(ctx context.Context, s *flow.State[State]) (any, error) {
		out, err := research.Kickoff(ctx, map[string]any{"topic": flow.TriggerOf(ctx).Output})
		if err != nil {
			return nil, err
		}
		s.Update(func(st *State) { st.Research = out.Raw })
		ran(s, "research")
		return out.Raw, nil
	})
	f.Step(flow.Listen("review", flow.On("research")), func(ctx context.Context, s *flow.State[State]) (any, error) {
		if cfg.Marker != "" {
			file, err := os.OpenFile(cfg.Marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			switch {
			case err == nil:
				_, werr := file.WriteString(cfg.Worker)
				if cerr := file.Close(); werr == nil {
					werr = cerr
				}
				if werr != nil {
					return nil, werr
				}
				<-ctx.Done() // until the test kills this worker
				return nil, ctx.Err()
			case !errors.Is(err, fs.ErrExist):
				return nil, err
			}
		}
		ran(s, "review")
		return "reviewed", nil
	})
	f.Step(flow.Listen("publish", flow.On("review")), func(ctx context.Context, s *flow.State[State]) (any, error) {
		out, err := write.Kickoff(ctx, map[string]any{"topic": s.Get().Topic})
		if err != nil {
			return nil, err
		}
		s.Update(func(st *State) { st.Article = out.Raw })
		ran(s, "publish")
		return out.Raw, nil
	})
	return f, []*crew.Crew{research, write}
}

func crews(tr *tracing.Tracer) (research, write *crew.Crew) {
	model := &llmtest.Scripted{Model: "scripted-e2e", Respond: func(req *llm.Request) llmtest.Reply {
		if strings.Contains(req.Messages[0].Content, "Researcher") {
			return llmtest.Reply{Content: "- fact one\n- fact two\n- fact three"}
		}
		return llmtest.Reply{Content: "A short article built on three facts."}
	}}
	r := &agent.Agent{Role: "Researcher", Goal: "Find facts about {topic}", Backstory: "You dig.", LLM: model}
	w := &agent.Agent{Role: "Writer", Goal: "Write about {topic}", Backstory: "You write.", LLM: model}
	research = &crew.Crew{Name: "research crew", Agents: []*agent.Agent{r}, Tracing: tr != nil, Tracer: tr,
		Tasks: []*task.Task{{Name: "research", Description: "Find three facts about {topic}.", ExpectedOutput: "three bullets", Agent: r}}}
	write = &crew.Crew{Name: "writing crew", Agents: []*agent.Agent{w}, Tracing: tr != nil, Tracer: tr,
		Tasks: []*task.Task{{Name: "write", Description: "Write a short article about {topic}.", ExpectedOutput: "one paragraph", Agent: w}}}
	return research, write
}

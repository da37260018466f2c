// Command research runs a research-and-write flow, and a fan-out of a crew
// over many topics, on Temporal: start a dev server, two workers, then a run.
//
//	temporal server start-dev --ip 127.0.0.1 --headless     # or temporal/run-e2e.sh's binary
//	go run . worker -id A                # terminal 2, in examples/temporal
//	go run . worker -id B                # terminal 3
//	go run . run durable agents          # the flow, across both workers
//	go run . foreach go rust zig         # one crew kickoff per topic
//
// It is a module of its own (like temporal/), so that the library's module
// does not pull the Temporal SDK.
//
// Stop a worker (Ctrl-C, or kill -9) while a run is going: the other worker
// resumes it after the last completed method. Every process traces to the
// backend the environment chooses (OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is
// set, else files under .crewai/traces), and a run is one trace across the
// client and the workers.
//
// With OPENAI_API_KEY set the agents use OpenAI (OPENAI_MODEL, default
// gpt-4o-mini); without it they run on a scripted offline model.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	crewtemporal "github.com/crewai-go/crewai/temporal"
	"github.com/crewai-go/crewai/tracing"
)

const usage = `usage: research [flags] worker|run|foreach [args]
  worker            poll the task queue and run flows and crews (-id names it)
  run TOPIC...      run the flow on TOPIC and print the article
  foreach TOPIC...  kick the research crew off once per topic across the workers`

// State is the flow's state. The zero value is the state before the first
// method. Methods reach it through flow.State, whose Update, View and Get
// lock it, so it needs no locking of its own.
type State struct {
	ID       string `json:"id"`
	Topic    string `json:"topic"`
	Research string `json:"research"`
	Article  string `json:"article"`
	Worker   string `json:"worker"`
}

func main() {
	fs := flag.NewFlagSet("research", flag.ContinueOnError)
	addr := fs.String("address", envOr("TEMPORAL_ADDRESS", "127.0.0.1:7233"), "Temporal frontend host:port")
	queue := fs.String("queue", "crewai-research", "task queue")
	id := fs.String("id", "", "worker name, recorded in the state (worker)")
	fs.Usage = func() { fmt.Fprintln(os.Stderr, usage); fs.PrintDefaults() }
	pos, err := parseArgs(fs, os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil: // the flag package has said what is wrong, and the usage
		os.Exit(2)
	}
	if err := checkArgs(pos); err != nil {
		fmt.Fprintln(os.Stderr, "research:", err)
		fs.Usage()
		os.Exit(2)
	}
	if err := run(*addr, *queue, *id, pos[0], pos[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "research:", err)
		os.Exit(1)
	}
}

// parseArgs parses flags placed before, between or after the positional
// arguments ("worker -id A" as well as "-id A worker") and returns the
// positionals.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// checkArgs refuses a missing or unknown command and wrong arguments before
// anything connects to Temporal.
func checkArgs(pos []string) error {
	if len(pos) == 0 {
		return errors.New("missing command: want worker, run or foreach")
	}
	switch cmd, args := pos[0], pos[1:]; cmd {
	case "worker":
		if len(args) > 0 {
			return fmt.Errorf("worker: unexpected argument %q (name the worker with -id)", args[0])
		}
	case "run":
	case "foreach":
		if len(args) == 0 {
			return errors.New("foreach: name at least one topic")
		}
	default:
		return fmt.Errorf("unknown command %q: want worker, run or foreach", cmd)
	}
	return nil
}

func run(addr, queue, id, cmd string, args []string) error {
	ctx := context.Background()
	// One tracer for crewai's spans and Temporal's: the span context then
	// travels from the client to every worker in Temporal's headers.
	tr, err := tracing.New()
	if err != nil {
		return err
	}
	defer tr.Shutdown(context.Background())
	ti, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{Tracer: tr.TracerProvider().Tracer("temporal")})
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := client.Dial(client.Options{HostPort: addr, Interceptors: []interceptor.ClientInterceptor{ti},
		Logger: sdklog.NewStructuredLogger(logger)})
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s (is `temporal server start-dev` running?): %w", addr, err)
	}
	defer c.Close()

	research, write := crews(tr)
	f := newFlow(id, tr, research, write)
	opts := client.StartWorkflowOptions{TaskQueue: queue}
	switch cmd {
	case "worker":
		w := worker.New(c, queue, worker.Options{})
		if err := crewtemporal.Register(w, crewtemporal.Registry{
			Flows:   []crewtemporal.FlowDefinition{f},
			Crews:   []*crew.Crew{research, write},
			Options: crewtemporal.Options{HeartbeatTimeout: 5 * time.Second},
		}); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "worker %q polling %q on %s (Ctrl-C to stop)\n", id, queue, addr)
		return w.Run(worker.InterruptCh())
	case "run":
		topic := strings.Join(args, " ")
		if topic == "" {
			topic = "durable AI agents"
		}
		res, err := crewtemporal.RunFlow(ctx, c, f, map[string]any{"topic": topic}, opts)
		if err != nil {
			return err
		}
		fmt.Printf("%s\n\n(state %s, published by worker %q, %d tokens)\n", res.Output, res.StateID, res.State.Worker, res.Usage.TotalTokens)
		return nil
	case "foreach":
		if len(args) == 0 {
			return errors.New("foreach: name at least one topic")
		}
		inputs := make([]map[string]any, len(args))
		for i, t := range args {
			inputs[i] = map[string]any{"topic": t}
		}
		batch, err := crewtemporal.RunCrewForEach(ctx, c, research.Name, inputs, 4, opts)
		if batch == nil {
			return err
		}
		for i, out := range batch.Outputs {
			if out != nil {
				fmt.Printf("== %s\n%s\n", args[i], out.Raw)
			}
		}
		fmt.Printf("(%d tokens)\n", batch.Usage.TotalTokens)
		return err // the failed topics, if any
	}
	flag.Usage()
	return fmt.Errorf("unknown command %q", cmd)
}

func newFlow(worker string, tr *tracing.Tracer, research, write *crew.Crew) *crewtemporal.Flow[State] {
	f := crewtemporal.NewFlow(&flow.Flow[State]{Name: "ResearchFlow", Tracing: true, Tracer: tr})
	f.Step(flow.Start("take_request"), func(ctx context.Context, s *flow.State[State]) (any, error) {
		topic := strings.TrimSpace(s.Get().Topic)
		if topic == "" {
			return nil, crewtemporal.NonRetryable(errors.New("no topic given"))
		}
		return topic, nil
	})
	f.Step(flow.Listen("research", flow.On("take_request")), func(ctx context.Context, s *flow.State[State]) (any, error) {
		out, err := research.Kickoff(ctx, map[string]any{"topic": s.Get().Topic})
		if err != nil {
			return nil, err
		}
		s.Update(func(st *State) { st.Research = out.Raw })
		return out.Raw, nil
	})
	f.Step(flow.Listen("write", flow.On("research")), func(ctx context.Context, s *flow.State[State]) (any, error) {
		st := s.Get()
		out, err := write.Kickoff(ctx, map[string]any{"topic": st.Topic, "notes": st.Research})
		if err != nil {
			return nil, err
		}
		s.Update(func(st *State) { st.Article = out.Raw })
		return out.Raw, nil
	})
	f.Step(flow.Listen("publish", flow.On("write")), func(ctx context.Context, s *flow.State[State]) (any, error) {
		s.Update(func(st *State) { st.Worker = worker })
		st := s.Get()
		return fmt.Sprintf("# %s\n\n%s", st.Topic, st.Article), nil
	})
	return f
}

func crews(tr *tracing.Tracer) (research, write *crew.Crew) {
	var model llm.LLM
	if os.Getenv("OPENAI_API_KEY") != "" {
		m, err := llm.New(llm.Config{Model: envOr("OPENAI_MODEL", "gpt-4o-mini")})
		if err != nil {
			fmt.Fprintln(os.Stderr, "research:", err)
			os.Exit(1)
		}
		model = m
	} else {
		model = &llmtest.Scripted{Model: "scripted-offline", Respond: func(req *llm.Request) llmtest.Reply {
			if strings.Contains(req.Messages[0].Content, "Research Analyst") {
				return llmtest.Reply{Content: "- Durable execution survives crashes and deploys.\n- Every step is recorded and replayed.\n- Traces follow a run across machines."}
			}
			return llmtest.Reply{Content: "Agent runs now outlive the machines they start on: each step is recorded, a crash only moves the work to another worker, and one trace shows the whole journey."}
		}}
	}
	analyst := &agent.Agent{Role: "Research Analyst", Goal: "Find the essential facts about {topic}",
		Backstory: "You sort what matters from noise.", LLM: model}
	writer := &agent.Agent{Role: "Staff Writer", Goal: "Write short clear pieces about {topic}",
		Backstory: "You turn notes into plain prose.", LLM: model}
	research = &crew.Crew{Name: "research", Agents: []*agent.Agent{analyst}, Tracing: true, Tracer: tr,
		Tasks: []*task.Task{{Name: "research", Description: "List the three most important facts about {topic}.",
			ExpectedOutput: "Three bullet points", Agent: analyst}}}
	write = &crew.Crew{Name: "write", Agents: []*agent.Agent{writer}, Tracing: true, Tracer: tr,
		Tasks: []*task.Task{{Name: "write", Description: "Write one paragraph about {topic} from these notes:\n{notes}",
			ExpectedOutput: "One paragraph", Agent: writer}}}
	return research, write
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

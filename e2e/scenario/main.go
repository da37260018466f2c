// Command scenario runs one of the traced runs of the end-to-end tests, on a
// scripted model (no network, no API key), in a process of its own so that
// the tracing backend is chosen from the environment exactly as a user's
// program would choose it:
//
//	scenario flow-crew      # a traced flow whose second method kicks off a crew
//	scenario failing-tool   # a crew whose agent calls a tool that fails
//	scenario concurrent     # the failing-tool crew kicked off twice at once
//
// Tracing is turned on by Flow.Tracing (flow-crew) or by
// CREWAI_TRACING_ENABLED (failing-tool, whose crew leaves Tracing false); the
// OTEL_EXPORTER_OTLP_* variables and OTEL_SERVICE_NAME say where the spans go.
// It prints the run's result on stdout and exits 1 when the run fails.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

// Model names the scripted models report; the tests look for them in the
// chat span names and gen_ai.request.model.
const (
	flowModel = "scripted-flow-model"
	toolModel = "scripted-tool-model"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: scenario flow-crew | failing-tool | concurrent")
		os.Exit(2)
	}
	ctx := context.Background()
	err := run(ctx, os.Args[1])
	// Kickoffs flush their spans before they return; Shutdown ends the
	// process-wide exporter cleanly.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if serr := tracing.Shutdown(sctx); serr != nil && err == nil {
		err = fmt.Errorf("tracing shutdown: %w", serr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scenario:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, name string) error {
	switch name {
	case "flow-crew":
		return flowCrew(ctx)
	case "failing-tool":
		return failingTool(ctx, 1)
	case "concurrent":
		return failingTool(ctx, 2)
	default:
		return fmt.Errorf("unknown scenario %q; want flow-crew, failing-tool or concurrent", name)
	}
}

// TripState is the state of the flow-crew scenario.
// The zero value is the state a kickoff starts from; methods share it
// through flow.State, which locks, so they may run concurrently.
type TripState struct {
	City    string `json:"city"`
	Plan    string `json:"plan"`
	Summary string `json:"summary"`
}

// flowCrew runs TripFlow: pick_city → plan_trip (kicks off a one-task crew)
// → summarize.
func flowCrew(ctx context.Context) error {
	model := &llmtest.Scripted{Model: flowModel, Replies: []llmtest.Reply{
		{Content: "Day 1: the old town. Day 2: the lake. Day 3: the mountains."},
	}}
	planner := &agent.Agent{
		Role:      "Travel Planner",
		Goal:      "Plan short trips",
		Backstory: "You plan trips that fit in a long weekend.",
		LLM:       model,
	}
	c := &crew.Crew{
		Name:   "planning crew",
		Agents: []*agent.Agent{planner},
		Tasks: []*task.Task{{
			Name:           "plan",
			Description:    "Plan three days in {city}.",
			ExpectedOutput: "One line per day",
			Agent:          planner,
		}},
	}

	f := &flow.Flow[TripState]{Name: "TripFlow", Tracing: true}
	f.Step(flow.Start("pick_city"), func(ctx context.Context, s *flow.State[TripState]) (any, error) {
		s.Update(func(st *TripState) { st.City = "Lucerne" })
		return "Lucerne", nil
	})
	f.Step(flow.Listen("plan_trip", flow.On("pick_city")), func(ctx context.Context, s *flow.State[TripState]) (any, error) {
		city := s.Get().City
		out, err := c.Kickoff(ctx, map[string]any{"city": city})
		if err != nil {
			return nil, err
		}
		s.Update(func(st *TripState) { st.Plan = out.Raw })
		return out.Raw, nil
	})
	f.Step(flow.Listen("summarize", flow.On("plan_trip")), func(ctx context.Context, s *flow.State[TripState]) (any, error) {
		var sum string
		s.Update(func(st *TripState) {
			st.Summary = fmt.Sprintf("%s in %d lines", st.City, strings.Count(st.Plan, "Day "))
			sum = st.Summary
		})
		return sum, nil
	})
	res, err := f.Kickoff(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Printf("flow-crew: %v (tokens %d)\n", res.Output, res.Usage.TotalTokens)
	return nil
}

// PageRequest is the failing tool's input.
// The zero value names no page (the tool fails for every request anyway).
// Safe to read from several goroutines.
type PageRequest struct {
	URL string `json:"url" desc:"The page to fetch"`
}

// errUnreachable is what the failing tool returns.
var errUnreachable = errors.New("fetch_page: host unreachable")

// failingTool kicks off, n times at once, a crew whose agent calls
// fetch_page, which always fails, then answers without it. The crew does not
// set Tracing: the environment (CREWAI_TRACING_ENABLED) must turn tracing on.
func failingTool(ctx context.Context, n int) error {
	fetch := tool.New("fetch_page", "Fetch a web page.", func(ctx context.Context, in PageRequest) (string, error) {
		return "", errUnreachable
	})
	model := &llmtest.Scripted{Model: toolModel, Respond: func(req *llm.Request) llmtest.Reply {
		for _, m := range req.Messages {
			if m.Role == llm.RoleTool {
				return llmtest.Reply{Content: "The page could not be fetched; answering from memory: Go 1.26 is out."}
			}
		}
		return llmtest.Reply{
			Content:   "Let me fetch the release notes.",
			ToolCalls: []llm.ToolCall{{ID: "call_fetch_1", Name: "fetch_page", Arguments: `{"url":"https://go.dev/doc/devel/release"}`}},
		}
	}}
	reader := &agent.Agent{
		Role:      "Release Reader",
		Goal:      "Summarise release notes",
		Backstory: "You read release notes so others do not have to.",
		LLM:       model,
		Tools:     []tool.Tool{fetch},
	}
	c := &crew.Crew{
		Name:   "reader crew",
		Agents: []*agent.Agent{reader},
		Tasks: []*task.Task{{
			Name:           "summarise",
			Description:    "Summarise the latest Go release notes.",
			ExpectedOutput: "One sentence",
			Agent:          reader,
		}},
	}
	g, gctx := errgroup.WithContext(ctx)
	for range n {
		g.Go(func() error {
			out, err := c.Kickoff(gctx, nil)
			if err != nil {
				return err
			}
			fmt.Printf("failing-tool: %s (tokens %d)\n", out.Raw, out.Usage.TotalTokens)
			return nil
		})
	}
	return g.Wait()
}

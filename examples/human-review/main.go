// Command human-review runs a flow with a person in the loop: a writer agent
// drafts a short post, a person reviews it, and the flow either publishes it
// or sends it back to the writer with the person's feedback, as many times
// as it takes. The person's free-text answer is sorted into "approved" or
// "needs_changes" by the model (an empty answer approves).
//
// The questions go to the terminal: answer on standard input, one line per
// question (so answers can be piped in). With -answers the answers come from
// the flag instead, separated by "|". It runs offline on a scripted model
// unless OPENAI_API_KEY (or CREWAI_MODEL) is set; tracing is on.
//
//	go run ./examples/human-review
//	printf 'Mention tracing.\napprove\n' | go run ./examples/human-review
//	go run ./examples/human-review -answers 'Mention tracing.|approve'
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/examples/internal/demo"
	"github.com/crewai-go/crewai/flow"
	"github.com/crewai-go/crewai/human"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// PostState is the flow's state: the topic, the current draft and how many
// drafts were written. The zero value is the state a kickoff starts from.
type PostState struct {
	ID     string `json:"id"`
	Topic  string `json:"topic"`
	Draft  string `json:"draft"`
	Drafts int    `json:"drafts"`
}

func main() {
	answers := flag.String("answers", "", `the reviewer's answers, separated by "|" (default: ask on standard input)`)
	topic := flag.String("topic", "tracing AI agents", "what the post is about")
	flag.Parse()
	if err := run(context.Background(), *topic, *answers); err != nil {
		fmt.Fprintln(os.Stderr, "human-review:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, topic, answers string) error {
	model := demo.OpenAI()
	if model == nil {
		model = scripted()
	}
	writer := &agent.Agent{Role: "Blog Writer", Goal: "Write short, clear posts", LLM: model,
		Backstory: "You write three-sentence posts for engineers and take feedback well."}

	var provider human.Provider // nil: the console, on standard input
	if answers != "" {
		provider = fromList(strings.Split(answers, "|"))
	}

	f := &flow.Flow[PostState]{Name: "human review", Tracing: true}
	f.Review(flow.Start("draft").TriggeredBy(flow.On("needs_changes")),
		func(ctx context.Context, s *flow.State[PostState]) (any, error) {
			st := s.Get()
			prompt := "Write a three-sentence post about " + st.Topic + "."
			if fb, ok := flow.FeedbackOf(ctx, "draft"); ok {
				prompt = "Revise this post:\n" + st.Draft + "\n\nReviewer feedback: " + fb.Feedback
			}
			out, err := writer.Kickoff(ctx, agent.KickoffInput{Prompt: prompt})
			if err != nil {
				return nil, err
			}
			s.Update(func(st *PostState) { st.Draft = out.Raw; st.Drafts++ })
			return out.Raw, nil
		},
		flow.Feedback{
			Message:  "Publish this post? Say what to change, or press Enter to approve.",
			Outcomes: []string{"approved", "needs_changes"},
			Default:  "approved",
			Model:    model,
			Provider: provider,
		})
	f.Step(flow.Listen("publish", flow.On("approved")),
		func(ctx context.Context, s *flow.State[PostState]) (any, error) {
			st := s.Get()
			fmt.Printf("\nPublished after %d draft(s):\n%s\n", st.Drafts, st.Draft)
			return st.Draft, nil
		})

	res, err := f.Kickoff(ctx, map[string]any{"topic": topic})
	if err != nil {
		return err
	}
	fmt.Printf("Token usage: %d total in %d requests\n", res.Usage.TotalTokens, res.Usage.Requests)
	return nil
}

// fromList answers with the given answers in turn, then approves.
func fromList(answers []string) human.Provider {
	var mu sync.Mutex
	return human.Func(func(_ context.Context, q human.Question) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		a := ""
		if len(answers) > 0 {
			a, answers = answers[0], answers[1:]
		}
		fmt.Printf("\n--- review ---\n%s\n%s\n> %s\n", q.Output, q.Message, a)
		return a, nil
	})
}

// scripted is the offline model: it drafts, revises with the feedback, and
// sorts the reviewer's answers (anything with "approve", "ok" or "good" is
// approved).
func scripted() llm.LLM {
	return &llmtest.Scripted{Model: "scripted-offline", Respond: func(req *llm.Request) llmtest.Reply {
		system := req.Messages[0].Content
		last := req.Messages[len(req.Messages)-1].Content
		switch {
		case strings.Contains(system, "fixed set of decisions"):
			feedback := strings.ToLower(last[strings.LastIndex(last, "Feedback:"):])
			for _, yes := range []string{"approve", "ok", "good", "ship"} {
				if strings.Contains(feedback, yes) {
					return llmtest.Reply{Content: `{"outcome":"approved"}`}
				}
			}
			return llmtest.Reply{Content: `{"outcome":"needs_changes"}`}
		case strings.Contains(last, "Reviewer feedback:"):
			fb := strings.TrimSpace(last[strings.LastIndex(last, "Reviewer feedback:")+len("Reviewer feedback:"):])
			return llmtest.Reply{Content: "AI agents make many decisions per request. Tracing records each model " +
				"call, tool call and answer as a span. (Revised: " + fb + ") With it, a failure is a click away."}
		default:
			return llmtest.Reply{Content: "AI agents make many decisions per request. " +
				"Without a record, a bad answer is hard to explain. Good observability fixes that."}
		}
	}}
}

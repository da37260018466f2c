package human

import (
	"context"
	"time"

	"github.com/crewai-go/crewai/event"
)

// Record announces a question answered outside this run (a flow paused for
// a person and resumed with the answer) as one human-input step, with the
// time the person took as its wait, and returns the answer collapsed like
// Ask's. It asks no provider.
func Record(ctx context.Context, q Question, text string, wait time.Duration) (Answer, error) {
	sctx, step := event.Begin(ctx, event.HumanInputStarted{Header: event.Header{Source: "human:" + q.Where},
		Where: q.Where, Message: q.Message, Output: q.Output, Outcomes: q.Outcomes, Round: q.Round})
	return finish(sctx, step, q, text, wait)
}

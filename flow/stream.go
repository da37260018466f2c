package flow

import (
	"context"
	"iter"

	"github.com/crewai-go/crewai/stream"
)

// KickoffStream is Kickoff whose output arrives as it is produced: it
// returns a sequence of chunks (the text the models of the flow's agents
// and crews stream and the tool calls they make, each tagged with its flow
// method, task and agent), then one stream.Final chunk holding the
// *Result, with the kickoff's error. A model that does not stream gives
// each reply as one chunk. Breaking out of the loop cancels the kickoff and
// returns once every method has stopped. Each range over the sequence is
// one kickoff.
func (f *Flow[S]) KickoffStream(ctx context.Context, inputs map[string]any) iter.Seq2[stream.Chunk[*Result[S]], error] {
	return stream.Run(ctx, f.Bus, func(ctx context.Context) (*Result[S], error) {
		return f.Kickoff(ctx, inputs)
	})
}

package crew

import (
	"context"
	"iter"

	"github.com/crewai-go/crewai/stream"
)

// KickoffStream is Kickoff whose output arrives as it is produced: it
// returns a sequence of chunks (the text every agent's model streams and
// the tool calls it makes, each tagged with its task and agent), then one
// stream.Final chunk holding the *CrewOutput, with the kickoff's error.
// Agents are asked to stream whatever their Stream field says; a model that
// does not stream gives each reply as one chunk. Breaking out of the loop
// cancels the kickoff and returns once it has stopped (its steps end as
// cancelled). Each range over the sequence is one kickoff.
//
//	for chunk, err := range c.KickoffStream(ctx, inputs) {
//		if chunk.Kind == stream.Final { out = chunk.Output; break }
//		fmt.Print(chunk.Text)
//	}
func (c *Crew) KickoffStream(ctx context.Context, inputs map[string]any) iter.Seq2[stream.Chunk[*CrewOutput], error] {
	return stream.Run(ctx, c.Bus, func(ctx context.Context) (*CrewOutput, error) {
		return c.Kickoff(ctx, inputs)
	})
}

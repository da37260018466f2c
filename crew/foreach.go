package crew

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/llm"
)

// BatchOutput is what [Crew.KickoffForEach] produced. The zero value is an
// empty batch.
type BatchOutput struct {
	// Outputs holds one output per input, in input order; the output of an
	// input that failed holds the tasks it completed, and that of an input
	// never started (after cancellation) is nil.
	Outputs []*CrewOutput
	// Usage is the sum of every kickoff's usage, failed ones included.
	Usage llm.Usage
}

// ForEachOption tunes one call of [Crew.KickoffForEach]. The zero
// ForEachOption is nil and ignored. Options are plain functions, safe to
// share.
type ForEachOption func(*forEachConfig)

type forEachConfig struct {
	concurrency int
}

// WithConcurrency caps how many kickoffs run at once for this call,
// overriding Crew.Concurrency. n must be positive.
func WithConcurrency(n int) ForEachOption {
	return func(c *forEachConfig) { c.concurrency = n }
}

// KickoffForEach kicks the crew off once per input, at most Concurrency
// (default DefaultConcurrency) at a time, each as its own run. It returns
// every output in input order and the total usage. A failed input does not
// stop the others: the error is then the errors.Join of an *ForEachError per
// failed input, and the batch still holds every output. Cancelling ctx stops
// the running kickoffs and starts no more; the error then also wraps
// ctx.Err(). Invalid definitions are reported once, before anything runs.
func (c *Crew) KickoffForEach(ctx context.Context, inputs []map[string]any, opts ...ForEachOption) (*BatchOutput, error) {
	cfg := forEachConfig{concurrency: c.Concurrency}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.concurrency < 0 {
		return nil, fmt.Errorf("crew %q: KickoffForEach concurrency %d is negative; use a positive limit", c.name(), cfg.concurrency)
	}
	if cfg.concurrency == 0 {
		cfg.concurrency = DefaultConcurrency
	}
	batch := &BatchOutput{Outputs: make([]*CrewOutput, len(inputs))}
	if len(inputs) == 0 {
		return batch, nil
	}
	if c.BeforeKickoff == nil {
		// Inputs can only change through BeforeKickoff; otherwise check the
		// definition against the first input once, so that a bad crew fails
		// fast rather than once per input.
		if err := c.Validate(inputs[0]); err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Err == nil {
				return batch, err
			}
		}
	}
	errs := make([]error, len(inputs))
	var g errgroup.Group
	g.SetLimit(cfg.concurrency)
	var started atomic.Int64
	for i, in := range inputs {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil // cancelled while waiting for a slot
			}
			started.Add(1)
			out, err := c.Kickoff(ctx, in)
			batch.Outputs[i] = out
			if err != nil {
				errs[i] = &ForEachError{Index: i, Err: err}
			}
			return nil
		})
	}
	_ = g.Wait()
	var all []error
	for i, out := range batch.Outputs {
		if out != nil {
			batch.Usage = batch.Usage.Add(out.Usage)
		}
		if errs[i] != nil {
			all = append(all, errs[i])
		}
	}
	if err := ctx.Err(); err != nil {
		all = append(all, fmt.Errorf("crew %q: KickoffForEach stopped after starting %d of %d inputs: %w",
			c.name(), started.Load(), len(inputs), err))
	}
	return batch, errors.Join(all...)
}

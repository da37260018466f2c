package reliability

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
)

// TestChaosConcurrentKickoffs runs 40 traced kickoffs of the two-task crew,
// eight at a time, against a server that answers about five requests in six
// with a transient fault (429, 500, 503, reset, malformed JSON, truncated
// body, empty choices), chosen by a hash of the request's sequence number
// so that a run is repeatable in kind if not in interleaving. Every kickoff
// must either produce the article or fail with a *crew.TaskError wrapping
// an *llm.Error of a transient kind; the events of all the runs together
// must be complete, each run with its own crew step; and every span must
// be ended and exported.
func TestChaosConcurrentKickoffs(t *testing.T) {
	const kickoffs, workers = 40, 8
	faults := []llmtest.Fault{llmtest.FaultRateLimit, llmtest.FaultServerError, llmtest.FaultUnavailable,
		llmtest.FaultReset, llmtest.FaultMalformedJSON, llmtest.FaultTruncated, llmtest.FaultEmptyChoices}
	rg := newRig(t, rigConfig{chaos: func(sr *llmtest.ServerRequest) (llmtest.Reply, bool) {
		h := fnv.New32a()
		h.Write([]byte(strconv.FormatInt(sr.Seq, 10)))
		v := h.Sum32()
		if v%6 == 0 {
			return llmtest.Reply{}, false
		}
		return llmtest.Reply{Fault: faults[int(v/6)%len(faults)], Content: "cut short here and there"}, true
	}})
	c := rg.newCrew(nil)
	bus := &event.Bus{}
	rec := &recorder{}
	defer bus.Subscribe(rec)()
	x := newTraced(t)
	c.Bus, c.Tracing, c.Tracer = bus, true, x.tr

	var mu sync.Mutex
	var ok, failed int
	kinds := map[string]int{}
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(workers)
	for range kickoffs {
		g.Go(func() error {
			out, err := c.Kickoff(ctx, map[string]any{"topic": "AI"})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				if out.Raw != article {
					t.Errorf("output %q", out.Raw)
				}
				ok++
				return nil
			}
			failed++
			var te *crew.TaskError
			var le *llm.Error
			if !errors.As(err, &te) || !errors.As(err, &le) || te.Model != le.Model || te.Crew != crewName {
				t.Errorf("untyped or unnamed failure: %v", err)
				return nil
			}
			switch {
			case errors.Is(err, llm.ErrRateLimit), errors.Is(err, llm.ErrServer), errors.Is(err, llm.ErrTransport),
				errors.Is(err, llm.ErrEmptyResponse):
				kinds[le.ErrorType()]++
			default:
				t.Errorf("a transient fault became a %v", err)
			}
			return nil
		})
	}
	_ = g.Wait()
	steps := checkComplete(t, rec.all())
	checkSpans(t, x, steps)
	crews := 0
	for _, e := range rec.all() {
		if e.hdr.Phase == event.Start && e.kind == (&event.CrewStarted{}).Kind() {
			crews++
		}
	}
	if crews != kickoffs {
		t.Errorf("%d crew steps for %d kickoffs", crews, kickoffs)
	}
	if ok == 0 || failed == 0 {
		t.Errorf("%d recovered, %d failed: the fault rate does not try both paths", ok, failed)
	}
	t.Logf("%d kickoffs: %d recovered, %d failed %v; %d requests, %d steps", kickoffs, ok, failed, kinds, rg.srv.Count(), steps)
}

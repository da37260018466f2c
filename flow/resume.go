package flow

import (
	"encoding/json"
	"fmt"
	"slices"
)

// progressVersion is the version of the Record.Progress format written.
// Version 1 numbered rounds where version 2 numbers waves; a version 1
// progress is still resumed, its runs matched without their round.
const progressVersion = 2

// progress is a kickoff's progress as saved in Record.Progress.
type progress struct {
	Version int `json:"version"`
	// Finished is set by the record a kickoff saves once it has succeeded.
	Finished bool      `json:"finished,omitempty"`
	Runs     []doneRun `json:"runs"`
	// Pending is set by the record a kickoff paused for a person saves
	// (see Flow.Review).
	Pending *pendingFeedback `json:"pending,omitempty"`
}

// doneRun is one completed method run: the Activation it ran as, the label
// it returned and its output.
type doneRun struct {
	Method  string          `json:"method"`
	Wave    int             `json:"wave"`
	Trigger string          `json:"trigger,omitempty"`
	From    string          `json:"from,omitempty"`
	Label   string          `json:"label,omitempty"`
	Output  json.RawMessage `json:"output,omitempty"`
}

// newDoneRun records a completed run. An output JSON cannot encode is saved
// as null (a resumed listener then gets a nil Trigger.Output).
func newDoneRun(a Activation, label string, out any) doneRun {
	raw, err := json.Marshal(out)
	if err != nil {
		raw = nil
	}
	return doneRun{Method: a.Method, Wave: a.Wave, Trigger: a.Trigger.Name, From: a.Trigger.Method,
		Label: label, Output: raw}
}

func (d doneRun) activation() Activation {
	return Activation{Method: d.Method, Wave: d.Wave, Trigger: Trigger{Name: d.Trigger, Method: d.From}}
}

func (d doneRun) output() any {
	if len(d.Output) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(d.Output, &v); err != nil {
		return nil
	}
	return v
}

// decodeProgress decodes a Record.Progress and returns the runs completed
// by a kickoff that did not finish: none for empty data (no progress known)
// or a kickoff that finished. waves is false for a version 1 progress,
// whose runs carry no wave.
func decodeProgress(data []byte) (runs []doneRun, waves bool, err error) {
	if len(data) == 0 {
		return nil, true, nil
	}
	var p progress
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, false, fmt.Errorf("progress: %w", err)
	}
	if p.Version != progressVersion && p.Version != 1 {
		return nil, false, fmt.Errorf("progress: version %d, want 1 or %d", p.Version, progressVersion)
	}
	if p.Finished {
		return nil, true, nil
	}
	return p.Runs, p.Version != 1, nil
}

// replay rebuilds the Scheduler of a saved kickoff from the runs it
// completed, in the order they completed, and returns it with the runs that
// were still to do: started or triggered, not completed. Each of those
// carries the (decoded) output of the run that triggered it; from[i] is the
// index in runs of the run that triggered pending[i] (-1 for a start).
// Without waves (a version 1 progress), a saved run is matched by method
// and trigger only.
func (p *plan) replay(runs []doneRun, waves bool) (s *Scheduler, pending []Activation, from []int, err error) {
	s = p.scheduler()
	pending = s.Start()
	from = make([]int, len(pending))
	for i := range from {
		from[i] = -1
	}
	for i, d := range runs {
		a := d.activation()
		j := slices.IndexFunc(pending, func(x Activation) bool {
			return x.Method == a.Method && (x.Wave == a.Wave || !waves) &&
				x.Trigger.Name == a.Trigger.Name && x.Trigger.Method == a.Trigger.Method
		})
		if j < 0 {
			return nil, nil, nil, fmt.Errorf("saved run %d (method %q, trigger %q) is not one this flow would have started: "+
				"the flow's definition changed since it was saved", i+1, d.Method, d.Trigger)
		}
		a.Wave = pending[j].Wave
		runs[i].Wave = a.Wave // a version 1 run gets its wave, saved from now on
		pending = slices.Delete(pending, j, j+1)
		from = slices.Delete(from, j, j+1)
		next, err := s.Completed(a, d.Label)
		if err != nil {
			return nil, nil, nil, err
		}
		out := d.output()
		for k := range next {
			next[k].Trigger.Output = out
			from = append(from, i)
		}
		pending = append(pending, next...)
	}
	return s, pending, from, nil
}

// runKey identifies an activation as the saved progress does: method,
// wave and trigger.
type runKey struct {
	method, trigger, from string
	wave                  int
}

func keyOf(a Activation) runKey {
	return runKey{method: a.Method, trigger: a.Trigger.Name, from: a.Trigger.Method, wave: a.Wave}
}

// outputKeeper decides which completed runs' outputs the saved progress
// must keep: a resume needs the output of a run only while a run it
// triggered is still to do (it becomes that run's Trigger.Output), and the
// output of the last run (the kickoff's result). Every other output is
// dropped from the progress, so that a long loop does not save every
// earlier output again after each method.
type outputKeeper struct {
	triggeredBy map[runKey][]int // runs to do → the index of the run that triggered them, oldest first
	open        map[int]int      // run index → how many of the runs it triggered are still to do
}

func newOutputKeeper() *outputKeeper {
	return &outputKeeper{triggeredBy: map[runKey][]int{}, open: map[int]int{}}
}

// triggered records that run i triggered the activations next.
func (k *outputKeeper) triggered(i int, next []Activation) {
	if i < 0 {
		return
	}
	for _, a := range next {
		key := keyOf(a)
		k.triggeredBy[key] = append(k.triggeredBy[key], i)
	}
	k.open[i] += len(next)
}

// completing records that a completed, as run number n (the new last run),
// and clears in runs the outputs no resume needs any more: that of the run
// that triggered a once none of its runs is left to do, and that of the
// previous last run if none of its runs is left to do.
func (k *outputKeeper) completing(a Activation, n int, runs []doneRun) {
	key := keyOf(a)
	if q := k.triggeredBy[key]; len(q) > 0 {
		t := q[0]
		if len(q) == 1 {
			delete(k.triggeredBy, key)
		} else {
			k.triggeredBy[key] = q[1:]
		}
		k.open[t]--
		if k.open[t] <= 0 {
			delete(k.open, t)
			if t != n-1 && t < len(runs) {
				runs[t].Output = nil
			}
		}
	}
	if p := n - 1; p >= 0 && p < len(runs) && k.open[p] == 0 {
		runs[p].Output = nil
	}
}

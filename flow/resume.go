package flow

import (
	"encoding/json"
	"fmt"
	"slices"
)

// progressVersion is the version of the Record.Progress format written.
const progressVersion = 1

// progress is a kickoff's progress as saved in Record.Progress.
type progress struct {
	Version int `json:"version"`
	// Finished is set by the record a kickoff saves once it has succeeded.
	Finished bool      `json:"finished,omitempty"`
	Runs     []doneRun `json:"runs"`
}

// doneRun is one completed method run: the Activation it ran as, the label
// it returned and its output.
type doneRun struct {
	Method  string          `json:"method"`
	Round   int             `json:"round"`
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
	return doneRun{Method: a.Method, Round: a.Round, Trigger: a.Trigger.Name, From: a.Trigger.Method,
		Label: label, Output: raw}
}

func (d doneRun) activation() Activation {
	return Activation{Method: d.Method, Round: d.Round, Trigger: Trigger{Name: d.Trigger, Method: d.From}}
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

// decodeProgress decodes a Record.Progress and returns the runs left
// unfinished: none for empty data (no progress known) or a kickoff that
// finished.
func decodeProgress(data []byte) ([]doneRun, error) {
	if len(data) == 0 {
		return nil, nil
	}
	var p progress
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("progress: %w", err)
	}
	if p.Version != progressVersion {
		return nil, fmt.Errorf("progress: version %d, want %d", p.Version, progressVersion)
	}
	if p.Finished {
		return nil, nil
	}
	return p.Runs, nil
}

// replay rebuilds the Scheduler of a saved kickoff from the runs it
// completed, in the order they completed, and returns it with the runs that
// were still to do: started or triggered, not completed. Each of those
// carries the (decoded) output of the run that triggered it.
func (p *plan) replay(runs []doneRun) (*Scheduler, []Activation, error) {
	s := p.scheduler()
	pending := s.Start()
	for i, d := range runs {
		a := d.activation()
		j := slices.IndexFunc(pending, func(x Activation) bool {
			return x.Method == a.Method && x.Round == a.Round &&
				x.Trigger.Name == a.Trigger.Name && x.Trigger.Method == a.Trigger.Method
		})
		if j < 0 {
			return nil, nil, fmt.Errorf("saved run %d (method %q, trigger %q) is not one this flow would have started: "+
				"the flow's definition changed since it was saved", i+1, d.Method, d.Trigger)
		}
		pending = slices.Delete(pending, j, j+1)
		next, err := s.Completed(a, d.Label)
		if err != nil {
			return nil, nil, err
		}
		out := d.output()
		for k := range next {
			next[k].Trigger.Output = out
		}
		pending = append(pending, next...)
	}
	return s, pending, nil
}

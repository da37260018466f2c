package flow_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/crewai-go/crewai/flow"
)

type fuzzState struct {
	ID    string
	Name  string         `json:"name"`
	Count int            `json:"count"`
	Ratio float64        `json:"ratio,omitempty"`
	Tags  []string       `json:"tags"`
	Meta  map[string]any `json:"meta"`
	Inner struct {
		On bool `json:"on"`
	} `json:"inner"`
	Ptr *int
}

// FuzzMergeInputs feeds arbitrary JSON objects as kickoff inputs: merging
// must never panic; it either fails with an *InputError or yields a state
// that, encoded and merged again, is the same state.
func FuzzMergeInputs(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"name":"x","count":3}`, `{"count":3.5}`, `{"COUNT":"3"}`, `{"tags":["a",1]}`,
		`{"meta":{"a":[1,{"b":null}]}}`, `{"inner":{"on":true,"off":1}}`, `{"Ptr":7}`, `{"Ptr":null}`,
		`{"unknown":1}`, `{"id":"abc"}`, `{"id":5}`, `{"ratio":1e308}`, `{"count":1e30}`,
	} {
		f.Add([]byte(seed))
	}
	fl := &flow.Flow[fuzzState]{}
	fl.Step(flow.Start("noop"), func(context.Context, *flow.State[fuzzState]) (any, error) { return nil, nil })
	f.Fuzz(func(t *testing.T, data []byte) {
		var in map[string]any
		if json.Unmarshal(data, &in) != nil {
			return
		}
		res, err := fl.Kickoff(context.Background(), in)
		if err != nil {
			var ie *flow.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("input %s: error %v is not an *InputError", data, err)
			}
			if _, ok := in[ie.Field]; !ok {
				t.Fatalf("input %s: InputError names %q, not one of the inputs", data, ie.Field)
			}
			return
		}
		enc, err := json.Marshal(res.State)
		if err != nil {
			t.Fatalf("encode state: %v", err)
		}
		var again map[string]any
		if err := json.Unmarshal(enc, &again); err != nil {
			t.Fatal(err)
		}
		again["id"] = res.StateID
		res2, err := fl.Kickoff(context.Background(), again)
		if err != nil {
			t.Fatalf("re-merging %s: %v", enc, err)
		}
		enc2, _ := json.Marshal(res2.State)
		if string(enc) != string(enc2) {
			t.Fatalf("re-merge changed the state:\n%s\n%s", enc, enc2)
		}
	})
}

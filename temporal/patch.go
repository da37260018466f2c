package crewtemporal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
)

// The state of a flow travels between its method activities as JSON. Each
// activity returns a JSON merge patch (RFC 7386) from the state it was given
// to the state its method left, and the workflow applies the patches in the
// order the methods complete. Methods that run concurrently and change
// different fields therefore all keep their changes, as they would in one
// process; two that change the same field leave the value of the one that
// completed last. Arrays are replaced whole.

// decodeJSON decodes data keeping numbers exact (json.Number), so that
// integers larger than 2^53 survive the round trips through the workflow.
func decodeJSON(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("crewtemporal: trailing data after the JSON value")
	}
	return v, nil
}

// mergeDiff returns the merge patch that turns before into after, or nil
// when they are equal.
func mergeDiff(before, after []byte) ([]byte, error) {
	b, err := decodeJSON(before)
	if err != nil {
		return nil, fmt.Errorf("crewtemporal: state before the method: %w", err)
	}
	a, err := decodeJSON(after)
	if err != nil {
		return nil, fmt.Errorf("crewtemporal: state after the method: %w", err)
	}
	p, same := diffValue(b, a)
	if same {
		return nil, nil
	}
	return json.Marshal(p)
}

// diffValue returns the patch from b to a and whether they are equal.
func diffValue(b, a any) (any, bool) {
	bo, bok := b.(map[string]any)
	ao, aok := a.(map[string]any)
	if !bok || !aok {
		if reflect.DeepEqual(a, b) {
			return nil, true
		}
		return a, false
	}
	patch := map[string]any{}
	for k, bv := range bo {
		av, ok := ao[k]
		if !ok {
			patch[k] = nil
			continue
		}
		if av == nil && bv != nil {
			// A merge patch cannot set null: null deletes the key, and
			// a missing key decodes as the zero value, which is what
			// null decodes to as well.
			patch[k] = nil
			continue
		}
		if p, same := diffValue(bv, av); !same {
			patch[k] = p
		}
	}
	for k, av := range ao {
		if _, ok := bo[k]; !ok {
			patch[k] = av
		}
	}
	if len(patch) == 0 {
		return nil, true
	}
	return patch, false
}

// mergePatch applies patch to doc (both JSON) and returns the result.
func mergePatch(doc, patch []byte) ([]byte, error) {
	if len(bytes.TrimSpace(patch)) == 0 {
		return doc, nil
	}
	d, err := decodeJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("crewtemporal: state: %w", err)
	}
	p, err := decodeJSON(patch)
	if err != nil {
		return nil, fmt.Errorf("crewtemporal: state patch: %w", err)
	}
	return json.Marshal(applyPatch(d, p))
}

func applyPatch(doc, patch any) any {
	po, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	do, ok := doc.(map[string]any)
	if !ok {
		do = map[string]any{}
	}
	for k, v := range po {
		if v == nil {
			delete(do, k)
			continue
		}
		do[k] = applyPatch(do[k], v)
	}
	return do
}

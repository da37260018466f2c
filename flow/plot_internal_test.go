package flow

import (
	"context"
	"testing"
)

// The layout puts every node inside the drawing, without overlaps, and each
// node below the nodes that trigger it (except along loops).
func TestLayout(t *testing.T) {
	nop := func(context.Context, *State[struct{}]) (any, error) { return nil, nil }
	route := func(context.Context, *State[struct{}]) (string, error) { return "", nil }
	f := &Flow[struct{}]{Name: "Layout"}
	f.Step(Start("a"), nop)
	f.Step(Start("b"), nop)
	f.Router(Listen("r", Or(On("a"), On("b"))).Emits("x", "y", "loop"), route)
	f.Step(Listen("x1", On("x")), nop)
	f.Step(Listen("y1", On("y")), nop)
	f.Step(Listen("join", And(On("x1"), Or(On("y1"), And(On("a"), On("b"))))), nop)
	f.Step(Listen("looper", Or(On("loop"), On("again"))), nop)
	f.Router(Listen("back", On("looper")).Emits("again"), route)
	f.Step(Listen("again_step", On("again")), nop)
	f.Router(Listen("self", On("again_step")).Emits("self_label"), route)
	f.Router(Listen("spin", Or(On("self_label"), On("spin_again"))).Emits("spin_again"), route)
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	g := f.Graph()
	boxes, back, w, h := g.layout()
	if len(boxes) != len(g.Nodes) {
		t.Fatalf("%d boxes for %d nodes", len(boxes), len(g.Nodes))
	}
	for id, b := range boxes {
		if b.x < 0 || b.y < 0 || b.x+b.w > w || b.y+b.h > h {
			t.Errorf("node %s at %+v is outside %vx%v", id, *b, w, h)
		}
		for id2, c := range boxes {
			if id < id2 && b.x < c.x+c.w && c.x < b.x+b.w && b.y < c.y+c.h && c.y < b.y+b.h {
				t.Errorf("nodes %s %+v and %s %+v overlap", id, *b, id2, *c)
			}
		}
	}
	for i, e := range g.Edges {
		if back[i] {
			continue
		}
		if boxes[e.From].layer >= boxes[e.To].layer {
			t.Errorf("edge %s -> %s goes up (layers %d, %d)", e.From, e.To, boxes[e.From].layer, boxes[e.To].layer)
		}
	}
	if len(back) == 0 {
		t.Error("no loop edge found; the graph has none?")
	}
}

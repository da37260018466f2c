package flow

import (
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
)

// NodeKind is the kind of a node of a [Graph]: a method or an Or/And join.
// The zero value (empty) is no kind. Like any string it is safe for
// concurrent use.
type NodeKind string

// The kinds of graph nodes.
const (
	NodeMethod NodeKind = "method"
	NodeOr     NodeKind = "or"
	NodeAnd    NodeKind = "and"
)

// Graph is the drawable form of a flow's definition: methods and Or/And joins
// as nodes, triggers as edges. It is plain data (JSON-friendly), so a tool
// can save it and draw it later with [Graph.Mermaid] or [Graph.HTML]. The
// zero value is an empty graph.
type Graph struct {
	// Name is the flow's name.
	Name string `json:"name"`
	// Nodes are the methods, in registration order, then the joins.
	Nodes []Node `json:"nodes"`
	// Edges are the triggers.
	Edges []Edge `json:"edges"`
}

// Node is a method or a join of a [Graph]. The zero value is an unnamed
// method node.
type Node struct {
	// ID is unique in the graph ("m0", "j0", ...).
	ID string `json:"id"`
	// Name is the method's name, or "OR" / "AND" for a join.
	Name string `json:"name"`
	// Kind says whether the node is a method or a join.
	Kind NodeKind `json:"kind"`
	// Start is true for a start method, Router for a router.
	Start  bool `json:"start,omitempty"`
	Router bool `json:"router,omitempty"`
	// Labels are the labels a router declares.
	Labels []string `json:"labels,omitempty"`
}

// Edge is a trigger of a [Graph]: the completion of From (or the label it
// returns, when Label is set) makes To run or counts towards its join. The
// zero value is an edge between unnamed nodes.
type Edge struct {
	// From and To are node IDs.
	From string `json:"from"`
	To   string `json:"to"`
	// Label is the router label that fires the edge, or empty for a
	// method's completion.
	Label string `json:"label,omitempty"`
	// Guess is true when the router does not declare its labels, so the
	// edge is a guess (drawn dashed and marked "?").
	Guess bool `json:"guess,omitempty"`
}

// Graph returns the flow's graph as registered so far (it does not need a
// valid definition, and does not freeze it).
func (f *Flow[S]) Graph() Graph {
	f.mu.Lock()
	ms := append([]*method[S](nil), f.methods...)
	f.mu.Unlock()
	g := Graph{Name: f.name()}
	ids := map[string]string{}
	labels := map[string][]string{} // label -> declaring routers' node IDs
	var undeclared []string
	for i, m := range ms {
		id := fmt.Sprintf("m%d", i)
		if _, dup := ids[m.spec.name]; !dup {
			ids[m.spec.name] = id
		}
		g.Nodes = append(g.Nodes, Node{ID: id, Name: m.spec.name, Kind: NodeMethod, Start: m.spec.start,
			Router: m.router, Labels: append([]string(nil), m.spec.labels...)})
		if m.router {
			if !m.spec.emits {
				undeclared = append(undeclared, id)
			}
			for _, l := range m.spec.labels {
				labels[l] = append(labels[l], id)
			}
		}
	}
	joins := 0
	var link func(c Condition, to string)
	link = func(c Condition, to string) {
		if c.op == opTrigger {
			t := c.trigger
			if id, ok := ids[t]; ok {
				g.Edges = append(g.Edges, Edge{From: id, To: to})
			}
			if rs, ok := labels[t]; ok {
				for _, r := range rs {
					g.Edges = append(g.Edges, Edge{From: r, To: to, Label: t})
				}
			} else if _, isMethod := ids[t]; !isMethod {
				for _, r := range undeclared {
					g.Edges = append(g.Edges, Edge{From: r, To: to, Label: t, Guess: true})
				}
			}
			return
		}
		if len(c.subs) == 1 {
			link(c.subs[0], to)
			return
		}
		kind, name := NodeOr, "OR"
		if c.op == opAnd {
			kind, name = NodeAnd, "AND"
		}
		id := fmt.Sprintf("j%d", joins)
		joins++
		g.Nodes = append(g.Nodes, Node{ID: id, Name: name, Kind: kind})
		g.Edges = append(g.Edges, Edge{From: id, To: to})
		for _, s := range c.subs {
			link(s, id)
		}
	}
	for i, m := range ms {
		if m.spec.cond != nil {
			link(*m.spec.cond, fmt.Sprintf("m%d", i))
		}
	}
	return g
}

// Mermaid returns g as a Mermaid flowchart: start methods as stadiums,
// routers as hexagons, plain steps as boxes, joins as circles, label edges
// dotted with their label.
func (g Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	if g.Name != "" {
		fmt.Fprintf(&b, "  %%%% flow: %s\n", strings.ReplaceAll(g.Name, "\n", " "))
	}
	for _, n := range g.Nodes {
		q := mermaidText(n.Name)
		switch {
		case n.Kind != NodeMethod:
			fmt.Fprintf(&b, "  %s((\"%s\")):::join\n", n.ID, q)
		case n.Router:
			cls := "router"
			if n.Start {
				cls = "startrouter"
			}
			fmt.Fprintf(&b, "  %s{{\"%s\"}}:::%s\n", n.ID, q, cls)
		case n.Start:
			fmt.Fprintf(&b, "  %s([\"%s\"]):::start\n", n.ID, q)
		default:
			fmt.Fprintf(&b, "  %s[\"%s\"]:::step\n", n.ID, q)
		}
	}
	for _, e := range g.Edges {
		switch {
		case e.Label != "":
			l := e.Label
			if e.Guess {
				l += "?"
			}
			fmt.Fprintf(&b, "  %s -.->|\"%s\"| %s\n", e.From, mermaidText(l), e.To)
		default:
			fmt.Fprintf(&b, "  %s --> %s\n", e.From, e.To)
		}
	}
	b.WriteString("  classDef start fill:#e3f6e8,stroke:#2e8b57,stroke-width:2px\n")
	b.WriteString("  classDef startrouter fill:#fff4d6,stroke:#2e8b57,stroke-width:2px\n")
	b.WriteString("  classDef router fill:#fff4d6,stroke:#c98a00\n")
	b.WriteString("  classDef step fill:#eef3fb,stroke:#4a6fa5\n")
	b.WriteString("  classDef join fill:#f2f2f2,stroke:#777\n")
	return b.String()
}

func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "\n", " ", "<", "#lt;", ">", "#gt;")
	return r.Replace(s)
}

// layout positions of one node.
type box struct {
	x, y, w, h float64
	layer      int
}

const (
	layerGap = 110.0
	nodeGap  = 40.0
	nodeH    = 44.0
	margin   = 40.0
)

// layout places nodes in layers: each node one layer below the deepest node
// that triggers it, ignoring edges that close a loop.
func (g Graph) layout() (map[string]*box, map[int]bool, float64, float64) {
	idx := map[string]int{}
	for i, n := range g.Nodes {
		idx[n.ID] = i
	}
	out := make([][]int, len(g.Nodes)) // edge indexes by source
	for i, e := range g.Edges {
		if _, ok := idx[e.From]; !ok {
			continue
		}
		if _, ok := idx[e.To]; !ok {
			continue
		}
		out[idx[e.From]] = append(out[idx[e.From]], i)
	}
	// DFS from starts, then from anything left, to find loop-closing edges.
	back := map[int]bool{}
	state := make([]int, len(g.Nodes)) // 0 new, 1 on stack, 2 done
	var order []int                    // reverse postorder = topological order of the DAG
	var dfs func(v int)
	dfs = func(v int) {
		state[v] = 1
		for _, ei := range out[v] {
			w := idx[g.Edges[ei].To]
			switch state[w] {
			case 0:
				dfs(w)
			case 1:
				back[ei] = true
			}
		}
		state[v] = 2
		order = append(order, v)
	}
	for i, n := range g.Nodes {
		if n.Start && state[i] == 0 {
			dfs(i)
		}
	}
	for i := range g.Nodes {
		if state[i] == 0 {
			dfs(i)
		}
	}
	layer := make([]int, len(g.Nodes))
	for k := len(order) - 1; k >= 0; k-- {
		v := order[k]
		for _, ei := range out[v] {
			if back[ei] {
				continue
			}
			w := idx[g.Edges[ei].To]
			if layer[w] < layer[v]+1 {
				layer[w] = layer[v] + 1
			}
		}
	}
	layers := map[int][]int{}
	maxLayer := 0
	for i := range g.Nodes {
		layers[layer[i]] = append(layers[layer[i]], i)
		maxLayer = max(maxLayer, layer[i])
	}
	boxes := map[string]*box{}
	pos := make([]float64, len(g.Nodes)) // centre x, for ordering
	width := 0.0
	rows := make([][]int, maxLayer+1)
	for l := 0; l <= maxLayer; l++ {
		row := layers[l]
		if l > 0 { // order by the mean position of the nodes that trigger each one
			bary := map[int]float64{}
			for _, v := range row {
				sum, n := 0.0, 0.0
				for _, e := range g.Edges {
					if e.To == g.Nodes[v].ID {
						if u, ok := idx[e.From]; ok && layer[u] < l {
							sum += pos[u]
							n++
						}
					}
				}
				if n > 0 {
					bary[v] = sum / n
				} else {
					bary[v] = float64(v) * 1e-3
				}
			}
			sort.SliceStable(row, func(a, b int) bool { return bary[row[a]] < bary[row[b]] })
		}
		rows[l] = row
		x := margin
		for _, v := range row {
			w := nodeWidth(g.Nodes[v])
			pos[v] = x + w/2
			x += w + nodeGap
		}
		width = max(width, x-nodeGap+margin)
	}
	for l, row := range rows { // centre each row
		rowW := 0.0
		for _, v := range row {
			rowW += nodeWidth(g.Nodes[v]) + nodeGap
		}
		x := (width-(rowW-nodeGap))/2 + 0
		for _, v := range row {
			w := nodeWidth(g.Nodes[v])
			h := nodeH
			if g.Nodes[v].Kind != NodeMethod {
				h = w
			}
			boxes[g.Nodes[v].ID] = &box{x: x, y: margin + 30 + float64(l)*layerGap + (nodeH-h)/2, w: w, h: h, layer: l}
			x += w + nodeGap
		}
	}
	height := margin + 30 + float64(maxLayer)*layerGap + nodeH + margin
	return boxes, back, width + 160, height
}

func nodeWidth(n Node) float64 {
	if n.Kind != NodeMethod {
		return 44
	}
	return max(120, 7.5*float64(len([]rune(n.Name)))+36)
}

// HTML writes g as a self-contained HTML page: an inline SVG drawing laid
// out in layers (loops drawn as arcs on the right), a legend, and the
// Mermaid text. It uses no script and fetches nothing.
func (g Graph) HTML(w io.Writer) error {
	boxes, back, width, height := g.layout()
	var b strings.Builder
	esc := html.EscapeString
	title := "Flow " + g.Name
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 8px}
.legend span{display:inline-block;margin-right:16px;font-size:13px}
.sw{display:inline-block;width:14px;height:14px;vertical-align:middle;margin-right:4px;border:1px solid #555;border-radius:3px}
svg{background:#fff;border:1px solid #ddd;border-radius:6px;margin-top:12px}
svg text{font-size:13px;font-family:ui-monospace,Menlo,Consolas,monospace}
.edge{fill:none;stroke:#666;stroke-width:1.5}
.edge.label{stroke:#c98a00;stroke-dasharray:6 4}
.edge.guess{stroke:#aaa}
.lbl{fill:#8a5d00;font-size:12px}
pre{background:#fff;border:1px solid #ddd;padding:12px;border-radius:6px;overflow:auto}
</style></head><body>
<h1>%s</h1>
<div class="legend"><span><i class="sw" style="background:#e3f6e8;border-color:#2e8b57"></i>start</span><span><i class="sw" style="background:#eef3fb;border-color:#4a6fa5"></i>listener</span><span><i class="sw" style="background:#fff4d6;border-color:#c98a00"></i>router</span><span><i class="sw" style="background:#f2f2f2;border-radius:7px"></i>OR / AND join</span><span>dashed: router label</span></div>
`, esc(title), esc(title))
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>
`, width, height, width, height, esc(title))
	loops := map[string]int{}
	var labels strings.Builder
	for i, e := range g.Edges {
		s, t := boxes[e.From], boxes[e.To]
		if s == nil || t == nil {
			continue
		}
		cls := "edge"
		if e.Label != "" {
			cls += " label"
		}
		if e.Guess {
			cls += " guess"
		}
		var d string
		var lx, ly float64
		switch {
		case e.From == e.To: // self loop on the right
			k := float64(loops[e.From])
			loops[e.From]++
			x0, y0 := s.x+s.w, s.y+s.h*0.3
			y1 := s.y + s.h*0.7
			r := 40 + 18*k
			d = fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x0, y0, x0+r, y0-r/2, x0+r, y1+r/2, x0, y1)
			lx, ly = x0+r*0.8, (y0+y1)/2+4
		case back[i]: // loop back up: an arc on the right
			k := float64(loops[e.To])
			loops[e.To]++
			x0, y0 := s.x+s.w, s.y+s.h/2
			x1, y1 := t.x+t.w, t.y+t.h/2
			bend := max(x0, x1) + 60 + 20*k
			d = fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x0, y0, bend, y0, bend, y1, x1, y1)
			lx, ly = bend-10, (y0+y1)/2
		default:
			x0, y0 := s.x+s.w/2, s.y+s.h
			x1, y1 := t.x+t.w/2, t.y
			my := (y0 + y1) / 2
			d = fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x0, y0, x0, my, x1, my, x1, y1)
			lx, ly = (x0+x1)/2+4, my
		}
		fmt.Fprintf(&b, `<path class="%s" d="%s" marker-end="url(#arrow)"/>`+"\n", cls, d)
		if e.Label != "" {
			l := e.Label
			if e.Guess {
				l += "?"
			}
			tw := 7.2*float64(len([]rune(l))) + 8
			fmt.Fprintf(&labels, `<rect x="%.1f" y="%.1f" width="%.1f" height="16" rx="3" fill="#fffaf0" stroke="#e5c98a"/><text class="lbl" x="%.1f" y="%.1f">%s</text>`+"\n",
				lx-4, ly-12, tw, lx, ly, esc(l))
		}
	}
	b.WriteString(labels.String())
	for _, n := range g.Nodes {
		bx := boxes[n.ID]
		cx, cy := bx.x+bx.w/2, bx.y+bx.h/2
		switch {
		case n.Kind != NodeMethod:
			fmt.Fprintf(&b, `<g><title>%s join</title><circle cx="%.1f" cy="%.1f" r="%.1f" fill="#f2f2f2" stroke="#777"/><text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold">%s</text></g>`+"\n",
				esc(n.Name), cx, cy, bx.w/2, cx, cy+4, esc(n.Name))
		case n.Router:
			stroke := "#c98a00"
			sw := 1.5
			if n.Start {
				stroke, sw = "#2e8b57", 3
			}
			in := 14.0
			fmt.Fprintf(&b, `<g><title>router %s%s</title><polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="#fff4d6" stroke="%s" stroke-width="%.1f"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text></g>`+"\n",
				esc(n.Name), esc(labelList(n.Labels)),
				bx.x, cy, bx.x+in, bx.y, bx.x+bx.w-in, bx.y, bx.x+bx.w, cy, bx.x+bx.w-in, bx.y+bx.h, bx.x+in, bx.y+bx.h,
				stroke, sw, cx, cy+4, esc(n.Name))
		default:
			fill, stroke, sw := "#eef3fb", "#4a6fa5", 1.5
			if n.Start {
				fill, stroke, sw = "#e3f6e8", "#2e8b57", 3
			}
			fmt.Fprintf(&b, `<g><title>%s</title><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="%.1f" fill="%s" stroke="%s" stroke-width="%.1f"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text></g>`+"\n",
				esc(n.Name), bx.x, bx.y, bx.w, bx.h, map[bool]float64{true: bx.h / 2, false: 6}[n.Start], fill, stroke, sw, cx, cy+4, esc(n.Name))
		}
	}
	b.WriteString("</svg>\n<details><summary>Mermaid</summary><pre>")
	b.WriteString(esc(g.Mermaid()))
	b.WriteString("</pre></details>\n</body></html>\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("flow: write plot: %w", err)
	}
	return nil
}

func labelList(ls []string) string {
	if len(ls) == 0 {
		return ""
	}
	return " (labels: " + strings.Join(ls, ", ") + ")"
}

package tracefile

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/pricing"
)

// spanRec is what SummarizeFile keeps of one span.
type spanRec struct {
	id, parent [8]byte
	hasParent  bool
	failed     bool
	start, end int64 // unix nanoseconds, 0 when unset
	line       int32
	llm        int32 // index in llms, or -1
	root       int32 // index in roots (spans without a parent ID), or -1
}

type llmRec struct {
	usage     chat.Usage
	cost      float64
	costKnown bool
}

// rootRec is what a summary needs of the root span.
type rootRec struct {
	name, kind, workflow, errMsg string
	failed                       bool
}

func rootOf(s *Span) rootRec {
	r := rootRec{name: s.Name, kind: s.Op(), workflow: s.Str(attrWorkflow), failed: s.Failed()}
	if r.failed {
		r.errMsg = s.ErrorMessage()
	}
	return r
}

// SummarizeFile returns the summary of the trace file at path, equal to
// ReadFile(path) followed by [Trace.Summary] (up to the rounding of the
// cost's sum), without building the trace: the file is streamed a line at a
// time and only a small record per span is kept (see the package doc). It
// stops with ctx's error when ctx ends.
func SummarizeFile(ctx context.Context, path string, prices *pricing.Table) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, fmt.Errorf("tracefile: %w", err)
	}
	defer f.Close()
	var (
		recs    []spanRec
		llms    []llmRec
		roots   []rootRec
		traceID string
		mixed   string
	)
	warnings, err := eachRequest(ctx, f, path, func(line int, _ *coltracepb.ExportTraceServiceRequest, spans []*Span) error {
		for _, s := range spans {
			if traceID == "" {
				traceID = s.TraceID
			} else if s.TraceID != traceID && mixed == "" {
				mixed = s.TraceID
			}
			r := spanRec{line: int32(line), llm: -1, root: -1, failed: s.Failed(), hasParent: s.ParentSpanID != ""}
			hex.Decode(r.id[:], []byte(s.SpanID))
			if r.hasParent {
				hex.Decode(r.parent[:], []byte(s.ParentSpanID))
			} else {
				r.root = int32(len(roots))
				roots = append(roots, rootOf(s))
			}
			if !s.Start.IsZero() {
				r.start = s.Start.UnixNano()
			}
			if !s.End.IsZero() {
				r.end = s.End.UnixNano()
			}
			if s.IsLLM() {
				c, ok := s.Cost(prices)
				r.llm = int32(len(llms))
				llms = append(llms, llmRec{usage: s.Usage(), cost: c, costKnown: ok})
			}
			recs = append(recs, r)
		}
		return nil
	}, false)
	if err != nil {
		return Summary{}, err
	}
	if len(recs) == 0 {
		return Summary{}, &FormatError{Path: path, Reason: "holds no span"}
	}
	if mixed != "" {
		return Summary{}, &FormatError{Path: path, Reason: fmt.Sprintf("holds spans of two traces (%s and %s)", traceID, mixed)}
	}
	if id, ok := IDFromName(filepath.Base(path)); ok && id != traceID {
		return Summary{}, &FormatError{Path: path, Reason: fmt.Sprintf("holds trace %s, not the trace %s its name says", traceID, id)}
	}

	// Keep the first of spans exported twice, link parents as build does.
	byID := make(map[[8]byte]int32, len(recs))
	uniq := recs[:0:0]
	for _, r := range recs {
		if _, dup := byID[r.id]; dup {
			continue
		}
		byID[r.id] = int32(len(uniq))
		uniq = append(uniq, r)
	}
	recs = nil
	parent := linkParents(len(uniq), func(i int) int {
		if !uniq[i].hasParent {
			return -1
		}
		if p, ok := byID[uniq[i].parent]; ok {
			return int(p)
		}
		return -1
	})
	byID = nil

	s := Summary{ID: traceID, Path: path, Spans: len(uniq), Status: "ok", CostKnown: true, Warnings: warnings}
	var minStart, maxEnd int64
	var rootIdx []int // the spans without a parent in the file
	for i := range uniq {
		r := &uniq[i]
		if r.start != 0 && (minStart == 0 || r.start < minStart) {
			minStart = r.start
		}
		maxEnd = max(maxEnd, r.end)
		if r.failed {
			s.ErrorSpans++
		}
		if r.llm >= 0 {
			l := llms[r.llm]
			s.Usage = s.Usage.Add(l.usage)
			if l.costKnown {
				s.Cost += l.cost
			} else {
				s.CostKnown = false
			}
		}
		if parent[i] < 0 {
			rootIdx = append(rootIdx, i)
		}
	}
	if !s.CostKnown {
		s.Cost = 0
	}
	if minStart != 0 {
		s.Start = unixNano(uint64(minStart))
	}
	if end := unixNano(uint64(maxEnd)); maxEnd != 0 && end.After(s.Start) {
		s.Duration = end.Sub(s.Start)
	}

	// The root is the earliest span without a parent (ties by name, then
	// ID). Roots that name a parent missing from the file (or cut out of a
	// cycle) were not kept: read their lines again.
	info := make(map[int]rootRec, len(rootIdx))
	var again map[int32][]int // line -> indexes in uniq
	for _, i := range rootIdx {
		if uniq[i].root >= 0 {
			info[i] = roots[uniq[i].root]
			continue
		}
		if again == nil {
			again = map[int32][]int{}
		}
		again[uniq[i].line] = append(again[uniq[i].line], i)
	}
	if again != nil {
		if err := rereadRoots(ctx, path, uniq, again, info); err != nil {
			return Summary{}, err
		}
	}
	best := -1
	for _, i := range rootIdx {
		if best < 0 || lessRoot(&uniq[i], info[i].name, &uniq[best], info[best].name) {
			best = i
		}
	}
	r := info[best]
	s.Kind = r.kind
	s.Name = r.workflow
	if s.Name == "" {
		s.Name = r.name
		if _, rest, ok := strings.Cut(r.name, " "); ok {
			s.Name = rest
		}
	}
	if r.failed {
		s.Status = "error"
		s.Error = r.errMsg
	}
	return s, nil
}

func lessRoot(a *spanRec, aName string, b *spanRec, bName string) bool {
	if a.start != b.start {
		return a.start < b.start
	}
	if aName != bName {
		return aName < bName
	}
	return string(a.id[:]) < string(b.id[:])
}

// rereadRoots reads path again and fills info for the spans of uniq listed
// by line in want.
func rereadRoots(ctx context.Context, path string, uniq []spanRec, want map[int32][]int, info map[int]rootRec) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("tracefile: %w", err)
	}
	defer f.Close()
	_, err = eachRequest(ctx, f, path, func(line int, _ *coltracepb.ExportTraceServiceRequest, spans []*Span) error {
		idx, ok := want[int32(line)]
		if !ok {
			return nil
		}
		for _, s := range spans {
			var id [8]byte
			hex.Decode(id[:], []byte(s.SpanID))
			for _, i := range idx {
				if _, done := info[i]; !done && uniq[i].id == id {
					info[i] = rootOf(s)
				}
			}
		}
		return nil
	}, false)
	return err
}

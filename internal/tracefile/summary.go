package tracefile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/internal/pricing"
)

// Summary is the one-line description of a trace shown by "crewai traces
// list". It is a plain value, safe for concurrent reads; the zero value
// describes no trace (empty ID, no spans, cost unknown).
type Summary struct {
	ID       string        `json:"id"`
	Path     string        `json:"-"`
	Name     string        `json:"name"`  // the crew or flow name
	Kind     string        `json:"kind"`  // the root's operation, e.g. invoke_workflow
	Start    time.Time     `json:"start"` // UTC
	Duration time.Duration `json:"duration_ns"`
	Spans    int           `json:"spans"`
	Usage    chat.Usage    `json:"usage"`
	// Cost is the estimated cost in USD; meaningful only if CostKnown.
	Cost      float64 `json:"cost_usd,omitempty"`
	CostKnown bool    `json:"cost_known"`
	// Status is "ok" or "error" (the root span's status).
	Status string `json:"status"`
	// Error is the root span's error message, if it failed.
	Error string `json:"error,omitempty"`
	// ErrorSpans counts spans with status ERROR (some may have been
	// recovered from, such as a failed tool call).
	ErrorSpans int `json:"error_spans"`
	// Warnings says what was read around (a truncated last line).
	Warnings []string `json:"warnings,omitempty"`
}

// Summary summarises t, pricing LLM calls with prices (nil means
// [pricing.Default]).
func (t *Trace) Summary(prices *pricing.Table) Summary {
	s := Summary{ID: t.ID, Path: t.Path, Start: t.Start, Duration: t.Duration(), Spans: len(t.Spans), Status: "ok", CostKnown: true,
		Warnings: t.Warnings}
	if r := t.Root(); r != nil {
		s.Kind = r.Op()
		s.Name = r.Str(attrWorkflow)
		if s.Name == "" {
			s.Name = r.Name
			if _, rest, ok := strings.Cut(r.Name, " "); ok {
				s.Name = rest
			}
		}
		if r.Failed() {
			s.Status = "error"
			s.Error = r.ErrorMessage()
		}
	}
	for _, sp := range t.Spans {
		if sp.Failed() {
			s.ErrorSpans++
		}
		if !sp.IsLLM() {
			continue
		}
		s.Usage = s.Usage.Add(sp.Usage())
		if c, ok := sp.Cost(prices); ok {
			s.Cost += c
		} else {
			s.CostKnown = false
		}
	}
	if !s.CostKnown {
		s.Cost = 0
	}
	return s
}

// Total is the usage and cost of the LLM calls of one agent or one model. It
// is a plain value, safe for concurrent reads; the zero value is no calls,
// no tokens and an unknown cost.
type Total struct {
	Name      string     `json:"name"`
	Calls     int        `json:"calls"`
	Usage     chat.Usage `json:"usage"`
	Cost      float64    `json:"cost_usd,omitempty"`
	CostKnown bool       `json:"cost_known"`
	Errors    int        `json:"errors"`
}

// Totals returns the LLM calls of t grouped by agent and by model, each sorted
// by name. Calls outside any agent are grouped under "(no agent)"; calls
// with no model under "(unknown)".
func (t *Trace) Totals(prices *pricing.Table) (byAgent, byModel []Total) {
	agents := map[string]*Total{}
	models := map[string]*Total{}
	add := func(m map[string]*Total, key string, s *Span) {
		tot := m[key]
		if tot == nil {
			tot = &Total{Name: key, CostKnown: true}
			m[key] = tot
		}
		tot.Calls++
		tot.Usage = tot.Usage.Add(s.Usage())
		if s.Failed() {
			tot.Errors++
		}
		if c, ok := s.Cost(prices); ok {
			tot.Cost += c
		} else {
			tot.CostKnown = false
		}
	}
	for _, s := range t.Spans {
		if !s.IsLLM() {
			continue
		}
		a := s.Agent()
		if a == "" {
			a = "(no agent)"
		}
		m := s.Model()
		if m == "" {
			m = "(unknown)"
		}
		add(agents, a, s)
		add(models, m, s)
	}
	flatten := func(m map[string]*Total) []Total {
		out := make([]Total, 0, len(m))
		for _, v := range m {
			if !v.CostKnown {
				v.Cost = 0
			}
			out = append(out, *v)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out
	}
	return flatten(agents), flatten(models)
}

// SkipError reports a file of a traces folder that was skipped. Its zero
// value names no file; it is not modified after it is returned, so it is
// safe for concurrent use.
type SkipError struct {
	Path string
	Err  error
}

// Error implements error.
func (e *SkipError) Error() string {
	return fmt.Sprintf("tracefile: skipping %s: %v", e.Path, e.Err)
}

// Unwrap returns the reason.
func (e *SkipError) Unwrap() error { return e.Err }

// List reads every trace file of dir and returns their summaries, newest
// first (ties by ID), with one *[SkipError] per file that was skipped
// (corrupt, truncated, foreign). Hidden files and subfolders are ignored. A
// missing folder is an empty list. err is non-nil only if dir cannot be
// read.
func List(dir string, prices *pricing.Table) (sums []Summary, skipped []error, err error) {
	return ListContext(context.Background(), dir, prices)
}

// ListContext is [List] that stops with ctx's error when ctx ends. Each file
// is streamed ([SummarizeFile]), not loaded.
func ListContext(ctx context.Context, dir string, prices *pricing.Table) (sums []Summary, skipped []error, err error) {
	files, err := files(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		s, skip := summarise(ctx, f, prices)
		if skip != nil && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if skip != nil {
			skipped = append(skipped, skip)
			continue
		}
		sums = append(sums, s)
	}
	sortSummaries(sums)
	return sums, skipped, nil
}

// summarise reads one file of a folder listing; a file that cannot be
// summarised gives a *SkipError.
func summarise(ctx context.Context, f file, prices *pricing.Table) (Summary, error) {
	if f.id == "" {
		return Summary{}, &SkipError{Path: f.path, Err: errors.New("not a trace file (want <32-hex-digit trace id>.jsonl)")}
	}
	s, err := SummarizeFile(ctx, f.path, prices)
	if err != nil {
		return Summary{}, &SkipError{Path: f.path, Err: unprefix(err, f.path)}
	}
	return s, nil
}

// unprefix strips the "tracefile: path: " prefix from a FormatError so that
// a SkipError does not name the file twice.
func unprefix(err error, path string) error {
	var fe *FormatError
	if errors.As(err, &fe) && fe.Path == path {
		c := *fe
		c.Path = ""
		msg := strings.TrimPrefix(c.Error(), "tracefile: ")
		return errors.New(msg)
	}
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

type file struct {
	path string
	id   string // "" for a foreign name
}

func files(dir string) ([]file, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("tracefile: reading traces folder: %w", err)
	}
	var out []file
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || e.IsDir() {
			continue
		}
		id, _ := IDFromName(name)
		out = append(out, file{path: filepath.Join(dir, name), id: id})
	}
	return out, nil
}

// NotFoundError says no trace in Dir has an ID starting with Prefix. Its
// zero value names no folder and no prefix; it is safe for concurrent use.
type NotFoundError struct{ Dir, Prefix string }

// Error implements error.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("tracefile: no trace %q in %s", e.Prefix, e.Dir)
}

// AmbiguousError says several traces match Prefix; Matches lists their IDs,
// sorted. Its zero value has no matches; it is not modified after it is
// returned, so it is safe for concurrent use.
type AmbiguousError struct {
	Prefix  string
	Matches []string
}

// Error implements error.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("tracefile: trace ID prefix %q is ambiguous: it matches %s", e.Prefix, strings.Join(e.Matches, ", "))
}

// Resolve returns the path of the trace file in dir whose trace ID is id or
// starts with id (case-insensitive). It returns a *[NotFoundError] if none
// does, a *[AmbiguousError] if several do, and an error naming the value if
// id is not hexadecimal.
func Resolve(dir, id string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(id))
	if p == "" || len(p) > 32 || strings.Trim(p, "0123456789abcdef") != "" {
		return "", fmt.Errorf("tracefile: trace ID %q: want 1 to 32 hexadecimal digits", id)
	}
	files, err := files(dir)
	if err != nil {
		return "", err
	}
	var matches []file
	for _, f := range files {
		if f.id != "" && strings.HasPrefix(f.id, p) {
			matches = append(matches, f)
		}
	}
	switch len(matches) {
	case 0:
		return "", &NotFoundError{Dir: dir, Prefix: id}
	case 1:
		return matches[0].path, nil
	}
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = m.id
	}
	sort.Strings(ids)
	return "", &AmbiguousError{Prefix: id, Matches: ids}
}

// Load resolves id in dir ([Resolve]) and reads the file ([ReadFile]).
func Load(dir, id string) (*Trace, error) {
	path, err := Resolve(dir, id)
	if err != nil {
		return nil, err
	}
	return ReadFile(path)
}

// Merged returns one export request holding every resource-spans of t's
// stored requests (the requests are not modified).
func (t *Trace) Merged() *coltracepb.ExportTraceServiceRequest {
	out := &coltracepb.ExportTraceServiceRequest{}
	for _, r := range t.Requests {
		c := proto.Clone(r).(*coltracepb.ExportTraceServiceRequest)
		out.ResourceSpans = append(out.ResourceSpans, c.ResourceSpans...)
	}
	return out
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crewai-go/crewai/internal/pricing"
	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/viewer"
)

func (c *cli) tracesList(ctx context.Context, args []string) error {
	fs := c.newFlags("traces list", "[--dir D] [--json]",
		"Lists the traces of the traces folder, newest first: start time, trace ID (short), crew or flow name,\n"+
			"duration, span count, tokens, estimated cost (\"-\" when a model's price is unknown) and status.\n"+
			"Files that are not valid trace files are skipped with a warning on stderr.")
	dir := fs.String("dir", "", "traces folder (default $CREWAI_TRACES_DIR or .crewai/traces)")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("traces list: unexpected argument %q", pos[0])
	}
	if err := checkDirFlag("traces list", *dir); err != nil {
		return err
	}
	prices, err := c.prices()
	if err != nil {
		return err
	}
	sums, skipped, err := tracefile.ListContext(ctx, c.tracesDir(*dir), prices)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(c.stderr, "crewai: warning: %s\n", strings.TrimPrefix(s.Error(), "tracefile: "))
	}
	for _, s := range sums {
		for _, w := range s.Warnings {
			fmt.Fprintf(c.stderr, "crewai: warning: %s: %s\n", s.Path, w)
		}
	}
	if *asJSON {
		if sums == nil {
			sums = []tracefile.Summary{}
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sums)
	}
	if len(sums) == 0 {
		d := c.tracesDir(*dir)
		if _, err := os.Stat(d); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(c.stdout, "No traces in %s (the folder does not exist: no run has written traces there yet).\n", d)
			return nil
		}
		fmt.Fprintf(c.stdout, "No traces in %s.\n", d)
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tTRACE\tNAME\tDURATION\tSPANS\tTOKENS\tCOST\tSTATUS")
	for _, s := range sums {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n",
			s.Start.In(c.loc).Format("2006-01-02 15:04:05"), s.ID[:8], oneLine(s.Name), fmtDur(s.Duration), s.Spans,
			fmtInt(s.Usage.TotalTokens), fmtCost(s.Cost, s.CostKnown), s.Status)
	}
	return tw.Flush()
}

func (c *cli) tracesShow(args []string) error {
	fs := c.newFlags("traces show", "ID [--dir D] [--json]",
		"Prints the span tree of one trace with start offsets, durations, tokens, costs, tool names and errors.\n"+
			"ID is a trace ID or a unique prefix of one.")
	dir := fs.String("dir", "", "traces folder (default $CREWAI_TRACES_DIR or .crewai/traces)")
	asJSON := fs.Bool("json", false, "print the trace as the viewer's JSON instead of a tree")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("traces show: want exactly one trace ID, got %d arguments", len(pos))
	}
	if err := checkDirFlag("traces show", *dir); err != nil {
		return err
	}
	prices, err := c.prices()
	if err != nil {
		return err
	}
	t, err := c.loadTrace(*dir, pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(viewer.Build(t, prices))
	}
	for _, w := range t.Warnings {
		fmt.Fprintf(c.stderr, "crewai: warning: %s: %s\n", t.Path, w)
	}
	s := t.Summary(prices)
	fmt.Fprintf(c.stdout, "Trace %s  %s  %s\n", t.ID, oneLine(s.Name), s.Status)
	fmt.Fprintf(c.stdout, "Started %s, took %s, %d spans, %s tokens (%s in, %s out), cost %s\n",
		t.Start.In(c.loc).Format("2006-01-02 15:04:05 MST"), fmtDur(s.Duration), s.Spans, fmtInt(s.Usage.TotalTokens),
		fmtInt(s.Usage.PromptTokens), fmtInt(s.Usage.CompletionTokens), fmtCost(s.Cost, s.CostKnown))
	if s.Error != "" {
		fmt.Fprintf(c.stdout, "Error: %s\n", oneLine(s.Error))
	}
	fmt.Fprintln(c.stdout)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SPAN\tSTART\tDURATION\tDETAILS")
	for _, sp := range t.Spans {
		fmt.Fprintf(tw, "%s%s\t+%s\t%s\t%s\n", treePrefix(sp), oneLine(sp.Name), fmtDur(sp.Start.Sub(t.Start)), fmtDur(sp.Duration()), details(sp, prices))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	agents, models := t.Totals(prices)
	if len(agents) > 0 {
		fmt.Fprintln(c.stdout)
		totals(c.stdout, "AGENT", agents)
		fmt.Fprintln(c.stdout)
		totals(c.stdout, "MODEL", models)
	}
	return nil
}

func totals(w io.Writer, title string, ts []tracefile.Total) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tCALLS\tIN\tOUT\tTOKENS\tCOST\n", title)
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", oneLine(t.Name), t.Calls, fmtInt(t.Usage.PromptTokens), fmtInt(t.Usage.CompletionTokens),
			fmtInt(t.Usage.TotalTokens), fmtCost(t.Cost, t.CostKnown))
	}
	_ = tw.Flush()
}

func (c *cli) loadTrace(dir, id string) (*tracefile.Trace, error) {
	path, err := tracefile.Resolve(c.tracesDir(dir), id)
	if err != nil {
		if strings.Contains(err.Error(), "hexadecimal") {
			return nil, usagef("%s", strings.TrimPrefix(err.Error(), "tracefile: "))
		}
		return nil, err
	}
	return tracefile.ReadFile(path)
}

// details is the DETAILS column of a span: tokens and cost of an LLM call,
// the tool of a tool call, and the error of a failed span.
func details(sp *tracefile.Span, prices *pricing.Table) string {
	var parts []string
	if sp.IsLLM() {
		u := sp.Usage()
		tok := fmt.Sprintf("%s tokens (%s in, %s out", fmtInt(u.TotalTokens), fmtInt(u.PromptTokens), fmtInt(u.CompletionTokens))
		if u.CachedPromptTokens > 0 {
			tok += fmt.Sprintf(", %s cached", fmtInt(u.CachedPromptTokens))
		}
		parts = append(parts, tok+")")
		cost, ok := sp.Cost(prices)
		parts = append(parts, "cost "+fmtCost(cost, ok))
		if m := sp.Model(); m != "" {
			parts = append(parts, "model "+oneLine(m))
		}
	}
	if tool := sp.Str("gen_ai.tool.name"); tool != "" && sp.Op() == "execute_tool" {
		parts = append(parts, "tool "+oneLine(tool))
	}
	if sp.Failed() {
		msg := sp.ErrorMessage()
		if msg == "" {
			msg = "failed"
		}
		parts = append(parts, "ERROR: "+oneLine(msg))
	}
	return strings.Join(parts, ", ")
}

// maxDrawnDepth bounds the branches drawn in front of a span name, so that
// printing a very deep tree takes time and space linear in its spans.
const maxDrawnDepth = 32

// treePrefix draws the branches in front of a span name: the last
// maxDrawnDepth levels, after "[depth N] " when the span is deeper.
func treePrefix(sp *tracefile.Span) string {
	if sp.Parent == nil {
		return ""
	}
	var parts []string
	last := func(s *tracefile.Span) bool {
		sib := s.Parent.Children
		return sib[len(sib)-1] == s
	}
	if last(sp) {
		parts = append(parts, "└─ ")
	} else {
		parts = append(parts, "├─ ")
	}
	for a := sp.Parent; a.Parent != nil; a = a.Parent {
		if len(parts) == maxDrawnDepth {
			parts = append(parts, "[depth "+strconv.Itoa(sp.Depth)+"] ")
			break
		}
		if last(a) {
			parts = append(parts, "   ")
		} else {
			parts = append(parts, "│  ")
		}
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
	}
	return b.String()
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		return string(r[:119]) + "…"
	}
	return s
}

// fmtDur prints a duration with 3 significant digits at most.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 0, 64) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	}
	return d.Round(time.Second).String()
}

// fmtInt prints n with thousands separators.
func fmtInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtCost(usd float64, known bool) string {
	if !known {
		return "-"
	}
	if usd == 0 {
		return "$0"
	}
	if usd < 0.01 {
		return fmt.Sprintf("$%.6f", usd)
	}
	return fmt.Sprintf("$%.4f", usd)
}

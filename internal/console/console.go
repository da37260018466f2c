// Package console prints a readable, live account of runs: the Verbose
// output of crews and agents. A [Printer] is an event handler (see
// event.WithHandler): crew started, each task with its agent, the agent's
// thinking, tool calls with their arguments and (shortened) results, final
// answers, tasks done with their tokens, and the crew done with its usage.
// Lines are indented by nesting depth. Colour (light ANSI) is used only when
// the writer is a terminal and NO_COLOR is not set.
package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
)

// MaxText is how many characters of a long text (a tool result, a thought,
// a final answer) are printed; the rest is replaced by a marker.
const MaxText = 400

// Printer writes events as text lines to a writer. It is safe for
// concurrent use (lines of concurrent runs do not interleave within a line).
// Create one with [New]; the zero value is not usable.
type Printer struct {
	mu     sync.Mutex
	w      io.Writer
	color  bool
	depths map[key]int
	// shown is, per run, the last failure printed in full: an enclosing
	// step failing with an error that wraps it says so instead of printing
	// it again.
	shown map[event.RunID]error
}

type key struct {
	run event.RunID
	id  uint64
}

// New returns a Printer writing to w, in colour when w is a terminal.
func New(w io.Writer) *Printer {
	return &Printer{w: w, color: isTerminal(w), depths: map[key]int{}, shown: map[event.RunID]error{}}
}

// NewPlain returns a Printer writing to w without colour.
func NewPlain(w io.Writer) *Printer {
	return &Printer{w: w, depths: map[key]int{}, shown: map[event.RunID]error{}}
}

func isTerminal(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

const (
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	blue   = "\x1b[34m"
	cyan   = "\x1b[36m"
	reset  = "\x1b[0m"
)

// Handle prints e (nothing for events it does not show).
func (p *Printer) Handle(e event.Event) {
	h := e.EventHeader()
	p.mu.Lock()
	defer p.mu.Unlock()
	depth := 0
	if h.ParentID != 0 {
		depth = p.depths[key{h.Run, h.ParentID}] + 1
	}
	switch h.Phase {
	case event.Start:
		p.depths[key{h.Run, h.ID}] = depth
	case event.Finish:
		delete(p.depths, key{h.Run, h.StartID})
	}
	line, colour := describe(e)
	if f := event.FailureOf(e); f != nil && f.Err != nil {
		// A failure is printed once: an enclosing step that fails because
		// of it points to it instead of repeating its text.
		if prev := p.shown[h.Run]; prev != nil && errors.Is(f.Err, prev) {
			line = strings.TrimSuffix(line, ": "+f.Err.Error()) + " (the error above)"
		} else {
			p.shown[h.Run] = f.Err
		}
	}
	if h.Phase == event.Finish && h.ParentID == 0 {
		delete(p.shown, h.Run) // the run's outermost step ended
	}
	if line == "" {
		return
	}
	indent := strings.Repeat("  ", depth)
	for i, l := range strings.Split(line, "\n") {
		if i > 0 {
			if strings.TrimSpace(l) == "" {
				fmt.Fprintln(p.w)
				continue
			}
			l = "  " + l
		}
		if p.color && colour != "" {
			fmt.Fprintf(p.w, "%s%s%s%s\n", indent, colour, l, reset)
		} else {
			fmt.Fprintf(p.w, "%s%s\n", indent, l)
		}
	}
}

func describe(e event.Event) (string, string) {
	switch v := e.(type) {
	case *event.CrewStarted:
		return fmt.Sprintf("Crew %q started (%s process)", v.Crew, v.Process), bold + blue
	case *event.CrewCompleted:
		return fmt.Sprintf("Crew %q done: %s", v.Crew, usage(v.Usage)), bold + green
	case *event.CrewFailed:
		return fmt.Sprintf("Crew %q failed: %v", v.Crew, v.Err), bold + red
	case *event.TaskStarted:
		return fmt.Sprintf("Task %q started, assigned to %s", v.Task, v.Agent), bold
	case *event.TaskCompleted:
		return fmt.Sprintf("Task %q done (%s)", v.Task, usage(v.Usage)), green
	case *event.TaskFailed:
		return fmt.Sprintf("Task %q failed: %v", v.Task, v.Err), red
	case *event.AgentStarted:
		s := fmt.Sprintf("Agent %s is working", v.Role)
		if v.Model != "" {
			s += " (model " + v.Model + ")"
		}
		if v.Attempt > 1 {
			s += fmt.Sprintf(", attempt %d", v.Attempt)
		}
		return s, cyan
	case *event.AgentCompleted:
		return fmt.Sprintf("Final answer of %s:\n%s", v.Role, Shorten(v.Output, MaxText)), green
	case *event.AgentFailed:
		return fmt.Sprintf("Agent %s failed: %v", v.Role, v.Err), red
	case *event.LLMCallCompleted:
		if len(v.ToolCalls) > 0 && strings.TrimSpace(v.Content) != "" {
			return "Thinking: " + Shorten(oneLine(v.Content), MaxText), dim
		}
	case *event.LLMCallFailed:
		return fmt.Sprintf("Model %s failed: %v", v.Model, v.Err), red
	case *event.ToolStarted:
		return fmt.Sprintf("Using tool %s(%s)", v.Tool, Shorten(oneLine(v.Arguments), 200)), yellow
	case *event.ToolFinished:
		if v.Blocked != "" {
			return fmt.Sprintf("Tool %s blocked by a hook: %s", v.Tool, Shorten(v.Blocked, 200)), yellow
		}
		note := ""
		switch {
		case v.CacheHit:
			note = " (cached)"
		case v.Repeated:
			note = " (repeated call)"
		}
		c := dim
		if v.IsError {
			c = red
		}
		return fmt.Sprintf("Tool %s returned%s: %s", v.Tool, note, Shorten(oneLine(v.Result), MaxText)), c
	case *event.ToolFailed:
		return fmt.Sprintf("Tool %s failed: %v", v.Tool, v.Err), red
	case *event.GuardrailCompleted:
		of := fmt.Sprintf("the output of %q", v.Task)
		if v.Task == "" && v.Agent != "" {
			of = fmt.Sprintf("the answer of %s", v.Agent)
		}
		if v.Success {
			return fmt.Sprintf("Guardrail %s accepted %s", v.Guardrail, of), green
		}
		return fmt.Sprintf("Guardrail %s rejected %s (attempt %d): %s", v.Guardrail, of, v.Attempt, Shorten(v.Feedback, 200)), yellow
	case *event.DelegationStarted:
		verb := "delegates to"
		if v.Question {
			verb = "asks"
		}
		return fmt.Sprintf("%s %s %s: %s", v.From, verb, v.To, Shorten(oneLine(v.Task), 200)), cyan
	case *event.DelegationFailed:
		return fmt.Sprintf("Delegation from %s to %s failed: %v", v.From, v.To, v.Err), red
	case *event.Retry:
		return fmt.Sprintf("Retrying %s (attempt %d) in %s: %v", v.Operation, v.Attempt, v.Wait.Round(time.Millisecond), v.Err), yellow
	case *event.RateLimitWait:
		return fmt.Sprintf("Waiting %s for rate limit %s", v.Wait.Round(time.Millisecond), v.Limiter), yellow
	case *event.FlowStarted:
		return fmt.Sprintf("Flow %q started", v.Flow), bold + blue
	case *event.FlowFinished:
		return fmt.Sprintf("Flow %q done", v.Flow), bold + green
	case *event.FlowFailed:
		return fmt.Sprintf("Flow %q failed: %v", v.Flow, v.Err), bold + red
	case *event.MethodStarted:
		return fmt.Sprintf("Method %s started", v.Method), cyan
	case *event.MethodFailed:
		return fmt.Sprintf("Method %s failed: %v", v.Method, v.Err), red
	case *event.RetrievalStarted:
		return fmt.Sprintf("Searching %s %s for %q", v.Source, v.Collection, Shorten(oneLine(v.Query), 200)), dim
	case *event.RetrievalCompleted:
		var b strings.Builder
		fmt.Fprintf(&b, "Found %d in %s", len(v.Results), v.Source)
		for _, r := range v.Results {
			fmt.Fprintf(&b, "\n  %.2f  %s", r.Score, Shorten(oneLine(r.Text), 160))
		}
		return b.String(), dim
	case *event.RetrievalFailed:
		return fmt.Sprintf("Search of %s failed: %v", v.Source, v.Err), red
	case *event.EmbeddingFailed:
		return fmt.Sprintf("Embedding with %s failed: %v", v.Model, v.Err), red
	case *event.MemorySaveCompleted:
		return fmt.Sprintf("Remembered %d facts in %s", len(v.Statements), v.Scope), dim
	case *event.MemorySaveFailed:
		return fmt.Sprintf("Memory save in %s failed (the run goes on): %v", v.Scope, v.Err), yellow
	default:
		return describeControl(e)
	}
	return "", ""
}

// describeControl describes the control steps: skipped tasks, planning,
// reasoning and what hooks blocked.
func describeControl(e event.Event) (string, string) {
	switch v := e.(type) {
	case *event.TaskSkipped:
		return fmt.Sprintf("Task %q skipped: its condition is false", v.Task), dim
	case *event.PlanningStarted:
		return fmt.Sprintf("Planning the %d tasks of crew %q", v.Tasks, v.Crew), cyan
	case *event.PlanningCompleted:
		var b strings.Builder
		b.WriteString("Plan:")
		for i, p := range v.Plans {
			fmt.Fprintf(&b, "\n  Task %d: %s", i+1, Shorten(oneLine(p), MaxText))
		}
		return b.String(), dim
	case *event.PlanningFailed:
		return fmt.Sprintf("Planning failed: %v", v.Err), red
	case *event.ReasoningStarted:
		return fmt.Sprintf("Agent %s is planning its work", v.Role), cyan
	case *event.ReasoningCompleted:
		state := "ready"
		if !v.Ready {
			state = "attempts used up"
		}
		return fmt.Sprintf("Plan of %s (%d attempt(s), %s):\n%s", v.Role, v.Attempts, state, Shorten(v.Plan, MaxText)), dim
	case *event.ReasoningFailed:
		return fmt.Sprintf("Reasoning of %s failed: %v", v.Role, v.Err), red
	}
	return "", ""
}

func usage(u chat.Usage) string {
	req := "requests"
	if u.Requests == 1 {
		req = "request"
	}
	return fmt.Sprintf("%d tokens: %d prompt, %d completion, %d %s",
		u.TotalTokens, u.PromptTokens, u.CompletionTokens, u.Requests, req)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Shorten returns s cut to at most max runes, with a marker saying how much
// was left out.
func Shorten(s string, max int) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return fmt.Sprintf("%s... [%d more characters]", string(r[:max]), len(r)-max)
}

type attachedKey struct{}

// Attach returns a context whose run's events, from here down, are printed to
// w by a new Printer, unless a Printer is already attached above in ctx (a
// verbose agent inside a verbose crew prints each line once).
func Attach(ctx context.Context, w io.Writer) context.Context {
	if ctx.Value(attachedKey{}) != nil {
		return ctx
	}
	ctx = event.WithHandler(ctx, New(w))
	return context.WithValue(ctx, attachedKey{}, true)
}

package crew

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/crewai-go/crewai/internal/pricing"
	"github.com/crewai-go/crewai/task"
)

// logMu serialises appends to output log files (async tasks and concurrent
// kickoffs may finish at once).
var logMu sync.Mutex

// logRecord is one line of a JSON output log.
type logRecord struct {
	Time    time.Time       `json:"time"`
	Crew    string          `json:"crew"`
	Index   int             `json:"task_index"`
	Task    string          `json:"task"`
	Agent   string          `json:"agent"`
	Skipped bool            `json:"skipped,omitempty"`
	Raw     string          `json:"raw"`
	JSON    json.RawMessage `json:"json,omitempty"`
	Tokens  int             `json:"total_tokens"`
}

// logOutput appends task i's output to OutputLogFile: one JSON object a line
// when the name ends in ".json" (or ".jsonl"), else a text block. A failure
// to write is a warning: the run goes on.
func (c *Crew) logOutput(i int, o *task.TaskOutput) {
	if c.OutputLogFile == "" {
		return
	}
	var b []byte
	switch strings.ToLower(filepath.Ext(c.OutputLogFile)) {
	case ".json", ".jsonl":
		rec := logRecord{Time: time.Now().UTC(), Crew: c.name(), Index: i, Task: o.Name, Agent: o.Agent,
			Skipped: o.Skipped, Raw: o.Raw, JSON: o.JSON, Tokens: o.Usage.TotalTokens}
		var err error
		if b, err = json.Marshal(rec); err != nil {
			slog.Warn("crew: OutputLogFile: encoding the output failed; the run goes on", "file", c.OutputLogFile, "error", err)
			return
		}
		b = append(b, '\n')
	default:
		status := "completed"
		if o.Skipped {
			status = "skipped"
		}
		b = fmt.Appendf(nil, "%s crew %q task %d %q (agent %q) %s, %d tokens\n%s\n\n",
			time.Now().UTC().Format(time.RFC3339), c.name(), i, o.Name, o.Agent, status, o.Usage.TotalTokens, o.String())
	}
	logMu.Lock()
	defer logMu.Unlock()
	f, err := os.OpenFile(c.OutputLogFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = f.Write(b)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		slog.Warn("crew: OutputLogFile: appending a task output failed; the run goes on", "file", c.OutputLogFile, "error", err)
	}
}

// costOf estimates what usage cost on model, in US dollars (see
// CrewOutput.Cost).
func costOf(model string, o *task.TaskOutput) (float64, bool) {
	if o.Usage.PromptTokens == 0 && o.Usage.CompletionTokens == 0 {
		return 0, true
	}
	return pricing.Default().Cost(model, o.Usage)
}

// ValueAs returns the structured value of the crew's result (out.Value) as
// a T, and whether it holds one.
func ValueAs[T any](out *CrewOutput) (T, bool) {
	var zero T
	if out == nil {
		return zero, false
	}
	v, ok := out.Value.(T)
	return v, ok
}

// Task returns the output of the task named name (its display name), and
// whether the kickoff has one.
func (o *CrewOutput) Task(name string) (task.TaskOutput, bool) {
	for _, t := range o.Tasks {
		if t.Name == name {
			return t, true
		}
	}
	return task.TaskOutput{}, false
}

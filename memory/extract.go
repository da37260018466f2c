package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/usagemeter"
	"github.com/crewai-go/crewai/llm"
)

// extractPrompt asks the model for the memories of a task (the project's
// own wording).
const extractPrompt = "You keep the long-term memory of a team of AI agents. From the finished task below, " +
	"write down at most 5 facts worth remembering for future tasks: decisions, preferences, findings, names and " +
	"numbers that will still matter later. Each fact is one short sentence that makes sense on its own, without " +
	"the task. Skip anything trivial or only about this one task. Rate each fact's importance from 0 (minor) to 1 " +
	"(essential).\n\nAnswer with only a JSON object of this form, and nothing else:\n" +
	`{"memories": [{"text": "...", "importance": 0.7}]}` + "\n\nAn empty list is fine when nothing is worth keeping."

// statement is one extracted memory.
type statement struct {
	Text       string  `json:"text"`
	Importance float64 `json:"importance"`
}

// extract asks model for the memories of a task, inside an LLM-call step.
func extract(ctx context.Context, model llm.LLM, agent, task, result string) (out []statement, u llm.Usage, err error) {
	var b strings.Builder
	b.WriteString("Task:\n")
	b.WriteString(task)
	if agent != "" {
		b.WriteString("\n\nDone by: ")
		b.WriteString(agent)
	}
	b.WriteString("\n\nResult:\n")
	b.WriteString(result)
	req := &llm.Request{Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: extractPrompt},
		{Role: llm.RoleUser, Content: b.String()},
	}}
	info := model.Info()
	var step event.Step
	cctx := ctx
	if event.Enabled(ctx) {
		cctx, step = event.Begin(ctx, event.LLMCallStarted{Model: info.Model, Provider: info.Provider,
			ServerAddress: info.ServerAddress, Messages: req.Messages, Agent: agent})
	}
	var resp *llm.Response
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("the model panicked: %v", p)
			}
		}()
		resp, err = model.Generate(cctx, req)
	}()
	if err == nil && resp == nil {
		err = errors.New("the model returned neither a response nor an error")
	}
	if err != nil {
		if step.Active() {
			event.End(step, event.LLMCallFailed{Model: info.Model, Failure: event.Failure{Err: err}})
		}
		return nil, llm.Usage{}, fmt.Errorf("extracting memories: %w", err)
	}
	usagemeter.Add(ctx, resp.Usage)
	if step.Active() {
		event.End(step, event.LLMCallCompleted{Model: info.Model, ResponseModel: resp.Model, ResponseID: resp.ID,
			FinishReason: resp.FinishReason, Content: resp.Content, Usage: resp.Usage})
	}
	out, err = parseStatements(resp.Content)
	if err != nil {
		return nil, resp.Usage, fmt.Errorf("extracting memories: %w", err)
	}
	return out, resp.Usage, nil
}

// parseStatements reads the model's reply: the JSON object asked for (also
// inside a code fence or surrounded by text), a bare JSON array of
// statements, or else a list of lines starting with "-" or "*" (importance
// 0.5). Statements are trimmed, empty ones dropped, importance clamped to
// [0, 1] (0.5 when missing), at most 5 kept.
func parseStatements(s string) ([]statement, error) {
	s = strings.TrimSpace(s)
	var list []statement
	parsed := false
	if i := strings.IndexAny(s, "{["); i >= 0 {
		body := s[i:]
		if j := strings.LastIndexAny(body, "}]"); j >= 0 {
			body = body[:j+1]
		}
		var obj struct {
			Memories []json.RawMessage `json:"memories"`
		}
		var arr []json.RawMessage
		if json.Unmarshal([]byte(body), &obj) == nil && obj.Memories != nil {
			arr, parsed = obj.Memories, true
		} else if json.Unmarshal([]byte(body), &arr) == nil {
			parsed = true
		}
		for _, raw := range arr {
			var st statement
			st.Importance = -1
			if json.Unmarshal(raw, &st) != nil {
				var text string
				if json.Unmarshal(raw, &text) != nil {
					continue
				}
				st.Text = text
			}
			list = append(list, st)
		}
	}
	if !parsed {
		for line := range strings.SplitSeq(s, "\n") {
			line = strings.TrimSpace(line)
			if t, ok := strings.CutPrefix(line, "- "); ok {
				list = append(list, statement{Text: t, Importance: -1})
			} else if t, ok := strings.CutPrefix(line, "* "); ok {
				list = append(list, statement{Text: t, Importance: -1})
			}
		}
		if len(list) == 0 && s != "" {
			return nil, fmt.Errorf("the reply is neither the JSON object asked for nor a list: %.200q", s)
		}
	}
	var out []statement
	for _, st := range list {
		st.Text = strings.TrimSpace(st.Text)
		if st.Text == "" {
			continue
		}
		switch {
		case st.Importance < 0:
			st.Importance = 0.5
		case st.Importance > 1:
			st.Importance = 1
		}
		out = append(out, st)
		if len(out) == maxStatements {
			break
		}
	}
	return out, nil
}

package human

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
)

// ErrNoOutcome: an answer could not be matched to any of the outcomes.
var ErrNoOutcome = errors.New("the answer matches none of the outcomes")

const collapseSystem = "You sort a person's feedback into one of a fixed set of decisions. " +
	"Read the feedback and choose the single decision it expresses. Reply with JSON " +
	`{"outcome": "<decision>"}, using one of the decisions exactly as written, and nothing else.`

// Collapse returns the outcome answer stands for, among outcomes:
//   - an empty answer gives def (an error when def is empty);
//   - an answer equal to an outcome (ignoring case and surrounding spaces)
//     is that outcome, without a model call;
//   - otherwise, with a model, one call asks it to choose (as a JSON
//     object {"outcome": ...} following a schema that lists the outcomes),
//     announced as an LLM-call step so its usage is counted; a reply that
//     names no outcome gives def, or an error matching [ErrNoOutcome];
//   - without a model, the answer is the outcome as given (trimmed), for
//     a router whose labels are free.
func Collapse(ctx context.Context, model llm.LLM, answer string, outcomes []string, def string) (string, error) {
	answer = strings.TrimSpace(answer)
	if answer == "" {
		if def == "" {
			return "", fmt.Errorf("%w: the answer is empty and no default outcome is set (outcomes: %s)",
				ErrNoOutcome, strings.Join(outcomes, ", "))
		}
		return def, nil
	}
	if o, ok := match(answer, outcomes); ok {
		return o, nil
	}
	if model == nil {
		return answer, nil
	}
	reply, err := choose(ctx, model, answer, outcomes)
	if err != nil {
		return "", fmt.Errorf("collapsing the answer into an outcome: %w", err)
	}
	if o, ok := parseOutcome(reply, outcomes); ok {
		return o, nil
	}
	if def != "" {
		return def, nil
	}
	return "", fmt.Errorf("%w: the model chose %q (outcomes: %s)", ErrNoOutcome, shorten(reply, 80),
		strings.Join(outcomes, ", "))
}

func match(s string, outcomes []string) (string, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"'.`)
	for _, o := range outcomes {
		if strings.EqualFold(s, o) {
			return o, true
		}
	}
	return "", false
}

// parseOutcome reads the model's reply: the JSON object asked for, or a bare
// outcome, or text naming exactly one outcome.
func parseOutcome(reply string, outcomes []string) (string, bool) {
	var v struct {
		Outcome string `json:"outcome"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(reply)), &v); err == nil && v.Outcome != "" {
		return match(v.Outcome, outcomes)
	}
	if o, ok := match(reply, outcomes); ok {
		return o, true
	}
	found := ""
	low := strings.ToLower(reply)
	for _, o := range outcomes {
		if strings.Contains(low, strings.ToLower(o)) {
			if found != "" {
				return "", false
			}
			found = o
		}
	}
	return found, found != ""
}

// choose asks the model once, as an LLM-call step.
func choose(ctx context.Context, model llm.LLM, answer string, outcomes []string) (string, error) {
	quoted := make([]string, len(outcomes))
	for i, o := range outcomes {
		quoted[i] = strconv.Quote(o)
	}
	schema := `{"type":"object","properties":{"outcome":{"type":"string","enum":[` + strings.Join(quoted, ",") +
		`]}},"required":["outcome"],"additionalProperties":false}`
	req := &llm.Request{
		Messages: []llm.Message{
			{Role: llm.RoleSystem, Content: collapseSystem},
			{Role: llm.RoleUser, Content: "Decisions: " + strings.Join(quoted, ", ") + "\n\nFeedback:\n" + answer},
		},
		ResponseFormat: &llm.ResponseFormat{Name: "outcome", Schema: json.RawMessage(schema)},
	}
	info := model.Info()
	cctx, st := event.Begin(ctx, event.LLMCallStarted{Model: info.Model, Provider: info.Provider,
		ServerAddress: info.ServerAddress, Messages: req.Messages, ResponseFormat: "outcome"})
	resp, err := generate(cctx, model, req)
	if err == nil && resp == nil {
		err = llm.ErrEmptyResponse
	}
	if err != nil {
		event.End(st, event.LLMCallFailed{Model: info.Model, Failure: event.Failure{Err: err}})
		return "", err
	}
	event.End(st, event.LLMCallCompleted{Model: info.Model, ResponseModel: resp.Model, ResponseID: resp.ID,
		FinishReason: resp.FinishReason, Content: resp.Content, Usage: resp.Usage})
	return resp.Content, nil
}

func generate(ctx context.Context, m llm.LLM, req *llm.Request) (resp *llm.Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, &event.PanicError{Value: r, Stack: string(debug.Stack())}
		}
	}()
	return m.Generate(ctx, req)
}

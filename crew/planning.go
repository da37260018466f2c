package crew

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
)

// The planner a crew with Planning builds.
const (
	plannerRole      = "Task Execution Planner"
	plannerGoal      = "Write a clear, step-by-step plan for each task of the crew, so that its agent can carry it out well."
	plannerBackstory = "You plan the work of teams of specialists. You know what each teammate can do and which tools " +
		"they have, and you turn each task into concrete steps that lead to the expected output."
)

// TaskPlan is the plan the planner wrote for one task. It is a plain value.
type TaskPlan struct {
	// TaskNumber is the task's position in the crew, from 1.
	TaskNumber int `json:"task_number" jsonschema:"description=the task's number, from 1"`
	// Plan is the step-by-step plan.
	Plan string `json:"plan" jsonschema:"description=the step-by-step plan for the task"`
}

// Plans is the planner's structured reply: one plan per task.
type Plans struct {
	// Plans holds one plan per task.
	Plans []TaskPlan `json:"plans" jsonschema:"description=one plan per task, in task order"`
}

var plansSchema = task.As[Plans]()

// planningModel returns the model that plans: PlanningLLM, else the first
// task agent's, else ManagerLLM.
func (c *Crew) planningModel() llm.LLM {
	if c.PlanningLLM != nil {
		return c.PlanningLLM
	}
	for _, t := range c.Tasks {
		if t != nil && t.Agent != nil && t.Agent.LLM != nil {
			return t.Agent.LLM
		}
	}
	if c.ManagerAgent != nil && c.ManagerAgent.LLM != nil {
		return c.ManagerAgent.LLM
	}
	return c.ManagerLLM
}

// plan runs the crew's planning step before its tasks (see Crew.Planning):
// one planner execution that writes a plan for every task, from the tasks'
// descriptions, expected outputs, agents, tools and knowledge. It returns
// the plans in task order (empty for a task the planner left out) and the
// usage of the planning.
func (c *Crew) plan(ctx context.Context, inputs map[string]any) (plans []string, usage llm.Usage, err error) {
	model := c.planningModel()
	var st event.Step
	ctx, st = event.Begin(ctx, event.PlanningStarted{Header: event.Header{Source: "crew:" + c.name()},
		Crew: c.name(), Model: model.Info().Model, Tasks: len(c.Tasks)})
	defer func() {
		if err != nil {
			event.End(st, event.PlanningFailed{Crew: c.name(), Failure: event.Failure{Err: err}})
			return
		}
		event.End(st, event.PlanningCompleted{Crew: c.name(), Plans: plans, Usage: usage})
	}()
	planner := &agent.Agent{Role: plannerRole, Goal: plannerGoal, Backstory: plannerBackstory, LLM: model}
	pt := &task.Task{
		Name:        "plan the crew's tasks",
		Description: c.planningPrompt(inputs),
		ExpectedOutput: "One plan per task, numbered as the tasks are: the concrete steps the task's agent should " +
			"take, which tools to use and how, and how to reach the expected output.",
		Agent:   planner,
		Output:  plansSchema,
		Tools:   []tool.Tool{},
		Context: task.NoContext(),
	}
	out, perr := pt.Execute(ctx, task.Run{Limiter: c.limiter(), Hooks: c.Hooks})
	if out != nil {
		usage = out.Usage
	}
	if perr != nil {
		return nil, usage, fmt.Errorf("crew %q: planning: %w", c.name(), perr)
	}
	ps, _ := task.ValueAs[Plans](*out)
	plans = make([]string, len(c.Tasks))
	for _, p := range ps.Plans {
		if p.TaskNumber >= 1 && p.TaskNumber <= len(plans) && strings.TrimSpace(p.Plan) != "" {
			plans[p.TaskNumber-1] = strings.TrimSpace(p.Plan)
		}
	}
	return plans, usage, nil
}

// planningPrompt describes every task for the planner.
func (c *Crew) planningPrompt(inputs map[string]any) string {
	var b strings.Builder
	b.WriteString("Plan the work of this crew. These are its tasks, in the order they run:\n")
	for i, t := range c.Tasks {
		f, err := t.Fill(inputs)
		if err != nil {
			f = task.Filled{Description: t.Description, ExpectedOutput: t.ExpectedOutput}
		}
		b.WriteString("\nTask ")
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(": ")
		b.WriteString(f.Description)
		if f.ExpectedOutput != "" {
			b.WriteString("\nExpected output: ")
			b.WriteString(f.ExpectedOutput)
		}
		a := t.Agent
		if a != nil {
			b.WriteString("\nAgent: ")
			b.WriteString(task.RoleOf(a, inputs))
			if a.Goal != "" {
				b.WriteString(" (goal: ")
				b.WriteString(a.Goal)
				b.WriteString(")")
			}
			tools := a.Tools
			if t.Tools != nil {
				tools = t.Tools
			}
			b.WriteString("\nTools: ")
			if len(tools) == 0 {
				b.WriteString("none")
			}
			for k, tl := range tools {
				if k > 0 {
					b.WriteString(", ")
				}
				if tl != nil {
					b.WriteString(tl.Name())
					b.WriteString(" (")
					b.WriteString(tl.Description())
					b.WriteString(")")
				}
			}
			if a.Knowledge != nil || c.Knowledge != nil {
				b.WriteString("\nKnowledge: the agent can search a knowledge base before working")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

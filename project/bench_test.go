package project

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/task"
)

// BenchmarkTaskLogKickoff measures what logging costs one kickoff of two
// tasks: Begin, then Finish with the outputs in one transaction.
func BenchmarkTaskLogKickoff(b *testing.B) {
	ctx := context.Background()
	log, err := OpenTaskLog(ctx, filepath.Join(b.TempDir(), TaskLogFile))
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	out := &crew.CrewOutput{Tasks: []task.TaskOutput{
		{Name: "research", Agent: "Researcher", Raw: "findings", Format: task.FormatRaw},
		{Name: "write", Agent: "Writer", Raw: "a post of three paragraphs", Format: task.FormatRaw},
	}}
	for b.Loop() {
		id, err := log.Begin(ctx, Kickoff{Crew: "c", Command: "run", Inputs: map[string]any{"topic": "AI"}})
		if err != nil {
			b.Fatal(err)
		}
		if err := log.Finish(ctx, id, out, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse measures loading the agents.yaml and tasks.yaml of a
// CrewAI project.
func BenchmarkParse(b *testing.B) {
	reg := testRegistry()
	for b.Loop() {
		if _, err := Parse("agents.yaml", []byte(agentsYAML), "tasks.yaml", []byte(tasksYAML), reg); err != nil {
			b.Fatal(err)
		}
	}
}

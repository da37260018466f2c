// Command knowledge runs a support crew that answers from the company's own
// documents: the Markdown and CSV files in docs/ (bundled with the example)
// become a knowledge collection, and before its task the agent searches it
// and gets the passages found in its prompt.
//
// The files are embedded once and kept in the local vector store
// ($CREWAI_VECTOR_DB or .crewai/vectors.db); a second run embeds nothing
// unless a file changed. `crewai knowledge list` shows the collection and
// `crewai knowledge reset --name support-docs` removes it.
//
// With OPENAI_API_KEY set it uses OpenAI for the agent and the embeddings.
// Without it, it runs offline on a scripted model and the hashing embedder
// (which matches words, not meaning, hence a lower threshold).
//
//	go run ./examples/knowledge [question]
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/examples/internal/demo"
	"github.com/crewai-go/crewai/knowledge"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "knowledge:", err)
		os.Exit(1)
	}
}

// docsDir is the folder of the bundled documents, next to this file.
func docsDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "docs"
	}
	return filepath.Join(filepath.Dir(file), "docs")
}

func run(ctx context.Context, args []string) error {
	question := "Can I still return my Aria wireless headphones 20 days after delivery, and how much will I get back?"
	if len(args) > 0 {
		question = strings.Join(args, " ")
	}
	model := demo.OpenAI()
	threshold := 0.0 // CrewAI's 0.6 for real embeddings
	if model == nil {
		model = scripted()
		threshold = 0.1 // word-hashing vectors score lower
	}
	dir := docsDir()
	docs := &knowledge.Knowledge{
		Name: "support-docs",
		Sources: knowledge.Files(
			filepath.Join(dir, "returns.md"),
			filepath.Join(dir, "shipping.md"),
			filepath.Join(dir, "products.csv"),
		),
		ChunkSize: 400, // small documents: small chunks, so each answer finds its passage
		Limit:     3,
		Threshold: threshold,
	}
	n, err := docs.Ingest(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Knowledge %q: %d chunks embedded this run (0 when nothing changed since the last run).\n", docs.Name, n)

	support := &agent.Agent{
		Role:      "Customer Support Agent",
		Goal:      "Answer customers exactly, from the company's documents",
		Backstory: "You work at an electronics shop. You only state what the documents say, and you cite them.",
		LLM:       model,
	}
	answer := &task.Task{
		Name:           "answer",
		Description:    "Answer this customer question: {question}",
		ExpectedOutput: "A short, friendly answer that quotes the relevant facts",
		Agent:          support,
	}
	c := &crew.Crew{
		Name:      "support crew",
		Agents:    []*agent.Agent{support},
		Tasks:     []*task.Task{answer},
		Knowledge: docs,
		Tracing:   true,
		Verbose:   true,
	}
	out, err := c.Kickoff(ctx, map[string]any{"question": question})
	if err != nil {
		return err
	}
	fmt.Println("\n" + out.Raw)
	return nil
}

// scripted writes the search query and answers from the passages that
// knowledge put into the prompt, so the offline answer really comes from the
// documents.
func scripted() llm.LLM {
	return &llmtest.Scripted{Model: "scripted-offline", Respond: func(req *llm.Request) llmtest.Reply {
		system, user := req.Messages[0].Content, req.Messages[len(req.Messages)-1].Content
		if strings.Contains(system, "search queries") {
			return llmtest.Reply{Content: "return Aria wireless headphones refund days price"}
		}
		_, found, ok := strings.Cut(user, "knowledge sources")
		if !ok {
			return llmtest.Reply{Content: "I could not find this in our documents; let me ask a colleague."}
		}
		var facts []string
		for line := range strings.SplitSeq(found, "\n") {
			line = strings.TrimSpace(line)
			if strings.Contains(line, "30 days") || strings.Contains(line, "Aria") || strings.Contains(line, "Refunds are paid") {
				facts = append(facts, line)
			}
		}
		if len(facts) == 0 {
			return llmtest.Reply{Content: "I could not find this in our documents; let me ask a colleague."}
		}
		return llmtest.Reply{Content: "Yes, you can. From our documents:\n- " + strings.Join(facts, "\n- ")}
	}}
}

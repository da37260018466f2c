package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/knowledge"
	"github.com/crewai-go/crewai/memory"
	"github.com/crewai-go/crewai/rag"
	"github.com/crewai-go/crewai/rag/localstore"
)

// seedStore writes memories of two crews and one knowledge collection.
func seedStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v.db")
	st, err := localstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	m := &memory.Memory{Store: st, Embedder: rag.HashEmbedder{}}
	if _, err := m.Remember(ctx, memory.Item{Text: "Ana is vegetarian", Crew: "travel crew", Agent: "Planner", Importance: 0.9},
		memory.Item{Text: "Ana dislikes museums", Crew: "travel crew", Agent: "Guide", Importance: 0.5}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Remember(ctx, memory.Item{Text: "Budget is tight", Crew: "finance"}); err != nil {
		t.Fatal(err)
	}
	k := &knowledge.Knowledge{Name: "docs", Store: st, Embedder: rag.HashEmbedder{},
		Sources: []knowledge.Source{knowledge.String{Label: "a", Content: "alpha"}, knowledge.String{Label: "b", Content: "beta"}}}
	if _, err := k.Ingest(ctx); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMemoryCommands(t *testing.T) {
	path := seedStore(t)
	env := map[string]string{"CREWAI_VECTOR_DB": path}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
		lacks    []string
	}{
		{"list a crew", []string{"memory", "list", "--crew", "travel crew"}, 0,
			[]string{"Ana is vegetarian", "Ana dislikes museums", "Planner", "0.90"}, []string{"Budget"}},
		{"list an agent", []string{"memory", "list", "--crew", "travel crew", "--agent", "Guide"}, 0,
			[]string{"Ana dislikes museums"}, []string{"vegetarian"}},
		{"list all as JSON", []string{"memory", "list", "--all", "--json"}, 0,
			[]string{`"text":"Budget is tight"`, `"crew":"travel crew"`}, nil},
		{"list needs a scope", []string{"memory", "list"}, 2, nil, nil},
		{"reset needs a scope", []string{"memory", "reset"}, 2, nil, nil},
		{"reset all with a crew", []string{"memory", "reset", "--all", "--crew", "x"}, 2, nil, nil},
		{"unknown subcommand", []string{"memory", "forget"}, 2, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, env, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", r.code, tt.code, r.stderr)
			}
			for _, w := range tt.contains {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tt.lacks {
				if strings.Contains(r.stdout, w) {
					t.Errorf("stdout has %q:\n%s", w, r.stdout)
				}
			}
		})
	}
	r := runCLI(t, env, "memory", "reset", "--crew", "travel crew", "--agent", "Planner")
	if r.code != 0 || !strings.Contains(r.stdout, "Forgot 1 memories") {
		t.Fatalf("reset agent: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "memory", "list", "--all")
	if strings.Contains(r.stdout, "vegetarian") || !strings.Contains(r.stdout, "museums") || !strings.Contains(r.stdout, "Budget") {
		t.Fatalf("after resetting one agent:\n%s", r.stdout)
	}
	r = runCLI(t, env, "memory", "reset", "--all")
	if r.code != 0 || !strings.Contains(r.stdout, "Forgot 2 memories of every crew") {
		t.Fatalf("reset all: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, env, "memory", "list", "--all")
	if !strings.Contains(r.stdout, "No memories.") {
		t.Fatalf("after reset --all:\n%s", r.stdout)
	}
}

func TestKnowledgeCommands(t *testing.T) {
	path := seedStore(t)
	r := runCLI(t, nil, "knowledge", "list", "--db", path)
	if r.code != 0 || !strings.Contains(r.stdout, "docs") || !strings.Contains(r.stdout, "string:a, string:b") {
		t.Fatalf("list: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, nil, "knowledge", "reset", "--db", path); r.code != 2 {
		t.Fatalf("reset without a name: exit %d", r.code)
	}
	r = runCLI(t, nil, "knowledge", "reset", "--name", "docs", "--db", path)
	if r.code != 0 || !strings.Contains(r.stdout, "Removed knowledge docs.") {
		t.Fatalf("reset: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, nil, "knowledge", "list", "--db", path)
	if !strings.Contains(r.stdout, "No knowledge collections.") {
		t.Fatalf("after reset: %q", r.stdout)
	}
	// The memories are still there.
	r = runCLI(t, nil, "memory", "list", "--all", "--db", path)
	if !strings.Contains(r.stdout, "Budget is tight") {
		t.Fatalf("knowledge reset touched memories: %q", r.stdout)
	}
}

func TestStoreCommandsDoNotCreateOrEmptyFiles(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.db")
	r := runCLI(t, nil, "memory", "list", "--all", "--db", missing)
	if r.code != 0 || !strings.Contains(r.stderr, "No vector store at") {
		t.Fatalf("missing store: %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("listing created the store file")
	}
	corrupt := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(corrupt, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, nil, "memory", "reset", "--all", "--db", corrupt)
	if r.code != 1 || !strings.Contains(r.stderr, "damaged") {
		t.Fatalf("corrupt store: %d %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(corrupt); string(b) != "not a database" {
		t.Fatal("the corrupt file was changed")
	}
}

// Package vectordb_test runs the rag/chroma store and a knowledge search
// against a real Chroma server: the chromadb npm package (its CLI runs the
// server) installed into the user cache folder on first use, started on a
// free 127.0.0.1 port and stopped by the test. chromadb 3.5.0's default
// native bindings need glibc 2.38; the bindings 1.0.1 run on Debian 12's
// glibc 2.36, so they are pinned with an npm override.
package vectordb_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/crewai-go/crewai/knowledge"
	"github.com/crewai-go/crewai/rag"
	"github.com/crewai-go/crewai/rag/chroma"
)

const packageJSON = `{
  "private": true,
  "dependencies": {"chromadb": "3.5.0"},
  "overrides": {"chromadb-js-bindings-linux-x64-gnu": "1.0.1"}
}
`

// install puts chromadb under the user cache folder (once) and returns the
// CLI's path.
func install(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "crewai-go", "chroma-3.5.0")
	cli := filepath.Join(dir, "node_modules", "chromadb", "dist", "cli.mjs")
	if _, err := os.Stat(cli); err == nil {
		return cli
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(packageJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install chromadb: %v\n%s", err, out)
	}
	t.Logf("installed chromadb in %s (%v)", dir, time.Since(start).Round(time.Second))
	return cli
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startChroma runs a Chroma server for the test and returns its URL.
func startChroma(t *testing.T) string {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatal("npm is needed to install the Chroma server (apt-get install npm)")
	}
	cli := install(t)
	port := freePort(t)
	cmd := exec.Command("node", cli, "run", "--path", t.TempDir(), "--host", "127.0.0.1", "--port", fmt.Sprint(port))
	logf, err := os.Create(filepath.Join(t.TempDir(), "chroma.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/api/v2/heartbeat")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("Chroma did not answer on %s within 60 s:\n%s", url, b)
	return ""
}

func TestChromaStore(t *testing.T) {
	url := startChroma(t)
	ctx := context.Background()
	s := &chroma.Store{URL: url}
	docs := []rag.Document{
		{ID: "a", Text: "alpha", Metadata: map[string]string{"kind": "x"}, Vector: []float32{1, 0, 0}},
		{ID: "b", Text: "beta", Metadata: map[string]string{"kind": "y"}, Vector: []float32{0.8, 0.6, 0}},
		{ID: "c", Text: "gamma", Metadata: map[string]string{"kind": "x"}, Vector: []float32{0, 0, 5}},
	}
	if err := s.Upsert(ctx, "e2e_coll", docs); err != nil {
		t.Fatal(err)
	}
	res, err := s.Search(ctx, "e2e_coll", rag.Query{Vector: []float32{1, 0, 0}, Limit: 2})
	if err != nil || len(res) != 2 || res[0].ID != "a" || res[1].ID != "b" || res[1].Score < 0.79 || res[1].Score > 0.81 {
		t.Fatalf("search: %+v, %v", res, err)
	}
	res, err = s.Search(ctx, "e2e_coll", rag.Query{Vector: []float32{1, 0, 0}, Limit: 5, MinScore: 0.5, Filter: map[string]string{"kind": "x"}})
	if err != nil || len(res) != 1 || res[0].Text != "alpha" {
		t.Fatalf("filtered search: %+v, %v", res, err)
	}
	if err := s.Delete(ctx, "e2e_coll", []string{"a"}); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, "e2e_coll", nil)
	if err != nil || len(list) != 2 || list[0].ID != "b" {
		t.Fatalf("list after delete: %+v, %v", list, err)
	}
	cols, err := s.Collections(ctx)
	if err != nil || len(cols) != 1 || cols[0] != "e2e_coll" {
		t.Fatalf("collections: %v, %v", cols, err)
	}
	if err := s.Reset(ctx, "e2e_coll"); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Search(ctx, "e2e_coll", rag.Query{Vector: []float32{1, 0, 0}, Limit: 2}); err != nil || len(res) != 0 {
		t.Fatalf("search after reset: %+v, %v", res, err)
	}

	// Knowledge on the server: ingest, search, and no re-embedding the
	// second time.
	k := &knowledge.Knowledge{Name: "e2e", Store: s, Embedder: rag.HashEmbedder{}, Threshold: 0.1,
		Sources: []knowledge.Source{
			knowledge.String{Label: "refunds", Content: "Refunds are paid within 14 days."},
			knowledge.String{Label: "hours", Content: "The shop opens at nine."},
		}}
	found, err := k.Search(ctx, "", "when are refunds paid")
	if err != nil || len(found) == 0 || found[0].Source != "string:refunds" {
		t.Fatalf("knowledge search: %+v, %v", found, err)
	}
	k2 := &knowledge.Knowledge{Name: "e2e", Store: s, Embedder: rag.HashEmbedder{}, Sources: k.Sources}
	if n, err := k2.Ingest(ctx); err != nil || n != 0 {
		t.Fatalf("second ingest embedded %d chunks (want 0): %v", n, err)
	}
}

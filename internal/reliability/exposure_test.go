package reliability

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/crewai-go/crewai/internal/viewer"
	"github.com/crewai-go/crewai/task"
)

// TestViewerLoopbackOnly checks the two defences of the trace viewer: the
// address it may listen on (CheckLoopbackAddr, which `crewai traces view`
// calls before listening) and the Host header of every request (a defence
// against DNS rebinding).
func TestViewerLoopbackOnly(t *testing.T) {
	addrs := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true}, {"localhost:8080", true}, {"[::1]:0", true}, {"127.3.4.5:9000", true},
		{":8080", false}, {"0.0.0.0:8080", false}, {"[::]:8080", false}, {"192.168.1.10:80", false},
		{"10.0.0.1:0", false}, {"example.com:80", false}, {"localhost.example.com:80", false},
		{"127.0.0.1.nip.io:80", false}, {"", false}, {"127.0.0.1", false},
	}
	for _, a := range addrs {
		got, err := viewer.CheckLoopbackAddr(a.addr)
		if (err == nil) != a.ok {
			t.Errorf("CheckLoopbackAddr(%q) = %q, %v; want accepted=%v", a.addr, got, err, a.ok)
		}
	}

	dir := t.TempDir()
	srv := httptest.NewServer(viewer.Handler(viewer.Options{Dir: dir}))
	defer srv.Close()
	hosts := []struct {
		host string
		want int
	}{
		{"127.0.0.1", http.StatusOK}, {"127.0.0.1:7777", http.StatusOK}, {"localhost:7777", http.StatusOK},
		{"[::1]:7777", http.StatusOK}, {"LOCALHOST", http.StatusOK},
		{"evil.example.com", http.StatusForbidden}, {"evil.example.com:7777", http.StatusForbidden},
		{"localhost.evil.example.com", http.StatusForbidden}, {"127.0.0.1.nip.io", http.StatusForbidden},
		{"192.168.1.10:7777", http.StatusForbidden}, {"0.0.0.0:7777", http.StatusForbidden},
		{"", http.StatusForbidden},
	}
	for _, h := range hosts {
		for _, path := range []string{"/", "/api/traces"} {
			req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = h.host
			if h.host == "" {
				// Go's client fills an empty Host from the URL; ask the
				// handler directly.
				rec := httptest.NewRecorder()
				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.Host = ""
				viewer.Handler(viewer.Options{Dir: dir}).ServeHTTP(rec, r)
				if rec.Code != h.want {
					t.Errorf("GET %s with an empty Host: %d, want %d", path, rec.Code, h.want)
				}
				continue
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != h.want {
				t.Errorf("GET %s with Host %q: %d, want %d", path, h.host, resp.StatusCode, h.want)
			}
		}
	}
	srv.Client().CloseIdleConnections()
}

// TestOutputFileStaysInWorkingDir runs the crew with the writer's task
// writing its output to OutputFile. Paths that leave the working directory
// (through "..", an absolute path, or a {placeholder} whose input is "..")
// are refused before any model call unless AllowOutsideDir is set; a path
// inside is written.
func TestOutputFileStaysInWorkingDir(t *testing.T) {
	root := t.TempDir()
	work := filepath.Join(root, "work")
	outside := filepath.Join(root, "outside")
	for _, d := range []string{work, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(work)
	cases := []struct {
		name    string
		file    string
		inputs  map[string]any
		allow   bool
		refused bool
		written string // the file that must hold the article, relative to root
	}{
		{name: "inside", file: "reports/{topic}.md", written: "work/reports/AI.md"},
		{name: "dot-dot", file: "../outside/escape.md", refused: true},
		{name: "dot-dot inside a path", file: "reports/../../outside/escape.md", refused: true},
		{name: "absolute", file: filepath.Join(outside, "abs.md"), refused: true},
		{name: "placeholder input climbs out", file: "{dir}/escape.md", inputs: map[string]any{"dir": "../outside"}, refused: true},
		{name: "dot-dot refused even with AllowOutsideDir", file: "../outside/allowed.md", allow: true, refused: true},
		{name: "absolute allowed", file: filepath.Join(outside, "allowed.md"), allow: true, written: "outside/allowed.md"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rg := newRig(t, rigConfig{})
			c := rg.newCrew(nil)
			c.Tasks[1].OutputFile, c.Tasks[1].AllowOutsideDir = tc.file, tc.allow
			inputs := map[string]any{"topic": "AI"}
			for k, v := range tc.inputs {
				inputs[k] = v
			}
			_, err := c.Kickoff(context.Background(), inputs)
			if tc.refused {
				if !errors.Is(err, task.ErrOutsideDir) {
					t.Fatalf("OutputFile %q: want ErrOutsideDir, got %v", tc.file, err)
				}
				if n := rg.srv.Count(); n != 0 {
					t.Errorf("%d model calls before the refusal, want 0", n)
				}
				assertNoEscape(t, outside)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(root, tc.written))
			if err != nil || string(b) != article {
				t.Errorf("%s: %q, %v", tc.written, b, err)
			}
		})
	}
}

// TestOutputFileSymlinkEscape puts a symbolic link inside the working
// directory that points outside it, and names a file under the link as
// OutputFile (without AllowOutsideDir). The path is lexically local, but
// writing it would land outside the working directory: it must be refused
// and nothing may be written outside.
func TestOutputFileSymlinkEscape(t *testing.T) {
	root := t.TempDir()
	work := filepath.Join(root, "work")
	outside := filepath.Join(root, "outside")
	for _, d := range []string{work, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(work, "reports")); err != nil {
		t.Skipf("cannot make a symbolic link here: %v", err)
	}
	t.Chdir(work)
	rg := newRig(t, rigConfig{})
	c := rg.newCrew(nil)
	c.Tasks[1].OutputFile = "reports/escape.md"
	_, err := c.Kickoff(context.Background(), map[string]any{"topic": "AI"})
	assertNoEscape(t, outside)
	if !errors.Is(err, task.ErrOutsideDir) {
		t.Errorf("OutputFile through a link to outside the working directory: want ErrOutsideDir, got %v", err)
	}
}

// assertNoEscape fails if anything was written in dir.
func assertNoEscape(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "allowed.md" {
			t.Errorf("a file escaped the working directory: %s", filepath.Join(filepath.Base(dir), e.Name()))
		}
	}
}

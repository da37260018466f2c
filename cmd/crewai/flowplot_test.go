package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeModule makes a tiny source tree named like crewai-go with one example
// that supports -plot and one that does not.
func fakeModule(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod": "module github.com/crewai-go/crewai\n\ngo 1.26\n",
		"examples/plotme/main.go": `package main

import (
	"flag"
	"os"
)

func main() {
	plot := flag.String("plot", "", "write the plot")
	flag.Parse()
	if *plot != "" {
		_ = os.WriteFile(*plot, []byte("<html>flow plot</html>"), 0o644)
	}
}
`,
		"examples/noplot/main.go": "package main\n\nfunc main() {}\n",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestFlowPlotArgs(t *testing.T) {
	root := fakeModule(t)
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"--module", root, "--list"}, 0, "plotme\n", ""},
		{[]string{"--module", root}, 2, "", "--example NAME or --list is required"},
		{[]string{"--module", root, "--example", "../etc"}, 2, "", "want the name of a folder"},
		{[]string{"--module", root, "--example", "missing"}, 2, "", `no example "missing"`},
		{[]string{"--module", root, "--example", "noplot"}, 1, "", "does not accept -plot"},
		{[]string{"--module", t.TempDir(), "--list"}, 2, "", "is not the root"},
		{[]string{"extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"--module", root, "--example", "plotme", "-o", filepath.Join(root, "no-such-folder", "x.html")}, 2, "", "does not exist; want a file in an existing folder"},
		{[]string{"--module", root, "--example", "plotme", "-o", root}, 2, "", "is a folder; want a file name"},
	}
	for _, tt := range tests {
		r := runCLI(t, nil, append([]string{"flow", "plot"}, tt.args...)...)
		if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("%v: %+v", tt.args, r)
		}
	}
}

func TestFlowPlotRunsExample(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go toolchain on PATH")
	}
	root := fakeModule(t)
	out := filepath.Join(t.TempDir(), "plot.html")
	r := runCLI(t, nil, "flow", "plot", "--module", root, "--example", "plotme", "-o", out)
	if r.code != 0 || !strings.Contains(r.stdout, "Wrote the plot of examples/plotme to "+out) {
		t.Fatalf("%+v", r)
	}
	b, err := os.ReadFile(out)
	if err != nil || string(b) != "<html>flow plot</html>" {
		t.Fatalf("%q %v", b, err)
	}
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

const modulePath = "github.com/crewai-go/crewai"

const flowPlotAbout = `Writes the HTML plot of a flow (its methods, listeners, routers and their labels) to a file.

A project made by "crewai create flow" (any program whose main hands its flow to project.MainFlow)
plots itself: "crewai flow plot --package DIR" runs "go run DIR plot -o FILE" (default flow.html).

A command cannot load a flow out of someone else's program, so a program exposes its flow for plotting
itself: it accepts a -plot FILE flag and, when given, writes f.Graph().HTML to FILE (f.Graph().Mermaid() gives the
same graph as Mermaid text), preferably without running the flow:

    plot := flag.String("plot", "", "write the flow's HTML plot to this file and exit")
    flag.Parse()
    if *plot != "" {
        out, err := os.Create(*plot)
        if err != nil { log.Fatal(err) }
        defer out.Close()
        if err := f.Graph().HTML(out); err != nil { log.Fatal(err) }
        return
    }

The example programs of this module do so; "crewai flow plot --example NAME" builds and runs
examples/NAME of the crewai-go source tree (found from --module, else from the current folder
upward) with "go run ./examples/NAME -plot FILE", so it needs the Go toolchain. --list lists the
examples that support -plot.`

func (c *cli) flowPlot(ctx context.Context, args []string) error {
	fs := c.newFlags("flow plot", "--example NAME [-o FILE] [--module DIR] | --list", flowPlotAbout)
	example := fs.String("example", "", "example program under examples/ whose flow to plot")
	out := fs.String("o", "", "output file (default NAME.html in the current folder)")
	module := fs.String("module", "", "root of the crewai-go source tree (default: found from the current folder upward)")
	list := fs.Bool("list", false, "list the examples that can plot their flow")
	pkg := fs.String("package", "", "a project folder whose program hands its flow to project.MainFlow (it runs \"go run DIR plot\")")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *pkg != "" {
		if *example != "" || *list || len(pos) > 0 {
			return usagef("flow plot: --package takes no --example, --list or argument")
		}
		return c.plotPackage(ctx, *pkg, *out)
	}
	if len(pos) > 0 {
		return usagef("flow plot: unexpected argument %q (use --example NAME)", pos[0])
	}
	if !*list && *example == "" {
		return usagef("flow plot: --example NAME or --list is required (or --package DIR for a project's flow)")
	}
	if *example != "" && !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(*example) {
		return usagef("flow plot: --example %q: want the name of a folder under examples/ (letters, digits, _ and -)", *example)
	}
	root := *module
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("flow plot: %w", err)
		}
		if root, err = findModule(wd); err != nil {
			return err
		}
	} else if ok, err := isModuleRoot(root); err != nil || !ok {
		return usagef("flow plot: --module %q is not the root of the %s source tree", root, modulePath)
	}
	plottable, err := plottableExamples(root)
	if err != nil {
		return err
	}
	if *list {
		if len(plottable) == 0 {
			fmt.Fprintln(c.stdout, "No example under examples/ supports -plot yet.")
		}
		for _, name := range plottable {
			fmt.Fprintln(c.stdout, name)
		}
		return nil
	}
	if _, err := os.Stat(filepath.Join(root, "examples", *example)); err != nil {
		return usagef("flow plot: no example %q in %s (have: %s)", *example, filepath.Join(root, "examples"), strings.Join(plottable, ", "))
	}
	if !contains(plottable, *example) {
		return fmt.Errorf("flow plot: example %q does not accept -plot (examples that do: %s)", *example, strings.Join(plottable, ", "))
	}
	dest := *out
	if dest == "" {
		dest = *example + ".html"
	}
	if dest, err = filepath.Abs(dest); err != nil {
		return fmt.Errorf("flow plot: %w", err)
	}
	if info, err := os.Stat(filepath.Dir(dest)); err != nil || !info.IsDir() {
		return usagef("flow plot: -o %q: folder %s does not exist; want a file in an existing folder", *out, filepath.Dir(dest))
	}
	if info, err := os.Stat(dest); err == nil && info.IsDir() {
		return usagef("flow plot: -o %q: is a folder; want a file name", *out)
	}
	cmd := exec.CommandContext(ctx, "go", "run", "./examples/"+*example, "-plot", dest)
	cmd.Dir = root
	cmd.Stdout = c.stderr // the example's own chatter is not the command's output
	cmd.Stderr = c.stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("flow plot: go run ./examples/%s -plot %s: %w", *example, dest, err)
	}
	if _, err := os.Stat(dest); err != nil {
		return fmt.Errorf("flow plot: example %q ran but wrote no plot to %s", *example, dest)
	}
	fmt.Fprintf(c.stdout, "Wrote the plot of examples/%s to %s\n", *example, dest)
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// findModule walks up from dir to the root of the crewai-go source tree.
func findModule(dir string) (string, error) {
	for d := dir; ; {
		if ok, _ := isModuleRoot(d); ok {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("flow plot: %s is not inside the %s source tree; run from a checkout or pass --module DIR", dir, modulePath)
		}
		d = parent
	}
}

func isModuleRoot(dir string) (bool, error) {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "module ") {
			return strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "module ")), `"`) == modulePath, nil
		}
	}
	return false, sc.Err()
}

var plotFlagRE = regexp.MustCompile(`flag\.(String|StringVar)\([^)]*"plot"`)

// plottableExamples lists the examples whose Go files define a -plot flag.
func plottableExamples(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "examples"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("flow plot: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(root, "examples", e.Name(), "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err == nil && plotFlagRE.Match(b) {
				out = append(out, e.Name())
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/crewai-go/crewai/project"
)

const createAbout = `Creates a Go module in the folder NAME (lower case, spaces and - as _): go.mod, main.go,
config/agents.yaml, config/tasks.yaml, a tool stub, an offline model, a README and a test. For a flow,
main.go defines a flow that runs the crew. An existing folder is never overwritten.

The module requires this crewai-go version (when the command was installed from a release), or, with
--replace DIR (or when run inside a crewai-go source tree), uses that source tree. Then "go mod tidy"
runs in the new folder (--no-tidy skips it). The project runs offline at once:

    cd NAME && go run . run`

func (c *cli) create(ctx context.Context, args []string) error {
	fs := c.newFlags("create", "crew|flow NAME [--module PATH] [--replace DIR] [--require VERSION] [--no-tidy]", createAbout)
	module := fs.String("module", "", "the module path (default NAME)")
	replace := fs.String("replace", "", "a crewai-go source tree the module uses instead of a release")
	require := fs.String("require", "", "the crewai-go version to require (default: this command's)")
	noTidy := fs.Bool("no-tidy", false, `do not run "go mod tidy" in the new folder`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != project.KindCrew && pos[0] != project.KindFlow) {
		return usagef("create: want \"crewai create crew NAME\" or \"crewai create flow NAME\"")
	}
	o := project.CreateOptions{Module: *module, Replace: *replace, Require: *require}
	if o.Replace == "" && o.Require == "" {
		if v := ownVersion(); v != "" {
			o.Require = v
		} else if wd, err := os.Getwd(); err == nil {
			if root, err := findModule(wd); err == nil {
				o.Replace = root
				fmt.Fprintf(c.stderr, "Inside the crewai-go source tree: the project uses it (replace => %s).\n", root)
			}
		}
	}
	dir, files, err := project.Create(".", pos[0], pos[1], o)
	if err != nil {
		var perr error = err
		if strings.Contains(err.Error(), "want a letter") || strings.Contains(err.Error(), "already exists") {
			return usagef("create: %v", strings.TrimPrefix(perr.Error(), "project: "))
		}
		return fmt.Errorf("create: %w", err)
	}
	fmt.Fprintf(c.stdout, "Created %s %s:\n", pos[0], dir)
	for _, f := range files {
		fmt.Fprintf(c.stdout, "  %s\n", f)
	}
	if !*noTidy {
		cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = c.stderr, c.stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(c.stderr, "crewai: go mod tidy in %s failed (%v); run it there once you are online\n", dir, err)
		}
	}
	fmt.Fprintf(c.stdout, "\nNext:\n  cd %s\n  go run . run          # or: crewai run\n", dir)
	return nil
}

// ownVersion is the crewai-go version this command was built from, when it
// was installed from a release ("go install ...@v1.2.3"); "" for a
// development build.
func ownVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Path != modulePath {
		return ""
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	return ""
}

// forwarded maps the project commands of crewai to the project program's.
var forwarded = map[string][]string{
	"run":               {"run"},
	"replay":            {"replay"},
	"log-tasks-outputs": {"log-tasks-outputs"},
	"test":              {"test"},
	"train":             {"train"},
	"reset-memories":    {"memory", "reset"},
}

// forward builds the project in dir and runs its program with CMD ARGS
// (what "go run . CMD ARGS" does, keeping the program's exit status), the
// way CrewAI's command runs the project with uv: the project's program (its
// main.go hands its crew or flow to project.Main) does the work.
func (c *cli) forward(ctx context.Context, dir string, cmdArgs []string) error {
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return usagef("%s: %s is not a Go project folder (no go.mod); run it in a folder made by \"crewai create\"",
			strings.Join(cmdArgs, " "), dir)
	}
	if ok, _ := isModuleRoot(dir); ok {
		return usagef("%s: this is the crewai-go source tree, not a project; \"crewai create crew NAME\" makes one",
			strings.Join(cmdArgs, " "))
	}
	// Built, then run (what "go run ." does), so that the program's exit
	// status comes back: go run reports any failure as status 1.
	tmp, err := os.MkdirTemp("", "crewai-project-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "project")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Stdout, build.Stderr = c.stderr, c.stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build in %s: %w", dir, err)
	}
	cmd := exec.CommandContext(ctx, bin, cmdArgs...)
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.stdin, c.stdout, c.stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return &exitStatus{code: ee.ExitCode(), cmd: strings.Join(cmdArgs, " ")}
		}
		return fmt.Errorf("%s: %w", strings.Join(cmdArgs, " "), err)
	}
	return nil
}

// exitStatus is a forwarded command's failure: its own message is already
// printed; crewai exits with its status.
type exitStatus struct {
	code int
	cmd  string
}

func (e *exitStatus) Error() string { return fmt.Sprintf("%s: exit status %d", e.cmd, e.code) }

// plotPackage writes the plot of the flow of the project program in dir
// ("go run DIR plot -o FILE").
func (c *cli) plotPackage(ctx context.Context, dir, out string) error {
	if out == "" {
		out = "flow.html"
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("flow plot: %w", err)
	}
	if err := c.forward(ctx, dir, []string{"plot", "-o", abs}); err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("flow plot: the program in %s wrote no plot to %s (does its main hand its flow to project.MainFlow?)", dir, abs)
	}
	fmt.Fprintf(c.stdout, "Wrote the plot of the flow in %s to %s\n", dir, abs)
	return nil
}

package project

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

//go:embed all:templates
var templates embed.FS

// Kinds of project [Create] scaffolds.
const (
	// KindCrew is a crew whose agents and tasks are in YAML.
	KindCrew = "crew"
	// KindFlow is a flow that runs a crew defined in YAML.
	KindFlow = "flow"
)

// CreateOptions say how [Create] writes a project. The zero value writes a
// module named after the project that requires no version of this library
// (run "go get github.com/crewai-go/crewai@latest" in it).
type CreateOptions struct {
	// Module is the module path; empty means the project's name.
	Module string
	// Require is the version of github.com/crewai-go/crewai to require,
	// such as "v0.3.0". With Replace and no Require, a placeholder version
	// is required and the replace supplies the code.
	Require string
	// Replace, if set, is a folder holding the crewai-go source tree that
	// the module uses instead of a published version (a replace
	// directive): for working on the library, and offline use.
	Replace string
}

// nameRE is what a project name may be: it becomes a folder, a Go module
// path and a crew name.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// ProjectName turns a name as a person types it ("My Crew") into a project
// name as CrewAI does: lower case, spaces and hyphens as underscores. It
// returns an error for a name that would not be a plain folder name.
func ProjectName(s string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer(" ", "_", "-", "_").Replace(n)
	if !nameRE.MatchString(n) {
		return "", fmt.Errorf("project: name %q: want a letter, then letters, digits, spaces, - or _ (at most 64)", s)
	}
	return n, nil
}

// Create writes a new project of kind (KindCrew or KindFlow) named name into
// the folder parent/name, which must not exist: an existing folder (or file)
// is never overwritten. It returns the folder and the files written,
// relative to it. Nothing is written outside the new folder; if a write
// fails, the folder is removed.
func Create(parent, kind, name string, o CreateOptions) (dir string, files []string, err error) {
	if kind != KindCrew && kind != KindFlow {
		return "", nil, fmt.Errorf("project: kind %q: want %q or %q", kind, KindCrew, KindFlow)
	}
	if name, err = ProjectName(name); err != nil {
		return "", nil, err
	}
	data := struct{ Name, Module, Require, Replace string }{Name: name, Module: o.Module, Require: o.Require}
	if data.Module == "" {
		data.Module = name
	}
	if strings.ContainsAny(data.Module, " \t\n\"`") {
		return "", nil, fmt.Errorf("project: module path %q: no spaces or quotes", data.Module)
	}
	if o.Replace != "" {
		abs, err := filepath.Abs(o.Replace)
		if err != nil {
			return "", nil, fmt.Errorf("project: replace %q: %w", o.Replace, err)
		}
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
			return "", nil, fmt.Errorf("project: replace %q: not a Go module folder (no go.mod)", o.Replace)
		}
		data.Replace = filepath.ToSlash(abs)
		if data.Require == "" {
			data.Require = "v0.0.0-00010101000000-000000000000"
		}
	}
	dir = filepath.Join(parent, name)
	// Mkdir (not MkdirAll) fails when dir exists: the one check that
	// cannot race with another create.
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", nil, fmt.Errorf("project: %s already exists; choose another name or remove it first", dir)
		}
		return "", nil, fmt.Errorf("project: create %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
			dir, files = "", nil
		}
	}()
	root := "templates/" + kind
	err = fs.WalkDir(templates, root, func(p string, d fs.DirEntry, werr error) error {
		if werr != nil || d.IsDir() {
			return werr
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")
		if rel == "gitignore" {
			rel = ".gitignore"
		}
		if !filepath.IsLocal(rel) {
			return fmt.Errorf("project: template %s leaves the project folder", p)
		}
		text, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(path.Base(p)).Delims("[[", "]]").Option("missingkey=error").Parse(string(text))
		if err != nil {
			return fmt.Errorf("project: template %s: %w", p, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return fmt.Errorf("project: template %s: %w", p, err)
		}
		dest := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return fmt.Errorf("project: %w", err)
		}
		f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("project: %w", err)
		}
		if _, err := f.Write(b.Bytes()); err != nil {
			f.Close()
			return fmt.Errorf("project: write %s: %w", dest, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("project: write %s: %w", dest, err)
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if data.Replace != "" {
		// The library's go.sum covers the project's dependencies, which are
		// a subset of the library's: the project builds without a lookup.
		if sum, rerr := os.ReadFile(filepath.Join(o.Replace, "go.sum")); rerr == nil {
			if err = os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
				return "", nil, fmt.Errorf("project: %w", err)
			}
			files = append(files, "go.sum")
		}
	}
	return dir, files, nil
}

package task

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// resolveOutputFile checks an (interpolated) output path.
func resolveOutputFile(task, path string, allowOutside bool) (string, error) {
	clean := filepath.Clean(path)
	if allowOutside {
		return clean, nil
	}
	if filepath.IsAbs(clean) || !filepath.IsLocal(clean) {
		return "", fmt.Errorf("%w: task %q OutputFile %q must be a relative path inside the working directory (set AllowOutsideDir to allow it)",
			ErrOutsideDir, task, path)
	}
	return clean, nil
}

// writeOutput writes out to path, creating directories. Unless allowOutside
// is set, it writes through an os.Root on the working directory, so that a
// symbolic link inside the directory cannot lead the file outside it.
func writeOutput(task, path string, out TaskOutput, allowOutside bool) error {
	data := []byte(out.Raw)
	if out.Format == FormatJSON && out.Value != nil {
		var err error
		if data, err = jsonIndent(out.JSON); err != nil {
			return fmt.Errorf("task: task %q OutputFile %q: %w", task, path, err)
		}
	}
	if allowOutside {
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("task: task %q OutputFile %q: %w", task, path, err)
			}
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("task: task %q OutputFile %q: %w", task, path, err)
		}
		return nil
	}
	root, err := os.OpenRoot(".")
	if err != nil {
		return fmt.Errorf("task: task %q OutputFile %q: opening the working directory: %w", task, path, err)
	}
	defer root.Close()
	if dir := filepath.Dir(path); dir != "." {
		err = root.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = root.WriteFile(path, data, 0o644)
	}
	if err != nil {
		// os.Root refuses a path that leaves the directory through a link
		// with a *PathError whose text says so (its cause is not exported).
		if strings.Contains(err.Error(), "escapes from parent") {
			return fmt.Errorf("%w: task %q OutputFile %q leads outside the working directory through a link (set AllowOutsideDir to allow it): %v",
				ErrOutsideDir, task, path, err)
		}
		return fmt.Errorf("task: task %q OutputFile %q: %w", task, path, err)
	}
	return nil
}

// checkOutputFile checks an OutputFile as written in the definition (before
// interpolation), as CrewAI's output_file validator does: no ".." segment,
// no leading "~", no environment reference ($HOME, ${X}), no shell
// metacharacter (| ; & > < and the backquote), and every {placeholder} a
// valid identifier. These hold even with AllowOutsideDir, which only lets
// the path be absolute.
func checkOutputFile(task, path string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("task: task %q OutputFile %q: "+format, append([]any{task, path}, args...)...)
	}
	for seg := range strings.FieldsFuncSeq(path, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return fmt.Errorf("%w: task %q OutputFile %q has a \"..\" segment; name a path without \"..\"",
				ErrOutsideDir, task, path)
		}
	}
	switch {
	case strings.HasPrefix(path, "~"):
		return bad("starts with \"~\", which is not expanded; write the path out")
	case strings.Contains(path, "$"):
		return bad("holds an environment reference ($NAME or ${NAME}), which is not expanded; write the path out or use a {placeholder}")
	}
	if i := strings.IndexAny(path, "|;&><`"); i >= 0 {
		return bad("holds the shell character %q; use letters, digits, '.', '-', '_', '/' and {placeholders}", path[i:i+1])
	}
	for rest := path; ; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			return nil
		}
		if rest[open] == '}' {
			return bad("has a '}' without its '{'")
		}
		rest = rest[open+1:]
		name, after, closed := strings.Cut(rest, "}")
		if !closed || !isIdentifier(name) {
			return bad("has the placeholder {%s}, which is not a valid name (a letter or '_', then letters, digits or '_')", name)
		}
		rest = after
	}
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

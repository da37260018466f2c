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

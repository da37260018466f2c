package task

import (
	"fmt"
	"os"
	"path/filepath"
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

// writeOutput writes out to path, creating directories.
func writeOutput(task, path string, out TaskOutput) error {
	data := []byte(out.Raw)
	if out.Format == FormatJSON && out.Value != nil {
		var err error
		if data, err = jsonIndent(out.JSON); err != nil {
			return fmt.Errorf("task: task %q OutputFile %q: %w", task, path, err)
		}
	}
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

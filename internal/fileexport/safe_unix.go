//go:build unix

package fileexport

import (
	"io/fs"
	"os"
	"syscall"
)

// Open flags: never follow a symbolic link at the trace file's path, and
// never block opening a FIFO put there (it fails with ENXIO instead).
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// checkOwner reports what is wrong with a trace file or folder that is not
// the process's own, or "" when it is: owned by the effective user and,
// for a file, with no other hard link (a link to another file would be
// written through).
func checkOwner(fi fs.FileInfo, file bool) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	if int(st.Uid) != os.Geteuid() {
		return "owned by another user"
	}
	if file && st.Nlink > 1 {
		return "a file with other hard links"
	}
	return ""
}

// checkModes is true where mode bits say who may write.
const checkModes = true

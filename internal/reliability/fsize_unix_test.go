//go:build linux || darwin || freebsd || netbsd || openbsd

package reliability

import (
	"os/signal"
	"syscall"
)

// limitFileSize sets the process's file size limit (RLIMIT_FSIZE) to n
// bytes and ignores SIGXFSZ, so that a write past it fails with EFBIG
// instead of killing the process.
func limitFileSize(n uint64) error {
	signal.Ignore(syscall.SIGXFSZ)
	return syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
}

//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package reliability

import "errors"

func limitFileSize(uint64) error { return errors.New("no RLIMIT_FSIZE on this system") }

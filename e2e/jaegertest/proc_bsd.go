//go:build unix && !linux

package jaegertest

import "syscall"

// sysProcAttr puts Jaeger in a process group of its own, so that Stop can end
// it and anything it starts.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

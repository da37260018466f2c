//go:build linux

package jaegertest

import "syscall"

// sysProcAttr puts Jaeger in a process group of its own, so that Stop can end
// it and anything it starts, and asks the kernel to kill it if the thread that
// started it dies (the test binary was killed, or timed out and exited
// without running cleanups).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

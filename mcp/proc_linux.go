package mcp

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts a stdio server in its own process group (so that Close
// can stop the processes it started, npx's node for one) and asks the
// kernel to kill it if this program dies first.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills what is left of a stdio server's process group.
func killGroup(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

//go:build !unix

package mcp

import "os/exec"

func setProcAttr(cmd *exec.Cmd) {}

// killGroup kills a stdio server's process.
func killGroup(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Kill()
}

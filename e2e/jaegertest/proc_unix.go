//go:build unix

package jaegertest

import (
	"errors"
	"os/exec"
	"syscall"
)

// terminate sends SIGTERM to the process group of cmd.
func terminate(cmd *exec.Cmd) error { return signalGroup(cmd, syscall.SIGTERM) }

// kill sends SIGKILL to the process group of cmd.
func kill(cmd *exec.Cmd) error { return signalGroup(cmd, syscall.SIGKILL) }

// killGroup kills what is left of the process group of cmd; a group that is
// already gone is not an error.
func killGroup(cmd *exec.Cmd) error {
	if err := signalGroup(cmd, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	// The process leads its own group (Setpgid), so -pid names the group.
	return syscall.Kill(-cmd.Process.Pid, sig)
}

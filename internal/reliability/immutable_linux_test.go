//go:build linux && (amd64 || arm64)

package reliability

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// The ioctls of chattr(1) (linux/fs.h): FS_IOC_GETFLAGS and FS_IOC_SETFLAGS
// take a pointer to a long, 8 bytes on these architectures.
const (
	fsIocGetFlags = 0x80086601
	fsIocSetFlags = 0x40086602
	fsImmutableFl = 0x00000010
)

// setImmutable sets or clears the immutable attribute of dir (chattr +i /
// -i): while it is set nobody, not even root, can create, remove or rename
// anything in dir. Setting it needs root (CAP_LINUX_IMMUTABLE) and a
// filesystem that supports it (ext4, xfs, btrfs, tmpfs since Linux 6.0).
func setImmutable(dir string, on bool) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	var flags int64
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), fsIocGetFlags, uintptr(unsafe.Pointer(&flags))); e != 0 {
		return fmt.Errorf("FS_IOC_GETFLAGS %s: %w", dir, e)
	}
	if on {
		flags |= fsImmutableFl
	} else {
		flags &^= fsImmutableFl
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), fsIocSetFlags, uintptr(unsafe.Pointer(&flags))); e != 0 {
		return fmt.Errorf("FS_IOC_SETFLAGS %s: %w", dir, e)
	}
	return nil
}

//go:build !(linux && (amd64 || arm64))

package reliability

import "errors"

// setImmutable is only implemented on Linux (amd64, arm64).
func setImmutable(dir string, on bool) error {
	return errors.New("the immutable attribute is only set on linux/amd64 and linux/arm64 here")
}

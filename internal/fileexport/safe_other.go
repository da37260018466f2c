//go:build !unix

package fileexport

import "io/fs"

// openFlags adds nothing where O_NOFOLLOW does not exist: the path is
// checked with Lstat before it is opened instead.
const openFlags = 0

// checkOwner cannot tell owners apart here.
func checkOwner(fs.FileInfo, bool) string { return "" }

// checkModes is false where mode bits do not say who may write (Windows).
const checkModes = false

//go:build !linux

package distlocktest

import "syscall"

// dieWithParent returns nil: only Linux offers a parent-death signal.
func dieWithParent() *syscall.SysProcAttr { return nil }

//go:build !linux

package testproc

import "syscall"

// dieWithParent has no portable equivalent of Linux's parent-death signal: elsewhere a
// crashed run may leave servers behind.
func dieWithParent() *syscall.SysProcAttr { return nil }

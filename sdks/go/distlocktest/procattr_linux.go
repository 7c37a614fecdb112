package distlocktest

import "syscall"

// dieWithParent has the kernel kill the server when the test process dies, so a test
// binary killed by a timeout leaves no server (and its embedded Redis) running.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

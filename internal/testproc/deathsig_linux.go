package testproc

import "syscall"

// dieWithParent makes the kernel kill the child when the thread that started it ends:
// a test binary or benchmark that crashes, or is killed, leaves no server running. Go
// keeps its threads for the life of the program unless a goroutine that locked one
// exits, which nothing here does.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

//go:build unix

package cli

import (
	"os/exec"
	"syscall"
	"time"
)

// pipeDrain bounds how long run waits, once CMD has exited, for processes CMD left
// behind to close the output pipes they inherited (only when run's own stdout or stderr
// is not a file, as in tests).
const pipeDrain = time.Second

// child is the command run holds the lock for.
type child struct {
	cmd   *exec.Cmd
	group bool          // CMD leads its own process group, which signals go to
	grace time.Duration // between SIGTERM and SIGKILL
	done  chan struct{} // closed when CMD has exited and been waited for
}

func (c *child) start() error {
	if c.group {
		c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	c.cmd.WaitDelay = pipeDrain
	if err := c.cmd.Start(); err != nil {
		return err
	}
	c.done = make(chan struct{})
	go func() {
		// Wait's error says no more than ProcessState does, which exitCode reads.
		_ = c.cmd.Wait()
		close(c.done)
	}()
	return nil
}

// stop sends SIGTERM, and SIGKILL if CMD has not exited after the grace period. With a
// process group, both go to the whole group, so that a shell's children stop too.
func (c *child) stop() {
	c.signal(syscall.SIGTERM)
	t := time.NewTimer(c.grace)
	defer t.Stop()
	select {
	case <-c.done:
		return
	case <-t.C:
	}
	c.signal(syscall.SIGKILL)
}

func (c *child) signal(sig syscall.Signal) {
	pid := c.cmd.Process.Pid
	if c.group {
		pid = -pid // the group, which outlives its leader while members remain
	}
	// ESRCH only means everything already exited.
	_ = syscall.Kill(pid, sig)
}

// exitCode is CMD's exit status, 128+N when signal N ended it, as a shell reports it.
func (c *child) exitCode() int {
	ps := c.cmd.ProcessState
	if ps == nil {
		return 1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	if code := ps.ExitCode(); code >= 0 {
		return code
	}
	return 1
}

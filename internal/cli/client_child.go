//go:build unix

package cli

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// pipeDrain bounds how long run waits, once CMD has exited, for processes CMD left
// behind to close the output pipes they inherited (only when run's own stdout or stderr
// is not a file, as in tests).
const pipeDrain = time.Second

// child is the command run holds the lock for. It runs under a supervisor, this binary
// started again as `distlock run-supervisor` (client_supervisor.go), which is what makes
// CMD die with run, however run dies.
//
// Why a supervisor: when run is killed with SIGKILL (or crashes, or the OOM killer
// picks it), nothing in run gets to stop CMD, and after the TTL the next holder starts
// alongside it. Linux's Pdeathsig would kill CMD itself, but not the processes CMD
// started (a script's current command), it is Linux-only, and Go ties it to the OS
// thread that forked rather than to the process. The supervisor instead holds the read
// end of a pipe whose only write end is run's: the kernel closes that when run dies, for
// any reason, on every Unix, and the supervisor then kills CMD's whole process group.
type child struct {
	path  string   // CMD's executable, as exec.LookPath found it
	argv  []string // CMD's arguments, argv[0] included
	env   []string
	stdin io.Reader
	// stdout and stderr are CMD's, and the supervisor's.
	stdout, stderr io.Writer
	group          bool          // CMD and the supervisor lead a process group of their own
	grace          time.Duration // between SIGTERM and SIGKILL

	cmd      *exec.Cmd     // the supervisor
	lifeline *os.File      // the pipe's write end; closing it makes the supervisor kill CMD
	cut      sync.Once     // closes lifeline
	done     chan struct{} // closed when the supervisor has exited and been waited for
}

func (c *child) start() error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to supervise CMD: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close() // the supervisor has its copy
	mode := modeForeground
	if c.group {
		mode = modeGroup
	}
	c.cmd = exec.Command(self, append([]string{supervisorCommand, mode, c.path}, c.argv...)...)
	c.cmd.Env = c.env
	c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = c.stdin, c.stdout, c.stderr
	c.cmd.ExtraFiles = []*os.File{r} // fd 3
	if c.group {
		c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	c.cmd.WaitDelay = pipeDrain
	if err := c.cmd.Start(); err != nil {
		w.Close()
		return err
	}
	c.lifeline = w
	c.done = make(chan struct{})
	go func() {
		// Wait's error says no more than ProcessState does, which exitCode reads.
		_ = c.cmd.Wait()
		c.kill() // nothing left to kill: this only closes the pipe
		close(c.done)
	}()
	return nil
}

// stop sends SIGTERM, and has the supervisor kill CMD if it has not exited after the
// grace period. With a process group, SIGTERM goes to the whole group, so that a
// shell's children stop too; without, the supervisor passes it on to CMD.
func (c *child) stop() {
	pid := c.cmd.Process.Pid
	if c.group {
		pid = -pid // the group, which outlives its leader while members remain
	}
	// ESRCH only means everything already exited.
	_ = syscall.Kill(pid, syscall.SIGTERM)
	t := time.NewTimer(c.grace)
	defer t.Stop()
	select {
	case <-c.done:
		return
	case <-t.C:
	}
	c.kill()
}

// kill closes the lifeline, as run's death would: the supervisor kills CMD with SIGKILL.
func (c *child) kill() {
	c.cut.Do(func() { c.lifeline.Close() })
}

// exitCode is CMD's exit status, 128+N when signal N ended it, as a shell reports it.
// The supervisor exits with that number, or dies by SIGKILL with its group.
func (c *child) exitCode() int {
	ps := c.cmd.ProcessState
	if ps == nil {
		return 1
	}
	return statusCode(ps)
}

// statusCode is a process's exit status as a shell reports it: 128+N for signal N.
func statusCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	if code := ps.ExitCode(); code >= 0 {
		return code
	}
	return 1
}

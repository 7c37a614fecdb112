//go:build unix

package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// supervisorCommand is the hidden command that `distlock run` starts between itself and
// CMD (see child). It is not for people: its arguments are a mode, CMD's path and
// CMD's argv, and it expects the read end of run's lifeline as fd 3.
const supervisorCommand = "run-supervisor"

// The supervisor's modes: whether it leads CMD's process group or shares run's.
const (
	modeGroup      = "group"
	modeForeground = "foreground"
)

// superviseCommand runs CMD and exits with its status (128+N for signal N). When the
// lifeline on fd 3 closes (run died, or run's grace period for CMD ran out), it kills
// CMD at once with SIGKILL: nothing renews the lock any more, so CMD may not outlive it.
// In group mode that is the whole process group, the supervisor included.
func superviseCommand(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) < 3 || (args[0] != modeGroup && args[0] != modeForeground) {
		fmt.Fprintf(stderr, "distlock %s: for distlock run only\n", supervisorCommand)
		return exitUsage
	}
	group := args[0] == modeGroup
	lifeline := os.NewFile(3, "distlock run lifeline")
	if lifeline == nil {
		fmt.Fprintf(stderr, "distlock %s: no lifeline on fd 3\n", supervisorCommand)
		return exitUsage
	}
	syscall.CloseOnExec(3) // CMD does not need it

	// run signals what must stop; the supervisor must outlive CMD to report its status.
	// Caught (not ignored) signals return to their defaults in CMD.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	cmd := &exec.Cmd{Path: args[1], Args: args[2:], Env: os.Environ(), Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "distlock run: %v\n", err)
		return 126
	}
	target := cmd.Process.Pid
	if group {
		target = -os.Getpid()
	}
	go func() {
		_, _ = io.Copy(io.Discard, lifeline) // returns when every write end is closed
		_ = syscall.Kill(target, syscall.SIGKILL)
	}()
	go func() {
		for sig := range sigs {
			// In group mode run signals the group, which CMD is in already.
			if sig == syscall.SIGTERM && !group {
				_ = cmd.Process.Signal(sig)
			}
		}
	}()
	_ = cmd.Wait() // ProcessState says all
	return statusCode(cmd.ProcessState)
}

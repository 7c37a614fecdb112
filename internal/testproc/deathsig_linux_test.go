package testproc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const orphanEnv = "TESTPROC_LEAVE_AN_ORPHAN"

// leaveAnOrphan starts a server, prints its pid and exits without stopping it, as a
// crashed test binary or benchmark would.
func leaveAnOrphan() {
	p, err := Start(context.Background(), shell(`echo ready; exec sleep 600`))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(p.Pid())
	os.Exit(0)
}

func TestServersDieWithTheirParent(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), orphanEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("helper printed %q", out)
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err == unix.ESRCH {
		return // already killed and reaped
	}
	if err != nil {
		t.Fatalf("pidfd_open(%d): %v", pid, err)
	}
	defer unix.Close(fd)
	// A pidfd polls readable once its process has exited; the bound is only there so
	// that a failure ends the test instead of hanging it.
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 30_000)
	for err == unix.EINTR { // the Go runtime's own signals interrupt the wait
		n, err = unix.Poll(fds, 30_000)
	}
	if err != nil || n != 1 {
		t.Fatalf("server %d still runs after its parent died (poll: %d, %v)", pid, n, err)
	}
}

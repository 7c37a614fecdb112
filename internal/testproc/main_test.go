package testproc

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

// TestMain fails the package if a test leaves a goroutine behind: each process has an
// output goroutine that ends only when the process is reaped. Run with orphanEnv set,
// the test binary is instead a program that dies leaving a server running (see
// TestServersDieWithTheirParent).
func TestMain(m *testing.M) {
	if os.Getenv(orphanEnv) != "" {
		leaveAnOrphan()
		return
	}
	goleak.VerifyTestMain(m)
}

func requireRedis(t *testing.T) {
	t.Helper()
	if RedisServerPath() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed, and CI is set: .ci/run installs it")
		}
		t.Skip("redis-server is not installed")
	}
}

// watchPid opens a pidfd of a running process, so that gone can later tell, whatever
// pid the kernel has handed out since, whether that very process was reaped.
func watchPid(t *testing.T, pid int) int {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatalf("pidfd_open(%d): %v", pid, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// gone reports whether the process behind a pidfd has exited and been reaped: a zombie
// can still be signalled.
func gone(pidfd int) bool {
	return errors.Is(unix.PidfdSendSignal(pidfd, 0, nil, 0), unix.ESRCH)
}

// children lists this process's child processes, zombies included, from /proc.
func children(t *testing.T) []string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // exited while listing
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(os.Getpid()) {
			out = append(out, s[:strings.LastIndexByte(s, ')')+1]+" "+fields[0])
		}
	}
	return out
}

// noChildren fails the test if any child process of the test binary is left.
func noChildren(t *testing.T) {
	t.Helper()
	if c := children(t); len(c) > 0 {
		t.Errorf("child processes left running: %v", c)
	}
}

//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/distlock/distlock/internal/testproc"
)

// TestRunKilledTakesCommandWithIt is the regression test of `distlock run` killed with
// SIGKILL: its command, and what the command started, used to run on, and after the
// TTL the next holder ran alongside them. The real binary runs here, since the bug is
// about its process.
func TestRunKilledTakesCommandWithIt(t *testing.T) {
	t.Parallel()
	bin, err := testproc.Distlock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	url := startService(t)
	tests := map[string][]string{
		// The shell prints its pid and its background child's, then waits.
		"group": {"sh", "-c", `sleep 300 & echo "$$ $!"; wait`},
		// CMD stays in run's process group: the supervisor kills CMD itself.
		"foreground": {"--foreground", "--", "sh", "-c", `echo "$$"; exec sleep 300`},
	}
	for name, tail := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := []string{"run", "cli/sigkill-" + name, "--server", url}
			if tail[0] != "--foreground" {
				args = append(args, "--")
			}
			cmd := exec.Command(bin, append(args, tail...)...)
			// Files, not buffers: Wait must not wait for survivors to close a pipe.
			stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
			if err != nil {
				t.Fatal(err)
			}
			defer stderr.Close()
			out, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			cmd.Stdout, cmd.Stderr = w, stderr
			err = cmd.Start()
			w.Close()
			if err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				logs, _ := os.ReadFile(stderr.Name())
				t.Fatalf("reading the command's pids: %v; stderr:\n%s", err, logs)
			}
			var pids []int
			for _, f := range strings.Fields(line) {
				pid, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("the command printed %q", line)
				}
				pids = append(pids, pid)
				t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) }) // if the test fails
			}

			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			for _, pid := range pids {
				if !awaitGone(pid, 10*time.Second) {
					t.Errorf("process %d that run started still runs after run was killed", pid)
				}
			}
		})
	}
}

// awaitGone polls until process pid no longer runs, for at most bound, and reports
// whether it ended. A zombie counts as ended: it runs nothing, and whether anyone reaps
// it is up to the init process of the machine (or container).
func awaitGone(pid int, bound time.Duration) bool {
	deadline := time.Now().Add(bound)
	for {
		if gone(pid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false // no /proc (not Linux): kill(2) alone decides
	}
	// "pid (comm) S …": the state follows the last ')', as comm may hold any character.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

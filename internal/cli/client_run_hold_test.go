//go:build unix

package cli

import (
	"strings"
	"testing"

	"github.com/distlock/distlock/internal/servertest"
)

// TestRunHoldHoldsWhileCommandRuns: with --hold the lock is held over a stream while
// CMD runs, CMD gets its fencing token, and it is free once run exits.
func TestRunHoldHoldsWhileCommandRuns(t *testing.T) { testRunHoldsLockWhileCommandRuns(t, "--hold") }

// TestRunHoldSaysWhenWaiting: the service's waiting events name the holder.
func TestRunHoldSaysWhenWaiting(t *testing.T) { testRunSaysWhenWaiting(t, "--hold") }

// TestRunHoldStopsCommandWhenTheServiceDrains: a service shutting down ends the hold
// after its grace period; run reports the loss and stops CMD.
func TestRunHoldStopsCommandWhenTheServiceDrains(t *testing.T) {
	t.Parallel()
	srv, err := servertest.Start(nil, "--lock-service", "memory://"+t.Name())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	stdout, stderr := newWatchWriter("started"), newWatchWriter("")
	done := startCLI(ctx, nil, stdout, stderr, "run", "cli/drained", "--hold", "--server", srv.URL, "--",
		"sh", "-c", "echo started; sleep 30; echo finished")
	awaitSeen(t, stdout, done, stderr)
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	if code := awaitExit(t, done); code != 128+15 {
		t.Errorf("run: exit %d, want %d (SIGTERM); stderr:\n%s", code, 128+15, stderr)
	}
	if !strings.Contains(stderr.String(), "lost the lock") || strings.Contains(stdout.String(), "finished") {
		t.Errorf("stdout %q, stderr %q: want the loss reported and the command stopped", stdout, stderr)
	}
	if err := <-closed; err != nil {
		t.Errorf("stopping the service: %v", err)
	}
}

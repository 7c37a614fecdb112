//go:build unix

package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// forAWhile is a shell loop that runs for about 30s in short sleeps, so that a trap runs
// soon after its signal, and a process the test failed to stop still ends by itself.
const forAWhile = `i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done`

func TestRunExitsWithCommandStatus(t *testing.T) {
	t.Parallel()
	url := startService(t)
	tests := []struct {
		script string
		code   int
	}{
		{"exit 0", 0},
		{"exit 7", 7},
		{"kill -KILL $$", 128 + 9},
	}
	for _, tt := range tests {
		r := runCLI(t.Context(), nil, "run", "cli/status", "--server", url, "--", "sh", "-c", tt.script)
		if r.code != tt.code {
			t.Errorf("run sh -c %q: exit %d, want %d; stderr %s", tt.script, r.code, tt.code, r.stderr)
		}
	}
	if r := runCLI(t.Context(), nil, "run", "cli/status", "--server", url, "--", "/no/such/command"); r.code != 127 {
		t.Errorf("run of a missing command: exit %d, want 127", r.code)
	}
	// Every run released its lock.
	if r := runCLI(t.Context(), nil, "info", "cli/status", "--server", url); r.code != exitNotHeld {
		t.Errorf("info after the runs: exit %d, want %d (free)", r.code, exitNotHeld)
	}
}

func TestRunPassesLockToCommandEnvironment(t *testing.T) {
	t.Parallel()
	url := startService(t)
	r := runCLI(t.Context(), nil, "run", "cli/env vars", "--server", url, "--",
		"sh", "-c", `printf '%s|%s' "$DISTLOCK_RESOURCE" "$DISTLOCK_FENCING_TOKEN"`)
	if r.code != 0 {
		t.Fatalf("run: exit %d, stderr %s", r.code, r.stderr)
	}
	res, token, _ := strings.Cut(r.stdout, "|")
	fence, err := strconv.ParseUint(token, 10, 64)
	if res != "cli/env vars" || err != nil || fence == 0 {
		t.Fatalf("the command saw resource %q and fencing token %q", res, token)
	}
	// The next holder's token is larger: the command saw the real one.
	r = runCLI(t.Context(), nil, "acquire", "cli/env vars", "--server", url)
	var next distlockv1.AcquireResponse
	decodeJSON(t, r.stdout, &next)
	if next.FencingToken <= fence {
		t.Errorf("next fencing token %d, want more than the command's %d", next.FencingToken, fence)
	}
}

func TestRunHoldsLockWhileCommandRuns(t *testing.T) { testRunHoldsLockWhileCommandRuns(t) }

func testRunHoldsLockWhileCommandRuns(t *testing.T, flags ...string) {
	t.Parallel()
	url := startService(t)
	ctx := t.Context()
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	stdout, stderr := newWatchWriter("started"), newWatchWriter("")
	done := startCLI(ctx, stdinR, stdout, stderr, append(append([]string{"run", "cli/held", "--server", url}, flags...), "--",
		"sh", "-c", `echo started "$DISTLOCK_FENCING_TOKEN"; read line; exit 0`)...)
	awaitSeen(t, stdout, done, stderr)

	r := runCLI(ctx, nil, "info", "cli/held", "--server", url)
	if r.code != 0 {
		t.Fatalf("info while the command runs: exit %d, %q", r.code, r.stderr)
	}
	var info distlockv1.InfoResponse
	decodeJSON(t, r.stdout, &info)
	if !strings.Contains(stdout.String(), strconv.FormatUint(info.FencingToken, 10)) || !strings.HasPrefix(info.Owner, "distlock run on ") {
		t.Errorf("holder %v; the command printed %q", &info, stdout.String())
	}
	stdinW.Close() // the command reads EOF and exits 0
	if code := awaitExit(t, done); code != 0 {
		t.Fatalf("run: exit %d, stderr %s", code, stderr.String())
	}
	if r := runCLI(ctx, nil, "info", "cli/held", "--server", url); r.code != exitNotHeld {
		t.Errorf("info after run: exit %d, want %d (released)", r.code, exitNotHeld)
	}
}

func TestRunSaysWhenWaiting(t *testing.T) { testRunSaysWhenWaiting(t) }

func testRunSaysWhenWaiting(t *testing.T, flags ...string) {
	t.Parallel()
	url := startService(t)
	ctx := t.Context()
	holder, err := distlock.New(url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	lease, err := holder.Acquire(ctx, "cli/queue", driver.LeaseOptions{TTL: core.DefaultTTL, Owner: "the first job"})
	if err != nil {
		t.Fatal(err)
	}

	stdout, stderr := newWatchWriter("ran"), newWatchWriter("waiting for the lock")
	done := startCLI(ctx, nil, stdout, stderr, append(append([]string{"run", "cli/queue", "--server", url}, flags...), "--", "echo", "ran")...)
	awaitSeen(t, stderr, done, stderr)
	if msg := stderr.String(); !strings.Contains(msg, `held by "the first job"`) {
		t.Errorf("waiting message %q does not name the holder", msg)
	}
	if strings.Contains(stdout.String(), "ran") {
		t.Fatal("the command ran while another held the lock")
	}
	if err := holder.Release(ctx, lease); err != nil {
		t.Fatal(err)
	}
	if code := awaitExit(t, done); code != 0 || stdout.String() != "ran\n" {
		t.Errorf("run: exit %d, stdout %q; want 0 and the command's output", code, stdout.String())
	}
	if n := strings.Count(stderr.String(), "waiting"); n != 1 {
		t.Errorf("waiting message written %d times, want once:\n%s", n, stderr.String())
	}
}

func TestRunDoesNotSayWaitingForFreeLock(t *testing.T) {
	t.Parallel()
	url := startService(t)
	r := runCLI(t.Context(), nil, "run", "cli/free", "--server", url, "--", "true")
	if r.code != 0 || r.stderr != "" {
		t.Errorf("run: exit %d, stderr %q; want 0 and silence", r.code, r.stderr)
	}
}

// TestRunWithUnreachableService is decision 9 of sdks/POLICY.md: with the default
// endless wait, a service that never answers ends run with an error naming its URL, and
// nothing says "waiting" (run used to say so, falsely, and hang).
func TestRunWithUnreachableService(t *testing.T) {
	t.Parallel()
	const refused = "http://127.0.0.1:1"
	r := runCLI(t.Context(), nil, "run", "cli/unreachable", "--server", refused, "--", "echo", "ran")
	if r.code != exitFailure || r.stdout != "" {
		t.Errorf("run: exit %d, stdout %q; want %d and no run", r.code, r.stdout, exitFailure)
	}
	if !strings.Contains(r.stderr, refused) || !strings.Contains(r.stderr, "connection refused") || strings.Contains(r.stderr, "waiting") {
		t.Errorf("run: stderr %q, want the URL and the cause, and no waiting notice", r.stderr)
	}
}

func TestRunGivesUpAfterWait(t *testing.T) {
	t.Parallel()
	url := startService(t)
	ctx := t.Context()
	if r := runCLI(ctx, nil, "acquire", "cli/taken", "--server", url); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := runCLI(ctx, nil, "run", "cli/taken", "--server", url, "--wait", "0", "--", "echo", "ran")
	if r.code != exitNotAcquired || r.stdout != "" {
		t.Errorf("run of a held lock with --wait 0: exit %d, stdout %q; want %d and no run", r.code, r.stdout, exitNotAcquired)
	}
}

// stealAfterStart runs `distlock run` through a recording proxy, and once the command
// has printed "started", takes the lock from it with the lease token the proxy saw: it
// releases the lease and acquires the resource, as a second holder after an expiry would.
func stealAfterStart(t *testing.T, script string, extra ...string) (code int, stdout, stderr *watchWriter) {
	t.Helper()
	url := startService(t)
	proxy := startRecordingProxy(t, url)
	ctx := t.Context()
	stdout, stderr = newWatchWriter("started"), newWatchWriter("")
	args := append([]string{"run", "cli/stolen", "--server", proxy.url, "--ttl", "5s"}, extra...)
	args = append(args, "--", "sh", "-c", script)
	done := startCLI(ctx, nil, stdout, stderr, args...)
	awaitSeen(t, stdout, done, stderr)

	thief, err := distlock.New(url)
	if err != nil {
		t.Fatal(err)
	}
	defer thief.Close()
	if err := thief.Release(ctx, driver.Lease{Resource: "cli/stolen", Token: proxy.lastToken()}); err != nil {
		t.Fatalf("releasing the run's lease: %v", err)
	}
	lease, err := thief.Acquire(ctx, "cli/stolen", driver.LeaseOptions{TTL: core.DefaultTTL})
	if err != nil {
		t.Fatalf("taking the lock: %v", err)
	}
	defer thief.Release(context.WithoutCancel(ctx), lease)
	return awaitExit(t, done), stdout, stderr
}

func TestRunStopsCommandWhenLockIsLost(t *testing.T) {
	t.Parallel()
	// The shell runs sleep as a child, so SIGTERM must reach the whole group: the shell
	// dies at once, and its trap-less child only through the group signal.
	code, stdout, stderr := stealAfterStart(t, `echo started; sleep 30; echo finished`)
	if code != 128+15 {
		t.Errorf("run: exit %d, want %d (SIGTERM); stderr:\n%s", code, 128+15, stderr)
	}
	// The reason (decision 5 of sdks/POLICY.md): the service said the lease is gone.
	if !strings.Contains(stderr.String(), "lost the lock") || !strings.Contains(stderr.String(), core.ErrNotHeld.Error()) {
		t.Errorf("stderr does not say the lock was lost, and why:\n%s", stderr)
	}
	if strings.Contains(stdout.String(), "finished") {
		t.Error("the command ran to its end after the lock was lost")
	}
}

func TestRunSignalsWholeProcessGroup(t *testing.T) {
	t.Parallel()
	// A grandchild reports the SIGTERM it gets; only a signal to the group reaches it.
	// (The wait builtin returns at once for a trapped signal; the script has no $ since
	// it is double-quoted inside the outer one.)
	grandchild := `trap 'echo grandchild got TERM; exit 0' TERM; sleep 30 & wait`
	code, stdout, stderr := stealAfterStart(t, fmt.Sprintf(`echo started; sh -c %q`, grandchild))
	if code != 128+15 {
		t.Errorf("run: exit %d, want %d; stderr:\n%s", code, 128+15, stderr)
	}
	if !strings.Contains(stdout.String(), "grandchild got TERM") {
		t.Errorf("the grandchild did not get SIGTERM; stdout:\n%s", stdout)
	}
}

func TestRunKillsCommandThatIgnoresSIGTERM(t *testing.T) {
	t.Parallel()
	code, _, stderr := stealAfterStart(t, `trap '' TERM; echo started; `+forAWhile, "--grace", "1s")
	if code != 128+9 {
		t.Errorf("run: exit %d, want %d (SIGKILL after the grace period); stderr:\n%s", code, 128+9, stderr)
	}
}

func TestRunLostLockNeverLooksLikeSuccess(t *testing.T) {
	t.Parallel()
	code, _, stderr := stealAfterStart(t, `trap 'exit 0' TERM; echo started; `+forAWhile)
	if code != exitFailure {
		t.Errorf("run: exit %d, want %d though the command exited 0 on SIGTERM; stderr:\n%s", code, exitFailure, stderr)
	}
}

func TestRunForegroundSignalsOnlyCommand(t *testing.T) {
	t.Parallel()
	code, _, stderr := stealAfterStart(t, `echo started; exec sleep 30`, "--foreground")
	if code != 128+15 {
		t.Errorf("run --foreground: exit %d, want %d (SIGTERM); stderr:\n%s", code, 128+15, stderr)
	}
}

func TestRunStopsCommandWhenInterrupted(t *testing.T) {
	t.Parallel()
	url := startService(t)
	// The context ends as cmd/distlock's does on SIGINT or SIGTERM.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout, stderr := newWatchWriter("started"), newWatchWriter("")
	done := startCLI(ctx, nil, stdout, stderr, "run", "cli/interrupted", "--server", url, "--",
		"sh", "-c", "echo started; sleep 30")
	awaitSeen(t, stdout, done, stderr)
	cancel()
	if code := awaitExit(t, done); code != 128+15 {
		t.Errorf("run: exit %d, want %d (SIGTERM); stderr:\n%s", code, 128+15, stderr)
	}
	if r := runCLI(t.Context(), nil, "info", "cli/interrupted", "--server", url); r.code != exitNotHeld {
		t.Errorf("info after the interrupted run: exit %d, want %d (released)", r.code, exitNotHeld)
	}
}

//go:build unix

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// Environment variables run passes to its command.
const (
	envFencingToken = "DISTLOCK_FENCING_TOKEN"
	envResource     = "DISTLOCK_RESOURCE"
)

// waitingNotice is how long run waits for a held lock before saying so on stderr.
const waitingNotice = time.Second

// runAbout is run's help text.
var runAbout = `Takes the lock on RESOURCE, renews it while CMD runs, then releases it and exits
with CMD's status (128+N if a signal N ended it). CMD gets DISTLOCK_RESOURCE and
DISTLOCK_FENCING_TOKEN in its environment: pass the fencing token to the store you
protect, so it can reject a stale holder's writes.

While the lock is held by another, run waits (--wait, forever by default) and, once
the service has said who holds it, says so on stderr after a second. A service that
stops answering (connection refused, unknown host) is given up on after ` + policy.UnreachableGiveUp.String() + `
of silence.

If the lock is lost while CMD runs (renewal failed until the lock's validity
ended, or another took it), run says why on stderr, sends SIGTERM to CMD, then
SIGKILL after --grace, and exits with CMD's status, or 1 if CMD still exited 0: a
lost lock never looks like success. SIGINT or SIGTERM to run stops CMD the same way.

CMD runs in its own process group, so that the signals reach everything it started;
with --foreground it stays in run's group (for a CMD that reads the terminal) and only
CMD itself is signalled. If run dies, even by SIGKILL, CMD is killed at once (its whole
group, or CMD alone with --foreground): nothing renews the lock after run, so CMD may
not outlive it. A small supervisor process (this program again) stands between run and
CMD for that.

Before CMD starts, the exit status is 1 (failure), 2 (bad usage or input), 3 (not
acquired: held by another and the wait ran out), 126 (CMD cannot run), 127 (CMD not
found).`

func runCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cf clientFlags
	var lf lockFlags
	var grace time.Duration
	var foreground, hold bool
	fs := newFlagSet("run", "RESOURCE [flags] -- CMD [ARGS...]", runAbout, stderr)
	cf.register(fs)
	lf.register(fs, defaultOwner())
	fs.DurationVar(&grace, "grace", 10*time.Second, "how long CMD has to exit after SIGTERM before SIGKILL")
	fs.BoolVar(&foreground, "foreground", false, "keep CMD in run's process group and signal only CMD")
	fs.BoolVar(&hold, "hold", false, holdFlagHelp)

	dash := indexOf(args, "--")
	if dash < 0 {
		if hasHelp(args) {
			fs.Usage()
			return exitOK
		}
		return usageError(fs, stderr, errors.New("want -- before CMD"))
	}
	pos, err := parseArgs(fs, args[:dash])
	if err != nil {
		return usageError(fs, stderr, err)
	}
	argv := args[dash+1:]
	switch {
	case len(pos) != 1:
		return usageError(fs, stderr, errors.New("want exactly one RESOURCE before --"))
	case len(argv) == 0:
		return usageError(fs, stderr, errors.New("want a CMD after --"))
	case grace <= 0:
		return usageError(fs, stderr, errors.New("--grace must be positive"))
	}
	resource := pos[0]
	o := lf.leaseOptions()
	// Bad input is a usage error before any call, and before any waiting message.
	if err := errors.Join(driver.ValidateResource(resource), driver.ValidateLease(o)); err != nil {
		return failure(stderr, "run", err)
	}

	l, err := cf.open()
	if err != nil {
		return failure(stderr, "run", err)
	}
	defer l.Close()

	var lock core.Lock
	if hold {
		lock, err = holdNoisily(ctx, l, resource, o, stderr)
	} else {
		var lease driver.Lease
		if lease, err = acquireNoisily(ctx, l, resource, o, stderr); err == nil {
			lock = core.Hold(l, lease, nil)
		}
	}
	if err != nil {
		return failure(stderr, "run", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), policy.CallTimeout)
		defer cancel()
		if err := lock.Release(rctx); err != nil && !errors.Is(err, core.ErrNotHeld) {
			fmt.Fprintf(stderr, "distlock run: releasing the lock: %v\n", err)
		}
	}()

	path, err := exec.LookPath(argv[0])
	if err != nil {
		fmt.Fprintf(stderr, "distlock run: %v\n", err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return 127
		}
		return 126
	}
	c := child{
		path: path,
		argv: argv,
		env: append(os.Environ(),
			envFencingToken+"="+strconv.FormatUint(lock.FencingToken, 10),
			envResource+"="+resource),
		stdin: stdin, stdout: stdout, stderr: stderr,
		group: !foreground,
		grace: grace,
	}
	if err := c.start(); err != nil {
		return failure(stderr, "run", err)
	}

	var lost bool
	select {
	case <-c.done:
	case <-lock.Lost:
		lost = true
		fmt.Fprintf(stderr, "distlock run: lost the lock on %q (%v); stopping %s\n", resource, lock.Err(), argv[0])
		c.stop()
	case <-ctx.Done():
		c.stop()
	}
	<-c.done
	code := c.exitCode()
	if lost && code == 0 {
		code = exitFailure
	}
	return code
}

// acquireNoisily acquires the lease, saying on stderr, once it has waited for
// waitingNotice, who holds the lock. Only the service's word that another holds it
// makes that true: the notice waits for an Info that answers, and a service that does
// not answer, or a lock that is free by then, says nothing.
func acquireNoisily(ctx context.Context, l *distlock.Lessor, resource string, o driver.LeaseOptions, stderr io.Writer) (driver.Lease, error) {
	nctx, acquired := context.WithCancel(ctx)
	said := make(chan struct{})
	go func() {
		defer close(said)
		t := time.NewTimer(waitingNotice)
		defer t.Stop()
		for {
			select {
			case <-nctx.Done():
				return
			case <-t.C:
			}
			ictx, cancel := context.WithTimeout(nctx, waitingNotice)
			info, err := l.Info(ictx, resource)
			cancel()
			if err == nil && nctx.Err() == nil {
				fmt.Fprintln(stderr, waitingMessage(resource, info))
				return
			}
			t.Reset(waitingNotice)
		}
	}()
	lease, err := l.Acquire(ctx, resource, o)
	acquired()
	<-said // the notice is written before anything else, never interleaved with CMD's output
	return lease, err
}

// waitingMessage says who holds the lock on resource, by Info's answer.
func waitingMessage(resource string, info driver.Info) string {
	msg := fmt.Sprintf("distlock run: waiting for the lock on %q", resource)
	if info.Owner != "" {
		msg += fmt.Sprintf(", held by %q", info.Owner)
	}
	return msg + fmt.Sprintf(" since %s", info.LockTime.Local().Format(time.DateTime))
}

// defaultOwner labels run's locks with where they are held, for info and for the waiting
// notice of the next one to come.
func defaultOwner() string {
	host, _ := os.Hostname()
	label := fmt.Sprintf("distlock run on %s (pid %d)", host, os.Getpid())
	if len(label) > policy.MaxOwnerBytes {
		label = label[:policy.MaxOwnerBytes]
	}
	return strings.ToValidUTF8(label, "")
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if a == s {
			return i
		}
	}
	return -1
}

func hasHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

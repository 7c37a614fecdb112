package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// Exit codes of the client commands, beyond the table's 0 (success), 1 (failure) and
// 2 (bad usage). `distlock run` exits with its command's status instead, once started.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitNotAcquired = 3 // the lock is held by another and the wait ran out
	exitNotHeld     = 4 // the lease or lock is not held (release, info)
	exitRefused     = 5 // unauthenticated or permission denied: fix the token or the rules
	exitExhausted   = 6 // a quota or the service's cap was reached: retry later
)

// serverEnv names the environment variable with the service's URL, for every client
// command; --server wins over it.
const (
	serverEnv     = "DISTLOCK_SERVER"
	defaultServer = "http://127.0.0.1:8080"
)

// lookupEnv reads the environment. Tests replace it, then restore defaultLookupEnv.
var (
	lookupEnv        = defaultLookupEnv
	defaultLookupEnv = os.LookupEnv
)

// clientFlags are the flags every client command has.
type clientFlags struct {
	server string
	token  tokenFlags
}

// register adds the client flags to fs.
func (c *clientFlags) register(fs *flag.FlagSet) {
	def := defaultServer
	if v, ok := lookupEnv(serverEnv); ok && v != "" {
		def = v
	}
	fs.StringVar(&c.server, "server", def, "`URL` of the distlock service; $"+serverEnv+" sets the default")
	c.token.register(fs)
}

// open returns a Lessor for the service the flags name, with the token they give.
func (c *clientFlags) open(opts ...distlock.Option) (*distlock.Lessor, error) {
	tok, err := c.token.option()
	if err != nil {
		return nil, err
	}
	if tok != nil {
		opts = append(opts, tok)
	}
	return distlock.New(c.server, opts...)
}

// newFlagSet returns a flag set for a client command whose usage shows synopsis and
// about.
func newFlagSet(name, synopsis, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("distlock "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: distlock %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags given before, between or after the positional arguments, which
// it returns. A "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError reports bad usage of a command: it prints msg and the usage, returning
// exitUsage. flag.ErrHelp (-h) is not an error.
func usageError(fs *flag.FlagSet, stderr io.Writer, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
	fs.Usage()
	return exitUsage
}

// failure prints err and returns the exit code for it.
func failure(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "distlock %s: %v\n", name, err)
	switch {
	case errors.Is(err, core.ErrInvalidArgument):
		return exitUsage
	case errors.Is(err, core.ErrAcquireTimeout):
		return exitNotAcquired
	case errors.Is(err, core.ErrNotHeld):
		return exitNotHeld
	case errors.Is(err, distlock.ErrUnauthenticated):
		fmt.Fprint(stderr, authHint)
		return exitRefused
	case errors.Is(err, distlock.ErrPermissionDenied):
		return exitRefused
	case errors.Is(err, distlock.ErrResourceExhausted):
		return exitExhausted
	}
	return exitFailure
}

// waitFlag is a wait duration that also accepts "forever" (negative inside).
type waitFlag time.Duration

func (w *waitFlag) String() string {
	if *w < 0 {
		return "forever"
	}
	return time.Duration(*w).String()
}

func (w *waitFlag) Set(s string) error {
	if strings.EqualFold(s, "forever") {
		*w = -1
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if d < 0 {
		return errors.New("a wait cannot be negative; use forever")
	}
	*w = waitFlag(d)
	return nil
}

// lockFlags are the flags of the commands that take a lock.
type lockFlags struct {
	ttl   time.Duration
	wait  waitFlag
	owner string
	data  string
}

func (l *lockFlags) register(fs *flag.FlagSet, defaultOwner string) {
	l.wait = -1
	fs.DurationVar(&l.ttl, "ttl", policy.DefaultTTL, fmt.Sprintf("how long the lock survives its holder's death, between %v and %v", policy.MinTTL, policy.MaxTTL))
	fs.Var(&l.wait, "wait", "how long to wait while another holds the lock: a `duration` (0 tries once) or forever")
	fs.StringVar(&l.owner, "owner", defaultOwner, fmt.Sprintf("a `label` that info shows, at most %d bytes", policy.MaxOwnerBytes))
	fs.StringVar(&l.data, "data", "", fmt.Sprintf("a `payload` stored with the lock, at most %d bytes", policy.MaxDataBytes))
}

func (l *lockFlags) leaseOptions() driver.LeaseOptions {
	o := driver.LeaseOptions{TTL: l.ttl, Owner: l.owner, Wait: time.Duration(l.wait)}
	if l.data != "" {
		o.Data = []byte(l.data)
	}
	return o
}

const exitCodesHelp = `Exit status: 0 done, 1 failure (e.g. the service is unreachable), 2 bad usage or
input, 3 not acquired (held by another and the wait ran out), 4 not held.`

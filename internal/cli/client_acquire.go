package cli

import (
	"context"
	"errors"
	"io"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
)

func acquireCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var cf clientFlags
	var lf lockFlags
	fs := newFlagSet("acquire", "RESOURCE [flags]",
		"Takes the lock on RESOURCE and prints the service's answer as JSON, with the\n"+
			"service's field names: resource, leaseToken (a secret: release takes it),\n"+
			"fencingToken, ttl, lockTime, expireTime. While another holds the lock it waits\n"+
			"(--wait, forever by default; SIGINT gives up). The lock is not renewed: it\n"+
			"expires after --ttl unless released. To hold a lock while a command runs, use\n"+
			"distlock run.\n\n"+exitCodesHelp,
		stderr)
	cf.register(fs)
	lf.register(fs, "")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(fs, stderr, err)
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, errors.New("want exactly one RESOURCE"))
	}
	// The service's own answers, printed rather than the SDK's view of the lease. The SDK
	// confirms a late grant with one Extend, whose answer then holds the lease's TTL,
	// expiry and fencing token; an Extend succeeds only for the grant Acquire returns.
	var granted answer[*distlockv1.AcquireResponse]
	var confirmed answer[*distlockv1.ExtendResponse]
	l, err := cf.open(distlock.WithConnectOptions(granted.interceptor(), confirmed.interceptor()))
	if err != nil {
		return failure(stderr, "acquire", err)
	}
	defer l.Close()
	lease, err := l.Acquire(ctx, pos[0], lf.leaseOptions())
	if err != nil {
		return failure(stderr, "acquire", err)
	}
	err = errors.New("the service's answer for the lease was not recorded")
	if grant, ok := granted.last(); ok && grant.GetLeaseToken() == lease.Token {
		if ext, ok := confirmed.last(); ok {
			grant.Ttl, grant.ExpireTime = ext.GetTtl(), ext.GetExpireTime()
			if f := ext.GetFencingToken(); f != 0 {
				grant.FencingToken = f
			}
		}
		err = printProto(stdout, grant)
	}
	if err != nil {
		// Nobody learns the token: give the lock back rather than leave it to expire.
		_ = l.Release(context.WithoutCancel(ctx), lease)
		return failure(stderr, "acquire", err)
	}
	return exitOK
}

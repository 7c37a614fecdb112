package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
)

func extendCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var cf clientFlags
	var token string
	fs := newFlagSet("extend", "RESOURCE --lease TOKEN [--ttl DURATION] [flags]",
		"Resets the TTL of the lease on RESOURCE whose lease token acquire printed, from now,\n"+
			"and prints the service's answer as its JSON: ttl, expireTime, fencingToken. A lease\n"+
			"no longer held (expired, released, broken) exits 4.\n\n"+exitCodesHelp, stderr)
	cf.register(fs)
	fs.StringVar(&token, "lease", "", "the lease `token` that acquire printed (required)")
	ttl := fs.Duration("ttl", driver.DefaultTTL, fmt.Sprintf("the new TTL, between %v and %v", driver.MinTTL, driver.MaxTTL))
	resource, code := resourceArgs(fs, args, stderr, "lease")
	if code != exitOK {
		return code
	}
	var said answer[*distlockv1.ExtendResponse]
	l, err := cf.open(distlock.WithConnectOptions(said.interceptor()))
	if err != nil {
		return failure(stderr, "extend", err)
	}
	defer l.Close()
	if _, err := l.Extend(ctx, driver.Lease{Resource: resource, Token: token}, *ttl); err != nil {
		return failure(stderr, "extend", err)
	}
	out, _ := said.last()
	if err := printProto(stdout, out); err != nil {
		return failure(stderr, "extend", err)
	}
	return exitOK
}

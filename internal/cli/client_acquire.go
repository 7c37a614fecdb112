package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/sdks/go/distlock"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
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
	var rec grantRecorder
	l, err := cf.open(distlock.WithConnectOptions(connect.WithInterceptors(rec.interceptor())))
	if err != nil {
		return failure(stderr, "acquire", err)
	}
	defer l.Close()
	lease, err := l.Acquire(ctx, pos[0], lf.leaseOptions())
	if err != nil {
		return failure(stderr, "acquire", err)
	}
	err = errors.New("the service's answer for the lease was not recorded")
	if grant := rec.lease(lease.Token); grant != nil {
		err = printJSON(stdout, grant)
	}
	if err != nil {
		// Nobody learns the token: give the lock back rather than leave it to expire.
		_ = l.Release(context.WithoutCancel(ctx), lease)
		return failure(stderr, "acquire", err)
	}
	return exitOK
}

// printJSON writes m as the service's JSON (protojson: lowerCamelCase names, 64-bit
// integers as decimal strings, durations as "10s"), so that the CLI's output and the
// service's answers read the same.
func printJSON(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

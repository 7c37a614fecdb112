package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// leaseJSON is what acquire prints. 64-bit integers are decimal strings, as in the
// service's JSON, so that no JSON reader rounds them.
type leaseJSON struct {
	Resource     string `json:"resource"`
	LeaseToken   string `json:"lease_token"`
	FencingToken string `json:"fencing_token"`
	TTL          string `json:"ttl"`
	Owner        string `json:"owner,omitempty"`
	LockTime     string `json:"lock_time,omitempty"`
	ValidUntil   string `json:"valid_until"`
}

func acquireCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var cf clientFlags
	var lf lockFlags
	fs := newFlagSet("acquire", "RESOURCE [flags]",
		"Takes the lock on RESOURCE and prints the lease as JSON: its lease_token (a secret:\n"+
			"release takes it) and fencing_token. The lock is not renewed: it expires after\n"+
			"--ttl unless released. To hold a lock while a command runs, use distlock run.\n\n"+exitCodesHelp,
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
	l, err := cf.open()
	if err != nil {
		return failure(stderr, "acquire", err)
	}
	defer l.Close()
	lease, err := l.Acquire(ctx, pos[0], lf.leaseOptions())
	if err != nil {
		return failure(stderr, "acquire", err)
	}
	out := leaseJSON{
		Resource:     lease.Resource,
		LeaseToken:   lease.Token,
		FencingToken: strconv.FormatUint(lease.Fence, 10),
		TTL:          lease.TTL.String(),
		Owner:        lease.Owner,
		ValidUntil:   lease.Validity.UTC().Format(time.RFC3339Nano),
	}
	if !lease.LockTime.IsZero() {
		out.LockTime = lease.LockTime.UTC().Format(time.RFC3339Nano)
	}
	if err := printJSON(stdout, out); err != nil {
		// Nobody learns the token: give the lock back rather than leave it to expire.
		_ = l.Release(context.WithoutCancel(ctx), lease)
		return failure(stderr, "acquire", err)
	}
	return exitOK
}

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

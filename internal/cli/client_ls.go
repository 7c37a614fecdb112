package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

func lsCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var cf clientFlags
	fs := newFlagSet("ls", "[PREFIX] [-o table|json] [flags]",
		"Lists the locks held on resources whose name starts with PREFIX (all without one),\n"+
			"reading every page of the service's List: a table of resource, owner, fencing\n"+
			"token, age, time left and waiters (those the answering replica knows), or with\n"+
			"-o json one object in the service's JSON, {\"locks\": [{resource, owner, lockTime,\n"+
			"expireTime, fencingToken, waiters}]}. Each page is a snapshot of its own.\n\n"+
			exitCodesHelp, stderr)
	cf.register(fs)
	format := fs.String("o", "table", "output `format`: table or json")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(fs, stderr, err)
	}
	if len(pos) > 1 {
		return usageError(fs, stderr, errors.New("want at most one PREFIX"))
	}
	if *format != "table" && *format != "json" {
		return usageError(fs, stderr, fmt.Errorf("-o %q: want table or json", *format))
	}
	prefix := ""
	if len(pos) == 1 {
		prefix = pos[0]
	}
	l, err := cf.open()
	if err != nil {
		return failure(stderr, "ls", err)
	}
	defer l.Close()
	var out distlockv1.ListResponse
	for lk, err := range l.Locks(ctx, prefix) {
		if err != nil {
			return failure(stderr, "ls", err)
		}
		out.Locks = append(out.Locks, &distlockv1.ListedLock{
			Resource:     lk.Resource,
			Owner:        lk.Owner,
			LockTime:     timestamppb.New(lk.LockTime),
			ExpireTime:   timestamppb.New(lk.ExpireTime),
			FencingToken: lk.FencingToken,
			Waiters:      uint32(lk.Waiters),
		})
	}
	if *format == "json" {
		err = printProto(stdout, &out)
	} else {
		err = printLocks(stdout, out.Locks, time.Now())
	}
	if err != nil {
		return failure(stderr, "ls", err)
	}
	return exitOK
}

// printLocks prints locks as a table, ages and times left as of now.
func printLocks(w io.Writer, locks []*distlockv1.ListedLock, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tOWNER\tFENCING TOKEN\tAGE\tTIME LEFT\tWAITERS")
	for _, lk := range locks {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\n", cell(lk.GetResource()), cell(lk.GetOwner()),
			lk.GetFencingToken(), roundDur(now.Sub(lk.GetLockTime().AsTime())),
			roundDur(lk.GetExpireTime().AsTime().Sub(now)), lk.GetWaiters())
	}
	return tw.Flush()
}

// cell renders a name for one table cell: escaped as in a Go string, so that a tab or
// newline in a resource name cannot break the table; "-" for none.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// roundDur renders d to the second (to the millisecond under a second), never negative.
func roundDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/distlock/distlock/core"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func infoCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var cf clientFlags
	fs := newFlagSet("info", "RESOURCE [flags]",
		"Prints the holder of the lock on RESOURCE as the service's JSON: owner, lockTime,\n"+
			"expireTime, fencingToken. A free lock prints nothing on stdout, a line on stderr,\n"+
			"and exits 4 (not held).\n\n"+exitCodesHelp,
		stderr)
	cf.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(fs, stderr, err)
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, errors.New("want exactly one RESOURCE"))
	}
	l, err := cf.open()
	if err != nil {
		return failure(stderr, "info", err)
	}
	defer l.Close()
	info, err := l.Info(ctx, pos[0])
	if errors.Is(err, core.ErrNotHeld) {
		err = fmt.Errorf("the lock on %q is free: %w", pos[0], err)
	}
	if err != nil {
		return failure(stderr, "info", err)
	}
	out := &distlockv1.InfoResponse{
		Owner:        info.Owner,
		LockTime:     timestamp(info.LockTime),
		ExpireTime:   timestamp(info.ExpireTime),
		FencingToken: info.FencingToken,
	}
	if err := printProto(stdout, out); err != nil {
		return failure(stderr, "info", err)
	}
	return exitOK
}

// timestamp is t for the service's JSON; a time the service did not send stays unset.
func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

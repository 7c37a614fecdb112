package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/distlock/distlock/core"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

func breakCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var cf clientFlags
	var reason string
	fs := newFlagSet("break", "RESOURCE --reason TEXT [flags]",
		"Force-releases the lock on RESOURCE whatever its lease token (the service's admin\n"+
			"verb) and advances its fencing token: the holder's next renewal fails, so its SDK\n"+
			"reports the lock lost. The service logs the call with your principal and --reason.\n"+
			"Prints the broken holder as the service's JSON: owner, fencingToken and\n"+
			"advancedFencingToken (every later grant's token exceeds it; hand it to the store\n"+
			"you protect to refuse the old holder's writes at once). A free lock exits 4.\n\n"+
			exitCodesHelp, stderr)
	cf.register(fs)
	fs.StringVar(&reason, "reason", "", "why the lock is broken, for the audit log (required)")
	resource, code := resourceArgs(fs, args, stderr, "reason")
	if code != exitOK {
		return code
	}
	l, err := cf.open()
	if err != nil {
		return failure(stderr, "break", err)
	}
	defer l.Close()
	broken, err := l.ForceRelease(ctx, resource, reason)
	if errors.Is(err, core.ErrNotHeld) {
		err = fmt.Errorf("the lock on %q is free: %w", resource, err)
	}
	if err != nil {
		return failure(stderr, "break", err)
	}
	out := &distlockv1.ForceReleaseResponse{
		Owner:                broken.Owner,
		FencingToken:         broken.FencingToken,
		AdvancedFencingToken: broken.Advanced,
	}
	if err := printProto(stdout, out); err != nil {
		return failure(stderr, "break", err)
	}
	return exitOK
}

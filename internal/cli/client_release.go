package cli

import (
	"context"
	"errors"
	"io"

	"github.com/distlock/distlock/core/driver"
)

func releaseCommand(ctx context.Context, args []string, _ io.Reader, _, stderr io.Writer) int {
	var cf clientFlags
	var token string
	fs := newFlagSet("release", "RESOURCE --lease TOKEN [flags]",
		"Releases the lease on RESOURCE whose lease token acquire printed.\n\n"+exitCodesHelp, stderr)
	cf.register(fs)
	fs.StringVar(&token, "lease", "", "the lease `token` that acquire printed (required)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(fs, stderr, err)
	}
	if len(pos) != 1 {
		return usageError(fs, stderr, errors.New("want exactly one RESOURCE"))
	}
	if token == "" {
		return usageError(fs, stderr, errors.New("--lease is required"))
	}
	l, err := cf.open()
	if err != nil {
		return failure(stderr, "release", err)
	}
	defer l.Close()
	if err := l.Release(ctx, driver.Lease{Resource: pos[0], Token: token}); err != nil {
		return failure(stderr, "release", err)
	}
	return exitOK
}

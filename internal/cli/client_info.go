package cli

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/distlock/distlock/core"
)

func init() {
	commands["info"] = infoCommand
	summaries["info"] = "show who holds a lock"
}

// infoJSON is what info prints.
type infoJSON struct {
	Resource     string `json:"resource"`
	Held         bool   `json:"held"`
	Owner        string `json:"owner,omitempty"`
	FencingToken string `json:"fencing_token,omitempty"`
	LockTime     string `json:"lock_time,omitempty"`
	ExpireTime   string `json:"expire_time,omitempty"`
}

func infoCommand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var cf clientFlags
	fs := newFlagSet("info", "RESOURCE [flags]",
		"Prints the holder of the lock on RESOURCE as JSON: held, owner, fencing_token,\n"+
			"lock_time, expire_time. A free resource prints held: false and exits 4.\n\n"+exitCodesHelp,
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
		if err := printJSON(stdout, infoJSON{Resource: pos[0]}); err != nil {
			return failure(stderr, "info", err)
		}
		return exitNotHeld
	}
	if err != nil {
		return failure(stderr, "info", err)
	}
	out := infoJSON{
		Resource:     pos[0],
		Held:         true,
		Owner:        info.Owner,
		FencingToken: strconv.FormatUint(info.FencingToken, 10),
		LockTime:     info.LockTime.UTC().Format(time.RFC3339Nano),
		ExpireTime:   info.ExpireTime.UTC().Format(time.RFC3339Nano),
	}
	if err := printJSON(stdout, out); err != nil {
		return failure(stderr, "info", err)
	}
	return exitOK
}
